//! The results table, printed as markdown so the README can quote it.
//!
//! ```text
//! | benchmark | call      | wasmfx interp | wasmi   | wasmtime | interp / wasmi | interp / wasmtime |
//! |-----------|-----------|--------------:|--------:|---------:|---------------:|------------------:|
//! | fib       | fib(32)   |       1.234 s | 0.456 s |  0.050 s |          2.71x |            24.68x |
//! | geomean   |           |               |         |          |          2.50x |            20.00x |
//! ```
//!
//! One time column per engine, then one ratio column per (wasmfx tier, peer) pair:
//! tier time / peer time, so below 1.00x means the tier is faster. The geometric mean
//! covers the compute benchmarks (every row but `startup`).

use std::fmt::Write;
use std::time::Duration;

use crate::engines::{Engine, EngineKind, Unavailable};

/// The row that measures start-up alone; left out of the geometric means.
pub const STARTUP_ROW: &str = "startup";

/// The measurements of one benchmark: one entry per engine, in engine order.
pub struct Row {
    pub benchmark: String,
    /// The call, e.g. `fib(32)`.
    pub call: String,
    /// What the benchmark exercises, for the legend.
    pub exercises: String,
    pub times: Vec<Result<Duration, String>>,
}

/// Everything the report says.
pub struct Report<'a> {
    pub engines: &'a [Engine],
    pub rows: &'a [Row],
    /// Engines that could not run, with the reason.
    pub unavailable: &'a [Unavailable],
    pub runs: usize,
    pub quick: bool,
    /// Commit, CPUs, load: see `conditions::describe`.
    pub conditions: String,
}

impl Report<'_> {
    /// The report as markdown.
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let size = if self.quick {
            "quick sizes (--quick)"
        } else {
            "full sizes"
        };
        // Writing to a String cannot fail.
        let _ = writeln!(
            out,
            "Wall-clock time of one engine process per run (start-up, decode, validate, compile \
             if any, instantiate, call), best of {} runs, {size}; {}.\n",
            self.runs, self.conditions
        );
        let pairs = self.ratio_pairs();
        self.write_header(&mut out, &pairs);
        for row in self.rows {
            let mut cells = vec![row.benchmark.clone(), format!("`{}`", row.call)];
            cells.extend(row.times.iter().map(format_time));
            cells.extend(pairs.iter().map(|&(tier, peer)| {
                match (&row.times[tier], &row.times[peer]) {
                    (Ok(tier_time), Ok(peer_time)) => {
                        format!("{:.2}x", ratio(*tier_time, *peer_time))
                    }
                    _ => "-".to_string(),
                }
            }));
            write_cells(&mut out, &cells);
        }
        if !pairs.is_empty() {
            let mut cells = vec![format!("geomean (without {STARTUP_ROW})"), String::new()];
            cells.extend(self.engines.iter().map(|_| String::new()));
            cells.extend(
                pairs
                    .iter()
                    .map(|&(tier, peer)| match self.geomean(tier, peer) {
                        Some(mean) => format!("{mean:.2}x"),
                        None => "-".to_string(),
                    }),
            );
            write_cells(&mut out, &cells);
        }
        self.write_legend(&mut out);
        out
    }

    /// (wasmfx engine index, peer engine index) for every ratio column.
    fn ratio_pairs(&self) -> Vec<(usize, usize)> {
        let is_ours = |engine: &Engine| matches!(engine.kind, EngineKind::WasmfxTier { .. });
        let ours = self
            .engines
            .iter()
            .enumerate()
            .filter(|(_, engine)| is_ours(engine));
        ours.flat_map(|(tier, _)| {
            self.engines
                .iter()
                .enumerate()
                .filter(|(_, engine)| !is_ours(engine))
                .map(move |(peer, _)| (tier, peer))
        })
        .collect()
    }

    fn write_header(&self, out: &mut String, pairs: &[(usize, usize)]) {
        let mut titles = vec!["benchmark".to_string(), "call".to_string()];
        titles.extend(self.engines.iter().map(|engine| engine.label.clone()));
        titles.extend(pairs.iter().map(|&(tier, peer)| {
            let tier_label = self.engines[tier].label.trim_start_matches("wasmfx ");
            format!("{tier_label} / {}", self.engines[peer].label)
        }));
        write_cells(out, &titles);
        let mut rule = vec!["---".to_string(), "---".to_string()];
        rule.extend((2..titles.len()).map(|_| "---:".to_string()));
        write_cells(out, &rule);
    }

    /// Geometric mean of tier/peer over the compute rows where both succeeded.
    fn geomean(&self, tier: usize, peer: usize) -> Option<f64> {
        let logs: Vec<f64> = self
            .rows
            .iter()
            .filter(|row| row.benchmark != STARTUP_ROW)
            .filter_map(|row| match (&row.times[tier], &row.times[peer]) {
                (Ok(tier_time), Ok(peer_time)) => Some(ratio(*tier_time, *peer_time).ln()),
                _ => None,
            })
            .collect();
        if logs.is_empty() {
            return None;
        }
        Some((logs.iter().sum::<f64>() / logs.len() as f64).exp())
    }

    fn write_legend(&self, out: &mut String) {
        out.push('\n');
        for row in self.rows {
            let _ = writeln!(out, "- {}: {}", row.benchmark, row.exercises);
        }
        for engine in self.engines {
            let _ = writeln!(out, "- {}: {}", engine.label, engine.version);
        }
        for Unavailable { label, reason } in self.unavailable {
            let _ = writeln!(out, "- {label}: {reason}");
        }
        for row in self.rows {
            for (engine, time) in self.engines.iter().zip(&row.times) {
                if let Err(reason) = time {
                    let _ = writeln!(
                        out,
                        "- {} under {} failed: {reason}",
                        row.benchmark, engine.label
                    );
                }
            }
        }
    }
}

