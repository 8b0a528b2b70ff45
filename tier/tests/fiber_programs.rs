//! Runs the fiber programs of `examples/fibers/` (C on a fiber library whose
//! primitives are stack-switching instructions, see its README.md) through
//! the built `wasmfx-tier` binary, under every built tier, and compares
//! stdout and the exit status with recorded ones
//! (`examples/fibers/expected/*.stdout`).
//!
//! The recordings were made with `wasmtime run -W stack-switching=y`
//! (wasmtime-cli 48.0.8) on the same `.wasm` files and arguments. The `jit`
//! tier compiles every function, the stack-switching primitives included.
//!
//! `misuse` checks that the library stops misuses with a message and a trap
//! (wasmtime prints the same messages), and that every tier prints the same
//! backtrace, named from the name section.
//!
//! `c10m` runs here with 30,000 fibers (10,000 alive at once), which takes
//! seconds in the test profile; the full 10 million is run by
//! `examples/fibers/check.sh` with a release build.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use wasmfx_tier::TierMode;

/// The `--tier` names of every tier this build has.
fn tiers() -> Vec<&'static str> {
    TierMode::available().map(TierMode::name).collect()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fibers")
}

fn expected_stdout(recording: &str) -> String {
    let path = examples()
        .join("expected")
        .join(format!("{recording}.stdout"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs `program.wasm` with `args` under `tier`.
fn run(tier: &str, program: &str, args: &[&str]) -> Output {
    let wasm = examples().join(format!("{program}.wasm"));
    Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(["run", "--tier", tier])
        .arg(&wasm)
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

/// Runs `program` with `args` under every tier: it must print the
/// `recording` and exit with status 0.
fn check_under_every_tier(program: &str, args: &[&str], recording: &str) {
    let expected = expected_stdout(recording);
    for tier in tiers() {
        let out = run(tier, program, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            expected,
            "{program} {args:?} under {tier}; stderr: {stderr}"
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{program} {args:?} under {tier}; stderr: {stderr}"
        );
    }
}

#[test]
fn generator_yields_values_receives_values_and_is_dropped_while_suspended() {
    check_under_every_tier("generator", &[], "generator");
}

#[test]
fn round_robin_runs_ten_thousand_green_threads_with_private_c_stacks() {
    check_under_every_tier("round_robin", &[], "round_robin");
}

#[test]
fn sieve_pipeline_finds_a_thousand_primes_through_nested_resumes() {
    check_under_every_tier("sieve", &[], "sieve");
}

#[test]
fn c10m_recycles_fibers_with_ten_thousand_alive() {
    check_under_every_tier("c10m", &["30000", "10000"], "c10m_30000_10000");
}

#[test]
fn misuses_print_a_message_and_trap() {
    let cases = [
        (
            "yield-outside",
            "fiber: yield outside every fiber (fiber -1)",
        ),
        (
            "resume-finished",
            "fiber: resume of a finished fiber (fiber 0)",
        ),
        (
            "resume-running",
            "fiber: resume of a running fiber (fiber 0)",
        ),
        (
            "destroy-running",
            "fiber: destroy of a running fiber (fiber 0)",
        ),
        ("bad-handle", "fiber: no such fiber (fiber 7)"),
        ("stack-overflow", "fiber: C stack overflow (fiber 0)"),
    ];
    for (case, message) in cases {
        let mut reports = Vec::new();
        for tier in tiers() {
            let out = run(tier, "misuse", &[case]);
            let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
            assert_eq!(
                stderr.lines().next(),
                Some(message),
                "misuse {case} under {tier}; stderr: {stderr}"
            );
            // The backtrace names the C functions (name section) down to main.
            let named = ["wasm backtrace:", "!abort\n", "!fail\n", "!main\n"];
            assert!(
                named.iter().all(|n| stderr.contains(n)),
                "misuse {case} under {tier}; stderr: {stderr}"
            );
            assert_eq!(
                out.status.code(),
                Some(134),
                "misuse {case} under {tier}; stderr: {stderr}"
            );
            reports.push(stderr);
        }
        // Every tier reports the same message and frames.
        assert!(
            reports.windows(2).all(|w| w[0] == w[1]),
            "misuse {case}: {reports:#?}"
        );
    }
}
