//! Tiered execution (`dyn`) against the interpreter: generated programs
//! with continuations (`cont_gen.rs`) under random per-function tier plans
//! (interpreted, compiled at the first call, or compiled after k events,
//! so that tier-up happens inside running loops and continuations) give
//! the interpreter's result, log and trap.
//!
//! `WASMFX_DIFF_CASES=N` runs N seeds (default [`DEFAULT_CASES`]) from
//! `WASMFX_DIFF_FIRST` (default 0), four plans each. A failure prints the
//! seed, the plan's seed and the program.

use wasmfx_fuzz_diff::cont_gen::Program;
use wasmfx_fuzz_diff::cont_wat::to_wat;
use wasmfx_fuzz_diff::rng::{Rng, mix};
use wasmfx_tier::{Engine, FunctionTier, InstanceId, Runtime, TierExecutor, TierMode};

const DEFAULT_CASES: u64 = 150;
const PLANS: u64 = 4;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// The plan drawn from `seed`: per function index, one of the three.
fn plan(seed: u64) -> impl Fn(InstanceId, u32) -> FunctionTier + Send + Sync + 'static {
    move |_, index| {
        let draw = mix(seed ^ u64::from(index));
        match draw % 4 {
            0 => FunctionTier::Interpreted,
            1 => FunctionTier::Compiled,
            _ => FunctionTier::After((mix(draw) % 6) as u32),
        }
    }
}

/// `main`'s outcome and the log global, as text.
fn run(wat: &str, executor: TierExecutor) -> String {
    let engine = match Engine::new(TierMode::Dyn) {
        Ok(engine) => engine,
        Err(e) => return format!("engine: {e}"),
    };
    let module = match engine.compile_text(wat) {
        Ok(module) => module,
        Err(e) => return format!("compile: {e}"),
    };
    let mut runtime = Runtime::with_executor(&engine, executor);
    let id = match runtime.instantiate(&module) {
        Ok(id) => id,
        Err(e) => return format!("instantiate: {e}"),
    };
    let outcome = runtime.call(id, "main", &[]);
    let store = runtime.store();
    let log = (store.instances[id.0 as usize].globals.first())
        .map(|&g| store.globals[g.0 as usize].get());
    format!("{outcome:?}, log {log:?}")
}

#[test]
fn dyn_plans_agree_with_the_interpreter() {
    let first = env_u64("WASMFX_DIFF_FIRST").unwrap_or(0);
    let cases = env_u64("WASMFX_DIFF_CASES").unwrap_or(DEFAULT_CASES);
    let mut failures = Vec::new();
    for seed in first..first + cases {
        let program = Program::random(&mut Rng::new(seed));
        let wat = to_wat(&program);
        let interpreted = run(
            &wat,
            TierExecutor::tiered_with_plan(|_, _| FunctionTier::Interpreted),
        );
        for k in 0..PLANS {
            let plan_seed = mix(seed.wrapping_mul(PLANS) + k);
            let tiered = run(&wat, TierExecutor::tiered_with_plan(plan(plan_seed)));
            if tiered != interpreted {
                eprintln!(
                    "seed {seed}, plan {plan_seed}:\n  interp {interpreted}\n  dyn    {tiered}\n{wat}"
                );
                failures.push(seed);
                break;
            }
        }
    }
    eprintln!(
        "{} seeds x {PLANS} plans: {} agreed, {} differed",
        cases,
        cases - failures.len() as u64,
        failures.len()
    );
    assert!(failures.is_empty(), "seeds that differ: {failures:?}");
}
