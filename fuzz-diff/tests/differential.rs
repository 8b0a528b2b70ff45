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

/// The selection reaches the compiler: with every other function chosen,
/// exactly those are compiled, and calls through both tiers still work.
#[test]
fn per_function_selection_compiles_only_the_chosen() {
    use wasmfx_tier::{Engine, Runtime, TierExecutor, TierMode, Val};
    let wat = r#"(module
      (func $a (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
      (func $b (param i32) (result i32) (call $a (i32.mul (local.get 0) (i32.const 2))))
      (func $c (param i32) (result i32) (call $b (i32.sub (local.get 0) (i32.const 3))))
      (func (export "d") (param i32) (result i32) (call $c (call $b (local.get 0)))))"#;
    let engine = Engine::new(TierMode::Jit).expect("jit engine");
    let module = engine.compile_text(wat).expect("module compiles");
    let mut runtime = Runtime::with_executor(
        &engine,
        TierExecutor::compiler_selecting(|_, index| index % 2 == 1),
    );
    let instance = runtime.instantiate(&module).expect("instantiates");
    // d(5) = c(b(5)) = c(11) = b(8) = a(16) = 17
    let result = runtime
        .call(instance, "d", &[Val::I32(5)])
        .map_err(|e| e.to_string());
    assert_eq!(result.ok(), Some(vec![Val::I32(17)]));
    assert_eq!(runtime.compile_stats().map(|(_, count)| count), Some(2));
}

#[test]
fn mixed_choices_differ_by_function_and_seed() {
    use wasmfx_core::InstanceId;
    use wasmfx_fuzz_diff::run::Tiering;
    let choices = |seed| {
        (0..64)
            .map(|i| Tiering::mixed_choice(seed, InstanceId(0), i))
            .collect::<Vec<_>>()
    };
    let first = choices(1);
    let compiled = first.iter().filter(|&&c| c).count();
    assert!((16..=48).contains(&compiled), "{compiled} of 64 compiled");
    assert_ne!(first, choices(2));
}
