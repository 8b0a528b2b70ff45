//! Runs the built `wasmfx-tier` binary: results, and one-line errors with
//! the right exit status for every way a run can fail.

mod common;

use common::{module_and_dir, temp_file};
use std::process::{Command, Output};

const FIB: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "add64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "half") (param f64) (result f64)
    (f64.mul (local.get 0) (f64.const 0.5)))
  (func (export "pair") (result i32 f32)
    (i32.const -1) (f32.const 1.5))
  (func (export "boom") (unreachable)))"#;

/// The tiers this build has (the interpreter-only build: `interp`).
fn built_tiers() -> &'static [&'static str] {
    if cfg!(feature = "jit") {
        &["interp", "jit", "dyn"]
    } else {
        &["interp"]
    }
}

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exactly one line on stderr, starting with `error: `.
fn assert_one_error_line(out: &Output, contains: &str) {
    let err = stderr(out);
    assert!(
        !out.status.success(),
        "expected failure, got success: {}",
        stdout(out)
    );
    assert_eq!(
        err.lines().count(),
        1,
        "one error line expected, got:\n{err}"
    );
    assert!(err.starts_with("error: "), "stderr: {err}");
    assert!(err.contains(contains), "`{contains}` not in: {err}");
}

fn run_fib(args: &[&str]) -> Output {
    let file = temp_file("fib.wat", FIB.as_bytes());
    let file = file.to_string_lossy().into_owned();
    let mut all = vec!["run", file.as_str()];
    all.extend_from_slice(args);
    cli(&all)
}

#[test]
fn version_names_the_package_and_a_checkout_its_commit() {
    let out = cli(&["--version"]);
    assert!(out.status.success());
    let version = stdout(&out);
    let expected = concat!("wasmfx-tier ", env!("CARGO_PKG_VERSION"));
    assert!(version.starts_with(expected), "{version}");
    // In a git checkout the build names the commit: `0.1.0 (c24d147)`.
    let rest = version[expected.len()..].trim_end();
    let commit = rest.strip_prefix(" (").and_then(|r| r.strip_suffix(')'));
    assert!(
        rest.is_empty() || commit.is_some_and(|c| !c.is_empty()),
        "{version}"
    );
}

#[test]
fn the_translated_code_can_be_dumped() {
    let (fib, dir) = module_and_dir("cli_interp_dump.wat", FIB, "ops");
    let out = Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(["run", "--tier", "interp", &fib, "--invoke", "fib", "10"])
        .env("WASMFX_INTERP_DUMP", &dir)
        .output()
        .expect("run wasmfx-tier");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "55\n");
    // fib is the only function called: one file, its first line the header.
    let files: Vec<_> = std::fs::read_dir(&dir)
        .expect("dump dir")
        .map(|entry| entry.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let ops = std::fs::read_to_string(&files[0]).expect("dumped ops");
    let header = ops.lines().next().unwrap_or_default();
    assert!(
        header.contains("params 1,") && header.contains("results 1,"),
        "{ops}"
    );
    assert!(
        ops.contains("Call(FuncAddr(") && ops.contains("Return"),
        "{ops}"
    );
}

