//! Execution alone: the jit tier's time without its compiling, beside wasmtime running
//! a module it compiled ahead of time.
//!
//! ```text
//!   wasmfx jit:  wasmfx-tier run --tier jit --timings FILE --invoke NAME ARG
//!                  stderr: `timings: compile C ms (N functions), execute E ms`
//!                  execution alone = process wall time − C
//!   wasmtime:    wasmtime compile FILE -o FILE.cwasm                  (once, untimed)
//!                wasmtime run --allow-precompiled --invoke NAME FILE.cwasm ARG
//!                  execution alone = process wall time
//! ```
//!
//! Both "alone" figures keep process start-up, instantiation and the call, so they
//! compare like with like; `E` (the call alone, measured inside our process) is shown
//! too. Runs alternate between the two engines, best of N each.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::engines::Engine;
use crate::timing;

/// What `wasmfx-tier run --timings` reports.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Timings {
    pub compile: Duration,
    pub functions: usize,
    pub execute: Duration,
}

/// The `timings: compile C ms (N functions), execute E ms` line of `stderr`.
pub fn parse_timings(stderr: &str) -> Option<Timings> {
    let line = stderr
        .lines()
        .find_map(|line| line.strip_prefix("timings: compile "))?;
    let (compile, rest) = line.split_once(" ms (")?;
    let (functions, rest) = rest.split_once(" functions), execute ")?;
    let execute = rest.trim_end().strip_suffix(" ms")?;
    let millis = |text: &str| {
        let ms = text
            .parse::<f64>()
            .ok()
            .filter(|ms| ms.is_finite() && *ms >= 0.0)?;
        Some(Duration::from_secs_f64(ms / 1e3))
    };
    Some(Timings {
        compile: millis(compile)?,
        functions: functions.parse().ok()?,
        execute: millis(execute)?,
    })
}

/// One benchmark's execution-alone measurements (best of N each).
pub struct ExecutionRow {
    pub benchmark: String,
    pub call: String,
    /// (whole process, compile, whole process − compile, call alone) of the jit tier.
    pub jit: Result<[Duration; 4], String>,
    /// wasmtime's precompiled run, whole process.
    pub wasmtime: Result<Duration, String>,
}

/// One `wasmfx-tier --timings` run: (wall time, its timings).
fn run_jit(command: Command, limit: Duration, expected: &str) -> Result<[Duration; 4], String> {
    let (wall, output) =
        timing::time_once_with_output(command, limit, expected).map_err(|e| e.to_string())?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let timings = parse_timings(&stderr).ok_or("no `timings:` line on stderr")?;
    let alone = wall.saturating_sub(timings.compile);
    Ok([wall, timings.compile, alone, timings.execute])
}

/// Compiles `module` with `wasmtime compile` into `out_dir`, returning the `.cwasm`.
pub fn precompile(wasmtime: &Engine, module: &Path, out_dir: &Path) -> Result<PathBuf, String> {
    let stem = module.file_stem().unwrap_or_default().to_string_lossy();
    let cwasm = out_dir.join(format!("{stem}.cwasm"));
    let mut command = Command::new(&wasmtime.executable);
    command.arg("compile").arg(module).arg("-o").arg(&cwasm);
    timing::time_once(command, Duration::from_secs(600), "")
        .map(|_| cwasm)
        .map_err(|e| format!("wasmtime compile: {e}"))
}

/// Measures one benchmark: `jit_command` is the jit tier's call (with `--timings`),
/// `cwasm` wasmtime's precompiled module (or why there is none).
pub fn measure(
    jit_command: impl Fn() -> Command,
    wasmtime: Option<(&Engine, &Result<PathBuf, String>)>,
    export: &str,
    arg: i32,
    expected: &str,
    runs: usize,
    limit: Duration,
) -> (Result<[Duration; 4], String>, Result<Duration, String>) {
    let mut jit: Result<[Duration; 4], String> = Ok([Duration::MAX; 4]);
    let mut peer: Result<Duration, String> = match wasmtime {
        Some((_, Ok(_))) => Ok(Duration::MAX),
        Some((_, Err(reason))) => Err(reason.clone()),
        None => Err("wasmtime not available".to_string()),
    };
    for _ in 0..runs.max(1) {
        if let Ok(best) = &mut jit {
            match run_jit(jit_command(), limit, expected) {
                Ok(times) => best
                    .iter_mut()
                    .zip(times)
                    .for_each(|(b, t)| *b = (*b).min(t)),
                Err(error) => jit = Err(error),
            }
        }
        if let (Ok(best), Some((engine, Ok(cwasm)))) = (&mut peer, wasmtime) {
            let mut command = Command::new(&engine.executable);
            command
                .args(["run", "--allow-precompiled", "--invoke", export])
                .arg(cwasm)
                .arg(arg.to_string());
            match timing::time_once(command, limit, expected) {
                Ok(time) => *best = (*best).min(time),
                Err(error) => peer = Err(error.to_string()),
            }
        }
    }
    (jit, peer)
}

