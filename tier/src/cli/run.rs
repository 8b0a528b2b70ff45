//! `wasmfx-tier run`: instantiate a module with WASI preview 1 available,
//! then call `_start` (a WASI command: ARGS are its arguments after the
//! program name) or the function named by `--invoke` (ARGS are its
//! parameters) and print its results one per line.
//!
//! ```text
//!   define WASI ─▶ each --preload NAME=FILE: instantiate, register as NAME
//!               ─▶ instantiate FILE ─▶ call `_start` / the --invoke'd export
//! ```
//!
//! `--timings` then prints one stderr line, for benchmarks that separate
//! compile time from run time:
//!
//! ```text
//!   timings: compile 12.345 ms (40 functions), execute 678.901 ms
//! ```

use super::features::FeatureOptions;
use super::values::{format_result, parse_arg};
use super::wasi::WasiOptions;
use super::{EXIT_TRAP, Exit, TierOption, fail};
use clap::Args;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmfx_core::{FuncAddr, Module};
use wasmfx_tier::{Engine, Error, InstanceId, Runtime, Trap, Val};

/// The function run when `--invoke` is not given.
const DEFAULT_ENTRY: &str = "_start";

#[derive(Args)]
pub struct RunCommand {
    #[command(flatten)]
    tier: TierOption,
    #[command(flatten)]
    features: FeatureOptions,
    /// Call this exported function instead of `_start`; ARGS are parsed by
    /// its parameter types (integers in decimal or 0x hex; floats in
    /// decimal, inf, nan).
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    #[command(flatten)]
    wasi: WasiOptions,
    /// Instantiate module FILE first and make its exports importable under
    /// the module name NAME (repeatable; in order, each may import the
    /// ones before it)
    #[arg(long, value_name = "NAME=FILE", value_parser = parse_preload)]
    preload: Vec<(String, PathBuf)>,
    /// After the run, print to stderr `timings: compile MS ms (N functions),
    /// execute MS ms`: the tier's total compile time and compiled function
    /// count (0 for tiers that do not compile), and the call's time without
    /// the compiling done during it
    #[arg(long)]
    timings: bool,
    /// After the run, print to stderr what tiered up and when (`dyn`):
    /// functions compiled, on-stack replacements, compile time, and calls
    /// made in each tier
    #[arg(long, hide = !cfg!(feature = "jit"))]
    tier_stats: bool,
    /// The module: binary (.wasm) or text (.wat)
    file: PathBuf,
    /// Arguments of the program (`_start`) or of the invoked function; from
    /// the first one on, everything is an argument (`--` is accepted first)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

impl RunCommand {
    pub fn execute(self) -> Exit {
        match self.run() {
            Ok(()) => Exit::Success,
            Err(exit) => exit,
        }
    }

    /// Each step returns the exit (its error already printed) on failure.
    fn run(&self) -> Result<(), Exit> {
        #[cfg(not(feature = "jit"))]
        if self.tier_stats {
            return Err(fail(
                2,
                format_args!(
                    "--tier-stats reports the `dyn` tier's tiering, and this build has \
                     only {}: it was built without the `jit` feature",
                    wasmfx_tier::TierMode::available_names()
                ),
            ));
        }
        let engine = self.tier.engine().map_err(|e| fail(2, e))?;
        let features = self.features.apply(engine.features());
        let engine = engine.with_features(features);
        let mut runtime = Runtime::new(&engine);
        let limits = self.features.limits(runtime.store().limits.clone());
        runtime.set_limits(limits);
        if let Some(limit) = self.features.timeout() {
            // From here: instantiation (a start function) counts too.
            let handle = runtime.store().interrupt_handle();
            std::thread::spawn(move || {
                std::thread::sleep(limit);
                handle.interrupt();
            });
        }
        let wasi = self
            .wasi
            .context(&self.wasi_argv())
            .map_err(|e| fail(1, e))?;
        let preloads = (self.preload.iter())
            .map(|(name, file)| Ok((name, file, load(&engine, file)?)))
            .collect::<Result<Vec<_>, Exit>>()?;
        let main = load(&engine, &self.file)?;
        // WASI's host functions only when a module imports them: defining
        // them is a third of a small module's start-up.
        let mut modules = preloads.iter().map(|(.., module)| module).chain([&main]);
        let imports_wasi = |module: &Arc<Module>| {
            (module.imports.iter()).any(|import| import.module == wasmfx_core::wasi::MODULE)
        };
        let wasi = modules.any(imports_wasi).then(|| runtime.define_wasi(wasi));
        for (name, file, module) in &preloads {
            let preloaded = instantiate(&mut runtime, module, file)?;
            runtime.register(name, preloaded);
        }
        let instance = instantiate(&mut runtime, &main, &self.file)?;
        let file = self.file.display();
        let name = self.invoke.as_deref().unwrap_or(DEFAULT_ENTRY);
        let func = runtime.func(instance, name).map_err(|e| match e {
            Error::UnknownExport(_) if self.invoke.is_none() => fail(
                1,
                format_args!(
                    "{file} exports no `{DEFAULT_ENTRY}` function; use --invoke NAME to call an export"
                ),
            ),
            e => fail(1, format_args!("{file}: {e}")),
        })?;
        let args = match self.invoke {
            Some(_) => self.parse_args(&runtime, name, func)?,
            None => Vec::new(),
        };
        let compiled_before = compile_time(&runtime);
        let call_start = Instant::now();
        let results = runtime.call_func(name, func, &args);
        let call_time = call_start.elapsed();
        if let Some(wasi) = &wasi {
            wasmfx_core::wasi::lock(wasi).flush_outputs();
        }
        if self.timings {
            let (compile, functions) = runtime.compile_stats().unwrap_or_default();
            let compiled_during_call = compile.saturating_sub(compiled_before);
            let execute = call_time.saturating_sub(compiled_during_call);
            let millis = |time: Duration| time.as_secs_f64() * 1e3;
            let _ = writeln!(
                std::io::stderr(),
                "timings: compile {:.3} ms ({functions} functions), execute {:.3} ms",
                millis(compile),
                millis(execute)
            );
        }
        #[cfg(feature = "jit")]
        if self.tier_stats {
            print_tier_stats(&mut runtime);
        }
        let results = results.map_err(|e| match e {
            Error::Trap(trap) => trapped(&trap, &runtime),
            e => fail(1, e),
        })?;
        for val in &results {
            if writeln!(std::io::stdout(), "{}", format_result(val)).is_err() {
                break; // a closed stdout (e.g. piped into `head`) is not a failure
            }
        }
        // The process ends now (outputs are flushed): the OS takes back the
        // store faster than its destructors would (a module of 10,000
        // functions: 2.2 million instructions).
        std::mem::forget(runtime);
        Ok(())
    }

