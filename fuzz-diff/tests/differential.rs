//! Property test: wasm-smith modules behave the same under `interp`, `jit`
//! and a random per-function mix (see the crate docs).
//!
//! `WASMFX_DIFF_CASES=N` runs N seeds (default [`DEFAULT_CASES`]) starting
//! at `WASMFX_DIFF_FIRST` (default 0); `WASMFX_DIFF_SEED=S` runs seed S only.
//! Each disagreement prints its seed and saves its module under
//! `target/fuzz-diff/`.

use wasmfx_fuzz_diff::case::{Verdict, check, save_failure};
use wasmfx_fuzz_diff::smith::generate;

/// Seeds per default run: about 20 s on two busy cores.
const DEFAULT_CASES: u64 = 1_000;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

#[test]
fn random_modules_agree_across_tiers() {
    let seeds = match env_u64("WASMFX_DIFF_SEED") {
        Some(seed) => seed..seed + 1,
        None => {
            let first = env_u64("WASMFX_DIFF_FIRST").unwrap_or(0);
            first..first + env_u64("WASMFX_DIFF_CASES").unwrap_or(DEFAULT_CASES)
        }
    };
    let (mut agreed, mut skipped, mut failures) = (0, 0, Vec::new());
    for seed in seeds {
        let module = match generate(seed) {
            Ok(module) => module,
            Err(why) => {
                eprintln!("seed {seed}: not generated: {why}");
                skipped += 1;
                continue;
            }
        };
        match check(&module.wasm, Some(module.fuel_global), seed) {
            Verdict::Agree => agreed += 1,
            Verdict::Skipped(why) => {
                eprintln!("seed {seed}: skipped: {why}");
                skipped += 1;
            }
            Verdict::Disagree(report) => {
                let saved = save_failure(&format!("smith-{seed}.wasm"), &module.wasm)
                    .unwrap_or_else(|e| format!("(not saved: {e})").into());
                eprintln!("seed {seed}: DISAGREE ({}):\n{report}", saved.display());
                failures.push(seed);
            }
        }
    }
    eprintln!(
        "{agreed} agreed, {skipped} skipped, {} disagreed",
        failures.len()
    );
    assert!(failures.is_empty(), "seeds that disagree: {failures:?}");
    assert!(
        agreed > skipped,
        "too few modules ran: {agreed} agreed, {skipped} skipped"
    );
}
