//! Wall-clock timing of whole engine processes.
//!
//! A run is one process: start-up, decoding, validation, compilation (for compiling
//! engines), instantiation and the call, measured from `spawn` until the process has
//! exited and its output pipes are drained. A measurement is the best of N runs, and
//! every run's printed answer is checked: the last stdout line of an `--invoke` call,
//! or the whole stdout of a WASI program ([`Expected`]).

use std::io;
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// What a successful run must print.
#[derive(Clone, Copy, Debug)]
pub enum Expected<'a> {
    /// The last non-empty stdout line, trimmed: an `--invoke` call's result.
    LastLine(&'a str),
    /// The whole stdout, byte for byte: a WASI program's recorded output.
    Stdout(&'a str),
}

/// Why a run did not produce a time.
#[derive(Debug)]
pub enum RunError {
    /// The process could not be started.
    Spawn(io::Error),
    /// The process ran longer than the time limit and was killed.
    TimedOut(Duration),
    /// The process exited unsuccessfully; holds the first line of its stderr.
    Failed { status: String, stderr_line: String },
    /// The process succeeded but its last output line was not the expected answer.
    WrongAnswer { expected: String, printed: String },
    /// The process succeeded but its stdout differs from the recording, first at
    /// `line` (1-based; an empty string stands for a missing line).
    WrongOutput {
        line: usize,
        expected: String,
        printed: String,
    },
}

impl RunError {
    /// Whether the run finished but printed something else than expected.
    pub fn is_wrong_output(&self) -> bool {
        matches!(
            self,
            RunError::WrongAnswer { .. } | RunError::WrongOutput { .. }
        )
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Spawn(error) => write!(f, "cannot start: {error}"),
            RunError::TimedOut(limit) => write!(f, "killed after {} s", limit.as_secs()),
            RunError::Failed {
                status,
                stderr_line,
            } => write!(f, "{status}: {stderr_line}"),
            RunError::WrongAnswer { expected, printed } => {
                write!(f, "printed `{printed}`, expected `{expected}`")
            }
            RunError::WrongOutput {
                line,
                expected,
                printed,
            } => write!(
                f,
                "stdout differs from the recording at line {line}: printed `{printed}`, \
                 expected `{expected}`"
            ),
        }
    }
}

/// Runs the command made by `make_command` `runs` times (at least once) and returns the
/// shortest wall time. Stops at the first run that fails or prints a wrong answer.
///
/// # Errors
/// The first failing run's [`RunError`].
pub fn best_of(
    runs: usize,
    time_limit: Duration,
    expected: &str,
    make_command: impl Fn() -> Command,
) -> Result<Duration, RunError> {
    let mut best = Duration::MAX;
    for _ in 0..runs.max(1) {
        best = best.min(time_once(make_command(), time_limit, expected)?);
    }
    Ok(best)
}

/// Runs `command` once and returns its wall time, after checking that it succeeded and
/// that its last non-empty stdout line is `expected`.
///
/// # Errors
/// A [`RunError`] when the run did not start, timed out, failed or printed a wrong answer.
pub fn time_once(
    command: Command,
    time_limit: Duration,
    expected: &str,
) -> Result<Duration, RunError> {
    time_once_expecting(command, time_limit, Expected::LastLine(expected))
}

/// Runs `command` once and returns its wall time, after checking that it succeeded and
/// printed what `expected` says.
///
/// # Errors
/// As [`time_once`].
pub fn time_once_expecting(
    command: Command,
    time_limit: Duration,
    expected: Expected<'_>,
) -> Result<Duration, RunError> {
    let (elapsed, output) = run_timed(command, time_limit)?;
    check_output(&output, expected)?;
    Ok(elapsed)
}

/// [`time_once`], also returning the process's output (for engines that report their
/// own timings on stderr).
///
/// # Errors
/// As [`time_once`].
pub fn time_once_with_output(
    command: Command,
    time_limit: Duration,
    expected: &str,
) -> Result<(Duration, Output), RunError> {
    let (elapsed, output) = run_timed(command, time_limit)?;
    check_output(&output, Expected::LastLine(expected))?;
    Ok((elapsed, output))
}

/// Runs `command` once, returning its wall time and output.
fn run_timed(mut command: Command, time_limit: Duration) -> Result<(Duration, Output), RunError> {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let child = command.spawn().map_err(RunError::Spawn)?;
    let pid = child.id();
    // The waiter thread timestamps the exit itself, so waking this thread up does not
    // count; this thread only enforces the time limit.
    let (done_tx, done_rx) = mpsc::channel();
    thread::spawn(move || {
        let result = child.wait_with_output();
        // The receiver is gone only when the run already timed out.
        let _ = done_tx.send((start.elapsed(), result));
    });
    match done_rx.recv_timeout(time_limit) {
        Ok((elapsed, Ok(output))) => Ok((elapsed, output)),
        Ok((_, Err(error))) => Err(RunError::Spawn(error)),
        Err(_) => {
            kill(pid);
            Err(RunError::TimedOut(time_limit))
        }
    }
}

