//! The Cranelift tier of wasmfx-tier: Wasm functions compiled to native code.
//!
//! ```text
//!   Jit (one per store)
//!    ├─ compile_instance(store, id, select) ── compiler.rs ── translate/ ─▶ CLIF
//!    │     ─▶ codegen.rs (machine code on worker threads) ─▶ code module
//!    │     installs code in each function's VmFuncRef, points the instance's
//!    │     VmContext at the runtime record (vmruntime.rs)
//!    └─ call(store, func, args, fallback) ── entry.rs: host entry, array trampoline
//!          compiled code ─▶ libcalls/ (host functions, the fallback for
//!          functions without code, bulk memory/table ops, exceptions)
//!          traps ─▶ signals.rs ─▶ unwound to the entry ─▶ Err(Trap)
//!                   (frames walked first, through the continuation
//!                    chain: backtrace.rs ─▶ Jit::backtrace())
//!          deep recursion ─▶ prologue check against stack.rs's limit ─▶ trap
//! ```
//!
//! The tier chooses per function what is compiled (`select`); a compiled
//! function calling one without code goes through the caller's fallback
//! (the interpreter, in `wasmfx-tier`), so any mix gives the same results.
//! x86-64 Linux only (the entry and the signal handler are written for it).

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
compile_error!("wasmfx-jit supports x86-64 Linux only (host entry and signal handling)");

mod abi;
mod background;
mod backtrace;
mod batch;
mod beside;
mod code_dump;
mod codegen;
mod compile_queue;
mod compiler;
mod cont_start;
mod conts;
mod entry;
mod fallback;
mod func_set;
mod libcalls;
mod osr;
mod perf_map;
mod signals;
mod sites;
mod stack;
mod tag_table;
mod tier_up;
mod translate;
mod traps;
mod vmruntime;

pub use batch::CalleeHeat;
pub use conts::HEAP_FRAMES_AFTER;
pub use entry::{Fallback, nested_at_least};
pub use fallback::{
    FallbackExit, FallbackOsr, FallbackSuspension, FallbackTier, ParkedResume, RawStop,
};
pub use func_set::FuncSet;
pub use libcalls::{HostOutcome, HostResumption};
pub use osr::OsrState;
pub use tier_up::{Reach, on_native_chain, with_active_jit, with_jit};

use compiler::Compiler;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use vmruntime::RuntimeState;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::store::Caller;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, Store, Trap, Val};

/// Why a module or function could not be compiled.
#[derive(Debug, Clone)]
pub enum CompileError {
    /// An instruction or type outside this tier's coverage (SIMD, GC heap
    /// instructions, legacy exceptions).
    Unsupported(String),
    /// A body that does not decode or balance (validation should prevent it).
    Invalid(String),
    /// Cranelift refused the code or the settings.
    Cranelift(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Unsupported(what) => write!(f, "not supported by the compiler: {what}"),
            CompileError::Invalid(why) => write!(f, "invalid function body: {why}"),
            CompileError::Cranelift(why) => write!(f, "code generation failed: {why}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid(e.to_string())
    }
}

impl From<cranelift_module::ModuleError> for CompileError {
    fn from(e: cranelift_module::ModuleError) -> Self {
        CompileError::Cranelift(e.to_string())
    }
}

/// What one `compile_instance` did.
#[derive(Debug, Default)]
pub struct CompileReport {
    /// Functions now running compiled code.
    pub installed: usize,
    /// Selected functions left without code (index, why).
    pub skipped: Vec<(u32, CompileError)>,
}

/// Compiles a store's instances and runs their compiled code.
pub struct Jit {
    compiler: Compiler,
    state: Box<RuntimeState>,
    /// Code start → the function it was installed in first (instances of
    /// one module share its code: a backtrace names the first instance's).
    code_funcs: BTreeMap<usize, FuncAddr>,
    /// The compiled functions active at the last trap, innermost first.
    backtrace: WasmBacktrace,
    /// The compile thread of the tiered mode (started on first use).
    background: Option<background::Background>,
    /// Time the compile thread has spent.
    background_time: Duration,
    /// On-stack replacement entries by (function, loop offset) (`osr.rs`).
    osr: osr::OsrEntries,
    /// Direct callees by function, for tier-up batches (`batch.rs`).
    callee_lists: batch::CalleeLists,
}

impl Jit {
    /// A compiler with an empty code module.
    ///
    /// # Errors
    /// [`CompileError::Cranelift`] when the host is not supported.
    pub fn new() -> Result<Jit, CompileError> {
        signals::install_handlers();
        let state: Box<RuntimeState> = Box::default();
        let mut compiler = Compiler::new();
        compiler.runtime = translate::RuntimeAddrs {
            record: state.vm_addr(),
            chain: state.vm.chain,
        };
        Ok(Jit {
            compiler,
            state,
            code_funcs: BTreeMap::new(),
            backtrace: WasmBacktrace::default(),
            background: None,
            background_time: Duration::ZERO,
            osr: osr::OsrEntries::default(),
            callee_lists: batch::CalleeLists::default(),
        })
    }

