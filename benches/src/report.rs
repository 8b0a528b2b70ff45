//! The results table, printed as markdown so the README can quote it.
//!
//! ```text
//! | benchmark | call      | wasmfx interp | wasmi   | wasmtime | interp / wasmi | interp / wasmtime |
//! |-----------|-----------|--------------:|--------:|---------:|---------------:|------------------:|
//! | fib       | fib(32)   |       1.234 s | 0.456 s |  0.050 s |          2.71x |            24.68x |
//! | geomean   |           |               |         |          |          2.50x |            20.00x |
//! ```
//!
//! One time column per engine (its best of N runs), then one ratio column per (wasmfx
//! tier, peer) pair: tier time / peer time, so below 1.00x means the tier is faster.
//! With both `interp` and `jit`, every `dyn` column (seeded ones too) also gets
//! `dyn / better tier`: its time over that of whichever of the two has the shorter best
//! time on the same row. The geometric mean covers the compute benchmarks (every row but
//! `startup`).
//!
//! A ratio is paired, not a ratio of best times: the engines run round-robin, so every
//! round in which both engines produced a time gives one ratio of the two, and the cell
//! is the median of those (the mean of the two middle ones for an even count). On a
//! machine whose speed drifts between phases, a slow phase slows both runs of a round
//! and their ratio holds, while two best times can come from different phases:
//!
//! ```text
//!   round           1      2      3
//!   ours         1.30   2.20   1.35    best 1.30
//!   theirs       1.00   2.00   1.25    best 1.00: ratio of bests 1.30x
//!   ours/theirs  1.30   1.10   1.08    median 1.10x
//! ```

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
    /// Each engine's best time, or why it has none.
    pub times: Vec<Result<Duration, String>>,
    /// Each engine's time in every round, in round order: `None` for a round it did not
    /// run (from its failing run on); no rounds for an engine that cannot run the row.
    pub rounds: Vec<Vec<Option<Duration>>>,
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
        if !ratios.is_empty() {
            let _ = writeln!(
                out,
                "- a / b: the median, over the rounds in which both ran, of a's time over b's \
                 in the same round (the mean of the two middle ones for an even count); not \
                 the ratio of the best times above"
            );
        }
        if let Some((interp, jit)) = better {
            let _ = writeln!(
                out,
                "- better tier: whichever of {} and {} has the shorter best time on the same \
                 row, paired round by round",
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
    /// The time of whichever of `interp` and `jit` has the shorter best time on the row
    /// (both must have one), paired round by round. Not the shorter of the two in each
    /// round: the minimum of two noisy times sits below both engines' usual times, which
    /// would push every ratio up.
    BetterTier { interp: usize, jit: usize },
}

impl Ratio {
    /// The ratio on `row`: the median, over the rounds in which both engines have a
    /// time, of ours over theirs in that round. `None` when an engine has no best time
    /// (it failed or cannot run) or no round has both times.
    fn of(self, row: &Row) -> Option<f64> {
        let best = |index: usize| row.times[index].as_ref().ok().copied();
        best(self.ours)?;
        let against = match self.against {
            Against::Peer(peer) => {
                best(peer)?;
                peer
            }
            Against::BetterTier { interp, jit } => {
                if best(jit)? < best(interp)? {
                    jit
                } else {
                    interp
                }
            }
        };
        paired_ratio(&row.rounds[self.ours], &row.rounds[against])
    }
}

/// The median, over the rounds in which both have a time, of `ours` over `theirs` in
/// that round (each one engine's times in round order, as in [`Row::rounds`]); `None`
/// when no round has both. The main table's ratio cells and the stack-switching table's
/// (`switching.rs`) are this.
pub(crate) fn paired_ratio(ours: &[Option<Duration>], theirs: &[Option<Duration>]) -> Option<f64> {
    let paired = (ours.iter())
        .zip(theirs)
        .filter_map(|(&ours, &theirs)| Some(ratio(ours?, theirs?)))
        .collect();
    median(paired)
}

/// The middle one of `values`, or the mean of the two middle ones for an even count.
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    match values.len() {
        0 => None,
        count if count % 2 == 1 => Some(values[middle]),
        _ => Some((values[middle - 1] + values[middle]) / 2.0),
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
    use super::*;
    use crate::engines::Peer;

    fn engine(label: &str, kind: EngineKind) -> Engine {
        Engine::for_tests(label, kind)
    }

    fn ours(tier: &'static str, tier_up_seed: Option<u64>) -> Engine {
        let label = match tier_up_seed {
            Some(seed) => format!("wasmfx {tier} seed {seed}"),
            None => format!("wasmfx {tier}"),
        };
        engine(&label, EngineKind::WasmfxTier { tier, tier_up_seed })
    }

    fn interp_and_wasmi() -> [Engine; 2] {
        [
            ours("interp", None),
            engine("wasmi", EngineKind::Peer(Peer::Wasmi)),
        ]
    }

    /// Every round has a time of this many milliseconds.
    fn every(millis: &[u64]) -> Vec<Option<u64>> {
        millis.iter().copied().map(Some).collect()
    }

    /// A row from each engine's time in every round, in milliseconds (`None`: no time
    /// that round). An engine's best time is its fastest round; one without any failed.
    fn row(benchmark: &str, rounds: Vec<Vec<Option<u64>>>) -> Row {
        let exercises = format!("{benchmark} things");
        let rounds: Vec<Vec<Option<Duration>>> = (rounds.into_iter())
            .map(|times| {
                times
                    .into_iter()
                    .map(|ms| ms.map(Duration::from_millis))
                    .collect()
            })
            .collect();
        let times = (rounds.iter())
            .map(|times| {
                let best = times.iter().flatten().min().copied();
                best.ok_or_else(|| "wasm trap: unreachable".to_string())
            })
            .collect();
        Row {
            benchmark: benchmark.to_string(),
            call: format!("{benchmark}(1)"),
            exercises,
            times,
            rounds,
        }
    }

    fn report<'a>(engines: &'a [Engine], rows: &'a [Row]) -> Report<'a> {
        Report {
            engines,
            rows,
            unavailable: &[],
            runs: 3,
            quick: true,
            conditions: String::new(),
        }
    }

    #[test]
    fn prints_times_ratios_geomean_and_failures() {
        let engines = interp_and_wasmi();
        let rows = [
            row("startup", vec![every(&[10, 12, 11]), every(&[1, 1, 2])]),
            row(
                "fib",
                vec![every(&[3000, 3100, 3050]), every(&[1500, 1550, 1525])],
            ),
            row(
                "sieve",
                vec![every(&[800, 1600, 880]), every(&[100, 200, 110])],
            ),
            row(
                "sort",
                vec![vec![None, None, None], every(&[100, 100, 100])],
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
        assert!(
            markdown.contains("- a / b: the median, over the rounds in which both ran"),
            "{markdown}"
        );
        assert!(markdown.contains("- wasmi: wasmi 1.0"), "{markdown}");
        assert!(markdown.contains("- wasmtime: not installed"), "{markdown}");
        assert!(
            markdown.contains("- sort under wasmfx interp failed: wasm trap: unreachable"),
            "{markdown}"
        );
    }

    #[test]
    fn a_ratio_is_the_median_of_paired_rounds_not_the_ratio_of_bests() {
        let engines = interp_and_wasmi();
        // Both engines are slow in round 2: 1.30, 1.10 and 1.08 in the rounds; the bests
        // (1.30 s and 1.00 s, from different rounds) would give 1.30x.
        let rows = [row(
            "fib",
            vec![every(&[1300, 2200, 1350]), every(&[1000, 2000, 1250])],
        )];
        let markdown = report(&engines, &rows).to_markdown();
        assert!(
            markdown.contains("| fib | `fib(1)` | 1.300 s | 1.000 s | 1.10x |"),
            "{markdown}"
        );
    }

    #[test]
    fn an_even_count_of_rounds_takes_the_mean_of_the_middle_two() {
        let engines = interp_and_wasmi();
        // 1.00, 1.20, 1.30 and 2.00: (1.20 + 1.30) / 2.
        let rows = [row(
            "fib",
            vec![every(&[100, 120, 130, 200]), every(&[100, 100, 100, 100])],
        )];
        let markdown = report(&engines, &rows).to_markdown();
        assert!(markdown.contains("| 1.25x |"), "{markdown}");
    }

    #[test]
    fn a_round_without_both_times_is_skipped() {
        let engines = interp_and_wasmi();
        let rows = [
            // Rounds 1 and 4 have both: 2.00 and 1.00.
            row(
                "fib",
                vec![
                    vec![Some(200), None, Some(300), Some(100)],
                    vec![Some(100), Some(50), None, Some(100)],
                ],
            ),
            // Both have a best time, but never in the same round.
            row("sieve", vec![vec![Some(100), None], vec![None, Some(100)]]),
        ];
        let markdown = report(&engines, &rows).to_markdown();
        assert!(
            markdown.contains("| fib | `fib(1)` | 100.0 ms | 50.0 ms | 1.50x |"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| sieve | `sieve(1)` | 100.0 ms | 100.0 ms | - |"),
            "{markdown}"
        );
    }

    #[test]
    fn dyn_columns_get_a_ratio_to_the_better_tier() {
        let engines = [
            ours("interp", None),
            ours("jit", None),
            ours("dyn", None),
            ours("dyn", Some(1)),
        ];
        let rows = [
            row(
                "fib",
                vec![
                    every(&[800, 820]),
                    every(&[100, 200]),
                    every(&[110, 220]),
                    every(&[150, 300]),
                ],
            ),
            row(
                "sieve",
                vec![
                    every(&[200, 210]),
                    every(&[400, 400]),
                    every(&[200, 210]),
                    every(&[800, 840]),
                ],
            ),
            row(
                "sort",
                vec![
                    vec![None, None],
                    every(&[100, 100]),
                    every(&[100, 100]),
                    every(&[100, 100]),
                ],
            ),
        ];
        let markdown = report(&engines, &rows).to_markdown();
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
            markdown.contains(
                "- better tier: whichever of wasmfx interp and wasmfx jit has the shorter best \
                 time on the same row, paired round by round"
            ),
            "{markdown}"
        );
    }

    #[test]
    fn dyn_pairs_with_the_tier_whose_best_is_smaller() {
        let engines = [ours("interp", None), ours("jit", None), ours("dyn", None)];
        // interp's best (100 ms) beats jit's (150 ms), so dyn pairs with interp: 1.50,
        // 1.00, 1.00. Paired with jit it would be 2.00x, over the per-round shorter of
        // the two also 2.00x, over the best times 1.50x.
        let rows = [row(
            "fib",
            vec![
                every(&[100, 300, 300]),
                every(&[150, 150, 150]),
                every(&[150, 300, 300]),
            ],
        )];
        let markdown = report(&engines, &rows).to_markdown();
        assert!(markdown.contains("| dyn / better tier |\n"), "{markdown}");
        assert!(
            markdown.contains("| fib | `fib(1)` | 100.0 ms | 150.0 ms | 150.0 ms | 1.00x |"),
            "{markdown}"
        );
    }
}
