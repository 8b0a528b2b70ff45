//! Command-line interface, following Wasmtime's conventions:
//!
//! ```text
//!   wasmfx-tier run [--tier T] [--invoke NAME] [--dir D] [--env E] [--preload NAME=FILE]
//!                   FILE [--] [ARGS...]
//!   wasmfx-tier wast [--tier T] FILE...
//!   wasmfx-tier FILE ...            (shorthand for `run FILE ...`)
//! ```
//! Every failure is one `error: ...` line on stderr (for a trap, followed by
//! the Wasm backtrace when the tier records one) and a non-zero exit:
//! 134 for a trap (what Wasmtime exits with on Unix: 128 + SIGABRT), the
//! guest's code for an exit request, 2 for a bad command line (clap), 1 for
//! everything else.
//!
//! A build without the `jit` feature has only `interp`, its default: the
//! help names no other tier, `--tier jit|dyn` is a command-line error that
//! says why, and the tiering options (`--tier-up-*`, `run --tier-stats`)
//! are hidden from the help and refused when given (as Wasmtime refuses an
//! option whose support was disabled at compile time).

mod features;
mod input;
mod run;
mod values;
mod wasi;
mod wast;

use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::io::Write as _;
use std::process::ExitCode;
use wasmfx_tier::TierMode;

/// Exit status after a trap, as Wasmtime reports one on Unix.
const EXIT_TRAP: u8 = 134;

#[derive(Parser)]
#[command(
    name = "wasmfx-tier",
    version = env!("WASMFX_TIER_VERSION"),
    about = "A WebAssembly engine built around stack switching",
    after_help = "Without a command, the arguments are those of `run` (as in Wasmtime): \
                  `wasmfx-tier --invoke fib fib.wat 20`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a WebAssembly module (binary .wasm or text .wat)
    Run(run::RunCommand),
    /// Run .wast spec scripts and report every failed directive
    Wast(wast::WastCommand),
}

/// `--tier`'s help: the tiers this build has.
#[cfg(feature = "jit")]
const TIER_HELP: &str = "Execution tier: `dyn` (tiered: every function starts interpreted, \
                         hot ones are compiled while the program runs), `interp` (interpreter \
                         only) or `jit` (compile every function before it runs)";

/// `--tier`'s help: the tiers this build has.
#[cfg(not(feature = "jit"))]
const TIER_HELP: &str = "Execution tier: `interp` (the interpreter), the only tier of this \
                         interpreter-only build";

/// Whether the tiering options are in this build's help.
const TIERING_BUILT: bool = cfg!(feature = "jit");

/// The tier options shared by the commands.
#[derive(Args)]
struct TierOption {
    #[arg(
        long,
        value_name = "TIER",
        help = TIER_HELP,
        default_value = TierMode::DEFAULT.name(),
        value_parser = parse_tier
    )]
    tier: TierMode,
    /// `dyn`: calls plus loop iterations a function spends interpreted
    /// before it is compiled; 0 compiles it at its first call
    #[arg(
        long,
        value_name = "N",
        default_value_t = wasmfx_tier::DEFAULT_TIER_UP_AFTER,
        hide = !TIERING_BUILT
    )]
    tier_up_after: u32,
    /// `dyn`: compile on the thread that runs the program, at once, instead
    /// of on the background thread (deterministic, for tests)
    #[arg(long, hide = !TIERING_BUILT)]
    tier_up_sync: bool,
    /// `dyn`: give each function its own count, drawn from this seed
    /// uniformly in 0..=2N (N: --tier-up-after), for tests of tier mixes
    #[arg(long, value_name = "S", hide = !TIERING_BUILT)]
    tier_up_seed: Option<u64>,
}