    /// Compiles the functions of instance `id` that `select` picks (by
    /// function index) and installs their code. Modules compiled before are
    /// not compiled again.
    ///
    /// # Errors
    /// [`CompileError::Cranelift`] when code generation fails; functions the
    /// compiler does not cover are reported in [`CompileReport::skipped`].
    pub fn compile_instance(
        &mut self,
        store: &mut Store,
        id: InstanceId,
        select: &dyn Fn(u32) -> bool,
    ) -> Result<CompileReport, CompileError> {
        let (module, memory_guards) = self.module_of(store, id)?;
        let (code, skipped) = self
            .compiler
            .compile_module(&module, &memory_guards, select)?;
        self.attach_runtime(store, id);
        let funcs = store.instances[id.0 as usize].funcs.clone();
        let mut installed = 0;
        for (index, entry) in code.iter().enumerate() {
            if let (Some(entry), Some(&addr)) = (entry, funcs.get(index))
                && select(index as u32)
            {
                self.install_code(store, addr, *entry);
                installed += 1;
            }
        }
        Ok(CompileReport { installed, skipped })
    }

    /// Instance `id`'s module and the guard bytes of its memories (code
    /// without bounds checks fits only memories with guard regions).
    fn module_of(
        &mut self,
        store: &Store,
        id: InstanceId,
    ) -> Result<(std::sync::Arc<wasmfx_core::Module>, Vec<u64>), CompileError> {
        let Some(instance) = store.instances.get(id.0 as usize) else {
            return Err(CompileError::Invalid(format!("no instance {}", id.0)));
        };
        self.compiler.interrupt = store.interrupt_checks();
        let memories = &store.memories;
        let memory_guards = (instance.memories.iter())
            .map(|a| memories.get(a.0 as usize).map_or(0, |m| m.guard_bytes()))
            .collect();
        Ok((instance.module.clone(), memory_guards))
    }

    /// Points instance `id` at this Jit's runtime record (its code reads it).
    fn attach_runtime(&mut self, store: &mut Store, id: InstanceId) {
        if let Some(instance) = store.instances.get_mut(id.0 as usize) {
            instance.vm.set_runtime(self.state.vm_addr());
        }
    }

    /// Continuation records of `store` alive (made and not yet returned or
    /// released) and native stacks mapped so far, for tests and benchmarks.
    pub fn continuation_stats(&self, store: &Store) -> (usize, u64) {
        (store.live_continuations(), self.state.conts.stacks_mapped())
    }

    /// Total time spent compiling (on this thread and the compile
    /// thread), and the number of functions compiled.
    pub fn compile_stats(&self) -> (Duration, usize) {
        let time = self.compiler.compile_time + self.background_time;
        (time, self.compiler.compiled_functions)
    }

    /// Lets compiled code run fresh continuations as heap frames, in the
    /// fallback, once `stacks` native stacks are in use and none is warm
    /// ([`HEAP_FRAMES_AFTER`] in the tiered mode, whose fallback can; off
    /// by default). 0 makes every one do so unless its function's
    /// continuations proved long-lived, for tests.
    pub fn set_heap_frames_after(&mut self, stacks: u64) {
        self.state.conts.heap_frames_after = Some(stacks);
    }

    /// Fresh continuations compiled code ran as heap frames in place of
    /// native ones so far.
    pub fn heap_frame_conts(&self) -> u64 {
        self.state.conts.heap_total
    }

    /// Whether a fresh continuation of `func` should run as heap frames
    /// rather than get a native stack: stacks are dear and its
    /// continuations have not proved long-lived (the test compiled code's
    /// resume makes, `libcalls/in_place.rs`).
    pub fn prefers_heap_frames(&self, func: FuncAddr) -> bool {
        self.state.conts.prefers_heap_frames(func)
    }

