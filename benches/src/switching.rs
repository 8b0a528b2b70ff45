//! The stack-switching benchmarks: which programs use continuations, what one
//! operation of each is, and the extra report they get (ns per operation,
//! ratio to wasmtime, peak memory).
//!
//! ```text
//!   | benchmark      | call          | operations | wasmfx interp ns/op | wasmtime ns/op | wasmfx interp / wasmtime |
//!   | cont_generator | run(10000000) | 10000000   | 146.7               | 20.5           | 7.02x                    |
//!
//!   peak RSS (one more run under /usr/bin/time -f %M):
//!   | benchmark | call | wasmfx interp | wasmtime |
//! ```
//! The times are the main table's rows ([`Row`]): an engine's ns/op is its best time
//! over the operations of the call. A ratio is paired as in the main table
//! (`report.rs`): the median, over the rounds in which both engines ran, of ours over
//! wasmtime's in that round, not the ratio of the two ns/op shown (both runs of a round
//! did the same operations, so the count cancels).
//!
//! wasmi has no stack switching: it is shown as unable to run these programs,
//! which does not fail the run. wasmtime runs them with `-W stack-switching=y`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::engines::{Engine, EngineKind, Peer};
use crate::report::{Row, paired_ratio};

/// A benchmark program that uses stack switching.
pub struct SwitchingBench {
    /// Its name in [`crate::programs::PROGRAMS`].
    pub program: &'static str,
    /// What one operation is, for the legend.
    pub operation: &'static str,
    /// Operations one call `run(arg)` performs.
    pub operations: fn(i32) -> u64,
    /// Whether the report shows its peak memory.
    pub peak_memory: bool,
}

/// Every stack-switching benchmark.
pub const SWITCHING: &[SwitchingBench] = &[
    SwitchingBench {
        program: "cont_generator",
        operation: "suspend + resume round trip",
        operations: |n| n as u64,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_state",
        operation: "effect (get or put: suspend + resume)",
        operations: |n| 2 * n as u64 + 1,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_switch",
        operation: "switch",
        operations: |n| n as u64,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_new",
        operation: "cont.new + resume + return",
        operations: |n| n as u64,
        peak_memory: true,
    },
    SwitchingBench {
        program: "skynet",
        operation: "continuation of the tree (made, run, returned)",
        operations: |size| skynet_continuations(size as u64),
        peak_memory: true,
    },
    SwitchingBench {
        program: "cont_sieve",
        operation: "filter visit (resume + suspend)",
        operations: sieve_visits,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_held",
        operation: "continuation started, held suspended, then finished",
        operations: |n| n as u64,
        peak_memory: true,
    },
    SwitchingBench {
        program: "cont_deep_1",
        operation: "suspend + resume round trip past D handlers that do not handle its tag (D: the name's suffix)",
        operations: |n| n as u64,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_deep_10",
        operation: "suspend + resume round trip past D handlers that do not handle its tag (D: the name's suffix)",
        operations: |n| n as u64,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_deep_100",
        operation: "suspend + resume round trip past D handlers that do not handle its tag (D: the name's suffix)",
        operations: |n| n as u64,
        peak_memory: false,
    },
    SwitchingBench {
        program: "cont_deep_1000",
        operation: "suspend + resume round trip past D handlers that do not handle its tag (D: the name's suffix)",
        operations: |n| n as u64,
        peak_memory: false,
    },
];

/// Flags wasmtime needs for these programs.
pub const WASMTIME_FLAGS: &[&str] = &[
    "-W",
    "stack-switching=y,exceptions=y,function-references=y,gc=y",
];

/// The stack-switching entry of program `name`, if it is one.
pub fn find(name: &str) -> Option<&'static SwitchingBench> {
    SWITCHING.iter().find(|bench| bench.program == name)
}

/// Whether `engine` can run stack-switching programs.
pub fn supported_by(engine: &Engine) -> bool {
    engine.kind != EngineKind::Peer(Peer::Wasmi)
}

