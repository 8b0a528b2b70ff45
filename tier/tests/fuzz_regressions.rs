//! Findings of the libFuzzer targets (`fuzz/`, `scripts/fuzz.sh`), one test
//! each, with the reproducer inline as Wasm text: the engine must answer
//! with a result, an error or a trap, never a panic or a crash.
//!
//! A finding's test stays `#[ignore]`d, with its number and one line, until
//! the engine is fixed; `cargo test --test fuzz_regressions -- --ignored`
//! runs them.

use wasmfx_tier::{Engine, Error, FunctionTier, Runtime, StoreLimits, TierMode, TierUp, Trap};

/// Runs export `name` of `wat` in `engine` with `fuel`, the way the fuzz
/// targets do (limits set before instantiating).
fn call_with_fuel(engine: &Engine, wat: &str, name: &str, fuel: u64) -> Result<(), Error> {
    let module = engine.compile_text(wat)?;
    let mut runtime = Runtime::new(engine);
    runtime.set_limits(StoreLimits {
        fuel: Some(fuel),
        ..StoreLimits::default()
    });
    let instance = runtime.instantiate(&module)?;
    runtime.call(instance, name, &[]).map(|_| ())
}

/// Runs export `f` of `wat` (a loop that never ends) under
/// [`dyn_tier_up_after_one`]: it must stop with "all fuel consumed".
fn spins_until_fuel_runs_out(wat: &str) {
    let result = call_with_fuel(&dyn_tier_up_after_one(), wat, "f", 10_000);
    assert!(
        matches!(result, Err(Error::Trap(Trap::OutOfFuel))),
        "{:?}",
        result.map_err(|e| e.to_string())
    );
}

/// A `dyn` engine that compiles every function after one event (a call or a
/// loop back-edge) in the interpreter, on the calling thread: a loop that
/// is running interpreted is entered by on-stack replacement.
fn dyn_tier_up_after_one() -> Engine {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    engine.with_tier_up(TierUp::with_plan(|_, _| FunctionTier::After(1)))
}

/// Finding 1 (target `bytes`, dyn mode, from the wasm-smith seed module
/// `smith-24`): an OSR entry at a loop inside an `if`, with an operand
/// below the `if` that is used after its `end`. The OSR translation makes
/// the loop's pre-header block params the whole operand stack
/// (jit/src/translate/osr.rs, `osr_at_loop`), so the use after the `end`
/// refers to a param of a block that does not dominate it (the `if`'s
/// false edge on the entry's dead `start` path bypasses it): Cranelift's
/// verifier would reject the function ("uses value arg from non-dominating
/// block"); with it off, the e-graph pass panics on a debug assertion
/// ("rewriting arg v13 of inst35 to v4294967295, but v4294967295 ==
/// Value::reserved_value()", cranelift-codegen egraph/mod.rs) on the
/// interpreter's thread. Fixed: such a loop gets no OSR entry (`osr_at_loop`
/// refuses it; the function gets compiled code at its next call).
#[test]
fn osr_entry_inside_if_with_operand_used_after_it() {
    let wat = r#"(module
      (global $g (mut i32) (i32.const 0))
      (func (export "f")
        f32.const 1
        i32.const 1
        if
          loop
            br 0
          end
        end
        i32.reinterpret_f32
        global.set $g))"#;
    spins_until_fuel_runs_out(wat);
}

/// Finding 2 (the class of finding 1, found by target `differential` in
/// wasm-smith modules under dyn tier-up by plan): the fix of finding 1
/// refuses OSR entries inside an `if` only, but any enclosing block whose
/// `end` is reached by a branch taken before the loop (here `br_if` out of
/// a `block`; also `br_table`, `try_table` catches) bypasses the loop's
/// pre-header just as the `if`'s false edge does: the `f32` beneath the
/// block becomes a pre-header param (jit/src/translate/osr.rs,
/// `osr_at_loop`, `self.stack = self.b.block_params(pre)`) that its use
/// after the `end` is not dominated by. Cranelift's e-graph pass then
/// panics ("rewriting arg v15 of inst36 to v4294967295, but v4294967295 ==
/// Value::reserved_value()", egraph/mod.rs:966, a debug assertion; in
/// other modules the release assertions at egraph/elaborate.rs:722
/// "something has gone very wrong if we are elaborating effectful
/// instructions" and machinst/lower.rs:1642 `regs.is_valid()`) on the
/// interpreter's thread. Fixed with finding 1: no OSR entry at a nested
/// loop with operands beneath it.
#[test]
fn osr_entry_inside_block_left_before_the_loop() {
    let wat = r#"(module
      (global $g (mut i32) (i32.const 0))
      (func (export "f")
        f32.const 1
        block
          global.get $g
          br_if 0
          loop
            br 0
          end
        end
        i32.reinterpret_f32
        global.set $g))"#;
    spins_until_fuel_runs_out(wat);
}
