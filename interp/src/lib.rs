//! The interpreter tier of wasmfx-tier.
//!
//! ```text
//!   Interpreter::call(store, func, args)
//!        │
//!        ├─ CodeCache (cache.rs): FuncAddr ─▶ Code, translated on first call
//!        │      translate/ : wasmparser operators ─▶ Op bytecode (op.rs, code.rs)
//!        │
//!        ├─ exec/ : dispatch loop over Ops on an ExecStack (stack.rs):
//!        │      heap value stack + heap frame stack, no Rust recursion
//!        │
//!        └─ cont/ : continuations (the store's records, their heap frames,
//!               chain of resumers, stack pool); exec/cont*.rs move
//!               ExecStacks between them and the executor
//!
//!   Interpreter::call_suspending / resume_parked (activation.rs): calls
//!        from compiled code whose suspensions leave the interpreter
//!        (exec/outward.rs) for handlers of compiled code
//! ```
//!
//! Every value is one raw `u64` slot (`wasmfx_core::value`). Traps end the
//! call with a [`Trap`]; an exception that no handler catches ends it with
//! [`Trap::UncaughtException`]; a suspension that no handler takes ends it
//! with [`Trap::UnhandledTag`].

mod activation;
mod cache;
pub mod code;
mod code_dump;
pub mod cont;
mod exec;
pub mod op;
#[cfg(feature = "op-counts")]
pub mod op_counts;
mod osr_watch;
pub mod stack;
pub mod tiering;
pub mod translate;

pub use activation::CallExit;
pub use cache::{CodeCache, InitialBudget};
pub use exec::{OsrHandoff, Outward, Resumption};
pub use tiering::{HotLoop, HotReply, NativeOutcome, NoTiering, Tiering};

/// Resumptions after which a continuation counts as long-lived
/// ([`Tiering::long_lived`]).
pub const LONG_LIVED_AFTER: u32 = 16;

use cache::Callee;
use cont::ContTable;
use stack::ExecStack;
use std::rc::Rc;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{ExnAddr, FuncAddr, Store, Trap, Val};

/// Interpreter limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// Nested Wasm frames allowed before [`Trap::CallStackExhausted`].
    /// Default 100,000 (frames are heap records of 16 bytes).
    pub max_call_depth: usize,
    /// Raw value slots (params, locals and operands of every frame) allowed
    /// before [`Trap::CallStackExhausted`]. Default 16 Mi slots (128 MiB),
    /// allocated on demand.
    pub max_value_stack: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_call_depth: 100_000,
            max_value_stack: 16 << 20,
        }
    }
}

/// Runs functions of one [`Store`] (its code cache holds that store's
/// addresses: use one interpreter per store).
pub struct Interpreter {
    config: Config,
    codes: CodeCache,
    /// Execution stacks kept between calls to reuse their allocations
    /// (activations nest when compiled code calls back into the
    /// interpreter). Boxed, so that taking and returning one moves a
    /// pointer (calls from compiled code take one each).
    #[allow(clippy::vec_box)]
    spare_stacks: Vec<Box<ExecStack>>,
    /// The stack the next activation takes, before the pool: one call
    /// from compiled code after another takes and returns this one, which
    /// costs less than the pool's pop and push.
    next_stack: Option<Box<ExecStack>>,
    /// The functions active when the last call trapped (empty if it did not).
    backtrace: WasmBacktrace,
    /// The frames inside a call of compiled code that trapped, innermost
    /// first: they go before the interpreter's own in the backtrace.
    inner_trap_frames: WasmBacktrace,
    /// The compiled code took the place of the innermost interpreted frame
    /// (an OSR entry or a tail call): that frame is not listed again.
    inner_replaced_frame: bool,
    /// The interpreter's side of the store's continuations (their heap
    /// frames; the records are `Store::conts`), and idle continuation stacks.
    conts: ContTable,
    /// Activations running (`exec::Executor`s alive).
    activations: u32,
    /// The roots of activations blocked in a call to compiled code, which
    /// compiled code's collector may read (`exec/collect.rs`).
    exposed: Vec<exec::Exposed>,
    /// The exception being unwound and the functions of the frames it left,
    /// innermost first, since it was thrown or last caught: the backtrace
    /// of an exception nothing catches (`exec/exceptions.rs`).
    unwound: (Option<ExnAddr>, WasmBacktrace),
    /// The handler table of the last native resume (`exec/native.rs`),
    /// kept for its allocation: a resume takes it and gives it back, so a
    /// resume nested inside gets one of its own.
    native_tags: Vec<u64>,
    /// Hot loops kept interpreted while they drive held continuations.
    osr_watch: osr_watch::OsrWatch,
}