/// The command for `export(arg)` with the flags stack switching needs.
pub fn command(engine: &Engine, module: &Path, export: &str, arg: i32) -> Command {
    if engine.kind != EngineKind::Peer(Peer::Wasmtime) {
        return engine.command(module, export, arg);
    }
    let mut command = Command::new(&engine.executable);
    command
        .arg("run")
        .args(WASMTIME_FLAGS)
        .args(["--invoke", export])
        .arg(module)
        .arg(arg.to_string());
    command
}

/// Peak resident memory (KiB) of one run of `command`, measured by
/// `/usr/bin/time -f %M`; `None` when that tool is missing or the run fails.
pub fn peak_rss_kib(command: &Command) -> Option<u64> {
    let mut timed = Command::new("/usr/bin/time");
    timed
        .args(["-f", "%M"])
        .arg(command.get_program())
        .args(command.get_args())
        .stdin(Stdio::null());
    let output = timed.output().ok()?;
    if !output.status.success() {
        return None;
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    stderr
        .lines()
        .rev()
        .find_map(|line| line.trim().parse().ok())
}

/// A switching row: the program's name, the argument and its timings.
pub struct SwitchingRow<'a> {
    pub bench: &'static SwitchingBench,
    pub arg: i32,
    /// The main table's row of the program: best times and every round's time.
    pub row: &'a Row,
    /// Peak RSS per engine (same order as the engines), when measured.
    pub peak_kib: Vec<Option<u64>>,
}

