//! The spec harness (`harness = false`): runs every script of every corpus
//! (see `corpus.rs`) under every tier this build has, each as a named case
//! `tier/corpus/file.wast`, on parallel worker threads. `dyn` runs three
//! ways (`tiers.rs`): `dyn` (default count, background compiles),
//! `dyn-eager` (compiled at the second event, synchronously: tier-up inside
//! running loops and continuations) and `dyn-seeded` (a seeded count per
//! function).
//!
//! ```text
//!   cargo test -p wasmfx-spec-tests --test spec [-- FILTER... [--verbose]]
//!
//!   ok      interp/wasm-v3/i32.wast (460 directives)
//!   xfail   interp/proposals/simd/simd_lane.wast (12 of 300 directives failed: SIMD ...)
//!   FAILED  interp/wasm-v3/call.wast (2 of 90 directives failed)
//!           wasm-v3/call.wast:310:1: assert_return: result 0: expected i32:1, got i32:2
//!   ...
//!   N passed, N failed                       ← last line
//! ```
//! A case passes when its script passes, or when it fails and the tier's
//! expected-failure list names it. A listed script that passes fails the run
//! ("unexpectedly passed"), so the lists stay true. FILTER arguments keep
//! the cases whose name contains one of them; `--list` and `--ignored`
//! behave as in libtest (list the cases; run only ignored ones: none).

mod corpus;
mod expected;
mod tiers;
mod workers;

use corpus::Script;
use expected::ExpectedFailures;
use std::process::ExitCode;
use std::sync::Mutex;
use tiers::TierConfig;
use wasmfx_spec_tests::{Counts, FileReport, run_script_with_features};

/// Failure lines shown per failed case unless `--verbose`.
const SHOWN_FAILURES: usize = 10;

struct Options {
    filters: Vec<String>,
    verbose: bool,
    /// `--list` (as libtest): print the case names, run nothing.
    list: bool,
    /// `--ignored` (as libtest): run only ignored cases, of which there are none.
    ignored_only: bool,
}

impl Options {
    /// Filters and `--verbose`; other flags cargo or libtest users pass
    /// (`--nocapture`, `--quiet`...) are ignored.
    fn from_args() -> Options {
        let mut options = Options {
            filters: Vec::new(),
            verbose: false,
            list: false,
            ignored_only: false,
        };
        for arg in std::env::args().skip(1) {
            match arg.as_str() {
                "--verbose" | "-v" => options.verbose = true,
                "--list" => options.list = true,
                "--ignored" => options.ignored_only = true,
                flag if flag.starts_with('-') => {}
                filter => options.filters.push(filter.to_string()),
            }
        }
        options
    }

    fn selects(&self, name: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| name.contains(f.as_str()))
    }
}

struct Case<'a> {
    tier: &'a TierConfig,
    script: &'a Script,
    expected: &'a ExpectedFailures,
}

impl Case<'_> {
    fn name(&self) -> String {
        format!("{}/{}", self.tier, self.script.name)
    }
}

/// Totals over the cases, updated by the workers.
#[derive(Default)]
struct Tally {
    passed: usize,
    expected_failures: usize,
    failed: usize,
    directives: Counts,
}