    /// Whether the interpreter should start a fresh continuation of
    /// compiled `func` as heap frames (see `Conts::starts_as_heap_frames`).
    pub fn starts_as_heap_frames(&self, func: FuncAddr) -> bool {
        self.state.conts.starts_as_heap_frames(func)
    }

    /// Notes that continuations of `func` live long (resumed many times):
    /// new ones run on native stacks, never as heap frames in place of them
    /// (`libcalls/in_place.rs`).
    pub fn note_long_lived(&mut self, func: FuncAddr) {
        self.state.conts.long_lived.insert(func);
    }

    /// The compiled Wasm functions that were active when the last call
    /// trapped, innermost first (empty after a call that returned, or one
    /// that ran no compiled code). Frames of functions without code, run by
    /// the fallback, are not in it.
    pub fn backtrace(&self) -> &WasmBacktrace {
        &self.backtrace
    }

    /// The functions whose code holds the addresses the signal handler
    /// recorded at the last trap.
    fn take_trap_frames(&mut self) -> WasmBacktrace {
        let backtrace = self.functions_of(&self.state.trap_frames);
        self.state.trap_frames.len = 0;
        self.state.trap_frames.truncated = false;
        backtrace
    }

    /// The functions of a throw's unchecked frames
    /// (`backtrace::record_throw_frames`): up to the first address outside
    /// compiled code.
    fn thrown_functions(&self, frames: &vmruntime::TrapFrames) -> WasmBacktrace {
        let code = signals::CodeMap::read();
        let funcs = frames.recorded().iter().map_while(|&pc| {
            let start = code.as_ref()?.function_start(pc)?;
            self.code_funcs.get(&start).copied()
        });
        let frames_seen: Vec<FuncAddr> = funcs.collect();
        WasmBacktrace {
            truncated: frames.truncated && frames_seen.len() == frames.len,
            frames: frames_seen,
        }
    }

    /// The functions whose code holds `frames`' addresses (the interpreted
    /// ones as recorded), innermost first.
    fn functions_of(&self, frames: &vmruntime::TrapFrames) -> WasmBacktrace {
        let pcs = frames.recorded();
        let code = signals::CodeMap::read();
        let funcs = pcs.iter().filter_map(|&pc| {
            if pc & backtrace::INTERPRETED_FRAME != 0 {
                return Some(FuncAddr(pc as u32));
            }
            let start = code.as_ref()?.function_start(pc)?;
            self.code_funcs.get(&start).copied()
        });
        WasmBacktrace {
            frames: funcs.collect(),
            truncated: frames.truncated,
        }
    }

