//! `wasmfx-tier run`: instantiate a module, then call `_start` or the
//! function named by `--invoke` and print its results one per line.

use super::values::{format_result, parse_arg};
use super::{EXIT_TRAP, Exit, TierOption, fail};
use clap::Args;
use std::path::PathBuf;
use wasmfx_tier::{Engine, Error, Runtime, Trap};

/// The function run when `--invoke` is not given.
const DEFAULT_ENTRY: &str = "_start";

#[derive(Args)]
pub struct RunCommand {
    #[command(flatten)]
    tier: TierOption,
    /// Call this exported function instead of `_start`; ARGS are parsed by
    /// its parameter types (integers in decimal or 0x hex; floats in
    /// decimal, inf, nan).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// The module: binary (.wasm) or text (.wat)
    file: PathBuf,
    /// Arguments of the invoked function (put `--` before them if one starts
    /// with `-` and is not a number)
    #[arg(allow_negative_numbers = true)]
    args: Vec<String>,
}

impl RunCommand {
    pub fn execute(self) -> Exit {
        let engine = match Engine::new(self.tier.tier) {
            Ok(engine) => engine,
            Err(e) => return fail(1, e),
        };
        let file = self.file.display();
        let bytes = match std::fs::read(&self.file) {
            Ok(bytes) => bytes,
            Err(e) => return fail(1, format_args!("failed to read {file}: {e}")),
        };
        let module = match engine.compile(&bytes) {
            Ok(module) => module,
            Err(Error::Text(e)) => return fail(1, format_args!("failed to parse {file}:{e}")),
            Err(e) => return fail(1, format_args!("failed to compile {file}: {e}")),
        };
        let mut runtime = Runtime::new(&engine);
        let instance = match runtime.instantiate(&module) {
            Ok(instance) => instance,
            Err(Error::Trap(trap)) => return trapped(&trap),
            Err(e) => return fail(1, format_args!("failed to instantiate {file}: {e}")),
        };

        let name = self.invoke.as_deref().unwrap_or(DEFAULT_ENTRY);
        let func = match runtime.func(instance, name) {
            Ok(func) => func,
            Err(Error::UnknownExport(_)) if self.invoke.is_none() => {
                return fail(
                    1,
                    format_args!(
                        "{file} exports no `{DEFAULT_ENTRY}` function; use --invoke NAME to call an export"
                    ),
                );
            }
            Err(e) => return fail(1, format_args!("{file}: {e}")),
        };
        let Some(sig) = runtime.func_type(func) else {
            return fail(1, format_args!("{file}: export `{name}` has no signature"));
        };
        if self.args.len() != sig.params.len() {
            return fail(
                1,
                format_args!(
                    "`{name}` takes {} argument(s), {} given",
                    sig.params.len(),
                    self.args.len()
                ),
            );
        }
        let mut args = Vec::with_capacity(self.args.len());
        for (i, (text, &ty)) in self.args.iter().zip(sig.params.iter()).enumerate() {
            match parse_arg(text, ty) {
                Ok(val) => args.push(val),
                Err(e) => return fail(1, format_args!("argument {} of `{name}`: {e}", i + 1)),
            }
        }
        match runtime.call_func(name, func, &args) {
            Ok(results) => {
                for val in &results {
                    println!("{}", format_result(val));
                }
                Exit::Success
            }
            Err(Error::Trap(trap)) => trapped(&trap),
            Err(e) => fail(1, e),
        }
    }
}

/// Reports a trap like Wasmtime: an exit request ends with the guest's
/// code; an uncaught exception is an ordinary error; other traps exit 134.
fn trapped(trap: &Trap) -> Exit {
    match trap {
        Trap::Exit(code) => Exit::Failure((*code & 0xff) as u8),
        Trap::UncaughtException(_) => fail(1, Error::Trap(trap.clone())),
        _ => fail(EXIT_TRAP, Error::Trap(trap.clone())),
    }
}
