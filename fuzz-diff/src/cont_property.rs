//! The quickcheck properties over continuation programs, and a runner that
//! counts what they covered.
//!
//! ```text
//!   matches_model_interpreted(program)         Tiering::Interp
//!   matches_model_compiled(program)            Tiering::Jit
//!   matches_model_selected(program, plan)      Tiering::Selected(plan)
//!   matches_model_tiered(program, plan)        Tiering::Planned(plan)
//!   matches_model_collecting(program, plan, which)
//!                     one of the four (by `which`), the store collecting
//!                     continuations at every `cont.new`
//!     each: the run's `main` result and log equal Program::expected()
//!
//!   run_property(name, tests, property)
//!     quickcheck (QuickCheck::new(): QUICKCHECK_* variables apply) ─▶
//!     Ok(Tally)   cases passed, how they ended, tier-ups seen
//!     Err(Counterexample)  the shrunk failure's report (plan, program, Wasm
//!                          text), also written to target/fuzz-diff/
//! ```
//!
//! A property that fails calls [`fail`], which keeps the report in a
//! thread-local tally: quickcheck runs a property and its shrinking on the
//! calling thread, and the last failure it sees is the shrunk one.

use crate::case::save_failure;
use crate::cont_case::{Collection, check_program_collecting, failure_report};
use crate::cont_gen::{Ending, Program};
use crate::run::Tiering;
use crate::tiering_plan::TieringPlan;
use quickcheck::{QuickCheck, TestResult, Testable};
use std::cell::RefCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// What the cases of one property covered (shrinking runs included).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Cases that matched the model, by how the model says they end.
    pub returned: u64,
    pub escaped: u64,
    pub trapped: u64,
    /// Passing cases in which at least one function was compiled while the
    /// program ran (at its first call, or after k calls and back-edges).
    pub tiered_up_cases: u64,
    /// Functions so compiled, over all passing cases.
    pub tiered_up_functions: u64,
    /// Continuation collections made, over all passing cases.
    pub collections: u64,
    /// Cases that failed (the first and every shrinking step that still
    /// failed).
    pub failed: u64,
    /// Cases that had passed when the first one failed.
    pub passed_before_failure: u64,
    /// The report of the last failing case.
    pub last_failure: Option<String>,
}

impl Tally {
    /// Cases that matched the model.
    pub fn passed(&self) -> u64 {
        self.returned + self.escaped + self.trapped
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} matched the model ({} returned, {} escaped, {} trapped), {} failed; \
             tier-up in {} cases ({} functions); {} collections",
            self.passed(),
            self.returned,
            self.escaped,
            self.trapped,
            self.failed,
            self.tiered_up_cases,
            self.tiered_up_functions,
            self.collections
        )
    }
}

thread_local! {
    static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
}

/// A property's shrunk counterexample.
#[derive(Debug, Clone)]
pub struct Counterexample {
    pub name: String,
    /// What [`fail`] was given for the last (most shrunk) failing case.
    pub report: String,
    /// Cases that had passed before the first failure.
    pub passed_before_failure: u64,
    /// Failing runs: the first case and each shrinking step that still
    /// failed.
    pub failing_runs: u64,
}

impl fmt::Display for Counterexample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: case {} failed; shrunk in {} more failing runs to:\n{}",
            self.name,
            self.passed_before_failure + 1,
            self.failing_runs.saturating_sub(1),
            self.report
        )
    }
}

/// Records a failing case and makes quickcheck's result for it.
pub fn fail(report: String) -> TestResult {
    TALLY.with(|t| {
        let mut tally = t.borrow_mut();
        if tally.failed == 0 {
            tally.passed_before_failure = tally.passed();
        }
        tally.failed += 1;
        tally.last_failure = Some(report.clone());
    });
    TestResult::error(report)
}

/// Checks `program` under `tiering`; an engine panic is a failure too.
pub fn verdict(program: &Program, tiering: &Tiering) -> TestResult {
    verdict_collecting(program, tiering, Collection::Default)
}