fn main() -> ExitCode {
    let options = Options::from_args();
    if options.ignored_only {
        println!("0 passed, 0 failed");
        return ExitCode::SUCCESS;
    }
    // Setup problems (a missing corpus, a bad list), each a failed case.
    let mut problems = Vec::new();
    let mut scripts = Vec::new();
    for script in corpus::all_scripts() {
        match script {
            Ok(script) => scripts.push(script),
            Err(problem) if options.selects("stack-switching") => problems.push(problem),
            Err(_) => {}
        }
    }
    // Big scripts first, so the workers finish together.
    scripts.sort_by_key(|s| std::cmp::Reverse(s.text.len()));

    let mut lists = Vec::new();
    for tier in tiers::configs() {
        match ExpectedFailures::load(tier.list) {
            Ok(list) => lists.push((tier, list)),
            Err(problem) => problems.push(problem),
        }
    }
    let cases: Vec<Case<'_>> = lists
        .iter()
        .flat_map(|(tier, expected)| {
            scripts.iter().map(move |script| Case {
                tier,
                script,
                expected,
            })
        })
        .filter(|case| options.selects(&case.name()))
        .collect();
    if options.list {
        for case in &cases {
            println!("{}: test", case.name());
        }
        return ExitCode::SUCCESS;
    }
    if options.filters.is_empty() {
        problems.extend(stale_list_entries(&lists, &scripts));
    }
    let mut tally = Tally::default();
    for problem in &problems {
        println!("FAILED  {problem}");
        tally.failed += 1;
    }

    let tally = Mutex::new(tally);
    let lock = || {
        tally
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    };
    let started = workers::run_parallel(
        &cases,
        run_case,
        |case, report| print_case(case, &report, &options, &mut lock()),
        |case, elapsed| {
            let mut tally = lock();
            println!(
                "FAILED  {} still running after {:.1} s: run stopped",
                case.name(),
                elapsed.as_secs_f64()
            );
            tally.failed += 1;
            print_totals(&tally);
            std::process::exit(1);
        },
    );
    let mut tally = tally
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Err(problem) = started {
        println!("FAILED  {problem}");
        tally.failed += 1;
    }
    print_totals(&tally);
    if tally.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The closing lines; the last is `N passed, N failed` over the cases.
fn print_totals(tally: &Tally) {
    println!();
    println!("directives: {}", tally.directives);
    println!(
        "cases: {} passed, {} expected failures (listed in spec-tests/expected-failures/), {} failed",
        tally.passed, tally.expected_failures, tally.failed
    );
    println!(
        "{} passed, {} failed",
        tally.passed + tally.expected_failures,
        tally.failed
    );
}

/// Listed names that are no script of the corpora (names in a corpus that
/// did not load are left out: the corpus is reported already).
fn stale_list_entries(lists: &[(TierConfig, ExpectedFailures)], scripts: &[Script]) -> Vec<String> {
    let mut stale = Vec::new();
    let corpus_of = |name: &str| {
        name.rsplit_once('/')
            .map_or("", |(corpus, _)| corpus)
            .to_string()
    };
    let mut seen = std::collections::HashSet::new();
    for (_, list) in lists {
        if !seen.insert(list.path.clone()) {
            continue;
        }
        for name in list.entries.keys() {
            let corpus_loaded = scripts
                .iter()
                .any(|s| corpus_of(&s.name) == corpus_of(name));
            if corpus_loaded && !scripts.iter().any(|s| &s.name == name) {
                stale.push(format!("{}: `{name}` names no script", list.path.display()));
            }
        }
    }
    stale
}

fn run_case(case: &Case<'_>) -> FileReport {
    match case.tier.engine() {
        Ok(engine) => run_script_with_features(
            &case.script.name,
            &case.script.text,
            engine.executor(),
            corpus::features(&case.script.name),
        ),
        Err(e) => {
            let mut report = FileReport::new(case.script.name.clone());
            let reason = e.to_string();
            report.record_failure(wasmfx_spec_tests::Failure {
                line: 1,
                col: 1,
                directive: "(engine)",
                reason,
            });
            report
        }
    }
}

fn print_case(case: &Case<'_>, report: &FileReport, options: &Options, tally: &mut Tally) {
    let name = case.name();
    let counts = Counts::of(report);
    tally.directives.add(counts);
    let total = report.passed + report.failed;
    let differences = match counts.message_differences {
        0 => String::new(),
        n => format!(", {n} with different message"),
    };
    match (report.is_success(), case.expected.reason(&case.script.name)) {
        (true, None) => {
            tally.passed += 1;
            println!("ok      {name} ({total} directives{differences})");
        }
        (false, Some(reason)) => {
            tally.expected_failures += 1;
            println!(
                "xfail   {name} ({} of {total} directives failed: {reason})",
                report.failed
            );
        }
        (true, Some(_)) => {
            tally.failed += 1;
            println!(
                "FAILED  {name} unexpectedly passed: remove it from {}",
                case.expected.path.display()
            );
        }
        (false, None) => {
            tally.failed += 1;
            println!(
                "FAILED  {name} ({} of {total} directives failed)",
                report.failed
            );
        }
    }
    let show_failures = options.verbose
        || (!report.is_success() && case.expected.reason(&case.script.name).is_none());
    if show_failures {
        let limit = if options.verbose {
            usize::MAX
        } else {
            SHOWN_FAILURES
        };
        for line in report.failure_lines().take(limit) {
            println!("        {line}");
        }
        if report.failures.len() > limit {
            println!(
                "        ... {} more (--verbose shows all)",
                report.failures.len() - limit
            );
        }
    }
    if options.verbose {
        for line in report.message_difference_lines() {
            println!("        {line} (message only)");
        }
    }
}
