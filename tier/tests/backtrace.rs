//! Wasm backtraces through continuations, under every built tier: a trap or
//! an unhandled suspension deep inside nested continuations names the
//! frames of every continuation and of their resumers, innermost first,
//! and both tiers name the same ones.

use wasmfx_core::FuncType;
use wasmfx_core::backtrace::func_name;
#[cfg(feature = "jit")]
use wasmfx_tier::TierExecutor;
use wasmfx_tier::{Engine, Error, Runtime, TierMode, Trap};

const NESTED: &str = include_str!("programs/nested_continuations.wat");

/// The trap message and the named frames of calling `export` under `mode`.
fn trace(mode: TierMode, export: &str) -> (String, Vec<String>) {
    let engine = Engine::new(mode).expect("tier is built");
    trace_in(Runtime::new(&engine), &engine, export)
}

/// The same, in `runtime`.
fn trace_in(mut runtime: Runtime, engine: &Engine, export: &str) -> (String, Vec<String>) {
    let module = engine.compile_text(NESTED).expect("compiles");
    runtime.define_func("host", "fail", FuncType::new([], []), |_, _| {
        Err(Trap::Host("host says no".into()))
    });
    let id = runtime.instantiate(&module).expect("instantiates");
    let message = match runtime.call(id, export, &[]) {
        Err(Error::Trap(trap)) => trap.to_string(),
        other => panic!("{export} should trap, gave {other:?}"),
    };
    let frames = runtime.backtrace().map_or(Vec::new(), |b| {
        let names = b.frames.iter().map(|&f| func_name(runtime.store(), f));
        names.collect()
    });
    (message, frames)
}

/// The interpreter and the compiled tier, when this build has it.
fn built_tiers() -> impl Iterator<Item = TierMode> {
    [TierMode::Interp, TierMode::Jit]
        .into_iter()
        .filter(|mode| mode.is_available())
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
    check(
        "host_body",
        "host says no",
        &[
            "nested!outer_body",
            "nested!run",
            "nested!<wasm function 10>",
        ],
    );
}

#[test]
fn a_trap_after_a_suspension_names_the_second_resumer() {
    check(
        "trap_after_yield",
        "unreachable",
        &[
            "nested!crash",
            "nested!yield_then_trap",
            "nested!resume_after_yield",
            "nested!<wasm function 16>",
        ],
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

#[test]
#[cfg(feature = "jit")]
fn mixed_tiers_name_interpreted_and_compiled_frames_alike() {
    // Compiled code runs functions without code in the interpreter; a trap
    // there lists the interpreted frames, then the compiled callers.
    for export in ["trap", "unhandled", "host_trap", "trap_after_yield"] {
        let (message, frames) = trace(TierMode::Interp, export);
        for parity in [0, 1] {
            let engine = Engine::new(TierMode::Jit).expect("tier is built");
            let executor = TierExecutor::compiler_selecting(move |_, i| i % 2 == parity);
            let runtime = Runtime::with_executor(&engine, executor);
            let mixed = trace_in(runtime, &engine, export);
            assert_eq!(
                mixed,
                (message.clone(), frames.clone()),
                "{export}, parity {parity}"
            );
        }
    }
}

/// stderr and exit code of `wasmfx-tier run` on the program under `tier`,
/// with `host.fail` preloaded from a module whose `fail` is `unreachable`.
fn cli_run(tier: &str, export: &str) -> (String, Option<i32>) {
    let dir = std::env::temp_dir().join(format!("wasmfx-backtrace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let host = dir.join("host.wat");
    std::fs::write(
        &host,
        r#"(module $host (func $fail (export "fail") unreachable))"#,
    )
    .expect("write host module");
    let program = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs/nested_continuations.wat");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(["run", "--tier", tier, "--preload"])
        .arg(format!("host={}", host.display()))
        .arg(&program)
        .args(["--invoke", export])
        .output()
        .expect("run wasmfx-tier");
    (
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn the_cli_prints_the_same_backtrace_under_both_tiers() {
    let cases: [(&str, &[&str]); 3] = [
        (
            "trap",
            &[
                "error: wasm trap: unreachable",
                "wasm backtrace:",
                "    0: nested!crash",
                "    1: nested!inner_trap",
                "    2: nested!outer_body",
                "    3: nested!run",
                "    4: nested!<wasm function 7>",
            ],
        ),
        (
            "unhandled",
            &[
                "error: wasm trap: unhandled tag $missing",
                "wasm backtrace:",
                "    0: nested!inner_suspend",
                "    1: nested!outer_body",
                "    2: nested!run",
                "    3: nested!<wasm function 8>",
            ],
        ),
        (
            "host_trap",
            &[
                "error: wasm trap: unreachable",
                "wasm backtrace:",
                "    0: host!fail",
                "    1: nested!inner_host",
                "    2: nested!outer_body",
                "    3: nested!run",
                "    4: nested!<wasm function 9>",
            ],
        ),
    ];
    for (export, lines) in cases {
        for tier in built_tiers().map(TierMode::name) {
            let (stderr, code) = cli_run(tier, export);
            assert_eq!(code, Some(134), "{export} under {tier}: {stderr}");
            assert_eq!(
                stderr.lines().collect::<Vec<_>>(),
                lines,
                "{export} under {tier}"
            );
        }
    }
}
