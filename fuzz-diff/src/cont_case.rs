//! One continuation case: a generated program run under a tiering and
//! compared with its model, and the report of a failing case.
//!
//! ```text
//!   Program ─to_wat─▶ text ─▶ wasm ─run(tiering)─▶ observations
//!   model: Expected { result, log } ─▶ the "main" call and global 0 it implies
//!   mismatch ─▶ failure_report: what differed, the plan by function name,
//!               the program's Debug form and its Wasm text
//! ```
//!
//! Shrinking is quickcheck's (`cont_arbitrary.rs`, `tiering_plan.rs`).

use crate::cont_gen::{Ending, Expected, Program};
use crate::cont_wat::{function_names, to_wat};
use crate::outcome::Observation;
use crate::run::{RunReport, Tiering, run_limited};
use std::fmt::Write;
use wasmfx_core::StoreLimits;

/// When a case's store collects unreachable continuations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// The engine's default: when the live count doubles.
    Default,
    /// At every `cont.new` (collection minimum 0), in both tiers.
    EveryContNew,
}

/// Checks `program` under `tiering` against its model.
///
/// # Errors
/// As [`check_program_against`].
pub fn check_program(program: &Program, tiering: &Tiering) -> Result<usize, String> {
    check_program_against(program, tiering, program.expected())
}

/// [`check_program`] with the store collecting as `collection` says; `Ok`
/// holds the run's report (tier-ups and collections made).
///
/// # Errors
/// As [`check_program_against`].
pub fn check_program_collecting(
    program: &Program,
    tiering: &Tiering,
    collection: Collection,
) -> Result<RunReport, String> {
    run_against(program, tiering, program.expected(), collection)
}

/// Runs `program` under `tiering` and compares its `main` result and log
/// with `expected`. `Ok` holds how many functions tiered up in the run.
///
/// # Errors
/// The expected and actual `main` result and log, or why it did not run.
pub fn check_program_against(
    program: &Program,
    tiering: &Tiering,
    expected: Expected,
) -> Result<usize, String> {
    run_against(program, tiering, expected, Collection::Default).map(|report| report.tiered_up)
}

fn run_against(
    program: &Program,
    tiering: &Tiering,
    expected: Expected,
    collection: Collection,
) -> Result<RunReport, String> {
    let wat = to_wat(program);
    let wasm = wasmfx_tier::text_to_binary(&wat).map_err(|e| format!("text: {e:?}"))?;
    let mut limits = StoreLimits::default();
    if collection == Collection::EveryContNew {
        limits.collection_minimum = 0;
    }
    let report = run_limited(&wasm, None, tiering, 0, limits)?;
    let seen = &report.seen;
    let expected = expected_observations(expected);
    let main = seen.iter().find(|o| matches!(o, Observation::Call { .. }));
    let log = seen
        .iter()
        .find(|o| matches!(o, Observation::Global { index: 0, .. }));
    let actual = [main.cloned(), log.cloned()];
    if actual == expected.clone().map(Some) {
        Ok(report)
    } else {
        Err(format!("expected {expected:?}\n  actual {actual:?}"))
    }
}

/// The observations a correct run makes: the `main` call, then the log.
fn expected_observations(expected: Expected) -> [Observation; 2] {
    let result = match expected.result {
        Ending::Returned(value) => Ok(vec!["i32:0".to_string(), format!("i32:{value}")]),
        Ending::Escaped(payload) => Ok(vec!["i32:1".to_string(), format!("i32:{payload}")]),
        Ending::Trapped(message) => Err(format!("wasm trap: {message}")),
    };
    [
        Observation::Call {
            export: "main".into(),
            args: vec![],
            result,
        },
        Observation::Global {
            index: 0,
            value: format!("i32:{}", expected.log),
        },
    ]
}

/// A failing case for people: the tiering (a plan by function index and
/// name), what differed, the program's `Debug` form (to paste into a test)
/// and its Wasm text.
pub fn failure_report(program: &Program, tiering: &Tiering, failure: &str) -> String {
    let wat = to_wat(program);
    let names = function_names(&wat);
    let mut report = format!(
        "{} ({} statements, {} functions)\n",
        tiering_name(tiering),
        program.size(),
        names.len()
    );
    if let Tiering::Selected(plan) | Tiering::Planned(plan) = tiering {
        let _ = write!(report, "plan (others Interpreted):");
        for (index, tier) in plan.planned().filter(|&(i, _)| i < names.len()) {
            let _ = write!(report, " {index} {}: {tier:?};", names[index]);
        }
        report.push('\n');
    }
    let _ = write!(report, "{failure}\nprogram: {program:?}\n{wat}");
    report
}

/// A short name of `tiering` (the plan is listed apart).
fn tiering_name(tiering: &Tiering) -> String {
    match tiering {
        Tiering::Selected(_) => "compiled at instantiation by plan (After(k): compiled)".into(),
        Tiering::Planned(_) => "dyn, tier-up by plan".into(),
        other => format!("{other:?}"),
    }
}