/// The execution-alone table as markdown.
pub fn to_markdown(rows: &[ExecutionRow]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Execution alone: wasmfx jit with `--timings` (process time minus its compile \
         time) beside wasmtime running its own precompiled `.cwasm` \
         (`wasmtime run --allow-precompiled`); both keep process start-up and \
         instantiation. \"call alone\" is the call measured inside our process.\n"
    );
    let _ = writeln!(
        out,
        "| benchmark | call | jit process | jit compile | jit process − compile | \
         jit call alone | wasmtime precompiled | (jit − compile) / wasmtime |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|---:|");
    let mut logs = Vec::new();
    for row in rows {
        let mut cells = vec![row.benchmark.clone(), format!("`{}`", row.call)];
        match &row.jit {
            Ok(times) => cells.extend(times.iter().map(|t| format_ms(*t))),
            Err(_) => cells.extend((0..4).map(|_| "failed".to_string())),
        }
        cells.push(match &row.wasmtime {
            Ok(time) => format_ms(*time),
            Err(_) => "-".to_string(),
        });
        cells.push(match (&row.jit, &row.wasmtime) {
            (Ok(times), Ok(peer)) => {
                let ratio = times[2].as_secs_f64() / peer.as_secs_f64().max(f64::MIN_POSITIVE);
                if row.benchmark != crate::report::STARTUP_ROW {
                    logs.push(ratio.ln());
                }
                format!("{ratio:.2}x")
            }
            _ => "-".to_string(),
        });
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
    if !logs.is_empty() {
        let mean = (logs.iter().sum::<f64>() / logs.len() as f64).exp();
        let _ = writeln!(
            out,
            "| geomean (without {}) |  |  |  |  |  |  | {mean:.2}x |",
            crate::report::STARTUP_ROW
        );
    }
    for row in rows {
        if let Err(reason) = &row.jit {
            let _ = writeln!(out, "- {} under wasmfx jit failed: {reason}", row.benchmark);
        }
        if let Err(reason) = &row.wasmtime {
            let _ = writeln!(out, "- {} under wasmtime: {reason}", row.benchmark);
        }
    }
    out
}

fn format_ms(time: Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1e3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_timings_line() {
        let stderr = "noise\ntimings: compile 12.500 ms (40 functions), execute 3.000 ms\n";
        let timings = parse_timings(stderr).expect("a timings line");
        assert_eq!(timings.functions, 40);
        assert_eq!(timings.compile, Duration::from_micros(12_500));
        assert_eq!(timings.execute, Duration::from_millis(3));
        assert_eq!(
            parse_timings("timings: compile x ms (1 functions), execute 1 ms"),
            None
        );
        assert_eq!(parse_timings("nothing here"), None);
    }

    #[test]
    fn table_has_ratio_of_execution_alone() {
        let ms = Duration::from_millis;
        let rows = [ExecutionRow {
            benchmark: "fib".to_string(),
            call: "fib(30)".to_string(),
            jit: Ok([ms(120), ms(20), ms(100), ms(90)]),
            wasmtime: Ok(ms(50)),
        }];
        let markdown = to_markdown(&rows);
        assert!(
            markdown.contains(
                "| fib | `fib(30)` | 120.0 ms | 20.0 ms | 100.0 ms | 90.0 ms | 50.0 ms | 2.00x |"
            ),
            "{markdown}"
        );
        assert!(
            markdown.contains("| geomean (without startup) |"),
            "{markdown}"
        );
    }
}
