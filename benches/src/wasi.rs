//! The WASI program rows: whole C programs of `examples/` run from `_start` with
//! command-line arguments, each run's stdout compared byte for byte with a recording.
//!
//! | engine           | command line                                                   |
//! |------------------|----------------------------------------------------------------|
//! | wasmfx-tier TIER | `wasmfx-tier run --tier TIER [--tier-up-seed S] FILE ARGS...`  |
//! | wasmi            | `wasmi run FILE ARGS...` (not the fiber programs)              |
//! | wasmtime         | `wasmtime run [-W stack-switching=y,...] FILE ARGS...`         |
//!
//! The fiber programs (`examples/fibers/`) use stack switching: wasmtime gets the
//! flags of `switching.rs`, and wasmi cannot run them. Recordings are those of
//! `examples/*/expected/`, plus `benches/programs/expected/` for sizes that only the
//! bench command runs.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::engines::{Engine, EngineKind, Peer};
use crate::switching;

/// One run of a WASI program: its arguments and the stdout it must print.
#[derive(Clone, Copy, Debug)]
pub struct WasiRun {
    /// Arguments after the file (the program's `argv[1..]`).
    pub args: &'static [&'static str],
    /// Recorded stdout, relative to the workspace root.
    pub recording: &'static str,
}

/// A WASI program row.
#[derive(Debug)]
pub struct WasiProgram {
    /// Row label in the report, also the `--only` name.
    pub name: &'static str,
    /// The `.wasm`, relative to the workspace root.
    pub file: &'static str,
    /// Whether it uses stack switching (a fiber program).
    pub stack_switching: bool,
    /// What the program exercises, for the report's legend.
    pub exercises: &'static str,
    pub full: WasiRun,
    /// `--quick`: the same run unless the program takes a size.
    pub quick: WasiRun,
}

const COMPUTE: WasiRun = WasiRun {
    args: &["100"],
    recording: "examples/c/expected/compute.stdout",
};
const GENERATOR: WasiRun = WasiRun {
    args: &[],
    recording: "examples/fibers/expected/generator.stdout",
};
const ROUND_ROBIN: WasiRun = WasiRun {
    args: &[],
    recording: "examples/fibers/expected/round_robin.stdout",
};
const SIEVE: WasiRun = WasiRun {
    args: &[],
    recording: "examples/fibers/expected/sieve.stdout",
};

/// Every WASI program row, in report order (after the programs of `programs.rs`).
pub const WASI_PROGRAMS: &[WasiProgram] = &[
    WasiProgram {
        name: "wasi:compute",
        file: "examples/c/compute.wasm",
        stack_switching: false,
        exercises: "WASI C program: 64-particle f64 kernel, 100 steps, checksums through fd_write",
        full: COMPUTE,
        quick: COMPUTE,
    },
    WasiProgram {
        name: "fiber:generator",
        file: "examples/fibers/generator.wasm",
        stack_switching: true,
        exercises: "fiber C program: generators on a stack-switching fiber library",
        full: GENERATOR,
        quick: GENERATOR,
    },
    WasiProgram {
        name: "fiber:round_robin",
        file: "examples/fibers/round_robin.wasm",
        stack_switching: true,
        exercises: "fiber C program: 10,000 green threads with private C stacks, round robin",
        full: ROUND_ROBIN,
        quick: ROUND_ROBIN,
    },
    WasiProgram {
        name: "fiber:sieve",
        file: "examples/fibers/sieve.wasm",
        stack_switching: true,
        exercises: "fiber C program: prime sieve as a pipeline of 1,001 filter fibers",
        full: SIEVE,
        quick: SIEVE,
    },
    WasiProgram {
        name: "fiber:c10m",
        file: "examples/fibers/c10m.wasm",
        stack_switching: true,
        exercises: "fiber C program: N fibers made and finished, at most 10,000 alive at once",
        // Recorded with `--tier interp`; jit and dyn print the same.
        full: WasiRun {
            args: &["1000000", "10000"],
            recording: "benches/programs/expected/c10m_1000000_10000.stdout",
        },
        quick: WasiRun {
            args: &["30000", "10000"],
            recording: "examples/fibers/expected/c10m_30000_10000.stdout",
        },
    },
];

