//! What translating declared functions to CLIF needs, owned, so that it can
//! happen on the thread that makes their machine code: the tiered mode's
//! compile thread (`background.rs`) takes a [`Translation`] with its job and
//! the interpreter's thread only declares.
//!
//! ```text
//!   owner thread                           any thread
//!   Compiler::prepare / prepare_osr        Translation::batch / osr
//!     declare ids (code module)              CLIF per function (translate/)
//!     snapshot: ids, libcalls, starts  ──▶   a function that does not translate
//!                                            leaves the batch, the rest again
//! ```

use crate::CompileError;
use crate::cont_start::StartKey;
use crate::translate::{ModuleEnv, RuntimeAddrs, translate_function};
use cranelift_codegen::ir::{Function, Signature, UserFuncName};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use std::collections::HashMap;
use std::sync::Arc;
use wasmfx_core::{FuncType, InterruptChecks, Module};

/// A snapshot of the code module's names that translated code refers to,
/// taken when the functions were declared.
pub(crate) struct Translation {
    pub module: Arc<Module>,
    pub memory_guards: Box<[u64]>,
    /// By function index: its id when it is translated in this batch (or,
    /// for an OSR entry, queued in a batch being compiled); calls to it are
    /// direct. A function that leaves the batch is set to `None`.
    pub func_ids: Vec<Option<FuncId>>,
    /// By function index: its id when it has code already.
    pub earlier_ids: Vec<Option<FuncId>>,
    pub libcalls: Vec<FuncId>,
    pub cont_starts: HashMap<StartKey, FuncId>,
    pub frontend: TargetFrontendConfig,
    pub interrupt: InterruptChecks,
    pub runtime: RuntimeAddrs,
    /// Trampolines declared for the batch to make (`trampoline.rs`).
    pub trampolines: Vec<(FuncId, FuncType)>,
    /// Continuation starts declared for the batch to make (`cont_start.rs`).
    pub starts: Vec<(FuncId, Arc<FuncType>)>,
}

impl Translation {
    fn env(&self) -> ModuleEnv<'_> {
        ModuleEnv {
            module: &self.module,
            func_ids: &self.func_ids,
            earlier_ids: &self.earlier_ids,
            memory_guards: &self.memory_guards,
            libcalls: &self.libcalls,
            cont_starts: &self.cont_starts,
            frontend: self.frontend,
            interrupt: self.interrupt,
            runtime: self.runtime,
        }
    }

    /// CLIF for every function with an id in `func_ids`. One that does not
    /// translate leaves the batch (into `failures`) and the rest are
    /// translated again, their direct calls to it now going through its
    /// record.
    pub fn batch(
        &mut self,
        builder_ctx: &mut FunctionBuilderContext,
        failures: &mut Vec<(u32, CompileError)>,
    ) -> Vec<(u32, FuncId, Function)> {
        'retry: loop {
            let mut functions = Vec::new();
            for index in 0..self.func_ids.len() as u32 {
                let Some(id) = self.func_ids[index as usize] else {
                    continue;
                };
                let mut func = new_function(id);
                let env = self.env();
                if let Err(e) = translate_function(&env, index, &mut func, builder_ctx, None) {
                    // The builder stopped mid-function: start afresh.
                    *builder_ctx = FunctionBuilderContext::new();
                    self.func_ids[index as usize] = None;
                    failures.push((index, e));
                    continue 'retry;
                }
                functions.push((index, id, func));
            }
            return functions;
        }
    }

    /// CLIF for the batch's trampolines and continuation starts, at
    /// function index [`super::TRAMPOLINE`] and [`super::CONT_START`]; one
    /// that does not build is left to the install.
    pub fn helper_functions(
        &self,
        builder_ctx: &mut FunctionBuilderContext,
    ) -> Vec<(u32, FuncId, Function)> {
        let mut helpers = Vec::new();
        for (id, ty) in &self.trampolines {
            if let Ok(func) = super::trampoline::build(*id, ty, builder_ctx, self.frontend) {
                helpers.push((super::TRAMPOLINE, *id, func));
            }
        }
        for (id, ty) in &self.starts {
            let chain = self.runtime.chain;
            match crate::cont_start::start_function(*id, ty, builder_ctx, self.frontend, chain) {
                Ok(func) => helpers.push((super::CONT_START, *id, func)),
                // The builder may have stopped mid-function: start afresh.
                Err(_) => *builder_ctx = FunctionBuilderContext::new(),
            }
        }
        helpers
    }

    /// CLIF for the OSR entry `id` of function `index` at the loop whose
    /// operator is at byte `offset`.
    ///
    /// # Errors
    /// The function does not translate, has no reachable loop there, or
    /// the translation panicked (a frontend assertion): that fails this
    /// entry only, and the interpreted frame goes on.
    pub fn osr(
        &self,
        builder_ctx: &mut FunctionBuilderContext,
        index: u32,
        id: FuncId,
        offset: usize,
    ) -> Result<Function, CompileError> {
        let mut func = new_function(id);
        let env = self.env();
        let translated = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            translate_function(&env, index, &mut func, builder_ctx, Some(offset))
        }))
        .unwrap_or_else(|_| Err(CompileError::Cranelift("OSR translation panicked".into())));
        if let Err(e) = translated {
            *builder_ctx = FunctionBuilderContext::new();
            return Err(e);
        }
        Ok(func)
    }
}

/// The function indices that have an id in `ids` (by function index).
pub(crate) fn indices_with_ids(ids: &[Option<FuncId>]) -> Vec<u32> {
    (ids.iter().enumerate())
        .filter_map(|(i, id)| id.map(|_| i as u32))
        .collect()
}

/// An empty function named after its id (translation sets the signature).
fn new_function(id: FuncId) -> Function {
    Function::with_name_signature(
        UserFuncName::user(0, id.as_u32()),
        Signature::new(CallConv::Tail),
    )
}
