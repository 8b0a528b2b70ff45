//! Property test: generated programs with continuations (cont_gen.rs) give
//! their model's result and log under `interp`, under `jit` (functions
//! with stack-switching instructions stay interpreted, the helpers between
//! them are compiled) and under a random per-function mix.
//!
//! `WASMFX_DIFF_CASES=N` runs N seeds (default [`DEFAULT_CASES`]) from
//! `WASMFX_DIFF_FIRST` (default 0); `WASMFX_DIFF_SEED=S` runs seed S only. A failure prints its seed and the
//! shrunk program's text, saved as `target/fuzz-diff/cont-<seed>.wat`.

use wasmfx_fuzz_diff::case::save_failure;
use wasmfx_fuzz_diff::cont_case::{check_program, minimize};
use wasmfx_fuzz_diff::cont_gen::Program;
use wasmfx_fuzz_diff::cont_wat::to_wat;
use wasmfx_fuzz_diff::rng::Rng;
use wasmfx_fuzz_diff::run::Tiering;

const DEFAULT_CASES: u64 = 300;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Runs every seed under `tiering(seed)`; returns the failing seeds.
fn failing_seeds(tiering: impl Fn(u64) -> Tiering) -> Vec<u64> {
    let seeds = match env_u64("WASMFX_DIFF_SEED") {
        Some(seed) => seed..seed + 1,
        None => {
            let first = env_u64("WASMFX_DIFF_FIRST").unwrap_or(0);
            first..first + env_u64("WASMFX_DIFF_CASES").unwrap_or(DEFAULT_CASES)
        }
    };
    let mut failures = Vec::new();
    for seed in seeds {
        let program = Program::random(&mut Rng::new(seed));
        let tiering = tiering(seed);
        if let Err(failure) = check_program(&program, tiering) {
            let (small, failure) = minimize(&program, tiering, failure);
            let wat = to_wat(&small);
            let saved = save_failure(&format!("cont-{seed}.wat"), wat.as_bytes())
                .map_or_else(|e| e, |p| p.display().to_string());
            eprintln!(
                "seed {seed} ({} statements, shrunk to {}), {saved}:\n{failure}\n{wat}",
                program.size(),
                small.size()
            );
            failures.push(seed);
        }
    }
    failures
}

#[test]
fn continuation_programs_match_their_model_interpreted() {
    let failures = failing_seeds(|_| Tiering::Interp);
    assert!(failures.is_empty(), "seeds that fail: {failures:?}");
}

#[test]
fn continuation_programs_match_their_model_compiled() {
    let failures = failing_seeds(|_| Tiering::Jit);
    assert!(failures.is_empty(), "seeds that fail: {failures:?}");
}

/// Chains that mix the tiers: continuations made by one tier and run by
/// the other, interpreted suspends and switches to handlers of compiled
/// code (the interpreter parks the call, compiled code switches natively).
#[test]
fn continuation_programs_match_their_model_mixed() {
    let failures = failing_seeds(Tiering::Mixed);
    assert!(failures.is_empty(), "seeds that fail: {failures:?}");
}