impl WasiProgram {
    /// The run for this size.
    pub fn run(&self, quick: bool) -> WasiRun {
        if quick { self.quick } else { self.full }
    }

    /// Path of the `.wasm`.
    pub fn path(&self) -> PathBuf {
        workspace_root().join(self.file)
    }

    /// The `call` cell: file name and arguments.
    pub fn call(&self, quick: bool) -> String {
        let file = Path::new(self.file).file_name().unwrap_or_default();
        let mut call = file.to_string_lossy().into_owned();
        for arg in self.run(quick).args {
            call.push(' ');
            call.push_str(arg);
        }
        call
    }

    /// Whether `engine` can run this program.
    pub fn supported_by(&self, engine: &Engine) -> bool {
        !self.stack_switching || switching::supported_by(engine)
    }

    /// The command that runs the program with `args` under `engine`.
    pub fn command(&self, engine: &Engine, args: &[&str]) -> Command {
        let mut command = engine.run_command();
        if self.stack_switching && engine.kind == EngineKind::Peer(Peer::Wasmtime) {
            command.args(switching::WASMTIME_FLAGS);
        }
        command.arg(self.path()).args(args);
        command
    }
}

impl WasiRun {
    /// The recorded stdout.
    ///
    /// # Errors
    /// A recording that cannot be read.
    pub fn expected_stdout(&self) -> Result<String> {
        let path = workspace_root().join(self.recording);
        fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// The workspace root (the folder above `benches/`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use wasmparser::{Validator, WasmFeatures};

    use super::*;
    use crate::engines::tests::{args_of, engine};
    use crate::programs::PROGRAMS;

    #[test]
    fn every_program_and_recording_exists_and_stack_switching_is_as_declared() {
        for program in WASI_PROGRAMS {
            let bytes = fs::read(program.path()).expect("program file");
            let with = WasmFeatures::default() | WasmFeatures::STACK_SWITCHING;
            let valid = |features| Validator::new_with_features(features).validate_all(&bytes);
            assert!(valid(with).is_ok(), "{} is invalid", program.file);
            assert_eq!(
                valid(WasmFeatures::default()).is_err(),
                program.stack_switching,
                "{}: stack switching",
                program.file
            );
            for run in [program.full, program.quick] {
                let stdout = run.expected_stdout().expect("recording");
                assert!(!stdout.is_empty(), "{}", run.recording);
            }
        }
    }

    #[test]
    fn names_are_unique_across_every_row() {
        let names: Vec<&str> = PROGRAMS
            .iter()
            .map(|p| p.name)
            .chain(WASI_PROGRAMS.iter().map(|p| p.name))
            .collect();
        for (index, name) in names.iter().enumerate() {
            assert!(!names[..index].contains(name), "{name}");
        }
    }

    #[test]
    fn commands_put_the_arguments_after_the_file() {
        let c10m = WASI_PROGRAMS
            .iter()
            .find(|p| p.name == "fiber:c10m")
            .expect("c10m");
        let file = c10m.path().to_string_lossy().into_owned();
        let seeded = engine(EngineKind::WasmfxTier {
            tier: "dyn",
            tier_up_seed: Some(3),
        });
        assert_eq!(
            args_of(&c10m.command(&seeded, &["30000", "10000"])),
            [
                "run",
                "--tier",
                "dyn",
                "--tier-up-seed",
                "3",
                &file,
                "30000",
                "10000"
            ]
        );
        let wasmtime = engine(EngineKind::Peer(Peer::Wasmtime));
        let mut expected = vec!["run".to_string()];
        expected.extend(switching::WASMTIME_FLAGS.iter().map(|f| f.to_string()));
        expected.extend([file, "7".to_string()]);
        assert_eq!(args_of(&c10m.command(&wasmtime, &["7"])), expected);
        let wasmi = engine(EngineKind::Peer(Peer::Wasmi));
        assert!(!c10m.supported_by(&wasmi));
        let compute = &WASI_PROGRAMS[0];
        assert!(compute.supported_by(&wasmi));
        let compute_file = compute.path().to_string_lossy().into_owned();
        assert_eq!(
            args_of(&compute.command(&wasmi, &["100"])),
            ["run", &compute_file, "100"]
        );
        assert_eq!(compute.call(false), "compute.wasm 100");
    }
}
