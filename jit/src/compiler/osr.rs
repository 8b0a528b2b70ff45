//! The code module's side of on-stack replacement: an entry of a function
//! at one of its loops (`translate/osr.rs`) declared, translated, and once
//! its machine code is made, defined with the trampoline of its type.

use super::{Compiler, isa};
use crate::codegen::{self, CompiledFunction};
use crate::translate::{ModuleEnv, translate_function};
use crate::{CompileError, abi, signals};
use cranelift_codegen::ir::{Function, Signature, UserFuncName};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::{FuncId, Module as _};
use std::sync::Arc;
use std::time::Instant;
use wasmfx_core::Module;

impl Compiler {
    /// Declares and translates the OSR entry of defined function `index` of
    /// `module` at the loop whose operator is at byte `offset`. Returns it
    /// with the functions it calls directly that are in a batch being
    /// compiled (`queued`: such calls are allowed; the entry must then be
    /// installed after that batch).
    ///
    /// # Errors
    /// The function does not translate, or has no reachable loop there.
    pub fn prepare_osr(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        index: u32,
        offset: usize,
        queued: bool,
    ) -> Result<(FuncId, Function, Vec<u32>), CompileError> {
        self.start()?;
        self.define_cont_starts(module)?;
        let sig = abi::wasm_signature(&abi::osr_type(module.func_type(index)))?;
        let id = self.jit()?.declare_anonymous_function(&sig)?;
        let frontend = self.jit()?.isa().frontend_config();
        // Calls from the entry to functions compiled so far (or queued) are
        // direct; the others go through the callees' records.
        let func_ids = match queued {
            true => self.queued_ids(module, memory_guards),
            false => vec![None; module.funcs.len()],
        };
        let needs = (func_ids.iter().enumerate())
            .filter_map(|(i, id)| id.map(|_| i as u32))
            .collect();
        let earlier_ids = self.earlier_ids(module, memory_guards);
        let env = ModuleEnv {
            module,
            func_ids: &func_ids,
            earlier_ids: &earlier_ids,
            memory_guards,
            libcalls: &self.libcalls,
            cont_starts: &self.cont_starts,
            frontend,
            interrupt: self.interrupt,
            runtime: self.runtime,
        };
        let name = UserFuncName::user(0, id.as_u32());
        let mut func = Function::with_name_signature(name, Signature::new(CallConv::Tail));
        let builder_ctx = &mut self.builder_ctx;
        // A translation that panics (a frontend assertion) fails this entry
        // only: the interpreted frame goes on.
        let translated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            translate_function(&env, index, &mut func, builder_ctx, Some(offset))
        }))
        .unwrap_or_else(|_| Err(CompileError::Cranelift("OSR translation panicked".into())));
        if let Err(e) = translated {
            // The builder stopped mid-function: start afresh.
            self.builder_ctx = FunctionBuilderContext::new();
            return Err(e);
        }
        Ok((id, func, needs))
    }

    /// Compiles the OSR entry of `index` at `offset` on this thread;
    /// returns its address.
    ///
    /// # Errors
    /// As [`Compiler::prepare_osr`], or when Cranelift refuses it.
    pub fn compile_osr(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        index: u32,
        offset: usize,
    ) -> Result<usize, CompileError> {
        self.start()?;
        let started = Instant::now();
        let (id, func, _) = self.prepare_osr(module, memory_guards, index, offset, false)?;
        let isa = isa()?;
        let mut outcomes = codegen::compile_all(&*isa, vec![(index, id, func)], 1)?;
        let compiled = outcomes
            .pop()
            .ok_or_else(|| CompileError::Cranelift("no code".into()))?
            .map_err(|(_, e)| e)?;
        let code = self.install_osr(module, compiled, offset)?;
        self.compile_time += started.elapsed();
        Ok(code)
    }

    /// Defines the machine code of an OSR entry (at the loop at `offset`) of
    /// a function of `module` (and the trampoline of its type, if new);
    /// returns its address.
    ///
    /// # Errors
    /// When the code module refuses the definition.
    pub fn install_osr(
        &mut self,
        module: &Module,
        f: CompiledFunction,
        offset: usize,
    ) -> Result<usize, CompileError> {
        self.start()?;
        let ty = abi::osr_type(module.func_type(f.index));
        self.define_placed(&f)?;
        let trampoline = match self.trampoline(&ty) {
            Some(_) => None,
            None => Some(self.define_trampoline(&ty)?),
        };
        self.jit()?.finalize_definitions()?;
        let start = self.jit()?.get_finalized_function(f.id) as usize;
        crate::perf_map::record(start, f.bytes.len(), module, f.index, Some(offset));
        signals::register(start, f.bytes.len(), f.traps);
        self.regions.push(start);
        if let Some(id) = trampoline {
            let address = self.jit()?.get_finalized_function(id) as usize;
            let key = (abi::clif_types(&ty.params)?, abi::clif_types(&ty.results)?);
            self.trampolines.insert(key, address);
        }
        self.compiled_functions += 1;
        Ok(start)
    }
}
