//! Running out is an error, never an abort: the CLI under a lowered
//! address-space limit (`ulimit -v` in a child shell, which `exec`s the
//! binary, so a signal would show as one), and the `-W` limits, in every
//! tier.

mod common;

use common::temp_file;
use std::process::{Command, Output};

/// The tiers this build has (the interpreter-only build: `interp`).
#[cfg(feature = "jit")]
const TIERS: [&str; 3] = ["interp", "jit", "dyn"];
#[cfg(not(feature = "jit"))]
const TIERS: [&str; 1] = ["interp"];

/// Address space for the limited runs: enough for the engine, far from
/// enough for 4 GiB memories or millions of continuations.
const LIMIT_KIB: &str = "800000";

const MEMORY: &str = r#"(module
  (memory 1)
  (table 1 funcref)
  (func (export "grow_memory") (param i32) (result i32)
    (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32)
    (table.grow (ref.null func) (local.get 0))))"#;

const BIG_MEMORY: &str = "(module (memory 65536) (func (export \"f\")))";

const HELD: &str = include_str!("../../benches/programs/cont_held.wat");

/// The CLI with `args`, under the address-space limit when `limited`.
fn cli(limited: bool, args: &[&str]) -> Output {
    let bin = env!("CARGO_BIN_EXE_wasmfx-tier");
    let mut command = match limited {
        true => {
            let mut c = Command::new("bash");
            c.args([
                "-c",
                &format!("ulimit -v {LIMIT_KIB} && exec \"$0\" \"$@\""),
                bin,
            ]);
            c
        }
        false => Command::new(bin),
    };
    command.args(args).output().expect("run wasmfx-tier")
}

/// Exited (no signal) with `code`, stderr's first line an error containing
/// `message`, and no allocator or panic message anywhere.
fn assert_clean_error(out: &Output, code: i32, message: &str, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: {:?}\n{err}",
        out.status
    );
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.contains(message),
        "{what}: first line {first:?}, expected {message:?}\n{err}"
    );
    for bad in ["memory allocation of", "panicked", "RUST_BACKTRACE"] {
        assert!(!err.contains(bad), "{what}: {bad:?} in\n{err}");
    }
}

