//! Compile throughput on a large generated module: the jit tier against
//! `wasmtime compile`, in functions and bytes per second.
//!
//! ```text
//!   large_module(N) ─▶ .wat text ─▶ wat::parse_str ─▶ target/.../bench-modules/large.wasm
//!   wasmfx jit:  wasmfx-tier run --tier jit --timings FILE --invoke run 0
//!                  compile time from `timings:` (compiling alone, in-process),
//!                  and the whole process (decode, validate, compile, instantiate)
//!   wasmtime:    wasmtime compile -C parallel-compilation=n FILE -o FILE.cwasm
//!                wasmtime compile FILE -o FILE.cwasm   (parallel, every core)
//!                  whole process each
//! ```
//!
//! Start-up on the same module (`measure_startup`): the whole process of calling
//! its trivial `run(0)` under the interpreter and wasmi, which both translate
//! lazily (a function at its first call), so it is decoding, validating and
//! instantiating 10,000 functions.
//!
//! The jit compiles on every core (`available_parallelism` worker threads), so the
//! ratio column compares against wasmtime's default parallel compile; the one-thread
//! row shows what parallelism buys wasmtime on this machine.
//!
//! The module is deterministic: function `i` is one of four shapes (integer loop with
//! stores, i64 arithmetic with a call, f64 arithmetic with `select`, `br_table`
//! dispatch), with constants derived from `i`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::engines::Engine;
use crate::execution::parse_timings;
use crate::timing;

/// Functions in the large module (plus the trivial `run` export).
pub fn function_count(quick: bool) -> usize {
    if quick { 5_000 } else { 10_000 }
}

/// The text of a valid module with `count` generated functions and an exported
/// `run: (i32) -> i32` that returns its argument.
pub fn large_module(count: usize) -> String {
    let mut wat = String::from("(module\n  (memory 1)\n");
    for i in 0..count {
        // Constants vary per function so no two bodies are the same.
        let c = (i as u32).wrapping_mul(2_654_435_761) >> 8;
        let _ = match i % 4 {
            0 => writeln!(
                wat,
                "  (func $f{i} (param $n i32) (result i32) (local $acc i32) (local $j i32)
    (local.set $acc (i32.const {c}))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.const {m}))
                               (i32.xor (local.get $j) (i32.const {c}))))
      (i32.store (i32.and (i32.shl (local.get $j) (i32.const 2)) (i32.const 0xfffc))
                 (local.get $acc))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $next)))
    (if (result i32) (i32.lt_s (local.get $acc) (i32.const 0))
      (then (i32.sub (i32.const 0) (local.get $acc)))
      (else (i32.rotl (local.get $acc) (i32.const {r})))))",
                m = c | 1,
                r = c % 31
            ),
            1 => writeln!(
                wat,
                "  (func $f{i} (param $n i32) (result i32) (local $x i64)
    (local.set $x (i64.extend_i32_u (local.get $n)))
    (local.set $x (i64.add (i64.mul (local.get $x) (i64.const {c})) (i64.const {c})))
    (local.set $x (i64.xor (local.get $x) (i64.shr_u (local.get $x) (i64.const 17))))
    (i32.add (i32.wrap_i64 (local.get $x))
             (call $f{prev} (i32.and (local.get $n) (i32.const 7)))))",
                prev = i - 1
            ),
            2 => writeln!(
                wat,
                "  (func $f{i} (param $n i32) (result i32) (local $y f64)
    (local.set $y (f64.convert_i32_s (local.get $n)))
    (local.set $y (f64.add (f64.mul (local.get $y) (f64.const 1.5)) (f64.const {c})))
    (local.set $y (f64.sqrt (f64.abs (local.get $y))))
    (select (i32.trunc_sat_f64_s (local.get $y))
            (i32.load offset={o} (i32.const 0))
            (f64.gt (local.get $y) (f64.const 100))))",
                o = (c % 4096) * 4
            ),
            _ => writeln!(
                wat,
                "  (func $f{i} (param $n i32) (result i32)
    (block $c (block $b (block $a
      (br_table $a $b $c (i32.and (local.get $n) (i32.const 3))))
      (return (i32.add (local.get $n) (i32.const {c}))))
      (return (i32.mul (local.get $n) (i32.const {c}))))
    (i32.sub (i32.const {c}) (i32.clz (local.get $n))))"
            ),
        };
    }
    wat.push_str("  (func (export \"run\") (param i32) (result i32) (local.get 0)))\n");
    wat
}

