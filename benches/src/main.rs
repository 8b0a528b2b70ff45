//! Benchmark harness: runs every program of `benches/programs/` and the WASI programs
//! of `examples/` (`wasi.rs`) under every available wasmfx-tier tier and peer engine,
//! each run a fresh process, and prints a markdown table of times and ratios (see
//! `report`).
//!
//! ```text
//! cargo run --release -p wasmfx-benches -- [--quick]
//!   1. encode programs to .wasm       target/<profile>/bench-modules/*.wasm
//!   2. cargo build --release -p wasmfx-tier
//!   3. probe tiers, find peers        wasmfx interp | jit | dyn [| dyn seed S], wasmi,
//!                                     wasmtime
//!   4. wall time per (program, engine, round), runs round-robin, answer checked
//!      (a WASI program's whole stdout against its recording): best of N per engine,
//!      and every round's time for the paired ratios (report.rs)
//!   5. markdown table on stdout, progress on stderr; stack-switching programs add
//!      ns per operation and peak memory (switching.rs)
//!   6. jit tier: execution alone beside wasmtime's precompiled run (execution.rs),
//!      compile throughput and start-up on a large generated module (compile.rs;
//!      with `--only`, when it names `compile`)
//! ```
//! Exits non-zero when a run fails or prints a wrong answer.

mod best;
mod compile;
mod conditions;
mod engines;
mod execution;
mod options;
mod order;
mod programs;
mod report;
mod switching;
mod timing;
mod wasi;

use std::env;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, Result, bail};

use best::FastestTwo;
use engines::{Engine, EngineKind, Peer, Unavailable};
use options::Options;
use programs::{PROGRAMS, Program};
use report::{Report, Row, STARTUP_ROW};
use timing::{Expected, RunError};
use wasi::{WASI_PROGRAMS, WasiProgram};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the benchmarks; `Ok(false)` when some run failed.
fn run() -> Result<bool> {
    let options = Options::parse(env::args().skip(1))?;
    if options.help {
        print_stdout(options::USAGE)?;
        return Ok(true);
    }
    let Selection {
        programs: selected,
        wasi: selected_wasi,
        large_module,
    } = select(&options.only)?;
    let own_dir = env::current_exe()
        .context("cannot locate the harness executable")?
        .parent()
        .map(Path::to_path_buf)
        .context("the harness executable has no folder")?;
    let module_dir = own_dir.join("bench-modules");
    programs::prepare_modules(&module_dir)?;

    let (engines, unavailable) = find_engines(&options, &own_dir, &module_dir)?;
    if engines.is_empty() {
        bail!("no engine can run the benchmarks: {unavailable:?}");
    }
    let ours = |engine: &&Engine| matches!(engine.kind, EngineKind::WasmfxTier { .. });
    let version = engines
        .iter()
        .find(ours)
        .map(|engine| engine.version.as_str());
    let conditions = conditions::describe(version);
    let mut all_passed = true;
    let mut rows = Vec::new();
    // (bench, argument, index in rows, peak RSS per engine)
    let mut switching_rows = Vec::new();
    for &program in &selected {
        let workload = program.workload(options.quick);
        let module = program.module_path(&module_dir);
        let expected = workload.expected.to_string();
        let stack_switching = switching::find(program.name);
        let command = |engine: &Engine| match stack_switching {
            Some(_) => switching::command(engine, &module, program.export, workload.arg),
            None => engine.command(&module, program.export, workload.arg),
        };
        // Engines without stack switching (wasmi) cannot run its programs.
        let runs = |engine: &Engine| stack_switching.is_none() || switching::supported_by(engine);
        let measured = time_row(
            &engines,
            &options,
            program.name,
            runs,
            command,
            Expected::LastLine(&expected),
            stack_switching.is_some(),
        );
        all_passed &= measured.passed;
        let measure_peak = stack_switching.is_some_and(|bench| bench.peak_memory);
        let peak_kib = engines
            .iter()
            .zip(&measured.times)
            .map(|(engine, time)| {
                (measure_peak && time.is_ok())
                    .then(|| switching::peak_rss_kib(&command(engine)))
                    .flatten()
            })
            .collect();
        rows.push(Row {
            benchmark: program.name.to_string(),
            call: format!("{}({})", program.export, workload.arg),
            exercises: program.exercises.to_string(),
            times: measured.times,
            rounds: measured.rounds,
        });
        if let Some(bench) = stack_switching {
            switching_rows.push((bench, workload.arg, rows.len() - 1, peak_kib));
        }
    }
    for program in selected_wasi {
        let run = program.run(options.quick);
        let expected = run.expected_stdout()?;
        let measured = time_row(
            &engines,
            &options,
            program.name,
            |engine| program.supported_by(engine),
            |engine| program.command(engine, run.args),
            Expected::Stdout(&expected),
            program.stack_switching,
        );
        all_passed &= measured.passed;
        rows.push(Row {
            benchmark: program.name.to_string(),
            call: program.call(options.quick),
            exercises: program.exercises.to_string(),
            times: measured.times,
            rounds: measured.rounds,
        });
    }
    let report = Report {
        engines: &engines,
        rows: &rows,
        unavailable: &unavailable,
        runs: options.runs,
        quick: options.quick,
        conditions,
    };
    print_stdout(&report.to_markdown())?;
    if !switching_rows.is_empty() {
        let switching_rows: Vec<switching::SwitchingRow<'_>> = switching_rows
            .into_iter()
            .map(|(bench, arg, index, peak_kib)| switching::SwitchingRow {
                bench,
                arg,
                row: &rows[index],
                peak_kib,
            })
            .collect();
        print_stdout(&switching::to_markdown(&engines, &switching_rows))?;
    }
    all_passed &= jit_tables(&engines, &options, &selected, large_module, &module_dir)?;
    Ok(all_passed)
}

