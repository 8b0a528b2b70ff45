//! One continuation case: a generated program run under a tiering and
//! compared with its model; a failing program is shrunk before it is
//! reported.
//!
//! ```text
//!   Program ─to_wat─▶ text ─▶ wasm ─run(tiering)─▶ observations
//!   model: Expected { result, log } ─▶ the "main" call and global 0 it implies
//!   mismatch ─▶ shrink (greedy: first smaller program that still fails)
//! ```

use crate::cont_gen::{Ending, Expected, Program, shrink};
use crate::cont_wat::to_wat;
use crate::outcome::Observation;
use crate::run::{Tiering, run};

/// Upper bound on shrinking steps (each step runs one candidate).
const MAX_SHRINK_RUNS: usize = 2_000;

/// Checks `program` under `tiering`: `Err` says what differed from the model.
///
/// # Errors
/// The expected and actual `main` result and log, or why it did not run.
pub fn check_program(program: &Program, tiering: Tiering) -> Result<(), String> {
    let wat = to_wat(program);
    let wasm = wasmfx_tier::text_to_binary(&wat).map_err(|e| format!("text: {e:?}"))?;
    let seen = run(&wasm, None, tiering, 0)?;
    let expected = expected_observations(program.expected());
    let main = seen.iter().find(|o| matches!(o, Observation::Call { .. }));
    let log = seen
        .iter()
        .find(|o| matches!(o, Observation::Global { index: 0, .. }));
    let actual = [main.cloned(), log.cloned()];
    if actual == expected.clone().map(Some) {
        Ok(())
    } else {
        Err(format!(
            "{tiering:?}: expected {expected:?}\n  actual {actual:?}"
        ))
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

/// A smallest program (found greedily) that still fails under `tiering`,
/// with its failure.
pub fn minimize(program: &Program, tiering: Tiering, failure: String) -> (Program, String) {
    let (mut current, mut failure) = (program.clone(), failure);
    let mut runs = 0;
    'shrink: while runs < MAX_SHRINK_RUNS {
        for candidate in shrink(&current) {
            runs += 1;
            if let Err(why) = check_program(&candidate, tiering) {
                (current, failure) = (candidate, why);
                continue 'shrink;
            }
            if runs >= MAX_SHRINK_RUNS {
                break 'shrink;
            }
        }
        break;
    }
    (current, failure)
}
