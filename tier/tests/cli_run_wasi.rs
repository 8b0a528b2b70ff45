//! `wasmfx-tier run` as a WASI command runner: `--preload`, exit codes and
//! trap reports, through the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// Writes `contents` to a fresh file called `name`.
fn temp_file(name: &str, contents: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wasmfx-run-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
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
    let out = cli(&["run", "--preload", &preload, &main]);
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));

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
    let out = cli(&["run", "--tier", "interp", "--invoke", "compute", &file, "0"]);
    assert_eq!(out.status.code(), Some(134));
    assert_eq!(
        stderr(&out),
        "error: wasm trap: integer divide by zero\n\
         wasm backtrace:\n    0: traps!divide\n    1: traps!compute\n"
    );
}

#[test]
fn proc_exit_zero_is_success() {
    let wat = r#"(module
      (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
      (memory (export "memory") 1)
      (func (export "_start") (call $exit (i32.const 0)) unreachable))"#;
    let file = temp_file("exit0.wat", wat);
    let out = cli(&["run", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "");
}
