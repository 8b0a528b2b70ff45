//! Translation of one Wasm function body into CLIF.
//!
//! The translator walks the validated operators once with a stack of CLIF
//! values (the Wasm operand stack) and a stack of control [`Frame`]s, and
//! emits CLIF through a `FunctionBuilder`. Locals are frontend variables
//! (SSA construction does the rest). Each instruction family has its file:
//!
//! ```text
//!   operator ──▶ control.rs    block, loop, if, br*, return, unreachable code
//!                variables.rs  locals, globals, constants, select, references
//!                numeric.rs    arithmetic, comparisons, conversions
//!                memory.rs     loads, stores, memory.* and data segments
//!                table.rs      table.* and element segments
//!                calls.rs      call, call_indirect, call_ref, return_call*
//!                exceptions.rs throw, throw_ref, try_table, pending checks
//! ```
//!
//! Everything instance-specific is read through `vmctx` (see
//! `wasmfx_core::vm`), so one compiled module serves every instance of it.
//! An instruction outside the tier's coverage (SIMD, GC heap instructions,
//! stack switching, legacy exceptions) makes the whole function
//! [`CompileError::Unsupported`]; the tier leaves such functions to the
//! interpreter.

mod calls;
mod control;
mod exceptions;
mod memory;
mod numeric;
mod table;
mod variables;

use crate::CompileError;
use crate::abi;
use crate::libcalls::Libcall;
use crate::vmruntime;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    self, Block, BlockArg, ExtFuncData, ExternalName, FuncRef, Function, InstBuilder, MemFlagsData,
    SigRef, StackSlotData, StackSlotKind, Type, UserExternalName, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::FuncId;
use std::collections::HashMap;
use wasmfx_core::module::Module;
use wasmfx_core::types::ValType;
use wasmfx_core::vm::offsets;
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// What the translator needs from the module being compiled.
pub(crate) struct ModuleEnv<'a> {
    pub module: &'a Module,
    /// By function index: its id in the code module when it is compiled in
    /// the same batch (then calls to it are direct).
    pub func_ids: &'a [Option<FuncId>],
    /// Ids of the libcalls, in [`Libcall::ALL`] order.
    pub libcalls: &'a [FuncId],
    pub frontend: cranelift_codegen::isa::TargetFrontendConfig,
}

/// Translates defined function `index` of `env.module` into `func`.
pub(crate) fn translate_function(
    env: &ModuleEnv<'_>,
    index: u32,
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
) -> Result<(), CompileError> {
    let module = env.module;
    let body_index = index
        .checked_sub(module.num_imported_funcs)
        .ok_or_else(|| bad("imported function has no body"))?;
    let body = module
        .bodies
        .get(body_index as usize)
        .ok_or_else(|| bad("no such body"))?;
    let bytes = module
        .bytes
        .get(body.range.clone())
        .ok_or_else(|| bad("body out of range"))?;
    let reader = FunctionBody::new(BinaryReader::new(bytes, body.range.start as u64));
    let ty = module.func_type_at(body.type_index);
    func.signature = abi::wasm_signature(ty)?;

    let b = FunctionBuilder::new(func, builder_ctx);
    let mut t = FuncTranslator::new(env, b, abi::clif_types(&ty.results)?);
    t.start(&ty.params, &reader)?;
    let mut ops = reader.get_operators_reader()?;
    while !ops.eof() {
        let op = ops.read()?;
        t.translate_op(&op)?;
    }
    t.finish()
}

fn bad(msg: &str) -> CompileError {
    CompileError::Invalid(msg.to_string())
}

/// A control construct being translated.
pub(crate) struct Frame {
    pub kind: FrameKind,
    /// Where a branch to this frame goes: the loop header, else `end`.
    pub label: Block,
    /// The block after the construct; its params are the results.
    pub end: Block,
    pub params: Vec<Type>,
    pub results: Vec<Type>,
    /// Operand stack height below the construct's params.
    pub height: usize,
    /// Whether a branch or the fallthrough reaches `end`.
    pub end_reachable: bool,
}

pub(crate) enum FrameKind {
    Function,
    Block,
    Loop,
    /// `if`, with the block its `else` arm starts in.
    If {
        else_block: Block,
        has_else: bool,
    },
    /// `try_table`, with its dispatch block (entered with an exception
    /// pending) and its clauses.
    TryTable {
        handler: Block,
        used: bool,
        clauses: Vec<wasmfx_catch::Clause>,
    },
}

/// Catch clauses as the translator keeps them.
pub(crate) mod wasmfx_catch {
    #[derive(Debug, Clone, Copy)]
    pub enum Clause {
        /// `catch $tag l` (`with_ref`: `catch_ref`).
        Tag {
            tag: u32,
            label: u32,
            with_ref: bool,
        },
        /// `catch_all l` (`with_ref`: `catch_all_ref`).
        All { label: u32, with_ref: bool },
    }
}