/// Kills the process `pid`, which the waiter thread has not reaped yet (it is still
/// blocked waiting for it), so the id still names our child.
fn kill(pid: u32) {
    // Best effort: if `kill` itself is missing there is nothing better to do.
    let _ = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The line of a failed run's stderr that says why: an operating-system
/// error where one is named (wasmtime puts "Cannot allocate memory (os error
/// 12)" inside its error chain), else the first line that is not a warning.
fn failure_reason(stderr: &str) -> &str {
    let lines = || stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|line| line.contains("(os error"))
        .or_else(|| lines().find(|line| !line.starts_with("warning:")))
        .unwrap_or("")
}

/// Checks that the process succeeded and printed what `expected` says.
fn check_output(output: &Output, expected: Expected<'_>) -> Result<(), RunError> {
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr_line = failure_reason(&stderr);
        return Err(RunError::Failed {
            status: output.status.to_string(),
            stderr_line: stderr_line.trim().to_string(),
        });
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let expected = match expected {
        Expected::LastLine(line) => line,
        Expected::Stdout(recording) => return check_stdout(&stdout, recording),
    };
    let last_line = stdout
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    if last_line.trim() == expected {
        Ok(())
    } else {
        Err(RunError::WrongAnswer {
            expected: expected.to_string(),
            printed: last_line.trim().to_string(),
        })
    }
}

/// Checks that `stdout` is `recording`, naming the first line that differs.
fn check_stdout(stdout: &str, recording: &str) -> Result<(), RunError> {
    if stdout == recording {
        return Ok(());
    }
    // `split_inclusive` keeps each line's newline, so a missing final newline differs too.
    let mut printed = stdout.split_inclusive('\n');
    let mut expected = recording.split_inclusive('\n');
    let mut line = 1;
    loop {
        match (printed.next(), expected.next()) {
            (Some(p), Some(e)) if p == e => line += 1,
            (p, e) => {
                return Err(RunError::WrongOutput {
                    line,
                    expected: e.unwrap_or("").escape_debug().to_string(),
                    printed: p.unwrap_or("").escape_debug().to_string(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn accepts_the_expected_last_line() {
        let time = best_of(2, Duration::from_secs(10), "42", || {
            shell("echo warming up; echo 42")
        });
        assert!(time.is_ok(), "{time:?}");
    }

    #[test]
    fn rejects_a_wrong_answer() {
        let time = best_of(1, Duration::from_secs(10), "42", || shell("echo 41"));
        assert!(
            matches!(time, Err(RunError::WrongAnswer { .. })),
            "{time:?}"
        );
    }

    #[test]
    fn compares_the_whole_stdout_with_a_recording() {
        let run = |script: &str, recording: &str| {
            time_once_expecting(
                shell(script),
                Duration::from_secs(10),
                Expected::Stdout(recording),
            )
        };
        assert!(run("printf 'a\\nb\\n'", "a\nb\n").is_ok());
        match run("printf 'a\\nc\\n'", "a\nb\n") {
            Err(RunError::WrongOutput {
                line,
                expected,
                printed,
            }) => assert_eq!(
                (line, expected.as_str(), printed.as_str()),
                (2, "b\\n", "c\\n")
            ),
            other => panic!("expected a wrong output, got {other:?}"),
        }
        // A missing last line, and a missing final newline, are differences too.
        let short = run("printf 'a\\n'", "a\nb\n");
        assert!(
            matches!(short, Err(RunError::WrongOutput { line: 2, .. })),
            "{short:?}"
        );
        let unterminated = run("printf 'a\\nb'", "a\nb\n");
        assert!(unterminated.is_err(), "{unterminated:?}");
    }

    #[test]
    fn reports_a_failing_process_with_its_stderr() {
        let time = best_of(1, Duration::from_secs(10), "42", || {
            shell("echo boom >&2; exit 3")
        });
        match time {
            Err(RunError::Failed { stderr_line, .. }) => assert_eq!(stderr_line, "boom"),
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn kills_a_run_over_the_time_limit() {
        let start = Instant::now();
        let time = best_of(1, Duration::from_millis(200), "42", || {
            shell("exec sleep 30")
        });
        assert!(matches!(time, Err(RunError::TimedOut(_))), "{time:?}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}
