//! Tier equivalence of the compiled tier: the example and benchmark programs
//! give the same output under `interp`, `jit`, and `dyn` three ways: at its
//! defaults, with every function compiled at its second event
//! (`--tier-up-after 1 --tier-up-sync`: tier-up inside running loops and
//! recursions), and with a seeded count per function (`--tier-up-seed`:
//! compiled and interpreted code call each other both ways).

use std::path::Path;
use std::process::Command;

/// (file from the workspace root, export, arguments).
const CALLS: &[(&str, &str, &[&str])] = &[
    ("examples/fib.wat", "fib", &["20"]),
    ("examples/memory_sum.wat", "sum_squares", &["5000"]),
    (
        "examples/exceptions.wat",
        "add_or_saturate",
        &["2147483647", "1"],
    ),
    (
        "examples/exceptions.wat",
        "checked_add",
        &["2147483647", "1"],
    ),
    ("examples/tail_calls.wat", "is_even", &["100001"]),
    ("benches/programs/sieve.wasm", "sieve", &["10000"]),
    ("benches/programs/matmul.wasm", "matmul", &["12"]),
    ("benches/programs/sort.wasm", "sort", &["1000"]),
];

/// stdout, stderr and status of one run.
fn run(tier: &[&str], file: &str, export: &str, args: &[&str]) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    assert!(path.exists(), "{} is missing", path.display());
    let mut command = Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"));
    command
        .args(["run", "--tier"])
        .args(tier)
        .arg(&path)
        .args(["--invoke", export])
        .args(args);
    let out = command.output().expect("run wasmfx-tier");
    format!(
        "{}|{}|{:?}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code()
    )
}

#[test]
fn compiled_and_mixed_runs_match_the_interpreter() {
    for &(file, export, args) in CALLS {
        let interp = run(&["interp"], file, export, args);
        // Every call prints a result, except the overflowing `checked_add`
        // (an uncaught exception).
        let prints = !interp.starts_with('|');
        assert_eq!(
            prints,
            export != "checked_add",
            "interp: {file} {export}: {interp}"
        );
        let seeded = [
            "dyn",
            "--tier-up-after",
            "3",
            "--tier-up-seed",
            "11",
            "--tier-up-sync",
        ];
        for tier in [
            &["jit"][..],
            &["dyn"],
            &["dyn", "--tier-up-after", "1", "--tier-up-sync"],
            &seeded,
        ] {
            assert_eq!(
                run(tier, file, export, args),
                interp,
                "{tier:?}: {file} {export}"
            );
        }
    }
}

#[test]
fn compile_time_is_reported_apart() {
    use wasmfx_tier::{Engine, Runtime, TierMode, Val};
    let wat = r#"(module (func (export "f") (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3))))"#;
    for (mode, compiled) in [(TierMode::Interp, None), (TierMode::Jit, Some(1))] {
        let engine = Engine::new(mode).expect("engine");
        let module = engine.compile(wat.as_bytes()).expect("module");
        let mut runtime = Runtime::new(&engine);
        let instance = runtime.instantiate(&module).expect("instance");
        let result = runtime.call(instance, "f", &[Val::I32(14)]).expect("call");
        assert_eq!(result, [Val::I32(42)]);
        assert_eq!(runtime.compile_stats().map(|(_, n)| n), compiled, "{mode}");
    }
}