/// The jit tier's execution-alone table, and with `large_module` its
/// compile-throughput and the large module's start-up tables (when the tier is
/// available); `Ok(false)` when a jit run failed.
fn jit_tables(
    engines: &[Engine],
    options: &Options,
    selected: &[&Program],
    large_module: bool,
    module_dir: &Path,
) -> Result<bool> {
    let jit_kind = EngineKind::WasmfxTier {
        tier: "jit",
        tier_up_seed: None,
    };
    let is_jit = |engine: &&Engine| engine.kind == jit_kind;
    let Some(jit) = engines.iter().find(is_jit) else {
        return Ok(true);
    };
    let wasmtime = engines
        .iter()
        .find(|engine| engine.kind == EngineKind::Peer(Peer::Wasmtime));
    let mut rows = Vec::new();
    for program in selected
        .iter()
        .filter(|p| switching::find(p.name).is_none())
    {
        let workload = program.workload(options.quick);
        let module = program.module_path(module_dir);
        let cwasm = wasmtime.map(|peer| execution::precompile(peer, &module, module_dir));
        // `--timings` goes before FILE: everything after the call's name is an argument.
        let jit_command = || {
            let mut command = Command::new(&jit.executable);
            command
                .args(["run", "--tier", "jit", "--timings"])
                .arg(&module)
                .args(["--invoke", program.export, &workload.arg.to_string()]);
            command
        };
        let (jit_times, peer_time) = execution::measure(
            jit_command,
            wasmtime.zip(cwasm.as_ref()),
            program.export,
            workload.arg,
            &workload.expected.to_string(),
            options.runs,
            options.time_limit,
        );
        eprintln!("{:<8} execution alone measured", program.name);
        rows.push(execution::ExecutionRow {
            benchmark: program.name.to_string(),
            call: format!("{}({})", program.export, workload.arg),
            jit: jit_times,
            wasmtime: peer_time,
        });
    }
    let passed = rows.iter().all(|row| row.jit.is_ok());
    if !rows.is_empty() {
        print_stdout(&execution::to_markdown(&rows))?;
    }
    if !large_module {
        return Ok(passed);
    }

    let functions = compile::function_count(options.quick);
    let large = compile::write_large_module(module_dir, functions)?;
    let bytes = std::fs::metadata(&large).map(|m| m.len()).unwrap_or(0);
    eprintln!("compile throughput on {} ...", large.display());
    let rows = compile::measure(
        Some(jit),
        wasmtime,
        &large,
        options.runs,
        options.time_limit,
    );
    print_stdout(&compile::to_markdown(&rows, functions, bytes))?;
    let startup = startup_on_large(engines, &large, functions, bytes, options)?;
    Ok(passed && rows.iter().chain(&startup).all(|row| row.time.is_ok()))
}