pub(crate) struct FuncTranslator<'a, 'f> {
    env: &'a ModuleEnv<'a>,
    b: FunctionBuilder<'f>,
    vmctx: Value,
    /// The store's runtime record (`VmContext::runtime`), loaded once.
    runtime: Value,
    locals: Vec<Variable>,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    reachable: bool,
    /// Blocks opened inside unreachable code, not translated.
    dead_depth: u32,
    results: Vec<Type>,
    /// Returns zero results with an exception pending (created on first use).
    unwind_block: Option<Block>,
    sig_refs: HashMap<u32, SigRef>,
    func_refs: HashMap<FuncId, FuncRef>,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn new(env: &'a ModuleEnv<'a>, b: FunctionBuilder<'f>, results: Vec<Type>) -> Self {
        FuncTranslator {
            env,
            b,
            vmctx: Value::from_u32(0),
            runtime: Value::from_u32(0),
            locals: Vec::new(),
            stack: Vec::new(),
            frames: Vec::new(),
            reachable: true,
            dead_depth: 0,
            results,
            unwind_block: None,
            sig_refs: HashMap::new(),
            func_refs: HashMap::new(),
        }
    }

    /// Entry block, stack limit, locals and the function's own frame.
    fn start(&mut self, params: &[ValType], body: &FunctionBody<'_>) -> Result<(), CompileError> {
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        let args = self.b.block_params(entry).to_vec();
        self.vmctx = args[0];

        // Prologue stack check: vmctx → runtime → stack_limit.
        let func = &mut *self.b.func;
        let overflow = |_| bad("too many memory flags");
        let readonly = func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted().with_readonly())
            .map_err(overflow)?;
        let trusted = func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted())
            .map_err(overflow)?;
        let vmctx_gv = func.create_global_value(ir::GlobalValueData::VMContext);
        let runtime_gv = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx_gv,
            offset: (offsets::CTX_RUNTIME as i32).into(),
            global_type: I64,
            flags: readonly,
        });
        let limit_gv = func.create_global_value(ir::GlobalValueData::Load {
            base: runtime_gv,
            offset: vmruntime::STACK_LIMIT.into(),
            global_type: I64,
            flags: trusted,
        });
        func.stack_limit = Some(limit_gv);
        self.runtime = self.load_readonly(self.vmctx, offsets::CTX_RUNTIME as i32);

        for (&ty, &arg) in params.iter().zip(&args[1..]) {
            let var = self.b.declare_var(abi::clif_type(ty)?);
            self.b.def_var(var, arg);
            self.locals.push(var);
        }
        for local in body.get_locals_reader()? {
            let (count, ty) = local?;
            let ty = abi::clif_type(variables::val_type(ty)?)?;
            for _ in 0..count {
                let var = self.b.declare_var(ty);
                let zero = self.zero(ty);
                self.b.def_var(var, zero);
                self.locals.push(var);
            }
        }
        let end = self.b.create_block();
        for &ty in &self.results {
            self.b.append_block_param(end, ty);
        }
        self.frames.push(Frame {
            kind: FrameKind::Function,
            label: end,
            end,
            params: Vec::new(),
            results: self.results.clone(),
            height: 0,
            end_reachable: false,
        });
        Ok(())
    }

    fn translate_op(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        if !self.reachable {
            return self.translate_unreachable(op);
        }
        if self.translate_control(op)?
            || self.translate_variable(op)?
            || self.translate_numeric(op)?
            || self.translate_memory(op)?
            || self.translate_table(op)?
            || self.translate_call(op)?
            || self.translate_exception(op)?
        {
            return Ok(());
        }
        Err(CompileError::Unsupported(format!("{op:?}")))
    }

    /// Emits the unwind block; the function's own `end` emitted the return.
    fn finish(mut self) -> Result<(), CompileError> {
        if !self.frames.is_empty() {
            return Err(bad("function body does not end"));
        }
        if let Some(block) = self.unwind_block {
            self.b.switch_to_block(block);
            self.b.set_cold_block(block);
            let zeros: Vec<Value> = self
                .results
                .clone()
                .into_iter()
                .map(|t| self.zero(t))
                .collect();
            self.b.ins().return_(&zeros);
        }
        self.b.seal_all_blocks();
        self.b.finalize(self.env.frontend);
        Ok(())
    }

    // --- helpers shared by the families --------------------------------

    fn pop(&mut self) -> Result<Value, CompileError> {
        self.stack
            .pop()
            .ok_or_else(|| bad("operand stack underflow"))
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Value>, CompileError> {
        let at = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| bad("operand stack underflow"))?;
        Ok(self.stack.split_off(at))
    }

    fn peek_n(&self, n: usize) -> Result<&[Value], CompileError> {
        let at = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| bad("operand stack underflow"))?;
        Ok(&self.stack[at..])
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            ir::types::F32 => self.b.ins().f32const(0.0),
            ir::types::F64 => self.b.ins().f64const(0.0),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// A load from runtime records that never change while code runs.
    fn load_readonly(&mut self, base: Value, offset: i32) -> Value {
        self.b
            .ins()
            .load(I64, MemFlagsData::trusted().with_readonly(), base, offset)
    }

    /// A load from a runtime record that compiled code or libcalls change.
    fn load_field(&mut self, ty: Type, base: Value, offset: i32) -> Value {
        self.b.ins().load(ty, MemFlagsData::trusted(), base, offset)
    }

    /// The address of record `index` of a context array (at `array_offset`
    /// in the VmContext): memories, tables, globals or funcs.
    fn record(&mut self, array_offset: usize, index: u32) -> Value {
        let array = self.load_readonly(self.vmctx, array_offset as i32);
        let offset = i32::try_from(u64::from(index) * 8).unwrap_or(i32::MAX);
        self.load_readonly(array, offset)
    }

    /// A reference to `id` in the code module; `colocated` for functions of
    /// the same module (near calls), not for libcalls.
    fn func_ref(&mut self, id: FuncId, sig: ir::Signature, colocated: bool) -> FuncRef {
        if let Some(&r) = self.func_refs.get(&id) {
            return r;
        }
        let func = &mut *self.b.func;
        let name = func.declare_imported_user_function(UserExternalName::new(0, id.as_u32()));
        let signature = func.import_signature(sig);
        let r = func.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature,
            colocated,
            patchable: false,
        });
        self.func_refs.insert(id, r);
        r
    }

    /// Calls a libcall with `vmctx` prepended; returns its result, if any.
    fn libcall(&mut self, call: Libcall, args: &[Value]) -> Option<Value> {
        let index = Libcall::ALL.iter().position(|&c| c == call).unwrap_or(0);
        let id = self.env.libcalls[index];
        let fref = self.func_ref(id, call.signature(), false);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let inst = self.b.ins().call(fref, &all);
        self.b.inst_results(inst).first().copied()
    }

    /// A libcall that returns a status; traps with the stored trap on failure.
    fn libcall_checked(&mut self, call: Libcall, args: &[Value]) {
        if let Some(status) = self.libcall(call, args) {
            self.b.ins().trapnz(status, crate::traps::STORED_TRAP);
        }
    }

    /// The signature of module type `type_index` as a CLIF signature ref.
    fn sig_ref(&mut self, type_index: u32) -> Result<SigRef, CompileError> {
        if let Some(&s) = self.sig_refs.get(&type_index) {
            return Ok(s);
        }
        let sig = abi::wasm_signature(self.env.module.func_type_at(type_index))?;
        let s = self.b.import_signature(sig);
        self.sig_refs.insert(type_index, s);
        Ok(s)
    }

    /// A stack buffer of `slots` raw 8-byte slots; returns its address.
    fn slot_buffer(&mut self, slots: usize) -> Value {
        let size = u32::try_from(slots.max(1) * 8).unwrap_or(u32::MAX);
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// Stores `values` as raw slots (see `wasmfx_core::value`) at `buffer`.
    fn store_raw(&mut self, buffer: Value, values: &[Value]) {
        for (i, &v) in values.iter().enumerate() {
            let raw = match self.b.func.dfg.value_type(v) {
                ir::types::I32 => self.b.ins().uextend(I64, v),
                ir::types::F32 => {
                    let bits = self.b.ins().bitcast(ir::types::I32, MemFlagsData::new(), v);
                    self.b.ins().uextend(I64, bits)
                }
                _ => v,
            };
            self.b
                .ins()
                .store(MemFlagsData::trusted(), raw, buffer, (i * 8) as i32);
        }
    }

    /// Loads raw slots of types `tys` from `buffer`.
    fn load_raw(&mut self, buffer: Value, tys: &[Type]) -> Vec<Value> {
        tys.iter()
            .enumerate()
            .map(|(i, &ty)| {
                self.b
                    .ins()
                    .load(ty, MemFlagsData::trusted(), buffer, (i * 8) as i32)
            })
            .collect()
    }

    fn jump(&mut self, block: Block, args: &[Value]) {
        let args: Vec<BlockArg> = args.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(block, &args);
    }

    /// Zero-extends an i32 index to i64; an i64 stays.
    fn to_i64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    fn types_of(&self, tys: &[ValType]) -> Result<Vec<Type>, CompileError> {
        abi::clif_types(tys)
    }
}
