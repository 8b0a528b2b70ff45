//! The engines a benchmark runs under, each a command-line program started per run.
//!
//! | engine            | command line                                              |
//! |-------------------|-----------------------------------------------------------|
//! | wasmfx-tier TIER  | `wasmfx-tier run --tier TIER FILE --invoke NAME ARG`      |
//! | wasmi (2.0.0)     | `wasmi run      --invoke NAME FILE ARG`                    |
//! | wasmtime (48.0.8) | `wasmtime run --invoke NAME FILE ARG`                     |
//!
//! Every one prints the call's result as its last stdout line. wasmfx-tier tiers are
//! probed by running a tiny call: a tier the build refuses (not implemented yet) is
//! reported as unavailable, so new tiers join the table by themselves. With
//! `--tier-up-seed S` one more column runs `dyn` with `--tier-up-seed S` (each
//! function's tier-up count drawn from S). Peers are used when found on `PATH` or in
//! cargo's `bin` folder (`scripts/install-peers.sh`).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::timing;

/// Every tier the wasmfx-tier CLI names, in report order.
pub const WASMFX_TIERS: &[&str] = &["interp", "jit", "dyn"];

/// What kind of program an [`Engine`] starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineKind {
    /// Our CLI with `--tier TIER`, and `--tier-up-seed S` when seeded (`dyn` only).
    WasmfxTier {
        tier: &'static str,
        tier_up_seed: Option<u64>,
    },
    /// A peer engine we compare against.
    Peer(Peer),
}

/// The peer engines, as installed by `scripts/install-peers.sh`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Peer {
    Wasmi,
    Wasmtime,
}

impl Peer {
    pub const ALL: [Peer; 2] = [Peer::Wasmi, Peer::Wasmtime];

    /// Name of the peer in the report.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Wasmi => "wasmi",
            Peer::Wasmtime => "wasmtime",
        }
    }

    /// The executable's file name.
    fn binary(self) -> &'static str {
        match self {
            Peer::Wasmi => "wasmi",
            Peer::Wasmtime => "wasmtime",
        }
    }

    /// The version the project compares against (see `scripts/install-peers.sh`).
    pub fn pinned_version(self) -> &'static str {
        match self {
            Peer::Wasmi => "2.0.0",
            Peer::Wasmtime => "48.0.8",
        }
    }
}

/// An engine that can run benchmarks.
#[derive(Clone, Debug)]
pub struct Engine {
    /// Column label, e.g. `wasmfx interp` or `wasmi`.
    pub label: String,
    pub kind: EngineKind,
    pub executable: PathBuf,
    /// First line of `--version`, for the report.
    pub version: String,
}

impl Engine {
    /// An engine for the report's tests: `label`, version `<label> 1.0`, no
    /// executable.
    #[cfg(test)]
    pub fn for_tests(label: &str, kind: EngineKind) -> Engine {
        Engine {
            label: label.to_string(),
            kind,
            executable: PathBuf::new(),
            version: format!("{label} 1.0"),
        }
    }

    /// The command that calls `export(arg)` of the module at `module`.
    pub fn command(&self, module: &Path, export: &str, arg: i32) -> Command {
        let mut command = self.run_command();
        match &self.kind {
            EngineKind::WasmfxTier { .. } => {
                command.arg(module).args(["--invoke", export]);
            }
            EngineKind::Peer(_) => {
                command.args(["--invoke", export]).arg(module);
            }
        }
        command.arg(arg.to_string());
        command
    }

    /// `EXECUTABLE run` with the options that select our tier; the module comes next.
    pub fn run_command(&self) -> Command {
        let mut command = Command::new(&self.executable);
        command.arg("run");
        if let EngineKind::WasmfxTier { tier, tier_up_seed } = &self.kind {
            command.args(["--tier", tier]);
            if let Some(seed) = tier_up_seed {
                command.args(["--tier-up-seed", &seed.to_string()]);
            }
        }
        command
    }
}

/// Result of looking for an engine: usable, or why not.
pub type Availability = Result<Engine, String>;

/// An engine that cannot run benchmarks, and why.
#[derive(Clone, Debug)]
pub struct Unavailable {
    pub label: String,
    pub reason: String,
}

