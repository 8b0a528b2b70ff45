//! The benchmark programs: which module, which export, which argument, which answer.
//!
//! Every program is one module in `benches/programs/` exporting one function that takes
//! an i32 size and returns an i32, so every engine's `--invoke` can run it the same
//! way. `.wat` sources are encoded to `.wasm` first ([`prepare_modules`]) so that every
//! engine reads the same bytes. The C kernels are committed as built `.wasm`
//! (`benches/programs/build.sh` rebuilds them).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One call of a program's export and the answer it must print.
#[derive(Clone, Copy, Debug)]
pub struct Workload {
    pub arg: i32,
    pub expected: i32,
}

/// A benchmark program.
#[derive(Debug)]
pub struct Program {
    /// Row label in the report.
    pub name: &'static str,
    /// Source file in `benches/programs/` (`.wat` or `.wasm`).
    pub file: &'static str,
    /// Exported function, `(param i32) (result i32)`.
    pub export: &'static str,
    /// What the program exercises, for the report's legend.
    pub exercises: &'static str,
    /// Sized for 0.5-5 s per run on the interpreter.
    pub full: Workload,
    /// Sized for a smoke run of the harness (`--quick`).
    pub quick: Workload,
}

/// Every benchmark, in report order. Expected answers were computed by a native build
/// of the same C sources and agree with wasmi and wasmtime; those of the
/// stack-switching programs (`cont_*`, `skynet`; see `switching.rs`) agree with
/// wasmtime 48.0.8 `-W stack-switching=y`.
pub const PROGRAMS: &[Program] = &[
    Program {
        name: "startup",
        file: "fib.wat",
        export: "fib",
        exercises: "process start-up, decode, validate, instantiate, one call",
        full: Workload {
            arg: 0,
            expected: 0,
        },
        quick: Workload {
            arg: 0,
            expected: 0,
        },
    },
    Program {
        name: "fib",
        file: "fib.wat",
        export: "fib",
        exercises: "recursive calls and returns",
        full: Workload {
            arg: 35,
            expected: 9_227_465,
        },
        quick: Workload {
            arg: 25,
            expected: 75_025,
        },
    },
    Program {
        name: "sieve",
        file: "sieve.wasm",
        export: "sieve",
        exercises: "C: byte loads/stores in strided loops (primes below n)",
        full: Workload {
            arg: 20_000_000,
            expected: 1_270_607,
        },
        quick: Workload {
            arg: 1_000_000,
            expected: 78_498,
        },
    },
    Program {
        name: "matmul",
        file: "matmul.wasm",
        export: "matmul",
        exercises: "C: f64 multiply-add over n x n matrices",
        full: Workload {
            arg: 300,
            expected: 2_022_381_750,
        },
        quick: Workload {
            arg: 50,
            expected: -1_164_294_550,
        },
    },
    Program {
        name: "sort",
        file: "sort.wasm",
        export: "sort",
        exercises: "C: quicksort of n random u32 (branches, swaps, recursion)",
        full: Workload {
            arg: 2_000_000,
            expected: -966_714_813,
        },
        quick: Workload {
            arg: 100_000,
            expected: -507_236_248,
        },
    },
    Program {
        name: "cont_generator",
        file: "cont_generator.wat",
        export: "run",
        exercises: "stack switching: generator sum (suspend/resume round trips)",
        full: Workload {
            arg: 10_000_000,
            expected: -2_014_260_032,
        },
        quick: Workload {
            arg: 100_000,
            expected: 704_982_704,
        },
    },
    Program {
        name: "cont_state",
        file: "cont_state.wat",
        export: "run",
        exercises: "stack switching: effect-handler state, get/put effects",
        full: Workload {
            arg: 5_000_000,
            expected: 5_000_000,
        },
        quick: Workload {
            arg: 50_000,
            expected: 50_000,
        },
    },
    Program {
        name: "cont_switch",
        file: "cont_switch.wat",
        export: "run",
        exercises: "stack switching: switch ping-pong between two continuations",
        full: Workload {
            arg: 10_000_000,
            expected: 10_000_000,
        },
        quick: Workload {
            arg: 100_000,
            expected: 100_000,
        },
    },
    Program {
        name: "cont_new",
        file: "cont_new.wat",
        export: "run",
        exercises: "stack switching: cont.new + resume + return in a loop (bounded memory)",
        full: Workload {
            arg: 10_000_000,
            expected: -2_004_260_032,
        },
        quick: Workload {
            arg: 100_000,
            expected: 705_082_704,
        },
    },
    Program {
        name: "skynet",
        file: "cont_skynet.wat",
        export: "run",
        exercises: "stack switching: skynet tree of 1,111,110 continuations (sum 499999500000 mod 2^32)",
        full: Workload {
            arg: 1_000_000,
            expected: 1_783_293_664,
        },
        quick: Workload {
            arg: 10_000,
            expected: 49_995_000,
        },
    },
    Program {
        name: "cont_sieve",
        file: "cont_sieve.wat",
        export: "run",
        exercises: "stack switching: primes below n through a chain of filter continuations",
        full: Workload {
            arg: 30_000,
            expected: 3_245,
        },
        quick: Workload {
            arg: 2_000,
            expected: 303,
        },
    },
    Program {
        name: "cont_held",
        file: "cont_held.wat",
        export: "run",
        exercises: "stack switching: n continuations suspended in a table at once, then finished",
        full: Workload {
            arg: 1_000_000,
            expected: 1_783_293_664,
        },
        quick: Workload {
            arg: 10_000,
            expected: 49_995_000,
        },
    },
    Program {
        name: "cont_deep_1",
        file: "cont_deep.wat",
        export: "run1",
        exercises: "stack switching: generator round trips under 1 handler that does not handle its tag",
        full: Workload {
            arg: 4_000_000,
            expected: 4_000_000,
        },
        quick: Workload {
            arg: 20_000,
            expected: 20_000,
        },
    },
    Program {
        name: "cont_deep_10",
        file: "cont_deep.wat",
        export: "run10",
        exercises: "stack switching: generator round trips under 10 handlers that do not handle its tag",
        full: Workload {
            arg: 4_000_000,
            expected: 4_000_000,
        },
        quick: Workload {
            arg: 20_000,
            expected: 20_000,
        },
    },
    Program {
        name: "cont_deep_100",
        file: "cont_deep.wat",
        export: "run100",
        exercises: "stack switching: generator round trips under 100 handlers that do not handle its tag",
        full: Workload {
            arg: 4_000_000,
            expected: 4_000_000,
        },
        quick: Workload {
            arg: 20_000,
            expected: 20_000,
        },
    },
    Program {
        name: "cont_deep_1000",
        file: "cont_deep.wat",
        export: "run1000",
        exercises: "stack switching: generator round trips under 1000 handlers that do not handle its tag",
        full: Workload {
            arg: 4_000_000,
            expected: 4_000_000,
        },
        quick: Workload {
            arg: 20_000,
            expected: 20_000,
        },
    },
];

