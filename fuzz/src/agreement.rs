//! Target `differential`, its verdict: every tiering's observations equal
//! the interpreter's, as far as both ran on the engine's fuel.
//!
//! ```text
//!   Interp run (reference) ─┐
//!   each other tiering run ─┴─▶ compare up to the first observation where
//!                               either side ran out of engine fuel
//!   equal ─▶ Ok(Agreed::Fully | Agreed::UntilFuelRanOut)
//!   else  ─▶ Err(report)      (the target panics with it: a finding)
//! ```
//!
//! The tiers may count fuel differently, so the first `OutOfFuel` trap may
//! come at different calls; past it the stores' states may differ, so
//! nothing after it (other calls, memories, globals, tables) is compared.

use crate::limits::store_limits;
use crate::smith_input::SmithCase;
use wasmfx_core::Trap;
use wasmfx_fuzz_diff::outcome::{Observation, first_difference};
use wasmfx_fuzz_diff::run::{Tiering, run_limited};
use wasmfx_tier::Error;

/// How far two runs were compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agreed {
    /// Every observation, final state included.
    Fully,
    /// Those before either run ran out of fuel.
    UntilFuelRanOut,
}

/// Runs `case` under the interpreter and under each of its tierings.
///
/// # Errors
/// The first tiering that disagrees, with both observations; or why a
/// generated (so valid) module did not run.
pub fn check(case: &SmithCase) -> Result<Agreed, String> {
    let run = |tiering: &Tiering| {
        run_limited(
            &case.wasm,
            Some(case.fuel_global),
            tiering,
            case.arg_seed,
            store_limits(case.engine_fuel),
        )
        .map(|report| report.seen)
        .map_err(|e| format!("{tiering:?} does not run a generated module: {e}"))
    };
    let reference = run(&Tiering::Interp)?;
    let mut agreed = Agreed::Fully;
    for tiering in &case.tierings {
        let seen = run(tiering)?;
        match compare(&reference, &seen) {
            Ok(Agreed::Fully) => {}
            Ok(Agreed::UntilFuelRanOut) => agreed = Agreed::UntilFuelRanOut,
            Err(difference) => {
                return Err(format!("{tiering:?} vs Interp: {difference}"));
            }
        }
    }
    Ok(agreed)
}

/// Compares `actual` with `expected` up to the first observation at which
/// either ran out of fuel (all of them if neither did).
///
/// # Errors
/// Where they first differ.
pub fn compare(expected: &[Observation], actual: &[Observation]) -> Result<Agreed, String> {
    let fuel_out = |seen: &[Observation]| seen.iter().position(out_of_fuel);
    let (agreed, end) = match (fuel_out(expected), fuel_out(actual)) {
        (None, None) => (Agreed::Fully, expected.len().max(actual.len())),
        (e, a) => (
            Agreed::UntilFuelRanOut,
            e.unwrap_or(usize::MAX).min(a.unwrap_or(usize::MAX)),
        ),
    };
    let prefix = |seen: &[Observation]| seen[..end.min(seen.len())].to_vec();
    match first_difference(&prefix(expected), &prefix(actual)) {
        None => Ok(agreed),
        Some(difference) => Err(difference),
    }
}

/// Whether `observation` is instantiation or a call stopped by the
/// engine's fuel.
fn out_of_fuel(observation: &Observation) -> bool {
    let message = Error::Trap(Trap::OutOfFuel).to_string();
    match observation {
        Observation::Instantiated(Err(e)) => *e == message,
        Observation::Call { result: Err(e), .. } => *e == message,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(result: Result<&str, String>) -> Observation {
        Observation::Call {
            export: "f".into(),
            args: vec![],
            result: result.map(|v| vec![v.to_string()]),
        }
    }

    fn fuel_out() -> Observation {
        call(Err(Error::Trap(Trap::OutOfFuel).to_string()))
    }

    #[test]
    fn equal_runs_agree_fully() {
        let seen = [call(Ok("i32:1")), call(Ok("i32:2"))];
        assert_eq!(compare(&seen, &seen), Ok(Agreed::Fully));
    }

    #[test]
    fn nothing_after_the_first_fuel_trap_is_compared() {
        let expected = [call(Ok("i32:1")), fuel_out(), call(Ok("i32:3"))];
        let actual = [call(Ok("i32:1")), call(Ok("i32:2")), fuel_out()];
        assert_eq!(compare(&expected, &actual), Ok(Agreed::UntilFuelRanOut));
        assert_eq!(compare(&actual, &expected), Ok(Agreed::UntilFuelRanOut));
    }

    #[test]
    fn a_difference_before_the_fuel_trap_is_found() {
        let expected = [call(Ok("i32:1")), fuel_out()];
        let actual = [call(Ok("i32:2")), fuel_out()];
        assert!(compare(&expected, &actual).is_err());
        let trapped = [call(Err("wasm trap: unreachable".into()))];
        assert!(compare(&[call(Ok("i32:1"))], &trapped).is_err());
        assert!(compare(&[call(Ok("i32:1"))], &[]).is_err());
    }
}