/// The start-up table on the large module (`compile::measure_startup`): the
/// interpreter beside wasmi, when installed; its rows.
fn startup_on_large(
    engines: &[Engine],
    large: &Path,
    functions: usize,
    bytes: u64,
    options: &Options,
) -> Result<Vec<compile::ThroughputRow>> {
    let interp_kind = EngineKind::WasmfxTier {
        tier: "interp",
        tier_up_seed: None,
    };
    let wasmi_kind = EngineKind::Peer(Peer::Wasmi);
    let measured: Vec<&Engine> = (engines.iter())
        .filter(|engine| engine.kind == interp_kind || engine.kind == wasmi_kind)
        .collect();
    if measured.is_empty() {
        return Ok(Vec::new());
    }
    eprintln!("start-up on {} ...", large.display());
    let rows = compile::measure_startup(&measured, large, options.runs, options.time_limit);
    let reference = Peer::Wasmi.name();
    print_stdout(&compile::startup_to_markdown(
        &rows, reference, functions, bytes,
    ))?;
    Ok(rows)
}

/// One row's measurements (see [`RowTimes`]): best of N and every round's time (see
/// [`measure_row`]) for the engines `runs` accepts, "cannot run: no stack switching" and
/// no rounds for the others. Prints progress to stderr. `passed` is false when a run
/// failed, except for a peer that cannot finish a stack-switching program (wasmtime runs
/// out of memory for continuations it never frees): that is reported as such, not as a
/// failure of ours; a wrong answer always counts.
fn time_row(
    engines: &[Engine],
    options: &Options,
    name: &str,
    runs: impl Fn(&Engine) -> bool,
    make_command: impl Fn(&Engine) -> Command,
    expected: Expected<'_>,
    stack_switching: bool,
) -> RowTimes {
    let mut passed = true;
    let runnable: Vec<Engine> = engines.iter().filter(|e| runs(e)).cloned().collect();
    let mut measured = measure_row(&runnable, options, make_command, expected).into_iter();
    let (mut times, mut rounds) = (Vec::new(), Vec::new());
    for engine in engines {
        let label = &engine.label;
        let Some(EngineRuns {
            best: time,
            rounds: engine_rounds,
        }) = runs(engine).then(|| measured.next()).flatten()
        else {
            eprintln!("{name:<8} {label:<14} cannot run (no stack switching)");
            times.push(Err("cannot run: no stack switching".to_string()));
            rounds.push(Vec::new());
            continue;
        };
        rounds.push(engine_rounds);
        match &time {
            Ok(best) => eprintln!(
                "{name:<8} {label:<14} {:>10.1} ms",
                best.as_secs_f64() * 1e3
            ),
            Err(error) => {
                eprintln!("{name:<8} {label:<14} failed: {error}");
                let peer = matches!(engine.kind, EngineKind::Peer(_));
                passed &= peer && stack_switching && !error.is_wrong_output();
            }
        }
        times.push(time.map_err(|error| error.to_string()));
    }
    RowTimes {
        times,
        rounds,
        passed,
    }
}

/// What [`time_row`] measured on one row: the fields of [`Row`] of that name.
struct RowTimes {
    times: Vec<Result<Duration, String>>,
    rounds: Vec<Vec<Option<Duration>>>,
    passed: bool,
}