    /// The guest's `argv`: the file's name, then ARGS when they are not the
    /// parameters of an `--invoke`d function.
    fn wasi_argv(&self) -> Vec<String> {
        let program = self.file.file_name().unwrap_or(self.file.as_os_str());
        let mut argv = vec![program.to_string_lossy().into_owned()];
        if self.invoke.is_none() {
            argv.extend(self.args.iter().cloned());
        }
        argv
    }

    /// The command-line arguments as values of `func`'s parameter types.
    fn parse_args(&self, runtime: &Runtime, name: &str, func: FuncAddr) -> Result<Vec<Val>, Exit> {
        let params = runtime
            .func_type(func)
            .map(|sig| sig.params.clone())
            .unwrap_or_default();
        if self.args.len() != params.len() {
            let (expected, given) = (params.len(), self.args.len());
            return Err(fail(
                1,
                format_args!("`{name}` takes {expected} argument(s), {given} given"),
            ));
        }
        let parsed = self
            .args
            .iter()
            .zip(params.iter())
            .enumerate()
            .map(|(i, (text, &ty))| {
                parse_arg(text, ty)
                    .map_err(|e| fail(1, format_args!("argument {} of `{name}`: {e}", i + 1)))
            });
        parsed.collect()
    }
}

/// The tier's compile time so far (zero for tiers that do not compile).
fn compile_time(runtime: &Runtime) -> Duration {
    runtime
        .compile_stats()
        .map_or(Duration::ZERO, |(time, _)| time)
}

/// `--preload NAME=FILE`.
fn parse_preload(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, file)) if !name.is_empty() && !file.is_empty() => {
            Ok((name.to_string(), PathBuf::from(file)))
        }
        _ => Err(format!("`{text}` is not NAME=FILE")),
    }
}

/// Reads and compiles the module at `path`.
fn load(engine: &Engine, path: &Path) -> Result<Arc<Module>, Exit> {
    let file = path.display();
    let bytes = super::input::read_module(path)
        .map_err(|e| fail(1, format_args!("failed to read {file}: {e}")))?;
    engine.compile(&bytes).map_err(|e| match e {
        Error::Text(e) => fail(1, format_args!("failed to parse {file}:{e}")),
        e => fail(1, format_args!("failed to compile {file}: {e}")),
    })
}

/// Instantiates `module`, read from `path` (running its start function).
fn instantiate(
    runtime: &mut Runtime,
    module: &Arc<Module>,
    path: &Path,
) -> Result<InstanceId, Exit> {
    let file = path.display();
    runtime.instantiate(module).map_err(|e| match e {
        // Not a trap of the program: the store could not give it what it
        // declares (Wasmtime's "insufficient resources").
        Error::Trap(Trap::ResourceLimit(m)) => {
            fail(1, format_args!("failed to instantiate {file}: {m}"))
        }
        Error::Trap(trap) => trapped(&trap, runtime),
        e => fail(1, format_args!("failed to instantiate {file}: {e}")),
    })
}