/// Probes every wasmfx-tier tier of the CLI at `executable`, and `dyn` with
/// `tier_up_seed` when given, by calling `export(0)` of `probe_module`, which must
/// print `0`. Returns each column's label with its availability.
pub fn probe_wasmfx_tiers(
    executable: &Path,
    probe_module: &Path,
    export: &str,
    tier_up_seed: Option<u64>,
) -> Vec<(String, Availability)> {
    let version =
        first_line_of(executable, &["--version"]).unwrap_or_else(|| "wasmfx-tier".to_string());
    let plain = WASMFX_TIERS.iter().map(|&tier| (tier, None));
    let seeded = tier_up_seed.map(|seed| ("dyn", Some(seed)));
    plain
        .chain(seeded)
        .map(|(tier, tier_up_seed)| {
            let label = match tier_up_seed {
                Some(seed) => format!("wasmfx {tier} seed {seed}"),
                None => format!("wasmfx {tier}"),
            };
            let engine = Engine {
                label: label.clone(),
                kind: EngineKind::WasmfxTier { tier, tier_up_seed },
                executable: executable.to_path_buf(),
                version: version.clone(),
            };
            let probe = timing::best_of(1, Duration::from_secs(60), "0", || {
                engine.command(probe_module, export, 0)
            });
            (
                label,
                probe.map(|_| engine).map_err(|error| error.to_string()),
            )
        })
        .collect()
}

/// Finds an installed peer.
///
/// # Errors
/// "not installed" when its executable is found nowhere or does not answer `--version`.
pub fn find_peer(peer: Peer) -> Availability {
    let not_installed = || {
        format!(
            "not installed (bash scripts/install-peers.sh installs {} {})",
            peer.name(),
            peer.pinned_version()
        )
    };
    let executable = find_executable(peer.binary()).ok_or_else(not_installed)?;
    let version = first_line_of(&executable, &["--version"]).ok_or_else(not_installed)?;
    Ok(Engine {
        label: peer.name().to_string(),
        kind: EngineKind::Peer(peer),
        executable,
        version,
    })
}

/// Looks for `name` in each `PATH` folder, then in cargo's `bin` folder.
fn find_executable(name: &str) -> Option<PathBuf> {
    let path_dirs = env::var_os("PATH")
        .map(|path| env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default();
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|home| Path::new(&home).join(".cargo")));
    path_dirs
        .into_iter()
        .chain(cargo_home.map(|home| home.join("bin")))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// First stdout line of `executable args`, if it runs successfully.
fn first_line_of(executable: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new(executable).args(args).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    stdout.lines().next().map(|line| line.trim().to_string())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An engine of `kind` whose executable is named `engine`.
    pub(crate) fn engine(kind: EngineKind) -> Engine {
        Engine {
            label: String::new(),
            kind,
            executable: PathBuf::from("engine"),
            version: String::new(),
        }
    }

    /// The arguments of `command`, as text.
    pub(crate) fn args_of(command: &Command) -> Vec<String> {
        command
            .get_args()
            .map(|arg| arg.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn wasmfx_command_names_the_tier_and_puts_invoke_after_the_file() {
        let command = engine(EngineKind::WasmfxTier {
            tier: "interp",
            tier_up_seed: None,
        })
        .command(Path::new("m.wasm"), "fib", 25);
        assert_eq!(
            args_of(&command),
            ["run", "--tier", "interp", "m.wasm", "--invoke", "fib", "25"]
        );
    }

    #[test]
    fn a_seeded_wasmfx_command_passes_the_seed_before_the_file() {
        let command = engine(EngineKind::WasmfxTier {
            tier: "dyn",
            tier_up_seed: Some(7),
        })
        .command(Path::new("m.wasm"), "fib", 25);
        assert_eq!(
            args_of(&command),
            [
                "run",
                "--tier",
                "dyn",
                "--tier-up-seed",
                "7",
                "m.wasm",
                "--invoke",
                "fib",
                "25"
            ]
        );
    }

    #[test]
    fn peer_commands_put_invoke_before_the_file() {
        for peer in Peer::ALL {
            let command = engine(EngineKind::Peer(peer)).command(Path::new("m.wasm"), "sieve", 7);
            assert_eq!(
                args_of(&command),
                ["run", "--invoke", "sieve", "m.wasm", "7"]
            );
        }
    }
}