/// Execution stacks the pool keeps (activations nest this deep without
/// allocating).
const SPARE_STACKS: usize = 8;

impl Interpreter {
    pub fn new(config: Config) -> Interpreter {
        Interpreter {
            config,
            codes: CodeCache::default(),
            spare_stacks: Vec::new(),
            next_stack: None,
            backtrace: WasmBacktrace::default(),
            inner_trap_frames: WasmBacktrace::default(),
            inner_replaced_frame: false,
            conts: ContTable::default(),
            activations: 0,
            exposed: Vec::new(),
            unwound: (None, WasmBacktrace::default()),
            native_tags: Vec::new(),
            osr_watch: osr_watch::OsrWatch::default(),
        }
    }

    /// An interpreter for a tiered engine: functions start with the budgets
    /// `initial` gives, and loops count (see `tiering.rs`). Its calls take
    /// the engine as a [`Tiering`] (`*_tiered` methods).
    pub fn tiered(config: Config, initial: InitialBudget) -> Interpreter {
        Interpreter {
            codes: CodeCache::tiered(initial),
            ..Interpreter::new(config)
        }
    }

    /// Calls of interpreted functions so far (tiered interpreters count).
    pub fn interpreted_calls(&self) -> u64 {
        self.codes.interpreted_calls()
    }

    /// Marks `func` as compiled: calls from now on go to its compiled code.
    pub fn mark_compiled(&mut self, func: FuncAddr) {
        self.codes.mark_compiled(func);
    }

    /// The Wasm functions that were active when the most recent call
    /// trapped, innermost first; empty after a call that did not trap.
    pub fn backtrace(&self) -> &WasmBacktrace {
        &self.backtrace
    }