    /// Runs `func` with `args` (already type-checked): its compiled code if
    /// it has some, else the host function or `fallback`. Compiled code calls
    /// `fallback` for every function without code.
    ///
    /// # Errors
    /// The trap that ended the call; [`Trap::UncaughtException`] for an
    /// exception that left `func`.
    pub fn call(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
        fallback: &mut Fallback<'_>,
    ) -> Result<Vec<Val>, Trap> {
        let Some(inst) = store.funcs.get(func.0 as usize) else {
            return Err(Trap::Host(format!("no function at address {}", func.0)));
        };
        let sig = inst.sig.clone();
        self.backtrace.clear();
        if inst.vm().code == 0 || self.compiler.trampoline(&sig).is_none() {
            return match &inst.kind {
                FuncKind::Host(host) => host.clone()(
                    &mut Caller {
                        store,
                        instance: None,
                    },
                    args,
                ),
                FuncKind::Wasm { .. } => fallback.call(store, func, args),
            };
        }
        let mut values = vec![0u64; sig.params.len().max(sig.results.len())];
        for (slot, arg) in values.iter_mut().zip(args) {
            *slot = arg
                .to_raw()
                .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))?;
        }
        self.call_in_place(store, func, &mut values, fallback)?;
        values
            .iter()
            .zip(sig.results.iter())
            .map(|(&raw, &ty)| {
                Val::from_raw_in(raw, ty, &store.registry)
                    .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))
            })
            .collect()
    }

    /// Runs the compiled code of `func` with its arguments as raw slots in
    /// `values[..params]`; its results replace them in `values[..results]`.
    /// May be called from Rust code running under compiled code (through
    /// [`with_active_jit`]): activations nest.
    ///
    /// # Errors
    /// As [`Jit::call`]; a host trap when `func` has no compiled code or
    /// `values` is too short.
    #[inline]
    pub fn call_in_place(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
        fallback: &mut Fallback<'_>,
    ) -> Result<(), Trap> {
        let Some(inst) = store.funcs.get(func.0 as usize) else {
            return Err(Trap::Host(format!("no function at address {}", func.0)));
        };
        let slots = inst.sig.params.len().max(inst.sig.results.len());
        let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
        // The per-function table first: looking up by signature allocates.
        let trampoline =
            (self.state.conts.trampoline(func)).or_else(|| self.compiler.trampoline(&inst.sig));
        let (Some(trampoline), true) = (trampoline, code != 0 && values.len() >= slots) else {
            return Err(Trap::Host(format!(
                "function {} has no compiled code",
                func.0
            )));
        };
        // SAFETY: the trampoline was made for `func`'s signature, `code` and
        // `vmctx` come from its record, whose instance points at this Jit's
        // runtime record (compile_instance), and `values` has room for its
        // params and results (checked above).
        unsafe { self.enter_code(store, trampoline, code, vmctx, values, fallback) }
    }

    /// The host entry of [`Jit::call_in_place`], for any code.
    ///
    /// # Safety
    /// `trampoline` must be the array trampoline of `code`'s type, `vmctx`
    /// the context of an instance whose runtime is this Jit's, and `values`
    /// long enough for the type's params and results.
    #[inline(always)]
    pub(crate) unsafe fn enter_code(
        &mut self,
        store: &mut Store,
        trampoline: usize,
        code: usize,
        vmctx: usize,
        values: &mut [u64],
        fallback: &mut Fallback<'_>,
    ) -> Result<(), Trap> {
        self.backtrace.clear();
        self.state.sync_funcs(store);
        self.state.use_store(store);
        self.state.conts.max_stack_bytes = store.limits.max_stack_memory;
        self.state.trap_frames.len = 0;
        self.state.trap_frames.truncated = false;
        // A trap unwinds to this entry: the continuations it started are
        // released, and the stack limit is the one of this entry's stack.
        let chain_mark = self.state.conts.chain.innermost();
        let saved_limit = self.state.vm.stack_limit;
        // What a suspend under this entry may capture ends at the mark.
        let saved_mark = (self.state.conts.chain)
            .set_mark(chain_mark.map_or(std::ptr::null_mut(), |r| r.as_ptr()));
        // An outermost entry runs on this thread's own stack; a nested one
        // keeps the limit of the stack it runs on (set by its outer entry).
        if !entry::is_nested() || self.state.vm.stack_limit == 0 {
            self.state.vm.stack_limit = stack::thread_stack_limit();
        }
        let call = entry::EntryCall {
            trampoline,
            code,
            vmctx,
            chain_mark,
        };
        let state: *mut RuntimeState = &raw mut *self.state;
        let this: *mut Jit = self;
        // SAFETY: the caller's promise for the code; until `enter` returns,
        // this frame does not touch `self`: the activation's code (and Rust
        // code under it, through `with_active_jit`) is the only user of
        // `state` and `this`.
        let (status, stored) = unsafe { entry::enter(store, state, this, fallback, call, values) };
        let pending = std::mem::take(&mut self.state.vm.pending_exn);
        self.state.conts.chain.set_mark(saved_mark);
        if status != 0 {
            self.state.conts.unwind_to(chain_mark);
            self.state.vm.stack_limit = saved_limit;
            self.backtrace = self.take_trap_frames();
            backtrace::forget_unwound_frames(&mut self.state.vm);
            let trap = traps::trap_of_code(status as u8).or(stored);
            return Err(trap.unwrap_or_else(|| Trap::Host(format!("unknown trap code {status}"))));
        }
        if pending != 0 {
            // Thrown by this activation's code: its frames at the throw;
            // thrown further in, this activation's own frames are gone.
            // (Its depth: one more than the list's, now that it is popped.)
            let depth = entry::depth() + 1;
            let thrown = &self.state.throw_frames;
            self.backtrace = match (thrown.0 == pending, thrown.1 == depth) {
                (true, true) => self.thrown_functions(&thrown.2),
                _ => WasmBacktrace {
                    frames: Vec::new(),
                    truncated: true,
                },
            };
            return Err(libcalls::uncaught(pending));
        }
        Ok(())
    }
}
