//! On-stack replacement entries of the tiered mode: an interpreted frame
//! at a hot loop continues in compiled code.
//!
//! ```text
//!   interpreter at loop L of f (frame slots: locals, then operands)
//!     osr_state(f, L)  ─▶ Ready | Pending | Failed | Missing
//!     compile_osr(f, L)          on this thread, or
//!     compile_osr_in_background  (background.rs; install_finished installs it)
//!     call_osr(f, L, frame)      entry(vmctx, &frame[0]) runs L and the rest of
//!                                f; f's results come back in frame[..results]
//! ```
//! Entries are kept per store function and loop offset; the code of a
//! function's OSR entry is separate from its own code (`translate/osr.rs`).

use crate::background::{Background, Job, Work};
use crate::{CompileError, Fallback, Jit, abi};
use std::collections::HashMap;
use wasmfx_core::{FuncAddr, Store, Trap};

/// Where an OSR entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OsrState {
    /// Compiled: its address.
    Ready(usize),
    /// On the compile thread.
    Pending,
    /// Cannot be compiled (not tried again).
    Failed,
    /// Not asked for yet.
    Missing,
}

/// The entries of one Jit.
#[derive(Debug, Default)]
pub(crate) struct OsrEntries {
    entries: HashMap<(FuncAddr, u32), OsrState>,
}

impl OsrEntries {
    pub fn set(&mut self, func: FuncAddr, offset: u32, state: OsrState) {
        self.entries.insert((func, offset), state);
    }
}

impl Jit {
    /// The OSR entry of `func` at the loop whose operator is at `offset`.
    pub fn osr_state(&self, func: FuncAddr, offset: u32) -> OsrState {
        (self.osr.entries.get(&(func, offset)))
            .copied()
            .unwrap_or(OsrState::Missing)
    }

    /// Compiles the OSR entry of `func` at `offset` (on the compile thread
    /// when `background`); returns its state afterwards.
    pub fn compile_osr(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        offset: u32,
        background: bool,
    ) -> OsrState {
        let state = match self.try_compile_osr(store, func, offset, background) {
            Ok(state) => state,
            Err(_) => OsrState::Failed,
        };
        self.osr.set(func, offset, state);
        state
    }

    fn try_compile_osr(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        offset: u32,
        background: bool,
    ) -> Result<OsrState, CompileError> {
        let Some((instance, index)) = crate::tier_up::wasm_function(store, func) else {
            return Ok(OsrState::Failed);
        };
        let (module, guards) = self.module_of(store, instance)?;
        self.attach_runtime(store, instance);
        if !background {
            let code = (self.compiler).compile_osr(&module, &guards, index, offset as usize)?;
            self.code_funcs.entry(code).or_insert(func);
            return Ok(OsrState::Ready(code));
        }
        let (id, translation, needs) = self.compiler.prepare_osr(&module, &guards, index, true)?;
        let background = match &mut self.background {
            Some(background) => background,
            none => none.insert(Background::start()?),
        };
        background.send(Job {
            func,
            key: (0, Box::new([])),
            module,
            indices: Vec::new(),
            work: Work::Osr {
                translation,
                index,
                id,
            },
            failures: Vec::new(),
            osr: Some((offset, needs)),
        })?;
        Ok(OsrState::Pending)
    }

    /// Installs a finished OSR job's code, unless a function it calls
    /// directly (`needs`) failed to compile meanwhile: then the entry is
    /// asked for again. An entry that did not translate (on the compile
    /// thread: in the job's failures) is failed for good.
    pub(crate) fn install_osr(
        &mut self,
        store: &Store,
        job: &Job,
        (offset, needs): &(u32, Vec<u32>),
        compiled: Option<crate::codegen::CompiledFunction>,
    ) {
        let offset = *offset;
        let has_code = |&i: &u32| {
            let instance = crate::tier_up::wasm_function(store, job.func).map(|(id, _)| id);
            let addr = instance.and_then(|id| store.instances[id.0 as usize].funcs.get(i as usize));
            addr.is_some_and(|a| store.funcs[a.0 as usize].vm().code != 0)
        };
        // An entry that did not translate will not the next time either.
        if job.failures.is_empty() && !needs.iter().all(has_code) {
            self.osr.set(job.func, offset, OsrState::Missing);
            return;
        }
        let state = match compiled {
            Some(mut f) => {
                let installed = (self.compiler).install_osr(&job.module, &mut f, offset as usize);
                self.give_back(vec![f]);
                installed.map_or(OsrState::Failed, OsrState::Ready)
            }
            None => OsrState::Failed,
        };
        if let OsrState::Ready(code) = state {
            self.code_funcs.entry(code).or_insert(job.func);
        }
        self.osr.set(job.func, offset, state);
    }

