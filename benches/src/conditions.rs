//! The conditions a measurement ran under, for the report: which build, how many CPUs,
//! and how busy the machine was when the run started (other work skews wall times).

use std::fs;
use std::thread;

/// One line such as `commit 2f27553, 2 CPUs, load average 0.31 at start`; parts that
/// cannot be found are left out. The commit is the measured wasmfx-tier binary's, from
/// its `--version` (`version`, e.g. `wasmfx-tier 0.1.0 (2f27553)`; the build names
/// it, `+changes` when its work tree had changes), not the work tree's: `--wasmfx-tier
/// PATH` may name another build.
pub fn describe(version: Option<&str>) -> String {
    let mut parts = Vec::new();
    if let Some(commit) = version.and_then(commit_of) {
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

/// The commit in parentheses at the end of a `--version` line, if any.
fn commit_of(version: &str) -> Option<&str> {
    let (_, rest) = version.trim_end().rsplit_once(" (")?;
    rest.strip_suffix(')').filter(|commit| !commit.is_empty())
}

/// The one-minute load average (Linux `/proc/loadavg`).
fn load_average() -> Option<String> {
    let loadavg = fs::read_to_string("/proc/loadavg").ok()?;
    loadavg.split_whitespace().next().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commit_is_the_one_the_version_names() {
        assert_eq!(commit_of("wasmfx-tier 0.1.0 (2f27553)"), Some("2f27553"));
        assert_eq!(
            commit_of("wasmfx-tier 0.1.0 (2f27553+changes)"),
            Some("2f27553+changes")
        );
        assert_eq!(commit_of("wasmfx-tier 0.1.0"), None);
        assert_eq!(commit_of("wasmfx-tier 0.1.0 ()"), None);
        assert!(describe(Some("wasmfx-tier 0.1.0 (abc)")).starts_with("commit abc"));
        assert!(!describe(None).contains("commit"));
    }
}
