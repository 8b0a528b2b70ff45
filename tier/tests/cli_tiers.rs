//! The CLI names exactly the tiers its build has: every tier it has runs,
//! every tier it lacks is a command-line error that says why, and the
//! help and the default follow. Runs in both builds: with the `jit`
//! feature (every tier) and without it (the interpreter-only build).

mod common;

use common::{module_and_dir, temp_file};
use std::process::{Command, Output};
use wasmfx_tier::TierMode;

const FIB: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_s (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

/// A generator: `suspend` in a continuation, `resume` with a handler.
const GENERATOR: &str = r#"(module
  (type $f (func))
  (type $k (cont $f))
  (tag $yield (param i32))
  (global $n (mut i32) (i32.const 0))
  (func $gen (loop $l (suspend $yield (global.get $n))
    (global.set $n (i32.add (global.get $n) (i32.const 1))) (br $l)))
  (elem declare func $gen)
  (func (export "sum") (param $count i32) (result i32)
    (local $k (ref null $k)) (local $sum i32)
    (local.set $k (cont.new $k (ref.func $gen)))
    (loop $next
      (block $on_yield (result i32 (ref $k))
        (resume $k (on $yield $on_yield) (local.get $k))
        (unreachable))
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (local.set $count (i32.sub (local.get $count) (i32.const 1)))
      (br_if $next (local.get $count)))
    (local.get $sum)))"#;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_tiers_built_run_and_the_others_are_refused_by_name() {
    let fib = temp_file("cli_tiers_fib.wat", FIB);
    let fib = fib.to_str().expect("utf-8 path");
    for mode in TierMode::ALL {
        let out = cli(&["run", "--tier", mode.name(), fib, "--invoke", "fib", "10"]);
        let built = cfg!(feature = "jit") || mode == TierMode::Interp;
        assert_eq!(mode.is_available(), built, "{mode}");
        if built {
            assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
            assert_eq!(text(&out.stdout), "55\n", "{mode}");
        } else {
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{mode}: {err}");
            assert!(
                err.contains(&format!("tier `{mode}` is not in this build"))
                    && err.contains("without the `jit` feature"),
                "{mode}: {err}"
            );
        }
    }
}

#[test]
fn the_default_tier_is_the_best_one_built() {
    let fib = temp_file("cli_tiers_default.wat", FIB);
    let fib = fib.to_str().expect("utf-8 path");
    let out = cli(&["run", fib, "--invoke", "fib", "20"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "6765\n");
    let help = text(&cli(&["run", "--help"]).stdout);
    let default = if cfg!(feature = "jit") {
        "dyn"
    } else {
        "interp"
    };
    assert!(help.contains(&format!("[default: {default}]")), "{help}");
}

#[test]
fn the_help_names_only_the_tiers_built() {
    for command in ["run", "wast"] {
        let help = text(&cli(&[command, "--help"]).stdout);
        assert!(help.contains("`interp`"), "{command}: {help}");
        for named in [
            "`jit`",
            "`dyn`",
            "--tier-up-after",
            "--tier-up-sync",
            "--tier-up-seed",
        ] {
            assert_eq!(
                help.contains(named),
                cfg!(feature = "jit"),
                "{command} --help and {named}: {help}"
            );
        }
    }
    let run_help = text(&cli(&["run", "--help"]).stdout);
    for named in ["--tier-stats", "max-stack-memory"] {
        assert_eq!(run_help.contains(named), cfg!(feature = "jit"), "{named}");
    }
}

#[test]
fn tiering_options_need_a_build_that_tiers() {
    let fib = temp_file("cli_tiers_options.wat", FIB);
    let fib = fib.to_str().expect("utf-8 path");
    let tier_up = cli(&["run", "--tier-up-sync", fib, "--invoke", "fib", "5"]);
    let stats = cli(&["run", "--tier-stats", fib, "--invoke", "fib", "5"]);
    let stack = cli(&[
        "run",
        "-W",
        "max-stack-memory=1M",
        fib,
        "--invoke",
        "fib",
        "5",
    ]);
    if cfg!(feature = "jit") {
        for out in [&tier_up, &stats, &stack] {
            assert!(out.status.success(), "{}", text(&out.stderr));
            assert_eq!(text(&out.stdout), "5\n");
        }
        assert!(text(&stats.stderr).contains("tier-stats:"));
    } else {
        for (out, says) in [
            (&tier_up, "need --tier dyn, which this build does not have"),
            (&stats, "--tier-stats"),
            (&stack, "max-stack-memory"),
        ] {
            let err = text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{err}");
            assert!(err.contains(says), "{err}");
            assert!(err.contains("without the `jit` feature"), "{err}");
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn stack_switching_runs_in_every_tier_built() {
    let program = temp_file("cli_tiers_generator.wat", GENERATOR);
    let program = program.to_str().expect("utf-8 path");
    for mode in TierMode::available() {
        let out = cli(&[
            "run",
            "--tier",
            mode.name(),
            program,
            "--invoke",
            "sum",
            "10",
        ]);
        assert!(out.status.success(), "{mode}: {}", text(&out.stderr));
        assert_eq!(text(&out.stdout), "45\n", "{mode}");
    }
}

/// `WASMFX_JIT_DUMP=DIR`: every function compiled leaves its CLIF, its
/// listing and its bytes in DIR (`jit/src/code_dump.rs`); nothing without
/// the environment variable, and nothing in a build without the jit.
#[test]
fn the_compiled_code_can_be_dumped() {
    let (fib, dir) = module_and_dir("cli_tiers_dump.wat", FIB, "dump");
    let tier = match cfg!(feature = "jit") {
        true => "jit",
        false => "interp",
    };
    let out = Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(["run", "--tier", tier, &fib, "--invoke", "fib", "10"])
        .env("WASMFX_JIT_DUMP", &dir)
        .output()
        .expect("run wasmfx-tier");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "55\n");
    let file = |ext: &str| {
        let found = std::fs::read_dir(&dir)
            .expect("dump dir")
            .find_map(|entry| {
                let path = entry.ok()?.path();
                let name = path.file_name()?.to_str()?.to_string();
                (name.starts_with("f0-") && name.ends_with(ext)).then_some(path)
            });
        found.map(|path| std::fs::read(path).expect("dumped file"))
    };
    if !cfg!(feature = "jit") {
        assert!(file(".s").is_none(), "no compiled code to dump");
        return;
    }
    let clif = text(&file(".clif").expect("fib's CLIF"));
    assert!(clif.contains("function") && clif.contains("call"), "{clif}");
    let listing = text(&file(".s").expect("fib's listing"));
    assert!(listing.contains("ret"), "{listing}");
    let bytes = file(".bin").expect("fib's bytes");
    // `push %rbp` first (frame pointers are kept), a `ret` somewhere.
    assert_eq!(bytes.first(), Some(&0x55), "{bytes:x?}");
    assert!(bytes.contains(&0xc3), "{bytes:x?}");
}