/// One engine's runs on one row.
struct EngineRuns {
    /// Its fastest run, or the error that stopped it.
    best: Result<Duration, RunError>,
    /// Every round's time in round order; `None` from the round it failed in on.
    rounds: Vec<Option<Duration>>,
}

/// Each engine's best time on one benchmark and its time in every round (`make_command`
/// builds its call); the report pairs the rounds for its ratios (`report.rs`). Runs
/// go round-robin so that a change in machine load during the measurement hits every
/// engine alike, each round in another order (`order.rs`): a process that follows a
/// heavy one pays for it, so every engine comes right after every other one equally
/// often over the rounds. An engine stops at its first failing run. A row whose
/// fastest first run took under [`SHORT_ROW`] gets at least [`SHORT_ROW_RUNS`] rounds,
/// and a row goes on, up to twice its rounds, while some engine's two fastest runs
/// disagree (`best.rs`).
fn measure_row(
    engines: &[Engine],
    options: &Options,
    make_command: impl Fn(&Engine) -> Command,
    expected: Expected<'_>,
) -> Vec<EngineRuns> {
    let mut results: Vec<Result<FastestTwo, RunError>> =
        engines.iter().map(|_| Ok(FastestTwo::new())).collect();
    let mut rounds_of: Vec<Vec<Option<Duration>>> = engines.iter().map(|_| Vec::new()).collect();
    let mut rounds = options.runs;
    let mut round = 0;
    let unsettled = |results: &[Result<FastestTwo, RunError>]| {
        (results.iter()).any(|result| result.as_ref().is_ok_and(|fastest| !fastest.settled()))
    };
    while round < rounds || (round < 2 * rounds && unsettled(&results)) {
        for at in order::round_order(engines.len(), round) {
            let (engine, result) = (&engines[at], &mut results[at]);
            let Ok(fastest) = result else {
                rounds_of[at].push(None);
                continue;
            };
            match timing::time_once_expecting(make_command(engine), options.time_limit, expected) {
                Ok(time) => {
                    fastest.add(time);
                    rounds_of[at].push(Some(time));
                }
                Err(error) => {
                    *result = Err(error);
                    rounds_of[at].push(None);
                }
            }
        }
        let short = |result: &Result<FastestTwo, RunError>| {
            result
                .as_ref()
                .is_ok_and(|fastest| fastest.best() < SHORT_ROW)
        };
        if round == 0 && results.iter().any(short) {
            rounds = rounds.max(SHORT_ROW_RUNS);
        }
        round += 1;
    }
    (results.into_iter().zip(rounds_of))
        .map(|(result, rounds)| EngineRuns {
            best: result.map(|fastest| fastest.best()),
            rounds,
        })
        .collect()
}

/// A row this short gets more runs: the best of 3 of a 3 ms program moved by up
/// to 1.3x between runs of one binary (README, "Other seeds").
pub(crate) const SHORT_ROW: Duration = Duration::from_millis(20);

/// The rounds a short row gets at least.
pub(crate) const SHORT_ROW_RUNS: usize = 15;

/// Writes `text` and a newline to stdout. A reader that went away early (`| head`) is
/// not an error.
fn print_stdout(text: &str) -> Result<()> {
    match writeln!(io::stdout().lock(), "{text}") {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(error.into()),
        _ => Ok(()),
    }
}

/// The `--only` name of the tables on the large generated module (compile
/// throughput, start-up), which are not a benchmark row.
const LARGE_MODULE: &str = "compile";

/// What a run measures (`--only`, or everything).
struct Selection {
    programs: Vec<&'static Program>,
    wasi: Vec<&'static WasiProgram>,
    /// The tables on the large generated module: the jit's compile throughput and
    /// the start-up beside wasmi.
    large_module: bool,
}