/// [`verdict`] in a store that collects as `collection` says.
pub fn verdict_collecting(
    program: &Program,
    tiering: &Tiering,
    collection: Collection,
) -> TestResult {
    let checked = catch_unwind(AssertUnwindSafe(|| {
        check_program_collecting(program, tiering, collection)
    }))
    .unwrap_or_else(|panic| {
        let text = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        Err(format!("panicked: {}", text.unwrap_or_default()))
    });
    match checked {
        Ok(report) => {
            let tiered_up = report.tiered_up;
            TALLY.with(|t| {
                let mut tally = t.borrow_mut();
                match program.expected().result {
                    Ending::Returned(_) => tally.returned += 1,
                    Ending::Escaped(_) => tally.escaped += 1,
                    Ending::Trapped(_) => tally.trapped += 1,
                }
                tally.tiered_up_cases += u64::from(tiered_up > 0);
                tally.tiered_up_functions += tiered_up as u64;
                tally.collections += report.collections;
            });
            TestResult::passed()
        }
        Err(why) => {
            let report = failure_report(program, tiering, &why);
            fail(match collection {
                Collection::Default => report,
                Collection::EveryContNew => format!("collecting at every cont.new, {report}"),
            })
        }
    }
}

pub fn matches_model_interpreted(program: Program) -> TestResult {
    verdict(&program, &Tiering::Interp)
}

/// Functions compiled before the first call (the engine keeps those it
/// does not compile interpreted).
pub fn matches_model_compiled(program: Program) -> TestResult {
    verdict(&program, &Tiering::Jit)
}

/// A static mix: continuations made by one tier and run by the other,
/// interpreted suspends and switches to handlers of compiled code.
pub fn matches_model_selected(program: Program, plan: TieringPlan) -> TestResult {
    verdict(&program, &Tiering::Selected(plan))
}

/// Tier-up while the program runs, inside drivers' loops and
/// continuations.
pub fn matches_model_tiered(program: Program, plan: TieringPlan) -> TestResult {
    verdict(&program, &Tiering::Planned(plan))
}

/// Any of the four tierings (`which` picks: interp, jit, the static mix,
/// tier-up by plan), collecting at every `cont.new`: a collection that
/// frees a reachable continuation, or corrupts one, shows as a result or
/// log that differs from the model.
pub fn matches_model_collecting(program: Program, plan: TieringPlan, which: u8) -> TestResult {
    let tiering = match which % 4 {
        0 => Tiering::Interp,
        1 => Tiering::Jit,
        2 => Tiering::Selected(plan),
        _ => Tiering::Planned(plan),
    };
    verdict_collecting(&program, &tiering, Collection::EveryContNew)
}

/// Runs `property` with quickcheck: `tests` cases unless `QUICKCHECK_TESTS`
/// says otherwise (other `QUICKCHECK_*` variables apply as usual). A
/// failure's report is also saved as `target/fuzz-diff/cont-<name>.txt`.
///
/// # Errors
/// The shrunk counterexample.
pub fn run_property(
    name: &str,
    tests: u64,
    property: impl Testable,
) -> Result<Tally, Counterexample> {
    let mut runner = QuickCheck::new();
    if std::env::var_os("QUICKCHECK_TESTS").is_none() {
        runner = runner.tests(tests).max_tests(tests.max(10_000));
    }
    TALLY.with(|t| t.take());
    let outcome = runner.quicktest(property);
    let tally = TALLY.with(|t| t.take());
    match outcome {
        Ok(_) => Ok(tally),
        Err(_) => {
            let report = tally
                .last_failure
                .clone()
                .unwrap_or_else(|| "(a property failed without a report)".into());
            let _ = save_failure(&format!("cont-{name}.txt"), report.as_bytes());
            Err(Counterexample {
                name: name.to_string(),
                report,
                passed_before_failure: tally.passed_before_failure,
                failing_runs: tally.failed,
            })
        }
    }
}
