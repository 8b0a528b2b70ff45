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
//! tier time / peer time, so below 1.00x means the tier is faster. With both `interp`
//! and `jit`, every `dyn` column (seeded ones too) also gets `dyn / better tier`: its
//! time over the shorter of the two on the same row. The geometric mean covers the
//! compute benchmarks (every row but `startup`).

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
             if any, instantiate, call), best of {} runs (at least {} for a row whose fastest \
             first run took under {} ms; up to twice as many while an engine's two fastest \
             runs differ by more than {}%), {size}; {}.\n",
            self.runs,
            crate::SHORT_ROW_RUNS,
            crate::SHORT_ROW.as_millis(),
            crate::best::AGREEMENT_PERCENT,
            self.conditions
        );
        let ratios = self.ratios();
        self.write_header(&mut out, &ratios);
        for row in self.rows {
            let mut cells = vec![row.benchmark.clone(), format!("`{}`", row.call)];
            cells.extend(row.times.iter().map(format_time));
            cells.extend(ratios.iter().map(|ratio| match ratio.of(row) {
                Some(value) => format!("{value:.2}x"),
                None => "-".to_string(),
            }));
            write_cells(&mut out, &cells);
        }
        if !ratios.is_empty() {
            let mut cells = vec![format!("geomean (without {STARTUP_ROW})"), String::new()];
            cells.extend(self.engines.iter().map(|_| String::new()));
            cells.extend(ratios.iter().map(|&ratio| match self.geomean(ratio) {
                Some(mean) => format!("{mean:.2}x"),
                None => "-".to_string(),
            }));
            write_cells(&mut out, &cells);
        }
        self.write_legend(&mut out, &ratios);
        out
    }

    /// Every ratio column: each wasmfx engine over each peer, then each `dyn` engine
    /// over the better tier (when the report has `interp` and `jit` columns).
    fn ratios(&self) -> Vec<Ratio> {
        let is_ours = |engine: &Engine| matches!(engine.kind, EngineKind::WasmfxTier { .. });
        let tier = |name: &'static str| {
            self.engines.iter().position(|engine| {
                engine.kind
                    == EngineKind::WasmfxTier {
                        tier: name,
                        tier_up_seed: None,
                    }
            })
        };
        let ours = || {
            self.engines
                .iter()
                .enumerate()
                .filter(move |(_, engine)| is_ours(engine))
        };
        let mut ratios: Vec<Ratio> = ours()
            .flat_map(|(ours, _)| {
                self.engines
                    .iter()
                    .enumerate()
                    .filter(|(_, engine)| !is_ours(engine))
                    .map(move |(peer, _)| Ratio {
                        ours,
                        against: Against::Peer(peer),
                    })
            })
            .collect();
        if let (Some(interp), Some(jit)) = (tier("interp"), tier("jit")) {
            let is_dyn =
                |engine: &Engine| matches!(engine.kind, EngineKind::WasmfxTier { tier: "dyn", .. });
            ratios.extend(
                ours()
                    .filter(|(_, engine)| is_dyn(engine))
                    .map(|(ours, _)| Ratio {
                        ours,
                        against: Against::BetterTier { interp, jit },
                    }),
            );
        }
        ratios
    }

    fn write_header(&self, out: &mut String, ratios: &[Ratio]) {
        let mut titles = vec!["benchmark".to_string(), "call".to_string()];
        titles.extend(self.engines.iter().map(|engine| engine.label.clone()));
        titles.extend(ratios.iter().map(|ratio| {
            let ours = self.engines[ratio.ours].label.trim_start_matches("wasmfx ");
            match ratio.against {
                Against::Peer(peer) => format!("{ours} / {}", self.engines[peer].label),
                Against::BetterTier { .. } => format!("{ours} / better tier"),
            }
        }));
        write_cells(out, &titles);
        let mut rule = vec!["---".to_string(), "---".to_string()];
        rule.extend((2..titles.len()).map(|_| "---:".to_string()));
        write_cells(out, &rule);
    }

    /// Geometric mean of `ratio` over the compute rows where it has a value.
    fn geomean(&self, ratio: Ratio) -> Option<f64> {
        let logs: Vec<f64> = self
            .rows
            .iter()
            .filter(|row| row.benchmark != STARTUP_ROW)
            .filter_map(|row| ratio.of(row).map(f64::ln))
            .collect();
        if logs.is_empty() {
            return None;
        }
        Some((logs.iter().sum::<f64>() / logs.len() as f64).exp())
    }

    fn write_legend(&self, out: &mut String, ratios: &[Ratio]) {
        out.push('\n');
        for row in self.rows {
            let _ = writeln!(out, "- {}: {}", row.benchmark, row.exercises);
        }
        let better = ratios.iter().find_map(|ratio| match ratio.against {
            Against::BetterTier { interp, jit } => Some((interp, jit)),
            Against::Peer(_) => None,
        });
        if let Some((interp, jit)) = better {
            let _ = writeln!(
                out,
                "- better tier: the shorter of {} and {} on the same row",
                self.engines[interp].label, self.engines[jit].label
            );
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

/// A ratio column: a wasmfx engine's time over `against`'s (indices into the engines).
#[derive(Clone, Copy, Debug)]
struct Ratio {
    ours: usize,
    against: Against,
}

/// What a ratio column divides by.
#[derive(Clone, Copy, Debug)]
enum Against {
    /// A peer engine's time.
    Peer(usize),
    /// The shorter of the `interp` and `jit` times (both must have run).
    BetterTier { interp: usize, jit: usize },
}

impl Ratio {
    /// The ratio on `row`, when every time it needs is there.
    fn of(self, row: &Row) -> Option<f64> {
        let time = |index: usize| row.times[index].as_ref().ok().copied();
        let against = match self.against {
            Against::Peer(peer) => time(peer)?,
            Against::BetterTier { interp, jit } => time(interp)?.min(time(jit)?),
        };
        Some(ratio(time(self.ours)?, against))
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
            engine(
                "wasmfx interp",
                EngineKind::WasmfxTier {
                    tier: "interp",
                    tier_up_seed: None,
                },
            ),
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
            markdown.contains(
                "best of 3 runs (at least 15 for a row whose fastest first run took under 20 ms; \
                 up to twice as many while an engine's two fastest runs differ by more than 3%), \
                 full sizes; commit abc, 2 CPUs."
            ),
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

    #[test]
    fn dyn_columns_get_a_ratio_to_the_better_tier() {
        let ours = |tier, tier_up_seed: Option<u64>| {
            let label = match tier_up_seed {
                Some(seed) => format!("wasmfx {tier} seed {seed}"),
                None => format!("wasmfx {tier}"),
            };
            engine(&label, EngineKind::WasmfxTier { tier, tier_up_seed })
        };
        let engines = [
            ours("interp", None),
            ours("jit", None),
            ours("dyn", None),
            ours("dyn", Some(1)),
        ];
        let millis = |ms| Ok(Duration::from_millis(ms));
        let rows = [
            row(
                "fib",
                vec![millis(800), millis(100), millis(110), millis(150)],
            ),
            row(
                "sieve",
                vec![millis(200), millis(400), millis(200), millis(800)],
            ),
            row(
                "sort",
                vec![
                    Err("trap".to_string()),
                    millis(100),
                    millis(100),
                    millis(100),
                ],
            ),
        ];
        let report = Report {
            engines: &engines,
            rows: &rows,
            unavailable: &[],
            runs: 1,
            quick: true,
            conditions: String::new(),
        };
        let markdown = report.to_markdown();
        assert!(
            markdown.contains("| dyn / better tier | dyn seed 1 / better tier |"),
            "{markdown}"
        );
        assert!(markdown.contains("| 1.10x | 1.50x |"), "{markdown}");
        assert!(markdown.contains("| 1.00x | 4.00x |"), "{markdown}");
        // No better tier when interp failed; the means are sqrt(1.1) and sqrt(6).
        assert!(markdown.contains("| - | - |"), "{markdown}");
        assert!(markdown.contains("| 1.05x | 2.45x |"), "{markdown}");
        assert!(
            markdown.contains("- better tier: the shorter of wasmfx interp and wasmfx jit"),
            "{markdown}"
        );
    }
}
