//! What the tiered mode asks of the compiled tier: one function at a time,
//! at once or on the compile thread (`background.rs`), installed while the
//! program runs; and access to the running Jit from Rust code under it.
//!
//! ```text
//!   compile_function(f)        prepare ─▶ codegen (this thread) ─▶ install ─▶ set_code
//!   compile_in_background(f)   prepare ─▶ Job ─▶ compile thread (CLIF, codegen)
//!   install_finished()         Done ─▶ install ─▶ set_code   (the owner's safe point)
//!   with_active_jit(|jit| ..)  the Jit of the innermost activation on this
//!                              thread (an interpreter running under compiled
//!                              code calls compiled code, or installs, through it)
//! ```

use crate::background::{Background, Job, Work};
use crate::batch::CalleeHeat;
use crate::compiler::{Prepared, indices_with_ids};
use crate::{CompileError, Jit, batch, entry};
use std::sync::Arc;
use std::time::Duration;
use wasmfx_core::{FuncAddr, FuncKind, Module, Store};

/// What a tier-up compiles besides the hot function.
#[derive(Clone, Copy)]
pub enum Reach<'a> {
    /// The hot function alone.
    Alone,
    /// Its small direct callees without code too (`batch.rs`), so that it
    /// calls them directly: this says, by index in the instance and store
    /// address, which the tiering would compile and which have run much.
    Callees(&'a dyn Fn(u32, FuncAddr) -> CalleeHeat),
}

/// Where a store function's code comes from: its instance's module.
pub(crate) fn wasm_function(
    store: &Store,
    func: FuncAddr,
) -> Option<(wasmfx_core::InstanceId, u32)> {
    match store.funcs.get(func.0 as usize)?.kind {
        FuncKind::Wasm { instance, index } => Some((instance, index)),
        FuncKind::Host(_) => None,
    }
}

impl Jit {
    /// Makes `entry` the code of store function `addr`: its record (so every
    /// compiled caller and the host entry see it), the continuation
    /// trampoline, and the backtrace's code map.
    pub(crate) fn install_code(&mut self, store: &mut Store, addr: FuncAddr, entry: usize) {
        store.funcs[addr.0 as usize].set_code(entry);
        self.code_funcs.entry(entry).or_insert(addr);
        if let Some(trampoline) = self.compiler.trampoline(&store.funcs[addr.0 as usize].sig) {
            self.state.conts.set_trampoline(addr, trampoline);
        }
    }

    /// The functions to compile with hot store function `func` (at
    /// `index` of its instance, whose functions are `funcs`), as `reach`
    /// says.
    fn batch_of(
        &mut self,
        module: &Arc<Module>,
        guards: &[u64],
        (index, funcs): (u32, &[FuncAddr]),
        reach: Reach,
    ) -> Vec<u32> {
        match reach {
            Reach::Alone => vec![index],
            Reach::Callees(allowed) => {
                let compiler = &self.compiler;
                let open = |i: u32| match funcs.get(i as usize) {
                    Some(&f) if compiler.is_open(module, guards, i) => allowed(i, f),
                    _ => CalleeHeat::Excluded,
                };
                batch::neighbourhood(module, &mut self.callee_lists, index, &open)
            }
        }
    }

    /// Whether a tier-up of `func` under `reach` would compile more than
    /// `func` (an OSR entry prepared after that batch calls it directly;
    /// one of `func` alone need not wait for it).
    pub fn batch_has_callees(&mut self, store: &Store, func: FuncAddr, reach: Reach) -> bool {
        let Some((instance, index)) = wasm_function(store, func) else {
            return false;
        };
        let Ok((module, guards)) = self.module_of(store, instance) else {
            return false;
        };
        self.batch_of(
            &module,
            &guards,
            (index, &store.instances[instance.0 as usize].funcs),
            reach,
        )
        .len()
            > 1
    }

    /// Compiles Wasm function `func` (and what `reach` adds) on this
    /// thread and installs the code. Returns the functions that got code
    /// (`func` is missing when the compiler does not cover it, or it is a
    /// host function).
    ///
    /// # Errors
    /// [`CompileError::Cranelift`] when code generation fails as a whole.
    pub fn compile_function(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        reach: Reach,
    ) -> Result<Vec<FuncAddr>, CompileError> {
        let Some((instance, index)) = wasm_function(store, func) else {
            return Ok(Vec::new());
        };
        let (module, guards) = self.module_of(store, instance)?;
        let batch = self.batch_of(
            &module,
            &guards,
            (index, &store.instances[instance.0 as usize].funcs),
            reach,
        );
        self.compile_instance(store, instance, &|i| batch.contains(&i))?;
        let funcs = &store.instances[instance.0 as usize].funcs;
        Ok((batch.iter())
            .filter_map(|&i| funcs.get(i as usize).copied())
            .filter(|f| store.funcs[f.0 as usize].vm().code != 0)
            .collect())
    }