/// The markdown section for the stack-switching rows: ns per operation from each
/// engine's best time, and each wasmfx tier's paired ratio to wasmtime (see the module
/// doc).
pub fn to_markdown(engines: &[Engine], rows: &[SwitchingRow<'_>]) -> String {
    let mut out = String::from("\n### Stack switching: ns per operation\n\n");
    let wasmtime = engines
        .iter()
        .position(|e| e.kind == EngineKind::Peer(Peer::Wasmtime));
    out.push_str("| benchmark | call | operations |");
    for engine in engines.iter().filter(|e| supported_by(e)) {
        out.push_str(&format!(" {} ns/op |", engine.label));
    }
    // Ours over wasmtime's, one column per wasmfx tier (below 1.00x is faster).
    let tiers: Vec<usize> = match wasmtime {
        Some(_) => (0..engines.len())
            .filter(|&i| supported_by(&engines[i]) && engines[i].label.starts_with("wasmfx"))
            .collect(),
        None => Vec::new(),
    };
    for &t in &tiers {
        out.push_str(&format!(" {} / wasmtime |", engines[t].label));
    }
    out.push('\n');
    let columns = 3 + engines.iter().filter(|e| supported_by(e)).count() + tiers.len();
    out.push_str(&"|---".repeat(columns));
    out.push_str("|\n");
    for row in rows {
        let operations = (row.bench.operations)(row.arg);
        out.push_str(&format!(
            "| {} | {} | {operations} |",
            row.row.benchmark, row.row.call
        ));
        let per_op = |time: &Result<Duration, String>| {
            time.as_ref()
                .ok()
                .map(|t| t.as_secs_f64() * 1e9 / operations.max(1) as f64)
        };
        for (engine, time) in engines.iter().zip(&row.row.times) {
            if supported_by(engine) {
                out.push_str(&match (per_op(time), time) {
                    (Some(ns), _) => format!(" {ns:.1} |"),
                    (None, Err(error)) => format!(" cannot run: {} |", short(error)),
                    (None, Ok(_)) => " - |".to_string(),
                });
            }
        }
        if let Some(w) = wasmtime {
            for &t in &tiers {
                // Only when both have a best time, as in the main table; then round by
                // round on the times (the operation count cancels).
                let both = row.row.times[t].is_ok() && row.row.times[w].is_ok();
                let ratio = both
                    .then(|| paired_ratio(&row.row.rounds[t], &row.row.rounds[w]))
                    .flatten();
                out.push_str(&match ratio {
                    Some(r) => format!(" {r:.2}x |"),
                    None => " - |".to_string(),
                });
            }
        }
        out.push('\n');
    }
    out.push_str("\nOperations: ");
    let legend: Vec<String> = rows
        .iter()
        .map(|r| format!("{}: {}", r.row.benchmark, r.bench.operation))
        .collect();
    out.push_str(&legend.join("; "));
    out.push_str(". wasmi cannot run these programs (no stack switching).\n");
    if !tiers.is_empty() {
        out.push_str(
            "\nns/op: an engine's best time over the operations. a / wasmtime: the median, \
             over the rounds in which both ran, of a's time over wasmtime's in the same \
             round (the mean of the two middle ones for an even count); not the ratio of \
             the ns/op above.\n",
        );
    }
    let measured: Vec<&SwitchingRow<'_>> = rows.iter().filter(|r| r.bench.peak_memory).collect();
    if !measured.is_empty() {
        out.push_str("\n### Stack switching: peak RSS (MiB, one run under /usr/bin/time)\n\n");
        out.push_str("| benchmark | call |");
        for engine in engines.iter().filter(|e| supported_by(e)) {
            out.push_str(&format!(" {} |", engine.label));
        }
        out.push('\n');
        let columns = 2 + engines.iter().filter(|e| supported_by(e)).count();
        out.push_str(&"|---".repeat(columns));
        out.push_str("|\n");
        for row in measured {
            out.push_str(&format!("| {} | {} |", row.row.benchmark, row.row.call));
            for (engine, peak) in engines.iter().zip(&row.peak_kib) {
                if supported_by(engine) {
                    out.push_str(&match peak {
                        Some(kib) => format!(" {:.1} |", *kib as f64 / 1024.0),
                        None => " - |".to_string(),
                    });
                }
            }
            out.push('\n');
        }
    }
    out
}

/// An error's first line, fit for a table cell ("exit status: 1: Cannot
/// allocate memory (os error 12)").
fn short(error: &str) -> String {
    error.lines().next().unwrap_or("").replace('|', "/")
}

/// Continuations skynet(size) makes: every node but the root, for a power of ten.
fn skynet_continuations(size: u64) -> u64 {
    let (mut total, mut level) = (0, 10);
    while level <= size {
        total += level;
        level *= 10;
    }
    total
}

/// Filter visits of `cont_sieve.wat` for candidates below `n`.
fn sieve_visits(n: i32) -> u64 {
    let mut primes: Vec<u32> = Vec::new();
    let mut visits = 0;
    for candidate in 2..n.max(2) as u32 {
        let mut prime = true;
        for &p in &primes {
            visits += 1;
            if candidate % p == 0 {
                prime = false;
                break;
            }
        }
        if prime {
            primes.push(candidate);
        }
    }
    visits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::programs::PROGRAMS;

    fn engine(label: &str, kind: EngineKind) -> Engine {
        Engine::for_tests(label, kind)
    }

    /// wasmfx interp and jit, wasmi (which cannot run these programs) and wasmtime.
    fn engines() -> [Engine; 4] {
        let ours = |tier| {
            let kind = EngineKind::WasmfxTier {
                tier,
                tier_up_seed: None,
            };
            engine(&format!("wasmfx {tier}"), kind)
        };
        [
            ours("interp"),
            ours("jit"),
            engine("wasmi", EngineKind::Peer(Peer::Wasmi)),
            engine("wasmtime", EngineKind::Peer(Peer::Wasmtime)),
        ]
    }

    /// A `cont_generator` row of `run(1000000)` from interp's, jit's and wasmtime's time in
    /// every round, in milliseconds (`None`: no time that round), so that 1 ms is 1 ns per
    /// operation. An engine's best time is its fastest round; one without any failed.
    fn row(rounds: [Vec<Option<u64>>; 3]) -> Row {
        let [interp, jit, wasmtime] = rounds.map(|times| {
            (times.into_iter())
                .map(|ms| ms.map(Duration::from_millis))
                .collect::<Vec<_>>()
        });
        let rounds = vec![interp, jit, Vec::new(), wasmtime];
        let times = (rounds.iter())
            .enumerate()
            .map(|(index, times)| match times.iter().flatten().min() {
                Some(&best) => Ok(best),
                None if index == 2 => Err("cannot run: no stack switching".to_string()),
                None => Err("exit status: 1: Cannot allocate memory".to_string()),
            })
            .collect();
        Row {
            benchmark: "cont_generator".to_string(),
            call: "run(1000000)".to_string(),
            exercises: String::new(),
            times,
            rounds,
        }
    }

    fn markdown(row: &Row) -> String {
        let rows = [SwitchingRow {
            bench: find("cont_generator").unwrap(),
            arg: 1_000_000,
            row,
            peak_kib: vec![None; 4],
        }];
        to_markdown(&engines(), &rows)
    }

    fn every(millis: &[u64]) -> Vec<Option<u64>> {
        millis.iter().copied().map(Some).collect()
    }

    #[test]
    fn a_ratio_to_wasmtime_is_the_median_of_paired_rounds_not_the_ratio_of_ns_per_op() {
        // Every engine is slow in round 2. interp over wasmtime: 1.30, 1.10 and 1.08 in
        // the rounds; the best times (1.30 s and 1.00 s, from different rounds) would give
        // 1.30x. jit: 0.10 in every round.
        let row = row([
            every(&[1300, 2200, 1350]),
            every(&[100, 200, 125]),
            every(&[1000, 2000, 1250]),
        ]);
        let markdown = markdown(&row);
        assert!(
            markdown.contains(
                "| benchmark | call | operations | wasmfx interp ns/op | wasmfx jit ns/op | \
                 wasmtime ns/op | wasmfx interp / wasmtime | wasmfx jit / wasmtime |\n"
            ),
            "{markdown}"
        );
        assert!(
            markdown.contains(
                "| cont_generator | run(1000000) | 1000000 | 1300.0 | 100.0 | 1000.0 | 1.10x | \
                 0.10x |\n"
            ),
            "{markdown}"
        );
        assert!(
            markdown.contains("a / wasmtime: the median, over the rounds in which both ran"),
            "{markdown}"
        );
    }

    #[test]
    fn a_round_without_both_times_is_skipped() {
        // interp: rounds 1 and 4 have both, 2.00 and 1.00. jit has a best time, but never
        // in a round where wasmtime has one.
        let row = row([
            vec![Some(200), None, Some(300), Some(100)],
            vec![None, None, Some(100), None],
            vec![Some(100), Some(50), None, Some(100)],
        ]);
        let markdown = markdown(&row);
        assert!(
            markdown.contains(
                "| cont_generator | run(1000000) | 1000000 | 100.0 | 100.0 | 50.0 | 1.50x | - |\n"
            ),
            "{markdown}"
        );
    }

    #[test]
    fn no_ratio_when_wasmtime_has_no_best_time() {
        // wasmtime ran out of memory in round 3; its rounds 1 and 2 still do not count.
        let mut row = row([
            every(&[100, 100, 100]),
            every(&[10, 10, 10]),
            vec![Some(100), Some(100), None],
        ]);
        row.times[3] = Err("exit status: 1: Cannot allocate memory".to_string());
        let markdown = markdown(&row);
        assert!(
            markdown.contains(
                "| 100.0 | 10.0 | cannot run: exit status: 1: Cannot allocate memory | - | - |\n"
            ),
            "{markdown}"
        );
    }

    #[test]
    fn every_switching_bench_names_a_program() {
        for bench in SWITCHING {
            assert!(
                PROGRAMS.iter().any(|p| p.name == bench.program),
                "{} is not in PROGRAMS",
                bench.program
            );
        }
    }

    #[test]
    fn operation_counts() {
        assert_eq!(skynet_continuations(1_000_000), 1_111_110);
        assert_eq!(skynet_continuations(10), 10);
        assert_eq!(sieve_visits(2000), 49_266);
        assert_eq!(sieve_visits(30_000), 5_341_531);
    }
}