impl Program {
    /// The workload for this run's size.
    pub fn workload(&self, quick: bool) -> Workload {
        if quick { self.quick } else { self.full }
    }

    /// Path of the `.wasm` that engines run, inside `module_dir`.
    pub fn module_path(&self, module_dir: &Path) -> PathBuf {
        module_dir.join(Path::new(self.file).with_extension("wasm"))
    }
}

/// Folder of the program sources (`benches/programs/`).
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("programs")
}

/// Writes the `.wasm` of every program into `module_dir`: `.wat` files are encoded,
/// `.wasm` files copied.
///
/// # Errors
/// A source that is missing or does not parse as `.wat`, or an unwritable `module_dir`.
pub fn prepare_modules(module_dir: &Path) -> Result<()> {
    fs::create_dir_all(module_dir)
        .with_context(|| format!("cannot create {}", module_dir.display()))?;
    for program in PROGRAMS {
        let source = source_dir().join(program.file);
        let bytes = if program.file.ends_with(".wat") {
            wat::parse_file(&source)
                .with_context(|| format!("cannot encode {}", source.display()))?
        } else {
            fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?
        };
        let target = program.module_path(module_dir);
        fs::write(&target, bytes).with_context(|| format!("cannot write {}", target.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use wasmparser::types::{EntityType, TypesRef};
    use wasmparser::{ValType, Validator, WasmFeatures};

    use super::*;

    /// Parameter and result types of the function `name` exports, if it exports one.
    fn exported_signature(types: TypesRef<'_>, name: &str) -> Option<(Vec<ValType>, Vec<ValType>)> {
        let (_, entity) = types.core_exports()?.find(|(export, _)| *export == name)?;
        let EntityType::Func(type_id) = entity else {
            return None;
        };
        let func_type = types[type_id].unwrap_func();
        Some((func_type.params().to_vec(), func_type.results().to_vec()))
    }

    #[test]
    fn every_program_is_valid_imports_nothing_and_exports_i32_to_i32() {
        let module_dir =
            std::env::temp_dir().join(format!("wasmfx-bench-modules-{}", std::process::id()));
        prepare_modules(&module_dir).expect("programs encode");
        for program in PROGRAMS {
            let bytes = fs::read(program.module_path(&module_dir)).expect("prepared module");
            let features = WasmFeatures::default() | WasmFeatures::STACK_SWITCHING;
            let types = Validator::new_with_features(features)
                .validate_all(&bytes)
                .unwrap_or_else(|error| panic!("{} is invalid: {error}", program.file));
            let types = types.as_ref();
            assert_eq!(
                types.core_imports().map(Iterator::count),
                Some(0),
                "{} imports",
                program.file
            );
            assert_eq!(
                exported_signature(types, program.export),
                Some((vec![ValType::I32], vec![ValType::I32])),
                "{} must export `{}: [i32] -> [i32]`",
                program.file,
                program.export
            );
        }
        let _ = fs::remove_dir_all(&module_dir);
    }

    #[test]
    fn benchmark_names_are_unique() {
        for (index, program) in PROGRAMS.iter().enumerate() {
            assert!(
                PROGRAMS[..index]
                    .iter()
                    .all(|earlier| earlier.name != program.name),
                "{}",
                program.name
            );
        }
    }
}