    /// Starts compiling Wasm function `func` (and what `reach` adds) on the
    /// compile thread. Returns whether `func` was installed at once (its
    /// module's code had it already).
    ///
    /// # Errors
    /// As [`Jit::compile_function`]; also when the thread cannot start.
    pub fn compile_in_background(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        reach: Reach,
    ) -> Result<bool, CompileError> {
        let Some((instance, index)) = wasm_function(store, func) else {
            return Ok(false);
        };
        let (module, guards) = self.module_of(store, instance)?;
        let batch = self.batch_of(
            &module,
            &guards,
            (index, &store.instances[instance.0 as usize].funcs),
            reach,
        );
        match self
            .compiler
            .prepare(&module, &guards, &|i| batch.contains(&i))?
        {
            Prepared::Done(code) => {
                self.attach_runtime(store, instance);
                if let Some(Some(entry)) = code.get(index as usize) {
                    self.install_code(store, func, *entry);
                    return Ok(true);
                }
                Ok(false)
            }
            Prepared::Batch(batch) => {
                let background = match &mut self.background {
                    Some(background) => background,
                    none => none.insert(Background::start()?),
                };
                background.send(Job {
                    func,
                    key: batch.key,
                    module,
                    indices: indices_with_ids(&batch.translation.func_ids),
                    work: Work::Batch(batch.translation),
                    failures: batch.failures,
                    osr: None,
                })?;
                Ok(false)
            }
        }
    }

    /// Installs the code the compile thread has finished (`wait`: waits for
    /// every job in flight); returns the functions that got code.
    ///
    /// # Errors
    /// [`CompileError::Cranelift`] when defining the code fails.
    pub fn install_finished(
        &mut self,
        store: &mut Store,
        wait: bool,
    ) -> Result<Vec<FuncAddr>, CompileError> {
        let mut installed = Vec::new();
        while let Some(done) = self.background.as_mut().and_then(|b| b.take(wait)) {
            self.background_time += done.took;
            let job = done.job;
            if let Some(osr) = &job.osr {
                let compiled = done.outcomes.ok().and_then(|mut o| o.pop()?.ok());
                self.install_osr(store, &job, osr, compiled);
                continue;
            }
            let mut failures = job.failures;
            let mut compiled = Vec::new();
            let outcomes = match done.outcomes {
                Ok(outcomes) => outcomes,
                Err(e) => {
                    self.compiler.forget_queued(&job.key, job.indices);
                    return Err(e);
                }
            };
            let translated = failures.len();
            for outcome in outcomes {
                match outcome {
                    Ok(f) => compiled.push(f),
                    // The install makes a refused trampoline or start.
                    Err((index, _)) if crate::compiler::is_helper(index) => {}
                    Err(failure) => failures.push(failure),
                }
            }
            if failures.len() > translated {
                // Cranelift refused a function the others may call directly:
                // none is installed. The refused ones are not tried again;
                // the others can be picked again (and call them indirectly).
                compiled.clear();
                self.compiler
                    .forget_queued(&job.key, job.indices.iter().copied());
            }
            let trampolines = match &job.work {
                Work::Batch(translation) => &translation.trampolines[..],
                Work::Osr { .. } => &[],
            };
            let code = (self.compiler).install(
                &job.key,
                &job.module,
                &mut compiled,
                &failures,
                trampolines,
            );
            self.give_back(compiled);
            let code = code?;
            let Some((instance, _)) = wasm_function(store, job.func) else {
                continue;
            };
            self.attach_runtime(store, instance);
            for index in job.indices {
                let addr = store.instances[instance.0 as usize]
                    .funcs
                    .get(index as usize);
                if let (Some(Some(entry)), Some(&addr)) = (code.get(index as usize), addr) {
                    self.install_code(store, addr, *entry);
                    installed.push(addr);
                }
            }
        }
        Ok(installed)
    }

    /// Machine code installed from the compile thread's buffers, back to
    /// that thread to be freed (`background.rs`); dropped here if there is
    /// no thread.
    pub(crate) fn give_back(&self, code: Vec<crate::codegen::CompiledFunction>) {
        if let Some(background) = &self.background {
            background.give_back(code);
        }
    }

    /// Compile jobs queued for the compile thread and not yet installed.
    pub fn compiles_in_flight(&self) -> usize {
        self.background.as_ref().map_or(0, Background::pending)
    }

    /// Counts a hot event of `func` (at the loop at `at_loop`) while a
    /// compile of it waits for the compile thread (`compile_queue.rs`: the
    /// most asked-for goes next).
    pub fn note_demand(&mut self, func: FuncAddr, at_loop: Option<u32>) {
        if let Some(background) = &mut self.background {
            background.note_demand(func, at_loop);
        }
    }

    /// Time the compile thread has spent generating code.
    pub fn background_time(&self) -> Duration {
        self.background_time
    }
}

/// Runs `f` with the Jit whose compiled code runs on this thread (the
/// innermost activation's), if compiled code runs: Rust code under it (the
/// interpreter, called back) calls compiled code and installs code through
/// it.
pub fn with_active_jit<R>(f: impl FnOnce(&mut Jit) -> R) -> Option<R> {
    with_jit(None, f)
}

/// Runs `f` with `own`, or without it with the Jit of the running activation
/// ([`with_active_jit`]). One call of `f`, which the compiler can inline:
/// a crossing between tiers passes here, and every frame it keeps is a
/// return mispredicted after a stack switch.
#[inline(always)]
pub fn with_jit<R>(own: Option<&mut Jit>, f: impl FnOnce(&mut Jit) -> R) -> Option<R> {
    let jit = match own {
        Some(jit) => jit,
        None => {
            let act = entry::current();
            if act.is_null() {
                return None;
            }
            // SAFETY: a live activation's `jit` is the Jit whose
            // `call_in_place` made it; that frame does not touch the Jit
            // until the activation ends, and `f` runs (and returns) inside
            // the activation, on this thread.
            unsafe { &mut *(*act).jit }
        }
    };
    Some(f(jit))
}

/// Whether a continuation of compiled code runs on this thread (code
/// called from here runs inside it).
pub fn on_native_chain() -> bool {
    with_active_jit(|jit| jit.state.conts.chain.innermost().is_some()).unwrap_or(false)
}