    /// Runs `func` (Wasm or host) to completion. `args` are already
    /// type-checked by the caller.
    ///
    /// # Errors
    /// The [`Trap`] that stopped execution; [`Trap::UncaughtException`] when
    /// an exception escapes `func`.
    pub fn call(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<Vec<Val>, Trap> {
        self.call_tiered(store, func, args, &mut NoTiering)
    }

    /// [`Interpreter::call`] in a tiered engine.
    ///
    /// # Errors
    /// As [`Interpreter::call`].
    pub fn call_tiered(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
        tiering: &mut dyn Tiering,
    ) -> Result<Vec<Val>, Trap> {
        let raw_results = match self.call_raw(store, func, args, false, tiering)? {
            CallExit::Returned(results) => results,
            // Not allowed to suspend out: the executor traps instead.
            CallExit::Suspended(outward) => {
                self.release_parked(store, outward.parked);
                return Err(Trap::UnhandledTag(outward.tag));
            }
            // Only callers that may be suspended out of take frames.
            CallExit::Osr(handoff) => {
                return Err(Trap::Host(format!(
                    "function {} handed its frame to compiled code",
                    handoff.func.0
                )));
            }
        };
        raw_results
            .iter()
            .zip(store.funcs[func.0 as usize].sig.results.iter())
            .map(|(&raw, &ty)| {
                Val::from_raw_in(raw, ty, &store.registry).ok_or_else(v128_unsupported)
            })
            .collect()
    }

    /// Runs `func` on `stack` as `mode` says.
    #[inline]
    fn run(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[u64],
        stack: &mut ExecStack,
        mode: RunMode,
        tiering: &mut dyn Tiering,
    ) -> Result<RunExit, Trap> {
        let in_place = mode.in_place;
        let limit = self.config.max_value_stack;
        let enters = |tiering: &mut dyn Tiering| !in_place && tiering.can_call_compiled();
        let callee = match self.codes.get(store, func)? {
            Callee::Hot(code) => {
                let (compiled, _) = self.hot(store, &code, None, tiering);
                match compiled && enters(tiering) {
                    true => Callee::Compiled(code),
                    false => Callee::Wasm(code),
                }
            }
            Callee::Compiled(code) if !enters(tiering) => Callee::Wasm(code),
            callee => callee,
        };
        match callee {
            Callee::Compiled(_) => {
                let results = store_results(store, func);
                stack.reserve(args.len().max(results), limit)?;
                stack.values[..args.len()].copy_from_slice(args);
                let values = &mut stack.values[..args.len().max(results)];
                if let Err(trap) = tiering.call_compiled(store, func, values, self) {
                    let trap = *trap;
                    match trap {
                        Trap::UncaughtException(exn) => self.exception_from_compiled(exn, tiering),
                        _ => {
                            self.inner_trap_frames = tiering.trapped_frames();
                            self.inner_replaced_frame = false;
                        }
                    }
                    return Err(trap);
                }
                Ok(RunExit::Returned(results))
            }
            Callee::Host => {
                stack.reserve(args.len().max(store_results(store, func)), limit)?;
                stack.values[..args.len()].copy_from_slice(args);
                let sp = exec::call_host(store, None, func, &mut stack.values, args.len())?;
                Ok(RunExit::Returned(sp))
            }
            Callee::Wasm(code) | Callee::Hot(code) => {
                self.run_wasm(store, func, code, args, stack, mode, tiering)
            }
        }
    }

    /// [`Interpreter::run`] of `func` interpreted, its `code` at hand.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn run_wasm(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        code: Rc<code::Code>,
        args: &[u64],
        stack: &mut ExecStack,
        mode: RunMode,
        tiering: &mut dyn Tiering,
    ) -> Result<RunExit, Trap> {
        let n = code.num_results as usize;
        let exit = exec::run_entry(self, tiering, stack, store, func, code, args, mode);
        Ok(RunExit::of(exit?, n))
    }
}

impl Interpreter {
    /// Asks `tiering` about `code`'s function, whose budget is spent (at the
    /// loop whose operator is at `at_loop`, or at a call), and applies its
    /// reply to the cache. Returns whether the function now has compiled
    /// code, and whether an OSR entry for the loop is ready.
    pub(crate) fn hot(
        &mut self,
        store: &mut Store,
        code: &code::Code,
        at_loop: Option<HotLoop>,
        tiering: &mut dyn Tiering,
    ) -> (bool, bool) {
        let func = code.func;
        let (installed, osr) = match tiering.hot(store, func, code, at_loop, &self.codes) {
            HotReply::Compiled(installed) => (installed, false),
            HotReply::Osr(installed) => (installed, true),
            HotReply::Budget(n, installed) => {
                self.codes.set_budget(func, n);
                (installed, false)
            }
        };
        for &f in &installed {
            self.codes.mark_compiled(f);
        }
        (installed.contains(&func), osr)
    }

    /// A stack from the pool.
    #[inline]
    fn take_stack(&mut self) -> Box<ExecStack> {
        match self.next_stack.take() {
            Some(stack) => stack,
            None => self.spare_stacks.pop().unwrap_or_default(),
        }
    }

    /// Returns a used stack to the pool (cleared).
    #[inline(always)]
    fn put_stack(&mut self, mut stack: Box<ExecStack>) {
        // A call that returned left no frame: nothing to drop.
        if !stack.frames.is_empty() || self.next_stack.is_some() {
            return self.put_used_stack(stack);
        }
        stack.resumptions = 0;
        self.next_stack = Some(stack);
    }