impl TierOption {
    /// An engine for these options.
    ///
    /// # Errors
    /// The tier is not in this build, or a `--tier-up-*` option was given
    /// with a tier that does not tier up.
    fn engine(&self) -> Result<wasmfx_tier::Engine, String> {
        let tiering = self.tier_up_sync
            || self.tier_up_seed.is_some()
            || self.tier_up_after != wasmfx_tier::DEFAULT_TIER_UP_AFTER;
        if tiering && !TierMode::Dyn.is_available() {
            return Err(format!(
                "--tier-up-after, --tier-up-sync and --tier-up-seed need --tier dyn, which \
                 this build does not have: it was built without the `jit` feature and has \
                 only {}",
                TierMode::available_names()
            ));
        }
        if tiering && self.tier != TierMode::Dyn {
            return Err(format!(
                "--tier-up-after, --tier-up-sync and --tier-up-seed need --tier dyn (got --tier {})",
                self.tier
            ));
        }
        let engine = wasmfx_tier::Engine::new(self.tier).map_err(|e| e.to_string())?;
        Ok(engine.with_tier_up(wasmfx_tier::TierUp {
            after: self.tier_up_after,
            sync: self.tier_up_sync,
            seed: self.tier_up_seed,
            // A seed gives each function its own moment: no batches.
            callees: self.tier_up_seed.is_none(),
            ..wasmfx_tier::TierUp::default()
        }))
    }
}

/// A tier this build has; a known tier it lacks is an error that says so.
fn parse_tier(name: &str) -> Result<TierMode, String> {
    let mode: TierMode = name
        .parse()
        .map_err(|e: wasmfx_tier::UnknownTier| e.to_string())?;
    if !mode.is_available() {
        return Err(wasmfx_tier::Error::TierUnavailable(mode).to_string());
    }
    Ok(mode)
}

/// How a command ended.
enum Exit {
    Success,
    /// Printed an error line already; exit with this status.
    Failure(u8),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse_from(with_default_command(std::env::args_os().collect()));
    let exit = match cli.command {
        Command::Run(cmd) => cmd.execute(),
        Command::Wast(cmd) => cmd.execute(),
    };
    match exit {
        Exit::Success => ExitCode::SUCCESS,
        Exit::Failure(code) => ExitCode::from(code),
    }
}

/// Prints `error: message` and returns a failure with `code`. A closed
/// stderr is not an error of ours: the exit code still tells.
fn fail(code: u8, message: impl std::fmt::Display) -> Exit {
    let _ = writeln!(std::io::stderr(), "error: {message}");
    Exit::Failure(code)
}

/// Inserts `run` when the first argument is neither a command nor a
/// top-level option (help, version), so `wasmfx-tier prog.wasm` and
/// `wasmfx-tier --invoke f prog.wasm` work as in Wasmtime.
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    const TOP_LEVEL: [&str; 7] = ["run", "wast", "help", "-h", "--help", "-V", "--version"];
    match args.get(1).map(|a| a.to_str()) {
        None => {}
        Some(Some(first)) if TOP_LEVEL.contains(&first) => {}
        Some(_) => args.insert(1, OsString::from("run")),
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn a_file_first_means_run() {
        assert_eq!(
            with_default_command(strings(&["w", "a.wasm"])),
            strings(&["w", "run", "a.wasm"])
        );
        assert_eq!(
            with_default_command(strings(&["w", "wast", "x"])),
            strings(&["w", "wast", "x"])
        );
        assert_eq!(
            with_default_command(strings(&["w", "--help"])),
            strings(&["w", "--help"])
        );
        assert_eq!(
            with_default_command(strings(&["w", "--invoke", "f", "a.wat"])),
            strings(&["w", "run", "--invoke", "f", "a.wat"])
        );
        assert_eq!(with_default_command(strings(&["w"])), strings(&["w"]));
    }

    #[test]
    fn tiers_this_build_lacks_are_refused_by_name() {
        assert_eq!(parse_tier("interp"), Ok(TierMode::Interp));
        for mode in [TierMode::Jit, TierMode::Dyn] {
            let parsed = parse_tier(mode.name());
            if cfg!(feature = "jit") {
                assert_eq!(parsed, Ok(mode));
            } else {
                let err = parsed.err().unwrap_or_default();
                assert!(err.contains("without the `jit` feature"), "{err}");
            }
        }
        assert!(parse_tier("fast").is_err());
    }

    #[test]
    fn command_line_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