    /// What it takes to run `func`'s OSR entry at `offset`: the entry's
    /// code, the array trampoline of its type, the function's vmctx and its
    /// result count; `None` when the entry is not ready.
    pub(crate) fn osr_entry(&self, store: &Store, func: FuncAddr, offset: u32) -> Option<OsrEntry> {
        let OsrState::Ready(code) = self.osr_state(func, offset) else {
            return None;
        };
        let inst = store.funcs.get(func.0 as usize)?;
        let ty = abi::osr_type(&inst.sig);
        Some(OsrEntry {
            code,
            trampoline: self.compiler.trampoline(&ty)?,
            vmctx: inst.vm().vmctx,
            results: ty.results.len(),
        })
    }

    /// What it takes to call `func`'s compiled code through its array
    /// trampoline (values: its arguments, then room for its results);
    /// `None` when it has no compiled code.
    pub(crate) fn function_entry(&self, store: &Store, func: FuncAddr) -> Option<OsrEntry> {
        let inst = store.funcs.get(func.0 as usize)?;
        let code = inst.vm().code;
        // The per-function table first: looking up by signature allocates.
        let trampoline =
            (self.state.conts.trampoline(func)).or_else(|| self.compiler.trampoline(&inst.sig));
        (code != 0).then_some(())?;
        Some(OsrEntry {
            code,
            trampoline: trampoline?,
            vmctx: inst.vm().vmctx,
            results: inst.sig.results.len(),
        })
    }

    /// Runs `func` from the loop at `offset` with the interpreted frame's
    /// slots (`frame[..live]`: locals, then operands); its results are then
    /// in `frame[..results]`.
    ///
    /// # Errors
    /// As [`Jit::call_in_place`]; a host trap when the entry is not ready.
    pub fn call_osr(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        offset: u32,
        frame: &mut [u64],
        fallback: &mut Fallback<'_>,
    ) -> Result<(), Trap> {
        let entry = (self.osr_entry(store, func, offset))
            .filter(|entry| frame.len() >= entry.results)
            .ok_or_else(|| no_entry(func))?;
        let mut values = entry.values(frame);
        // SAFETY: the trampoline is the one of the entry's type (made when
        // the entry was installed), `vmctx` is its function's instance's,
        // attached to this Jit's runtime when the entry was compiled, and
        // `values` holds the frame address and room for the results. The
        // frame's slots are the interpreted frame's: locals and operands of
        // the entry's loop, which the entry reads before anything else.
        unsafe {
            self.enter_code(
                store,
                entry.trampoline,
                entry.code,
                entry.vmctx,
                &mut values,
                fallback,
            )?;
        };
        frame[..entry.results].copy_from_slice(&values[..entry.results]);
        Ok(())
    }
}

/// A ready OSR entry ([`Jit::osr_entry`]), or a function's own code
/// ([`Jit::function_entry`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OsrEntry {
    pub code: usize,
    pub trampoline: usize,
    pub vmctx: usize,
    pub results: usize,
}

impl OsrEntry {
    /// The trampoline's value slots for a call with `frame`: the frame's
    /// address, and room for the results.
    pub fn values(&self, frame: &mut [u64]) -> Vec<u64> {
        let mut values = vec![0u64; self.results.max(1)];
        values[0] = frame.as_mut_ptr() as u64;
        values
    }
}

fn no_entry(func: FuncAddr) -> Trap {
    Trap::Host(format!("function {} has no OSR entry there", func.0))
}
