//! What running one `.wast` script produced, shared by the CLI (`wasmfx-tier
//! wast`) and the test harness.
//!
//! ```text
//!   FileReport ─┬─ name                 "wasm-v3/i32.wast" or a path
//!               ├─ passed / failed      directive counts
//!               ├─ failures: [Failure]  line:col, directive, why
//!               └─ message_differences: [Failure]
//!                     rejections (assert_invalid, assert_malformed,
//!                     assert_unlinkable) that passed with other wording
//! ```
//! A message difference is a pass: it is counted inside `passed` and listed
//! apart, so a wording gap stays visible without failing the script.

use std::fmt;

/// One directive that did not do what the script expects (or a pass whose
/// error message differs from the expected one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// 1-based line of the directive in the script.
    pub line: usize,
    /// 1-based column of the directive in the script.
    pub col: usize,
    /// The directive's keyword (`assert_return`, `module`, ...).
    pub directive: &'static str,
    pub reason: String,
}

/// The outcome of one script.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileReport {
    /// How the script is named in output (path or `corpus/file.wast`).
    pub name: String,
    pub passed: usize,
    pub failed: usize,
    pub failures: Vec<Failure>,
    /// Passing rejections whose message differs from the expected one.
    pub message_differences: Vec<Failure>,
}

impl FileReport {
    pub fn new(name: impl Into<String>) -> FileReport {
        FileReport {
            name: name.into(),
            ..FileReport::default()
        }
    }

    pub fn record_pass(&mut self) {
        self.passed += 1;
    }

    /// A pass whose rejection message differs from the expected text.
    pub fn record_message_difference(&mut self, difference: Failure) {
        self.passed += 1;
        self.message_differences.push(difference);
    }

    pub fn record_failure(&mut self, failure: Failure) {
        self.failed += 1;
        self.failures.push(failure);
    }

    /// True when no directive failed.
    pub fn is_success(&self) -> bool {
        self.failed == 0
    }

    /// One line per failed directive: `file:line:col: directive: why`.
    pub fn failure_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.failures.iter().map(|f| self.located(f))
    }

    /// One line per message difference, in the failure-line format.
    pub fn message_difference_lines(&self) -> impl Iterator<Item = String> + '_ {
        self.message_differences.iter().map(|f| self.located(f))
    }

    /// `name: N passed (M with different message), N failed`.
    pub fn summary_line(&self) -> String {
        format!("{}: {}", self.name, Counts::of(self))
    }

    fn located(&self, f: &Failure) -> String {
        format!(
            "{}:{}:{}: {}: {}",
            self.name, f.line, f.col, f.directive, f.reason
        )
    }
}

/// Directive counts, for one file or summed over many.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    /// Passes whose rejection message differs (a subset of `passed`).
    pub message_differences: usize,
}

impl Counts {
    pub fn of(report: &FileReport) -> Counts {
        Counts {
            passed: report.passed,
            failed: report.failed,
            message_differences: report.message_differences.len(),
        }
    }

    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.message_differences += other.message_differences;
    }
}

impl fmt::Display for Counts {
    /// `N passed, N failed`, with `(M with different message)` after the
    /// pass count when there are any.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} passed", self.passed)?;
        if self.message_differences > 0 {
            write!(f, " ({} with different message)", self.message_differences)?;
        }
        write!(f, ", {} failed", self.failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(line: usize, reason: &str) -> Failure {
        Failure {
            line,
            col: 1,
            directive: "assert_return",
            reason: reason.into(),
        }
    }

    #[test]
    fn counts_and_lines() {
        let mut report = FileReport::new("t.wast");
        report.record_pass();
        report.record_message_difference(failure(3, "wording"));
        report.record_failure(failure(7, "expected 1, got 2"));
        assert!(!report.is_success());
        assert_eq!(
            report.summary_line(),
            "t.wast: 2 passed (1 with different message), 1 failed"
        );
        let lines: Vec<String> = report.failure_lines().collect();
        assert_eq!(lines, ["t.wast:7:1: assert_return: expected 1, got 2"]);
    }

    #[test]
    fn totals_add_up() {
        let mut total = Counts::default();
        let mut a = FileReport::new("a");
        a.record_pass();
        let mut b = FileReport::new("b");
        b.record_failure(failure(1, "x"));
        total.add(Counts::of(&a));
        total.add(Counts::of(&b));
        assert_eq!(total.to_string(), "1 passed, 1 failed");
    }
}