/// Writes the large module into `dir`, returning its path.
pub fn write_large_module(dir: &Path, count: usize) -> Result<PathBuf> {
    let bytes = wat::parse_str(large_module(count)).context("encoding the large module")?;
    let path = dir.join("large.wasm");
    fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// Label start of the row the ratios divide by.
const REFERENCE: &str = "wasmtime compile, parallel";

/// One line of the throughput table.
pub struct ThroughputRow {
    pub label: String,
    pub time: Result<Duration, String>,
}

/// Measures compile throughput on `module`: best of `runs` for each way of compiling.
pub fn measure(
    jit: Option<&Engine>,
    wasmtime: Option<&Engine>,
    module: &Path,
    runs: usize,
    limit: Duration,
) -> Vec<ThroughputRow> {
    let mut rows = Vec::new();
    if let Some(jit) = jit {
        let mut compile = Ok(Duration::MAX);
        let mut process = Ok(Duration::MAX);
        for _ in 0..runs.max(1) {
            let mut command = Command::new(&jit.executable);
            command
                .args(["run", "--tier", "jit", "--timings"])
                .arg(module)
                .args(["--invoke", "run", "0"]);
            match timing::time_once_with_output(command, limit, "0") {
                Ok((wall, output)) => {
                    let stderr = String::from_utf8_lossy(&output.stderr);
                    match parse_timings(&stderr) {
                        Some(timings) => {
                            compile = compile.map(|best: Duration| best.min(timings.compile));
                            process = process.map(|best: Duration| best.min(wall));
                        }
                        None => compile = Err("no `timings:` line".to_string()),
                    }
                }
                Err(error) => {
                    compile = Err(error.to_string());
                    process = Err(error.to_string());
                }
            }
            if compile.is_err() {
                break;
            }
        }
        rows.push(ThroughputRow {
            label: "wasmfx jit: compile alone (in-process, `--timings`)".to_string(),
            time: compile,
        });
        rows.push(ThroughputRow {
            label: "wasmfx jit: whole process (decode, validate, compile, instantiate)".to_string(),
            time: process,
        });
    }
    if let Some(wasmtime) = wasmtime {
        let cwasm = module.with_extension("cwasm");
        for (label, parallel) in [
            ("wasmtime compile, 1 thread (whole process)", "n"),
            ("wasmtime compile, parallel (whole process)", "y"),
        ] {
            let time = timing::best_of(runs, limit, "", || {
                let mut command = Command::new(&wasmtime.executable);
                command
                    .arg("compile")
                    .args(["-C", &format!("parallel-compilation={parallel}")])
                    .arg(module)
                    .arg("-o")
                    .arg(&cwasm);
                command
            });
            rows.push(ThroughputRow {
                label: label.to_string(),
                time: time.map_err(|e| e.to_string()),
            });
        }
    }
    rows
}

/// Start-up on `module`: the best of `runs` whole processes calling its trivial
/// `run(0)`, for each of `engines` (labelled by theirs), runs alternating.
pub fn measure_startup(
    engines: &[&Engine],
    module: &Path,
    runs: usize,
    limit: Duration,
) -> Vec<ThroughputRow> {
    let mut best: Vec<Result<Duration, String>> = vec![Ok(Duration::MAX); engines.len()];
    for _ in 0..runs.max(1) {
        for (engine, best) in engines.iter().zip(best.iter_mut()) {
            if let Ok(so_far) = *best {
                *best = timing::time_once(engine.command(module, "run", 0), limit, "0")
                    .map(|time| so_far.min(time))
                    .map_err(|e| e.to_string());
            }
        }
    }
    (engines.iter().zip(best))
        .map(|(engine, time)| ThroughputRow {
            label: format!("{}: `run(0)`, whole process", engine.label),
            time,
        })
        .collect()
}

/// The throughput table: time, functions/s, MB/s, and time relative to wasmtime's
/// parallel compile (the row whose label starts with [`REFERENCE`]).
pub fn to_markdown(rows: &[ThroughputRow], functions: usize, bytes: u64) -> String {
    let title = format!(
        "Compile throughput on a generated module of {functions} functions \
         ({:.2} MB; `benches/src/compile.rs`), best of N:",
        bytes as f64 / 1e6
    );
    let columns = ["compiling", "wasmtime parallel"];
    table(&title, columns, REFERENCE, rows, functions, bytes)
}

/// The start-up table: as [`to_markdown`], relative to the row whose label starts
/// with `reference` (wasmi's).
pub fn startup_to_markdown(
    rows: &[ThroughputRow],
    reference: &str,
    functions: usize,
    bytes: u64,
) -> String {
    let title = "Start-up on the same module: a trivial export called, functions \
                 translated lazily by both interpreters (so: decode, validate, \
                 instantiate), best of N:";
    let columns = ["running", reference];
    table(title, columns, reference, rows, functions, bytes)
}

/// `title`, then a row per `rows` of time, functions/s, MB/s and time relative to
/// the row whose label starts with `reference`; `columns`: the first column's
/// header and the reference's name in the last.
fn table(
    title: &str,
    columns: [&str; 2],
    reference: &str,
    rows: &[ThroughputRow],
    functions: usize,
    bytes: u64,
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{title}\n");
    let [first, against] = columns;
    let _ = writeln!(
        out,
        "| {first} | time | functions/s | MB/s | time / {against} |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let reference = rows
        .iter()
        .find(|row| row.label.starts_with(reference))
        .and_then(|row| row.time.as_ref().ok())
        .copied();
    for row in rows {
        let cells = match &row.time {
            Ok(time) => {
                let secs = time.as_secs_f64().max(f64::MIN_POSITIVE);
                let ratio = reference.map_or("-".to_string(), |reference| {
                    format!(
                        "{:.2}x",
                        secs / reference.as_secs_f64().max(f64::MIN_POSITIVE)
                    )
                });
                format!(
                    "{:.1} ms | {:.0} | {:.2} | {ratio}",
                    secs * 1e3,
                    functions as f64 / secs,
                    bytes as f64 / 1e6 / secs
                )
            }
            Err(reason) => format!("failed: {reason} | - | - | -"),
        };
        let _ = writeln!(out, "| {} | {cells} |", row.label);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_module_is_valid_and_deterministic() {
        let text = large_module(40);
        assert_eq!(text, large_module(40));
        let bytes = wat::parse_str(&text).expect("the generated text encodes");
        wasmparser::Validator::new()
            .validate_all(&bytes)
            .expect("the generated module validates");
    }

    #[test]
    fn startup_table_divides_by_its_reference() {
        let rows = [
            ThroughputRow {
                label: "wasmfx interp: `run(0)`, whole process".to_string(),
                time: Ok(Duration::from_millis(12)),
            },
            ThroughputRow {
                label: "wasmi: `run(0)`, whole process".to_string(),
                time: Ok(Duration::from_millis(10)),
            },
        ];
        let markdown = startup_to_markdown(&rows, "wasmi", 1000, 1_000_000);
        assert!(markdown.contains("| time / wasmi |"), "{markdown}");
        assert!(
            markdown.contains("| 12.0 ms | 83333 | 83.33 | 1.20x |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| 10.0 ms | 100000 | 100.00 | 1.00x |"),
            "{markdown}"
        );
    }

    #[test]
    fn table_reports_rates_against_wasmtime() {
        let rows = [
            ThroughputRow {
                label: "ours".to_string(),
                time: Ok(Duration::from_secs(2)),
            },
            ThroughputRow {
                label: "wasmtime compile, parallel (whole process)".to_string(),
                time: Ok(Duration::from_secs(1)),
            },
        ];
        let markdown = to_markdown(&rows, 1000, 2_000_000);
        assert!(
            markdown.contains("| ours | 2000.0 ms | 500 | 1.00 | 2.00x |"),
            "{markdown}"
        );
    }
}