fn result(out: &Output, what: &str) -> String {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{what}: {:?}\n{err}", out.status);
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn growing_past_what_the_host_has_returns_minus_one() {
    let file = temp_file("memory.wat", MEMORY);
    let file = file.to_str().expect("utf-8 path");
    for tier in TIERS {
        let what = format!("{tier}: memory.grow to 4 GiB under ulimit");
        let args = [
            "run",
            "--tier",
            tier,
            "--invoke",
            "grow_memory",
            file,
            "65535",
        ];
        assert_eq!(result(&cli(true, &args), &what), "-1", "{what}");
        let what = format!("{tier}: table.grow by 2^31 under ulimit");
        let args = [
            "run",
            "--tier",
            tier,
            "--invoke",
            "grow_table",
            file,
            "2147483647",
        ];
        assert_eq!(result(&cli(true, &args), &what), "-1", "{what}");
    }
}

#[test]
fn a_memory_the_host_cannot_give_fails_instantiation() {
    let file = temp_file("big.wat", BIG_MEMORY);
    let file = file.to_str().expect("utf-8 path");
    for tier in TIERS {
        let out = cli(true, &["run", "--tier", tier, "--invoke", "f", file]);
        let what = format!("{tier}: (memory 65536) under ulimit");
        assert_clean_error(&out, 1, "failed to instantiate", &what);
    }
}

/// The trap for native stacks past the stack memory limit.
const STACKS: &str = "continuation stacks over the limit";

#[test]
fn continuations_past_what_the_host_has_trap() {
    let file = temp_file("held.wat", HELD);
    let file = file.to_str().expect("utf-8 path");
    for tier in TIERS {
        let out = cli(
            true,
            &["run", "--tier", tier, "--invoke", "run", file, "5000000"],
        );
        let what = format!("{tier}: 5,000,000 held continuations under ulimit");
        // Under an address-space limit the defaults give a quarter of it to
        // records and heap frames, a quarter to native stacks (`StoreLimits`),
        // so interpreted continuations stop at the count, native ones at the
        // stack memory, and `dyn`'s mix (as timing decides) at either, before
        // a mapping or the heap fails. The interpreter-only build reads no
        // address-space limit (that is `wasmfx-core/native`): its
        // continuations run the heap out, at whichever allocation comes
        // first. Each is a clean trap, its report allocated from the
        // reserve the trap frees (`reserve.rs`).
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        let expected: &[&str] = match (cfg!(feature = "jit"), tier) {
            (false, _) => &["out of memory"],
            (true, "dyn") => &[STACKS, "too many live continuations"],
            (true, "jit") => &[STACKS],
            (true, _) => &["too many live continuations"],
        };
        let message = (expected.iter())
            .find(|m| err.lines().next().is_some_and(|line| line.contains(**m)))
            .unwrap_or(&expected[0]);
        assert_clean_error(&out, 134, message, &what);
    }
}

#[test]
fn the_w_limits_bound_memories_tables_and_continuations() {
    let memory = temp_file("memory.wat", MEMORY);
    let memory = memory.to_str().expect("utf-8 path");
    let big = temp_file("big.wat", BIG_MEMORY);
    let big = big.to_str().expect("utf-8 path");
    let held = temp_file("held.wat", HELD);
    let held = held.to_str().expect("utf-8 path");
    for tier in TIERS {
        let run = |limit: &str, rest: &[&str]| {
            let mut args = vec!["run", "--tier", tier, "-W", limit, "--invoke"];
            args.extend_from_slice(rest);
            cli(false, &args)
        };
        let what = format!("{tier}: max-memory-size");
        let out = run("max-memory-size=128K", &["grow_memory", memory, "1"]);
        assert_eq!(result(&out, &what), "1", "{what}: the second page fits");
        let out = run("max-memory-size=128K", &["grow_memory", memory, "2"]);
        assert_eq!(result(&out, &what), "-1", "{what}: a third does not");
        let out = run("max-memory-size=64K", &["f", big]);
        assert_clean_error(&out, 1, "-W max-memory-size", &what);

        let what = format!("{tier}: max-table-elements");
        let out = run("max-table-elements=10", &["grow_table", memory, "9"]);
        assert_eq!(result(&out, &what), "1", "{what}");
        let out = run("max-table-elements=10", &["grow_table", memory, "10"]);
        assert_eq!(result(&out, &what), "-1", "{what}");

        let what = format!("{tier}: max-continuations");
        let out = run("max-continuations=1000", &["run", held, "900"]);
        assert_eq!(result(&out, &what), (900 * 899 / 2).to_string(), "{what}");
        let out = run("max-continuations=1000", &["run", held, "1100"]);
        assert_clean_error(&out, 134, "too many live continuations", &what);
    }
}

#[test]
fn nested_resumes_are_bounded_like_calls_in_every_tier() {
    let file = temp_file(
        "nest.wat",
        r#"(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (elem declare func $nest)
  (func $nest (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1)
        (resume $c (i32.sub (local.get $n) (i32.const 1))
          (cont.new $c (ref.func $nest)))))))
  (func (export "run") (param i32) (result i32) (call $nest (local.get 0))))"#,
    );
    let file = file.to_str().expect("utf-8 path");
    for tier in TIERS {
        let what = format!("{tier}: a nest of 50,000 resumes");
        let out = cli(
            false,
            &["run", "--tier", tier, "--invoke", "run", file, "50000"],
        );
        assert_eq!(result(&out, &what), "50000", "{what}");
        let what = format!("{tier}: a nest of 1,000,000 resumes");
        let out = cli(
            false,
            &["run", "--tier", tier, "--invoke", "run", file, "1000000"],
        );
        assert_clean_error(&out, 134, "call stack exhausted", &what);
    }
}

#[test]
#[cfg(feature = "jit")]
fn the_stack_memory_limit_bounds_native_continuations() {
    let held = temp_file("held.wat", HELD);
    let held = held.to_str().expect("utf-8 path");
    // 16 MiB: 64 stacks of 256 KiB (the pool's size).
    let run = |tier: &str, n: &str| {
        let args = [
            "run",
            "--tier",
            tier,
            "-W",
            "max-stack-memory=16M",
            "--invoke",
            "run",
        ];
        let mut args = args.to_vec();
        args.extend_from_slice(&[held, n]);
        cli(false, &args)
    };
    let what = "jit: 40 held continuations within 16 MiB of stacks";
    assert_eq!(result(&run("jit", "40"), what), "780", "{what}");
    let what = "jit: 1000 held continuations past 16 MiB of stacks";
    assert_clean_error(&run("jit", "1000"), 134, "-W max-stack-memory", what);
    // The interpreter's continuations have no native stacks.
    let what = "interp: 1000 held continuations, no native stacks";
    assert_eq!(result(&run("interp", "1000"), what), "499500", "{what}");
}