    /// [`Interpreter::put_stack`] of a stack with frames, or while another
    /// waits to be taken next.
    #[cold]
    #[inline(never)]
    fn put_used_stack(&mut self, mut stack: Box<ExecStack>) {
        stack.clear();
        if self.next_stack.is_none() {
            self.next_stack = Some(stack);
        } else if self.spare_stacks.len() < SPARE_STACKS {
            self.spare_stacks.push(stack);
        }
    }

    /// Keeps the backtrace of an activation on `stack` that ended with
    /// `outcome` (none when it did not trap).
    #[inline]
    fn note_backtrace<T>(&mut self, outcome: &Result<T, Trap>, stack: &ExecStack) {
        match outcome {
            Ok(_) => self.backtrace.clear(),
            Err(trap) => self.backtrace = self.trap_backtrace(stack, trap),
        }
    }

    /// The backtrace of a trap that ended an activation on `stack`: the
    /// frames inside compiled code it called, then its own; for an
    /// exception nothing caught, the frames it unwound.
    fn trap_backtrace(&mut self, stack: &ExecStack, trap: &Trap) -> WasmBacktrace {
        if let Trap::UncaughtException(exn) = trap {
            return self.exception_trail(*exn);
        }
        let mut backtrace = std::mem::take(&mut self.inner_trap_frames);
        let mut own = stack.backtrace();
        if std::mem::take(&mut self.inner_replaced_frame) && !backtrace.frames.is_empty() {
            own.drain(..own.len().min(1));
        }
        backtrace.frames.extend(own);
        backtrace
    }

    /// Exception `exn` left compiled code that the interpreter called: the
    /// frames it left there (the tiering's) begin its trail.
    pub(crate) fn exception_from_compiled(&mut self, exn: ExnAddr, tiering: &mut dyn Tiering) {
        self.unwound = (Some(exn), tiering.trapped_frames());
    }

    /// The functions of the frames exception `exn` unwound in the
    /// interpreter, innermost first (empty unless it is the latest one
    /// unwound).
    pub fn exception_trail(&self, exn: ExnAddr) -> WasmBacktrace {
        match self.unwound.0 {
            Some(latest) if latest == exn => self.unwound.1.clone(),
            _ => WasmBacktrace::default(),
        }
    }
}

/// How a run on a stack ended: its `n` results are at the stack's bottom,
/// or it suspended out, or handed its frame off.
pub(crate) enum RunExit {
    Returned(usize),
    Suspended(Outward),
    Osr(Box<OsrHandoff>),
}

impl RunExit {
    /// The executor's `exit` of a function with `n` results.
    #[inline(always)]
    pub(crate) fn of(exit: exec::Exit, n: usize) -> RunExit {
        match exit {
            exec::Exit::Returned => RunExit::Returned(n),
            exec::Exit::Suspended(outward) => RunExit::Suspended(outward),
            exec::Exit::Osr(handoff) => RunExit::Osr(handoff),
        }
    }
}

/// How an activation of [`Interpreter::run`] may stop.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RunMode {
    /// A suspend that no resume of the activation handles parks the
    /// activation (`exec/outward.rs`) instead of trapping "unhandled tag".
    pub suspends_out: bool,
    /// It runs a continuation in place of a native one, on its resumer's
    /// stack (`suspends_out` too): compiled code that may suspend is not
    /// entered from it (its interpreted code runs instead) and nothing is
    /// handed off, so that every suspension leaves through the interpreter.
    pub in_place: bool,
    /// The record its outward suspension parks in, instead of a new one:
    /// the record of the continuation it runs in place, which its resumer
    /// consumed (used once).
    pub park_into: Option<u32>,
}

/// How many results `func` returns.
fn store_results(store: &Store, func: FuncAddr) -> usize {
    store
        .funcs
        .get(func.0 as usize)
        .map_or(0, |f| f.sig.results.len())
}

fn v128_unsupported() -> Trap {
    Trap::Host("unsupported value type: v128".into())
}
