//! Command-line options of the benchmark harness.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};

pub const USAGE: &str = "\
Runs the benchmark programs (benches/programs/) and the WASI programs of examples/
(run as `run FILE ARGS`, stdout compared with its recording) under every available
wasmfx-tier tier and, when installed, under wasmi and wasmtime; prints a markdown table
of wall times (best of N process runs, start-up included) and ratios (the median over
the rounds of one engine's time over the other's in the same round) to stdout. With the
jit tier, two more tables follow: execution alone (jit time minus its compile time,
beside wasmtime running a precompiled .cwasm) and compile throughput on a large
generated module (jit against `wasmtime compile`, functions/s and MB/s).

usage: cargo run --release -p wasmfx-benches -- [OPTIONS]

options:
  --quick               small sizes and 3 runs: checks that everything runs
  --runs N              rounds per benchmark, one run of each engine in each; an
                        engine's best is its time, every round counts for the ratios
                        (default 5; at least 15 for a row whose fastest first run took
                        under 20 ms; up to twice as many while an engine's two fastest
                        runs differ by more than 3%)
  --only NAME[,NAME]    only these benchmarks (startup, fib, sieve, ..., cont_deep_1000,
                        wasi:compute, fiber:generator, fiber:round_robin,
                        fiber:sieve, fiber:c10m, and `compile`: the tables on the
                        large generated module; a wrong name lists them all)
  --tier-up-seed S      one more column: `run --tier dyn --tier-up-seed S` (each
                        function's tier-up count drawn from seed S)
  --wasmfx-tier PATH    use this wasmfx-tier binary instead of building one
  --no-build            do not run `cargo build --release -p wasmfx-tier` first
  --time-limit SECS     kill a run after this long (default 120)
  -h, --help            this text";

/// Parsed options.
#[derive(Debug, PartialEq)]
pub struct Options {
    pub quick: bool,
    pub runs: usize,
    /// Empty means every benchmark.
    pub only: Vec<String>,
    pub wasmfx_tier: Option<PathBuf>,
    /// Adds a `dyn` column with this `--tier-up-seed`.
    pub tier_up_seed: Option<u64>,
    pub build: bool,
    pub time_limit: Duration,
    pub help: bool,
}

impl Options {
    /// Parses the arguments after the program name.
    ///
    /// # Errors
    /// An unknown option, a missing value, or a value that is not a positive number.
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options> {
        let mut options = Options {
            quick: false,
            runs: 0,
            only: Vec::new(),
            wasmfx_tier: None,
            tier_up_seed: None,
            build: true,
            time_limit: Duration::from_secs(120),
            help: false,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value =
                |name: &str| args.next().with_context(|| format!("{name} needs a value"));
            match arg.as_str() {
                "--quick" => options.quick = true,
                "--runs" => options.runs = positive(&value("--runs")?, "--runs")?,
                "--only" => options
                    .only
                    .extend(value("--only")?.split(',').map(str::to_string)),
                "--wasmfx-tier" => {
                    options.wasmfx_tier = Some(PathBuf::from(value("--wasmfx-tier")?))
                }
                "--tier-up-seed" => {
                    let seed = value("--tier-up-seed")?;
                    let parsed = seed.parse().with_context(|| {
                        format!("--tier-up-seed needs a whole number, got `{seed}`")
                    })?;
                    options.tier_up_seed = Some(parsed);
                }
                "--no-build" => options.build = false,
                "--time-limit" => {
                    let seconds = positive(&value("--time-limit")?, "--time-limit")?;
                    options.time_limit = Duration::from_secs(seconds as u64);
                }
                "-h" | "--help" => options.help = true,
                other => bail!("unknown option `{other}` (see --help)"),
            }
        }
        if options.runs == 0 {
            options.runs = if options.quick { 3 } else { 5 };
        }
        Ok(options)
    }
}

fn positive(text: &str, name: &str) -> Result<usize> {
    match text.parse::<usize>() {
        Ok(number) if number > 0 => Ok(number),
        _ => bail!("{name} needs a positive whole number, got `{text}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options> {
        Options::parse(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn defaults_depend_on_quick() {
        assert_eq!(parse(&[]).map(|options| options.runs).ok(), Some(5));
        assert_eq!(
            parse(&["--quick"]).map(|options| options.runs).ok(),
            Some(3)
        );
        assert_eq!(
            parse(&["--quick", "--runs", "7"])
                .map(|options| options.runs)
                .ok(),
            Some(7)
        );
    }

    #[test]
    fn reads_every_option() {
        let options = parse(&[
            "--only",
            "fib,sieve",
            "--no-build",
            "--wasmfx-tier",
            "/x",
            "--time-limit",
            "9",
            "--tier-up-seed",
            "0",
        ]);
        let options = options.expect("valid options");
        assert_eq!(options.only, ["fib", "sieve"]);
        assert!(!options.build);
        assert_eq!(options.wasmfx_tier, Some(PathBuf::from("/x")));
        assert_eq!(options.time_limit, Duration::from_secs(9));
        assert_eq!(options.tier_up_seed, Some(0));
        assert_eq!(
            parse(&[]).map(|options| options.tier_up_seed).ok(),
            Some(None)
        );
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse(&["--fast"]).is_err());
        assert!(parse(&["--runs"]).is_err());
        assert!(parse(&["--runs", "0"]).is_err());
        assert!(parse(&["--runs", "many"]).is_err());
        assert!(parse(&["--tier-up-seed"]).is_err());
        assert!(parse(&["--tier-up-seed", "-1"]).is_err());
    }
}