/// The programs, WASI programs and large-module tables named by `--only`, or all.
fn select(only: &[String]) -> Result<Selection> {
    let known: Vec<&str> = PROGRAMS
        .iter()
        .map(|program| program.name)
        .chain(WASI_PROGRAMS.iter().map(|program| program.name))
        .chain([LARGE_MODULE])
        .collect();
    if let Some(unknown) = only.iter().find(|name| !known.contains(&name.as_str())) {
        bail!("unknown benchmark `{unknown}`; known: {}", known.join(", "));
    }
    let chosen = |name: &str| only.is_empty() || only.iter().any(|only| only == name);
    Ok(Selection {
        programs: PROGRAMS.iter().filter(|p| chosen(p.name)).collect(),
        wasi: WASI_PROGRAMS.iter().filter(|p| chosen(p.name)).collect(),
        large_module: chosen(LARGE_MODULE),
    })
}

/// Every usable engine, and (label, reason) for those that are not.
fn find_engines(
    options: &Options,
    own_dir: &Path,
    module_dir: &Path,
) -> Result<(Vec<Engine>, Vec<Unavailable>)> {
    let mut engines = Vec::new();
    let mut unavailable = Vec::new();
    match wasmfx_tier_binary(options, own_dir) {
        Ok(binary) => {
            let startup = PROGRAMS
                .iter()
                .find(|program| program.name == STARTUP_ROW)
                .context("no startup program")?;
            let probe_module = startup.module_path(module_dir);
            let probed = engines::probe_wasmfx_tiers(
                &binary,
                &probe_module,
                startup.export,
                options.tier_up_seed,
            );
            for (label, availability) in probed {
                match availability {
                    Ok(engine) => engines.push(engine),
                    Err(reason) => unavailable.push(Unavailable {
                        label,
                        reason: format!("not available: {reason}"),
                    }),
                }
            }
        }
        Err(error) => unavailable.push(Unavailable {
            label: "wasmfx-tier".to_string(),
            reason: format!("{error:#}"),
        }),
    }
    for peer in Peer::ALL {
        match engines::find_peer(peer) {
            Ok(engine) => engines.push(engine),
            Err(reason) => unavailable.push(Unavailable {
                label: peer.name().to_string(),
                reason,
            }),
        }
    }
    Ok((engines, unavailable))
}

/// The wasmfx-tier CLI to benchmark: `--wasmfx-tier PATH`, or a release build next to
/// this workspace's target folder, built first unless `--no-build`.
fn wasmfx_tier_binary(options: &Options, own_dir: &Path) -> Result<PathBuf> {
    if let Some(path) = &options.wasmfx_tier {
        return Ok(path.clone());
    }
    // own_dir is <target>/<profile>; the CLI is benchmarked as a release build.
    let target_dir = own_dir
        .parent()
        .context("the harness is not inside a target folder")?;
    let binary = target_dir.join("release").join("wasmfx-tier");
    if options.build {
        eprintln!("building wasmfx-tier (release)...");
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "-p",
                "wasmfx-tier",
                "--bin",
                "wasmfx-tier",
                "--target-dir",
            ])
            .arg(target_dir)
            .status()
            .context("cannot run cargo")?;
        if !status.success() {
            bail!("`cargo build --release -p wasmfx-tier` failed ({status})");
        }
    }
    if !binary.is_file() {
        bail!("no wasmfx-tier binary at {}", binary.display());
    }
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

    #[test]
    fn only_names_the_large_module_tables_apart_from_the_benchmarks() {
        let all = select(&[]).expect("everything");
        assert_eq!(all.programs.len(), PROGRAMS.len());
        assert_eq!(all.wasi.len(), WASI_PROGRAMS.len());
        assert!(all.large_module);
        let fib = select(&only(&["fib"])).expect("fib");
        assert_eq!(fib.programs.len(), 1);
        assert!(fib.wasi.is_empty() && !fib.large_module);
        let compile = select(&only(&[LARGE_MODULE])).expect("compile");
        assert!(compile.programs.is_empty() && compile.wasi.is_empty());
        assert!(compile.large_module);
        let error = select(&only(&["fibb"])).err().expect("unknown");
        assert!(error.to_string().contains("compile"), "{error}");
    }
}