#[test]
fn invokes_fib() {
    let out = run_fib(&["--invoke", "fib", "20"]);
    assert_eq!(
        (stdout(&out).as_str(), out.status.code()),
        ("6765\n", Some(0)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn parses_arguments_by_type_and_prints_results() {
    let out = run_fib(&["--invoke", "add64", "--", "-0x10", "9223372036854775807"]);
    assert_eq!(stdout(&out), "9223372036854775791\n", "{}", stderr(&out));
    let out = run_fib(&["--invoke", "half", "-3"]);
    assert_eq!(stdout(&out), "-1.5\n", "{}", stderr(&out));
    let out = run_fib(&["--invoke", "half", "inf"]);
    assert_eq!(stdout(&out), "inf\n", "{}", stderr(&out));
    let out = run_fib(&["--invoke", "pair"]);
    assert_eq!(stdout(&out), "-1\n1.5\n", "{}", stderr(&out));
}

#[test]
fn invoke_before_the_file_and_run_shorthand() {
    let file = temp_file("fib.wat", FIB.as_bytes());
    let file = file.to_string_lossy().into_owned();
    let out = cli(&["--tier", "interp", "--invoke", "fib", &file, "10"]);
    assert_eq!(stdout(&out), "55\n", "{}", stderr(&out));
    let out = cli(&[&file, "--invoke", "fib", "10"]);
    assert_eq!(stdout(&out), "55\n", "{}", stderr(&out));
    let out = cli(&["run", "--invoke", "fib", &file, "10"]);
    assert_eq!(stdout(&out), "55\n", "{}", stderr(&out));
}

#[test]
fn trap_is_an_error_line_then_a_backtrace_and_exits_like_wasmtime() {
    let out = run_fib(&["--invoke", "boom"]);
    let err = stderr(&out);
    assert_eq!(err.lines().next(), Some("error: wasm trap: unreachable"));
    assert!(err.contains("wasm backtrace:"), "{err}");
    assert_eq!(out.status.code(), Some(134));
}

#[test]
fn truncated_binary_fails_to_compile() {
    let binary = wasmfx_tier::text_to_binary(FIB).expect("encode fib");
    let file = temp_file("fib.wasm", &binary[..binary.len() / 2]);
    let out = cli(&["run", &file.to_string_lossy(), "--invoke", "fib", "1"]);
    assert_one_error_line(&out, "failed to compile");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn malformed_text_is_located() {
    let file = temp_file("bad.wat", b"(module\n  (func (i32.const)))");
    let out = cli(&["run", &file.to_string_lossy()]);
    assert_one_error_line(&out, "failed to parse");
    assert!(stderr(&out).contains("bad.wat:2:"), "{}", stderr(&out));
}

#[test]
fn endless_input_is_refused_at_once() {
    let out = cli(&["run", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(1));
    assert_one_error_line(&out, "not a WebAssembly module");
}

#[test]
fn missing_file() {
    let out = cli(&["run", "/nonexistent/wasmfx/none.wasm"]);
    assert_one_error_line(&out, "failed to read /nonexistent/wasmfx/none.wasm");
}

#[test]
#[cfg(feature = "jit")]
fn unknown_tiers_and_misplaced_tier_up_options_are_refused() {
    let out = run_fib(&["--tier", "dyn", "--invoke", "fib", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run_fib(&["--tier", "jit", "--tier-up-sync", "--invoke", "fib", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_one_error_line(&out, "need --tier dyn");
    let out = run_fib(&["--tier-up-after", "many", "--invoke", "fib", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = run_fib(&["--tier", "fast", "--invoke", "fib", "1"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("unknown tier `fast`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn argument_errors() {
    assert_one_error_line(
        &run_fib(&["--invoke", "fib"]),
        "takes 1 argument(s), 0 given",
    );
    assert_one_error_line(
        &run_fib(&["--invoke", "fib", "ten"]),
        "`ten` is not a valid i32",
    );
    assert_one_error_line(&run_fib(&["--invoke", "nope"]), "no export named `nope`");
}

#[test]
fn without_invoke_runs_start_or_says_there_is_none() {
    assert_one_error_line(&run_fib(&[]), "exports no `_start` function");
    let file = temp_file("start.wat", br#"(module (func (export "_start")))"#);
    let out = cli(&["run", &file.to_string_lossy()]);
    assert_eq!(
        (stdout(&out).as_str(), out.status.code()),
        ("", Some(0)),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_import_is_named() {
    let file = temp_file("imp.wat", br#"(module (import "env" "missing" (func)))"#);
    let out = cli(&["run", &file.to_string_lossy()]);
    assert_one_error_line(&out, "failed to instantiate");
    assert!(stderr(&out).contains("missing"), "{}", stderr(&out));
}

#[test]
fn uncaught_exception_is_an_error() {
    let file = temp_file(
        "throw.wat",
        br#"(module (tag $e (param i32)) (func (export "_start") (throw $e (i32.const 1))))"#,
    );
    for &tier in built_tiers() {
        let out = cli(&["run", "--tier", tier, &file.to_string_lossy()]);
        // The tag and its payload, then where it was thrown.
        assert_eq!(
            stderr(&out),
            "error: wasm exception: uncaught exception of tag $e (1)\n\
             wasm backtrace:\n    0: <unknown>!<wasm function 0>\n",
            "{tier}"
        );
        assert_eq!(out.status.code(), Some(1), "{tier}");
    }
}

#[test]
fn unhandled_suspension_names_the_tag_and_exits_like_a_trap() {
    let file = temp_file(
        "suspend.wat",
        br#"(module
  (tag $exported (export "ready") (param i32))
  (tag $local)
  (func (export "exported") (suspend $exported (i32.const 1)))
  (func (export "local") (suspend $local)))"#,
    );
    let name = file.to_string_lossy().into_owned();
    for (export, tag) in [("exported", "\"ready\""), ("local", "$local")] {
        let out = cli(&["run", "--tier", "interp", &name, "--invoke", export]);
        let err = stderr(&out);
        let expected = format!("error: wasm trap: unhandled tag {tag}");
        assert_eq!(err.lines().next(), Some(expected.as_str()), "{err}");
        assert_eq!(out.status.code(), Some(134));
    }
}

#[test]
fn wast_reports_failures_and_totals_last() {
    let script = br#"(module (func (export "one") (result i32) (i32.const 1)))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_trap (module (func $f unreachable) (start $f)) "unreachable")
(assert_invalid (module (func (result i32))) "type mismatch")
"#;
    let file = temp_file("t.wast", script);
    let name = file.to_string_lossy().into_owned();
    let out = cli(&["wast", &name]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(
        text.contains(&format!(
            "{name}:3:2: assert_return: result 0: expected i32:2, got i32:1"
        )),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("4 passed, 1 failed"), "{text}");
}

#[test]
fn wast_all_passing_exits_zero() {
    let file = temp_file(
        "ok.wast",
        b"(module (func (export \"f\")))\n(invoke \"f\")\n",
    );
    let out = cli(&["wast", "--tier", "interp", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().last(), Some("2 passed, 0 failed"));
}

/// A WASI command: prints its argument count and `$GREETING`, then exits
/// with the argument count.
const WASI_PROGRAM: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hello\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 6))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (drop (call $args_sizes (i32.const 16) (i32.const 20)))
    (call $exit (i32.load (i32.const 16)))))"#;

#[test]
fn wasi_command_gets_its_arguments_and_exit_code() {
    let file = temp_file("hello.wat", WASI_PROGRAM.as_bytes());
    let out = cli(&["run", &file.to_string_lossy(), "a", "-b", "c"]);
    assert_eq!(stdout(&out), "hello\n", "{}", stderr(&out));
    assert_eq!(
        out.status.code(),
        Some(4),
        "argv is the program name and 3 arguments"
    );
    let out = cli(&["run", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn wasi_directory_that_does_not_exist_is_an_error() {
    let file = temp_file("hello.wat", WASI_PROGRAM.as_bytes());
    let out = cli(&[
        "run",
        "--dir",
        "/nonexistent/wasmfx",
        &file.to_string_lossy(),
    ]);
    assert_one_error_line(&out, "failed to open directory /nonexistent/wasmfx");
}

#[test]
fn wasm_feature_switches_change_validation() {
    // A tag with results is valid only with stack switching on.
    let script = temp_file(
        "tag_results.wast",
        b"(assert_invalid (module (tag (result i32))) \"non-empty tag result type\")",
    );
    let script = script.to_str().unwrap();
    let off = cli(&["wast", "-W", "stack-switching=n", script]);
    assert!(off.status.success(), "{}", stdout(&off));
    assert!(
        stdout(&off).ends_with("1 passed, 0 failed\n"),
        "{}",
        stdout(&off)
    );
    let on = cli(&["wast", script]);
    assert_eq!(on.status.code(), Some(1));
    assert!(
        stdout(&on).ends_with("0 passed, 1 failed\n"),
        "{}",
        stdout(&on)
    );
    let unknown = cli(&["wast", "-W", "no-such-thing=y", script]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// The numbers of a `timings: compile MS ms (N functions), execute MS ms`
/// line: (compile ms, functions, execute ms).
fn parse_timings(line: &str) -> Option<(f64, usize, f64)> {
    let rest = line.strip_prefix("timings: compile ")?;
    let (compile, rest) = rest.split_once(" ms (")?;
    let (functions, rest) = rest.split_once(" functions), execute ")?;
    let execute = rest.strip_suffix(" ms")?;
    Some((
        compile.parse().ok()?,
        functions.parse().ok()?,
        execute.parse().ok()?,
    ))
}

#[test]
fn timings_line_reports_compile_and_execute_per_tier() {
    for (tier, compiles) in [("interp", false), ("jit", true)] {
        if !built_tiers().contains(&tier) {
            continue;
        }
        let out = run_fib(&["--tier", tier, "--timings", "--invoke", "fib", "20"]);
        assert!(out.status.success(), "{tier}: {}", stderr(&out));
        assert_eq!(stdout(&out), "6765\n", "{tier}");
        let err = stderr(&out);
        let line = err
            .lines()
            .find(|line| line.starts_with("timings: "))
            .unwrap_or_else(|| panic!("{tier}: no timings line in: {err}"));
        let (compile, functions, execute) =
            parse_timings(line).unwrap_or_else(|| panic!("{tier}: unparsable: {line}"));
        assert!(compile >= 0.0 && execute >= 0.0, "{tier}: {line}");
        assert_eq!(functions > 0, compiles, "{tier}: {line}");
    }
}

#[test]
fn no_timings_line_without_the_flag() {
    let out = run_fib(&["--invoke", "fib", "10"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("timings:"), "{}", stderr(&out));
}

/// `main` calls `a` calls `b`, which traps with `b_body` (given `n`).
#[cfg(feature = "jit")]
fn nested_trap(b_body: &str) -> String {
    format!(
        r#"(module $prog
  (func $b (param $n i32) (result i32) {b_body})
  (func $a (param $n i32) (result i32) (i32.add (call $b (local.get $n)) (i32.const 1)))
  (func $main (export "main") (param $n i32) (result i32)
    (i32.add (call $a (local.get $n)) (i32.const 1))))"#
    )
}

/// The stderr lines from `wasm backtrace:` on.
#[cfg(feature = "jit")]
fn backtrace_lines(err: &str) -> Vec<&str> {
    err.lines()
        .skip_while(|line| *line != "wasm backtrace:")
        .collect()
}

#[test]
#[cfg(feature = "jit")]
fn compiled_code_traps_print_the_same_backtrace_as_the_interpreter() {
    let cases = [
        ("(unreachable)", "unreachable"),
        (
            "(i32.div_u (i32.const 1) (local.get $n))",
            "integer divide by zero",
        ),
    ];
    for (b_body, message) in cases {
        let file = temp_file("nested.wat", nested_trap(b_body).as_bytes());
        let file = file.to_string_lossy().into_owned();
        let run = |tier| cli(&["run", "--tier", tier, &file, "--invoke", "main", "0"]);
        let (jit, interp) = (stderr(&run("jit")), stderr(&run("interp")));
        let expected = [
            "wasm backtrace:",
            "    0: prog!b",
            "    1: prog!a",
            "    2: prog!main",
        ];
        assert_eq!(
            jit.lines().next(),
            Some(format!("error: wasm trap: {message}").as_str()),
            "{jit}"
        );
        assert_eq!(backtrace_lines(&jit), expected, "jit: {jit}");
        assert_eq!(backtrace_lines(&interp), expected, "interp: {interp}");
    }
}

#[test]
fn deep_recursion_backtraces_fold_and_say_when_they_are_cut() {
    let file = temp_file(
        "rec.wat",
        br#"(module
  (func $f (export "f") (param i32) (result i32)
    (i32.add (call $g (local.get 0)) (i32.const 1)))
  (func $g (param i32) (result i32) (call $f (local.get 0))))"#,
    );
    for &tier in built_tiers() {
        let file = file.to_string_lossy();
        let mut args = vec!["run", "--tier", tier, "--invoke", "f", &file, "1"];
        if tier == "dyn" {
            // Compiled at once, so that its deep frames are compiled ones.
            args.insert(3, "--tier-up-sync");
        }
        let out = cli(&args);
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines[0], "error: wasm trap: call stack exhausted", "{tier}");
        assert!(lines.len() < 16, "{tier}: not folded:\n{err}");
        assert!(
            err.contains("... the 2 frames above"),
            "{tier}: no fold of f, g:\n{err}"
        );
        // The interpreter keeps every frame; compiled code keeps 256.
        let cut = err.contains("... more frames were active but not recorded");
        assert_eq!(cut, tier != "interp", "{tier}:\n{err}");
        assert_eq!(out.status.code(), Some(134), "{tier}");
    }
}
