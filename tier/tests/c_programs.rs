//! Runs the WASI programs of `examples/c/` (C compiled with wasi-libc, see
//! `examples/c/build.sh`) through the built `wasmfx-tier` binary, under
//! every built tier, with fixed arguments, environment and directories, and
//! compares stdout and the exit status with recorded ones
//! (`examples/c/expected/*.stdout`).
//!
//! The recordings were made with this engine's `interp` tier, then checked
//! against `wasmtime run` (wasmtime-cli 48.0.8) on the same `.wasm` files
//! with the same options: byte-identical stdout and the same exit status
//! (the `wasmi` CLI agrees too).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmfx_tier::TierMode;

/// The `--tier` names of every tier this build has.
fn tiers() -> Vec<&'static str> {
    TierMode::available().map(TierMode::name).collect()
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/c")
}

fn expected_stdout(program: &str) -> String {
    let path = examples()
        .join("expected")
        .join(format!("{program}.stdout"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Runs `program.wasm` with `options` before the file and `args` after it.
fn run(tier: &str, program: &str, options: &[&str], args: &[&str]) -> Output {
    let wasm = examples().join(format!("{program}.wasm"));
    Command::new(env!("CARGO_BIN_EXE_wasmfx-tier"))
        .args(["run", "--tier", tier])
        .args(options)
        .arg(&wasm)
        .args(args)
        .output()
        .expect("run wasmfx-tier")
}

fn check(out: &Output, program: &str, tier: &str, code: i32) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stdout,
        expected_stdout(program),
        "{program} under {tier}; stderr: {stderr}"
    );
    assert_eq!(
        out.status.code(),
        Some(code),
        "{program} under {tier}; stderr: {stderr}"
    );
}

/// A fresh directory for one run (unique per process and call).
fn scratch_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("wasmfx-c-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

#[test]
fn args_env_prints_what_it_was_given_and_exits_with_its_code() {
    for tier in tiers() {
        let options = ["--env", "A=1", "--env", "EXIT_CODE=3"];
        let out = run(tier, "args_env", &options, &["x", "y z", "--flag"]);
        check(&out, "args_env", tier, 3);
        assert_eq!(String::from_utf8_lossy(&out.stderr), "exiting with 3\n");
    }
}

#[test]
fn copy_file_copies_inside_its_directory_and_cannot_leave_it() {
    for tier in tiers() {
        let scratch = scratch_dir();
        let dir = scratch.join("granted");
        std::fs::create_dir(&dir).expect("create granted dir");
        let text = "line one\nline two\n";
        std::fs::write(dir.join("in.txt"), text).expect("write input");
        let grant = format!("{}::.", dir.display());
        let out = run(
            tier,
            "copy_file",
            &["--dir", &grant],
            &["in.txt", "./out.txt"],
        );
        check(&out, "copy_file", tier, 0);
        let copied = std::fs::read_to_string(dir.join("out.txt")).ok();
        assert_eq!(copied.as_deref(), Some(text), "{tier}");
        let outside = scratch.join("outside.txt");
        assert!(!outside.exists(), "{tier}: nothing written outside");
        let _ = std::fs::remove_dir_all(&scratch);
    }
}

#[test]
fn compute_kernel_prints_its_checksums() {
    for tier in tiers() {
        let out = run(tier, "compute", &[], &["100"]);
        check(&out, "compute", tier, 0);
    }
}

#[test]
fn sandbox_probe_gets_the_errors_wasmtime_gives() {
    use std::os::unix::fs::symlink;
    for tier in tiers() {
        let scratch = scratch_dir();
        let dir = scratch.join("granted");
        std::fs::create_dir_all(dir.join("sub")).expect("create dirs");
        std::fs::write(scratch.join("secret"), "s").expect("write secret");
        std::fs::write(dir.join("sub/file"), "f").expect("write file");
        for (target, link) in [
            ("../secret", "up"),
            ("/etc/passwd", "abs"),
            ("sub/file", "good"),
            ("loop", "loop"),
        ] {
            symlink(target, dir.join(link)).expect("create symlink");
        }
        let grant = format!("{}::.", dir.display());
        let out = run(tier, "sandbox_probe", &["--dir", &grant], &[]);
        check(&out, "sandbox_probe", tier, 0);
        assert!(
            !scratch.join("x").exists() && !scratch.join("file").exists(),
            "{tier}"
        );
        let _ = std::fs::remove_dir_all(&scratch);
    }
}
