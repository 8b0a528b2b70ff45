//! Fuel and time limits (`-W fuel=N`, `-W timeout=D`, and the embedding's
//! `StoreLimits::fuel`, `interruptible` and `InterruptHandle`) stop code
//! that would run forever, in every tier: loops, tail calls, start
//! functions, and code inside continuations.

mod common;

use common::temp_file;
use std::process::{Command, Output};
use std::time::Duration;
use wasmfx_tier::{Engine, Error, Runtime, StoreLimits, TierMode, Trap, Val};

/// Every tier, with the tiered mode also tiering up at once.
/// The tiers this build has (the interpreter-only build: `interp`).
#[cfg(feature = "jit")]
const TIERS: [&[&str]; 4] = [
    &["--tier", "interp"],
    &["--tier", "jit"],
    &["--tier", "dyn"],
    &["--tier", "dyn", "--tier-up-after", "1", "--tier-up-sync"],
];
#[cfg(not(feature = "jit"))]
const TIERS: [&[&str]; 1] = [&["--tier", "interp"]];

const FOREVER: &str = r#"(module
  (type $f (func))
  (type $k (cont $f))
  (tag $yield)
  (func $spin (loop (br 0)))
  (func $tail (return_call $tail))
  (func $gen (loop (suspend $yield) (br 0)))
  (elem declare func $spin $gen)
  (func (export "spin") (call $spin))
  (func (export "tail") (call $tail))
  (func (export "spin_inside") (resume $k (cont.new $k (ref.func $spin))))
  (func (export "generate_forever") (local $k (ref null $k))
    (local.set $k (cont.new $k (ref.func $gen)))
    (loop
      (block $on (result (ref $k))
        (resume $k (on $yield $on) (local.get $k))
        (return))
      (local.set $k)
      (br 0)))
  (func (export "count") (param $n i32) (result i32) (local $i i32)
    (loop
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i)))"#;

const START_SPINS: &str = "(module (func $spin (loop (br 0))) (start $spin))";

/// The CLI with `args`, killed after a minute (a check that never fires
/// shows as exit 124 instead of a hung test).
fn cli(args: &[&str]) -> Output {
    Command::new("timeout")
        .arg("60")
        .arg(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

fn assert_trap(out: &Output, message: &str, what: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(134), "{what}: {err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains(message), "{what}: {first:?}\n{err}");
}

#[test]
fn a_timeout_stops_loops_tail_calls_start_functions_and_continuations() {
    let forever = temp_file("forever.wat", FOREVER);
    let start = temp_file("start.wat", START_SPINS);
    for tier in TIERS {
        for export in ["spin", "tail", "spin_inside", "generate_forever"] {
            let mut args = vec!["run"];
            args.extend_from_slice(tier);
            args.extend(["-W", "timeout=200ms", "--invoke", export]);
            args.push(forever.to_str().expect("utf-8 path"));
            let what = format!("{tier:?} {export}");
            let out = cli(&args);
            assert_trap(&out, "the time limit (-W timeout) passed", &what);
            if let Some(inner) = ["spin", "tail"].into_iter().find(|f| *f == export) {
                // Once, whether the frame handed off to compiled code
                // (OSR, tail call) or not.
                let err = String::from_utf8_lossy(&out.stderr);
                let frames = err.lines().filter(|l| l.ends_with(&format!("!{inner}")));
                assert_eq!(frames.count(), 1, "{what}: {err}");
            }
        }
        let mut args = vec!["run"];
        args.extend_from_slice(tier);
        args.extend(["-W", "timeout=0.2", start.to_str().expect("utf-8 path")]);
        assert_trap(&cli(&args), "-W timeout", &format!("{tier:?} start"));
    }
}

#[test]
fn fuel_runs_out_in_every_tier_and_enough_fuel_finishes() {
    let forever = temp_file("forever.wat", FOREVER);
    let path = forever.to_str().expect("utf-8 path");
    for tier in TIERS {
        for export in ["spin", "tail", "spin_inside", "generate_forever"] {
            let mut args = vec!["run"];
            args.extend_from_slice(tier);
            args.extend(["-W", "fuel=100000", "--invoke", export, path]);
            assert_trap(
                &cli(&args),
                "all fuel consumed",
                &format!("{tier:?} {export}"),
            );
        }
        // 1000 iterations and a call: enough with 2000, not with 500.
        let mut args = vec!["run"];
        args.extend_from_slice(tier);
        args.extend(["-W", "fuel=2000", "--invoke", "count", path, "1000"]);
        let out = cli(&args);
        assert!(out.status.success(), "{tier:?}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1000");
        let fuel = args.len() - 5;
        args[fuel] = "fuel=500";
        assert_trap(&cli(&args), "all fuel consumed", &format!("{tier:?} count"));
    }
}

#[test]
fn the_timeout_and_fuel_options_belong_to_run() {
    let out = cli(&["wast", "-W", "timeout=1s", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = cli(&["run", "-W", "timeout=soon", "/dev/null"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

#[test]
fn a_host_thread_interrupts_a_call_and_the_store_runs_again() {
    for mode in TierMode::available() {
        let engine = Engine::new(mode).expect("tier is built");
        let mut runtime = Runtime::new(&engine);
        runtime.set_limits(StoreLimits {
            interruptible: true,
            fuel: Some(u64::MAX / 2),
            ..StoreLimits::default()
        });
        let module = engine.compile_text(FOREVER).expect("compiles");
        let id = runtime.instantiate(&module).expect("instantiates");
        let handle = runtime.store().interrupt_handle();
        let interrupter = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            handle.interrupt();
        });
        let got = runtime.call(id, "generate_forever", &[]);
        interrupter.join().expect("interrupter");
        assert!(
            matches!(got, Err(Error::Trap(Trap::Interrupted))),
            "{mode:?}: {got:?}"
        );
        let fuel = runtime.store().interruption.fuel();
        assert!(fuel < u64::MAX / 2, "{mode:?}: fuel was spent");
        runtime.store().interruption.clear_interrupt();
        let got = runtime.call(id, "count", &[Val::I32(10)]);
        assert!(
            matches!(got.as_deref(), Ok([Val::I32(10)])),
            "{mode:?}: {got:?}"
        );
    }
}
