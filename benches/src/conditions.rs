//! The conditions a measurement ran under, for the report: which commit, how many CPUs,
//! and how busy the machine was when the run started (other work skews wall times).

use std::fs;
use std::process::Command;
use std::thread;

/// One line such as `commit 2f27553, 2 CPUs, load average 0.31 at start`; parts that
/// cannot be found are left out.
pub fn describe() -> String {
    let mut parts = Vec::new();
    if let Some(commit) = commit() {
        parts.push(format!("commit {commit}"));
    }
    if let Ok(cpus) = thread::available_parallelism() {
        parts.push(format!("{cpus} CPUs"));
    }
    if let Some(load) = load_average() {
        parts.push(format!("load average {load} at start"));
    }
    parts.join(", ")
}

/// Short hash of the checked-out commit, with `+changes` when the work tree differs.
fn commit() -> Option<String> {
    let git = |args: &[&str]| {
        let output = Command::new("git")
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "--short", "HEAD"])?;
    let changed = git(&["status", "--porcelain", "--untracked-files=no"])
        .is_some_and(|status| !status.is_empty());
    Some(if changed {
        format!("{hash}+changes")
    } else {
        hash
    })
}

/// The one-minute load average (Linux `/proc/loadavg`).
fn load_average() -> Option<String> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    loadavg.split_whitespace().next().map(str::to_string)
}