/// Reports a trap like Wasmtime: an exit request ends with the guest's
/// code; an uncaught exception is an ordinary error; other traps (an
/// unhandled suspension included) exit 134 after the error line and the
/// Wasm backtrace, when the tier recorded one.
fn trapped(trap: &Trap, runtime: &Runtime) -> Exit {
    match trap {
        Trap::Exit(0) => Exit::Success,
        Trap::Exit(code) => Exit::Failure((*code & 0xff) as u8),
        Trap::UncaughtException(exn) => {
            let exit = fail(1, uncaught(runtime, *exn));
            print_backtrace(runtime);
            exit
        }
        // The CLI's only sources of these: its options.
        Trap::Interrupted | Trap::OutOfFuel => {
            let limit = match trap {
                Trap::Interrupted => "interrupted: the time limit (-W timeout) passed",
                _ => "all fuel consumed (-W fuel)",
            };
            let exit = fail(EXIT_TRAP, format_args!("wasm trap: {limit}"));
            print_backtrace(runtime);
            exit
        }
        Trap::UnhandledTag(tag) => {
            let name = wasmfx_core::backtrace::tag_name(runtime.store(), *tag);
            let exit = fail(EXIT_TRAP, format_args!("wasm trap: unhandled tag {name}"));
            print_backtrace(runtime);
            exit
        }
        _ => {
            let exit = fail(EXIT_TRAP, Error::Trap(trap.clone()));
            print_backtrace(runtime);
            exit
        }
    }
}

/// An uncaught exception, named by its tag, with its payload.
fn uncaught(runtime: &Runtime, exn: wasmfx_core::ExnAddr) -> String {
    let store = runtime.store();
    let Some(inst) = store.exns.get(exn.0 as usize) else {
        return "wasm exception: uncaught exception".into();
    };
    let tag = wasmfx_core::backtrace::tag_name(store, inst.tag);
    let types = &store.tag(inst.tag).sig.params;
    let values: Vec<String> = (inst.fields.iter().zip(types.iter()))
        .map(
            |(&raw, &ty)| match Val::from_raw_in(raw, ty, &store.registry) {
                Some(value) => format_result(&value),
                None => format!("{raw:#x}"),
            },
        )
        .collect();
    format!(
        "wasm exception: uncaught exception of tag {tag} ({})",
        values.join(", ")
    )
}

/// The Wasm backtrace of the last trap, when the tier recorded one.
fn print_backtrace(runtime: &Runtime) {
    if let Some(backtrace) = runtime.backtrace().filter(|b| !b.frames.is_empty()) {
        let _ = writeln!(std::io::stderr(), "{}", backtrace.display(runtime.store()));
    }
}

/// `--tier-stats`: one summary line, then one line per function compiled
/// while the program ran, in order.
#[cfg(feature = "jit")]
fn print_tier_stats(runtime: &mut Runtime) {
    let mut err = std::io::stderr().lock();
    let Some((stats, interpreted)) = runtime.tier_stats() else {
        let _ = writeln!(err, "tier-stats: this tier does not tier up");
        return;
    };
    let (compile, functions) = runtime.compile_stats().unwrap_or_default();
    let _ = writeln!(
        err,
        "tier-stats: {} functions tiered up ({functions} compiled in all, {:.3} ms compiling), \
         {} OSR entries, {} hot loops, calls: {interpreted} interpreted, {} into compiled code \
         from the interpreter or host (calls between compiled functions are not counted), \
         {} continuations run as heap frames by compiled code, {} native ones resumed by the \
         interpreter",
        stats.tiered_up.len(),
        compile.as_secs_f64() * 1e3,
        stats.osr_entries,
        stats.hot_loops,
        stats.compiled_entries,
        stats.heap_frame_conts,
        stats.native_resumes,
    );
    // In time order: compiled code installed for a function, and a
    // function's first entry into an OSR entry (its frame went on there).
    let compiled = (stats.tiered_up.iter()).map(|&(func, when)| (when, func, None));
    let osr = (stats.osr_first.iter()).map(|&(func, offset, when)| (when, func, Some(offset)));
    let mut events: Vec<_> = compiled.chain(osr).collect();
    events.sort_by_key(|&(when, ..)| when);
    for (when, func, osr) in events {
        let name = runtime.func_name(func);
        let what = match osr {
            None => String::new(),
            Some(offset) => format!("  (entered its OSR entry at the loop at offset {offset})"),
        };
        let _ = writeln!(
            err,
            "tier-stats: {:>10.3} ms  {name}{what}",
            when.as_secs_f64() * 1e3
        );
    }
}