fn ratio(numerator: Duration, denominator: Duration) -> f64 {
    numerator.as_secs_f64() / denominator.as_secs_f64().max(f64::MIN_POSITIVE)
}

fn format_time(time: &Result<Duration, String>) -> String {
    match time {
        Ok(time) if time.as_secs_f64() < 1.0 => format!("{:.1} ms", time.as_secs_f64() * 1e3),
        Ok(time) => format!("{:.3} s", time.as_secs_f64()),
        Err(_) => "failed".to_string(),
    }
}

fn write_cells(out: &mut String, cells: &[String]) {
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::engines::Peer;

    fn engine(label: &str, kind: EngineKind) -> Engine {
        Engine {
            label: label.to_string(),
            kind,
            executable: PathBuf::new(),
            version: format!("{label} 1.0"),
        }
    }

    fn row(benchmark: &str, times: Vec<Result<Duration, String>>) -> Row {
        let exercises = format!("{benchmark} things");
        Row {
            benchmark: benchmark.to_string(),
            call: format!("{benchmark}(1)"),
            exercises,
            times,
        }
    }

    #[test]
    fn prints_times_ratios_geomean_and_failures() {
        let engines = [
            engine("wasmfx interp", EngineKind::WasmfxTier { tier: "interp" }),
            engine("wasmi", EngineKind::Peer(Peer::Wasmi)),
        ];
        let millis = |ms| Ok(Duration::from_millis(ms));
        let rows = [
            row("startup", vec![millis(10), millis(1)]),
            row("fib", vec![millis(3000), millis(1500)]),
            row("sieve", vec![millis(800), millis(100)]),
            row(
                "sort",
                vec![Err("wasm trap: unreachable".to_string()), millis(100)],
            ),
        ];
        let unavailable = [Unavailable {
            label: "wasmtime".to_string(),
            reason: "not installed".to_string(),
        }];
        let report = Report {
            engines: &engines,
            rows: &rows,
            unavailable: &unavailable,
            runs: 3,
            quick: false,
            conditions: "commit abc, 2 CPUs".to_string(),
        };
        let markdown = report.to_markdown();
        assert!(
            markdown.contains("| benchmark | call | wasmfx interp | wasmi | interp / wasmi |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| fib | `fib(1)` | 3.000 s | 1.500 s | 2.00x |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| sort | `sort(1)` | failed | 100.0 ms | - |"),
            "{markdown}"
        );
        // sqrt(2 * 8) = 4: startup (10x) and the failed row stay out of the mean.
        assert!(
            markdown.contains("| geomean (without startup) |  |  |  | 4.00x |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("best of 3 runs, full sizes; commit abc, 2 CPUs."),
            "{markdown}"
        );
        assert!(markdown.contains("- fib: fib things"), "{markdown}");
        assert!(markdown.contains("- wasmi: wasmi 1.0"), "{markdown}");
        assert!(markdown.contains("- wasmtime: not installed"), "{markdown}");
        assert!(
            markdown.contains("- sort under wasmfx interp failed: wasm trap: unreachable"),
            "{markdown}"
        );
    }
}
