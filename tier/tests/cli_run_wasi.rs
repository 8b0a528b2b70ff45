//! `wasmfx-tier run` as a WASI command runner: `--preload`, exit codes,
//! trap reports, `--`, and the WASI calls a C runtime makes besides files,
//! through the built binary, under every built tier.

mod common;

use common::temp_file;
use std::process::{Command, Output};

/// A library that a command imports by the name it is preloaded under.
const LIB: &str = r#"(module
  (func (export "double") (param i32) (result i32)
    (i32.mul (local.get 0) (i32.const 2))))"#;

/// Exits with `lib.double(21)`.
const MAIN: &str = r#"(module
  (import "lib" "double" (func $double (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start") (call $exit (call $double (i32.const 21)))))"#;

/// The `--tier` names of every tier this build has.
fn tiers() -> Vec<&'static str> {
    wasmfx_tier::TierMode::available()
        .map(wasmfx_tier::TierMode::name)
        .collect()
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn preloaded_modules_are_importable_by_name() {
    let lib = temp_file("lib.wat", LIB);
    let main = temp_file("main.wat", MAIN);
    let preload = format!("lib={}", lib.display());
    let main = main.to_string_lossy().into_owned();
    for tier in tiers() {
        let out = cli(&["run", "--tier", tier, "--preload", &preload, &main]);
        assert_eq!(out.status.code(), Some(42), "{tier}: {}", stderr(&out));
    }

    let out = cli(&["run", &main]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("lib::double"), "{}", stderr(&out));

    let out = cli(&["run", "--preload", "lib=/nonexistent/lib.wasm", &main]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("/nonexistent/lib.wasm"),
        "{}",
        stderr(&out)
    );

    let out = cli(&["run", "--preload", "lib", &main]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a malformed option is a usage error"
    );
}

#[test]
fn a_trap_prints_the_wasm_backtrace_and_exits_134() {
    let wat = r#"(module $traps
      (func $divide (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
      (func $compute (export "compute") (param i32) (result i32) (call $divide (local.get 0))))"#;
    let file = temp_file("traps.wat", wat);
    let file = file.to_string_lossy().into_owned();
    for tier in tiers() {
        let out = cli(&["run", "--tier", tier, "--invoke", "compute", &file, "0"]);
        assert_eq!(out.status.code(), Some(134), "{tier}");
        assert_eq!(
            stderr(&out),
            "error: wasm trap: integer divide by zero\n\
             wasm backtrace:\n    0: traps!divide\n    1: traps!compute\n",
            "{tier}"
        );
    }
}

#[test]
fn proc_exit_zero_is_success() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 0)) unreachable))"#;
    let file = temp_file("exit0.wat", wat);
    for tier in tiers() {
        let out = cli(&["run", "--tier", tier, &file.to_string_lossy()]);
        assert_eq!(out.status.code(), Some(0), "{tier}");
        assert_eq!(stderr(&out), "", "{tier}");
    }
}

/// Reads the monotonic clock, sleeps 5 ms in `poll_oneoff`, checks the
/// clock moved that far, fills 16 bytes from `random_get`, yields, prints
/// `wasi ok` and exits with 7 plus its argument count. A failed step exits
/// with its own code (20 to 24).
const WASI_PROBE: &str = r#"(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; subscription at 64: userdata, tag 0 (clock), clock 1, timeout 5 ms
  (data (i32.const 64) "\01\00\00\00\00\00\00\00")
  (data (i32.const 80) "\01\00\00\00\00\00\00\00\40\4b\4c\00\00\00\00\00")
  ;; iovec at 400 -> "wasi ok\n" at 408
  (data (i32.const 400) "\98\01\00\00\08\00\00\00wasi ok\n")
  (func $check (param $errno i32) (param $code i32)
    (if (local.get $errno) (then (call $exit (local.get $code)))))
  (func (export "_start")
    (call $check (call $clock (i32.const 1) (i64.const 1) (i32.const 0)) (i32.const 20))
    (call $check (call $poll (i32.const 64) (i32.const 128) (i32.const 1) (i32.const 192))
      (i32.const 21))
    (call $check (call $clock (i32.const 1) (i64.const 1) (i32.const 8)) (i32.const 20))
    (call $check
      (i64.lt_u (i64.sub (i64.load (i32.const 8)) (i64.load (i32.const 0))) (i64.const 5000000))
      (i32.const 22))
    (call $check (call $random (i32.const 256) (i32.const 16)) (i32.const 23))
    (call $check
      (i64.eqz (i64.or (i64.load (i32.const 256)) (i64.load (i32.const 264))))
      (i32.const 23))
    (call $check (call $yield) (i32.const 24))
    (drop (call $args (i32.const 300) (i32.const 304)))
    (drop (call $write (i32.const 1) (i32.const 400) (i32.const 1) (i32.const 320)))
    (call $exit (i32.add (i32.const 7) (i32.load (i32.const 300))))))"#;

#[test]
fn clocks_poll_random_and_yield_work_and_the_exit_code_passes_through() {
    let file = temp_file("probe.wat", WASI_PROBE);
    let file = file.to_string_lossy().into_owned();
    for tier in tiers() {
        // Everything after the file, `--` first, is the program's.
        let out = cli(&["run", "--tier", tier, &file, "--", "--tier", "x"]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout, "wasi ok\n", "{tier}: {}", stderr(&out));
        // 7 + argc (the program name, `--tier` and `x`).
        assert_eq!(out.status.code(), Some(10), "{tier}: {}", stderr(&out));
    }
}
