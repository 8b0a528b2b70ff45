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
//!                conts.rs      cont.new, cont.bind, suspend, resume*, switch
//!                              (conts_fast.rs, conts_inline.rs: inline resume,
//!                              suspend and switch)
//! ```
//! `heap.rs` finds linear memory (and caches memory 0's base and length);
//! `interrupt.rs` emits fuel and interrupt checks (entry, loop headers);
//! `values.rs` has the helpers they share (operand stack, runtime records,
//! libcalls, raw-slot buffers).
//!
//! Everything instance-specific is read through `vmctx` (see
//! `wasmfx_core::vm`), so one compiled module serves every instance of it.
//! An instruction outside the tier's coverage (SIMD, GC heap instructions,
//! legacy exceptions) makes the whole function
//! [`CompileError::Unsupported`]; the tier leaves such functions to the
//! interpreter.

mod calls;
mod control;
mod conts;
mod conts_fast;
mod conts_inline;
mod conts_warm;
mod exceptions;
mod heap;
mod interrupt;
mod memory;
mod numeric;
mod osr;
mod table;
mod values;
mod variables;

use crate::CompileError;
use crate::abi;
use crate::vmruntime;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    self, Block, FuncRef, Function, InstBuilder, MemFlagsData, SigRef, Type, Value,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::FuncId;
use std::collections::HashMap;
use wasmfx_core::module::Module;
use wasmfx_core::types::{CompositeType, ValType};
use wasmfx_core::vm::offsets;
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// What the translator needs from the module being compiled.
pub(crate) struct ModuleEnv<'a> {
    pub module: &'a Module,
    /// By function index: its id in the code module when it is compiled in
    /// the same batch (then calls to it are direct).
    pub func_ids: &'a [Option<FuncId>],
    /// By function index: its id when it was compiled before, into the same
    /// code module (calls to it are direct too: code never moves).
    pub earlier_ids: &'a [Option<FuncId>],
    /// By memory index: guard bytes past its 32-bit range (0 = none), see
    /// `heap.rs`.
    pub memory_guards: &'a [u64],
    /// Ids of the libcalls, in [`Libcall::ALL`] order.
    pub libcalls: &'a [FuncId],
    /// Compiled continuation starts by signature (`cont_start.rs`).
    pub cont_starts: &'a std::collections::HashMap<crate::cont_start::StartKey, FuncId>,
    pub frontend: cranelift_codegen::isa::TargetFrontendConfig,
    /// The interruption checks the code carries (`interrupt.rs`).
    pub interrupt: wasmfx_core::InterruptChecks,
    /// The runtime record and stack chain the code runs with.
    pub runtime: RuntimeAddrs,
}

/// The addresses of a Jit's runtime record ([`vmruntime::VmRuntime`]) and
/// its stack chain: fixed for the Jit's life (both boxed), and a Jit's code
/// runs only with them (every instance it compiles points at its record),
/// so compiled code may take them as constants: a constant in each block
/// that uses it, where a value loaded once would live in a stack slot
/// across every switch.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RuntimeAddrs {
    pub record: usize,
    pub chain: usize,
}

/// Translates defined function `index` of `env.module` into `func`; with
/// `osr`, the function entered at the loop whose operator is at that offset
/// (`osr.rs`).
pub(crate) fn translate_function(
    env: &ModuleEnv<'_>,
    index: u32,
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    osr: Option<usize>,
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
    func.signature = match osr {
        None => abi::wasm_signature(ty)?,
        Some(_) => abi::wasm_signature(&abi::osr_type(ty))?,
    };

    let b = FunctionBuilder::new(func, builder_ctx);
    let mut t = FuncTranslator::new(env, b, abi::clif_types(&ty.results)?)?;
    t.declare_locals(&ty.params, &reader, osr.is_none())?;
    t.cache_memory0(&reader)?;
    if let Some(offset) = osr {
        t.begin_osr(offset)?;
    }
    t.interrupt_check();
    let mut ops = reader.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        t.offset = offset as usize;
        t.translate_op(&op)?;
    }
    let osr = t.end_osr()?;
    t.finish()?;
    if let Some(target) = osr {
        target.cut_dead_path(func);
    }
    Ok(())
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
        clauses: Vec<exceptions::Clause>,
    },
}

pub(crate) struct FuncTranslator<'a, 'f> {
    env: &'a ModuleEnv<'a>,
    b: FunctionBuilder<'f>,
    vmctx: Value,
    /// The store's runtime record (`VmContext::runtime`), loaded once, or
    /// its constant address (`const_runtime`); uses go through
    /// [`FuncTranslator::runtime_record`].
    runtime: Value,
    /// Whether uses of the runtime record take its constant address: in
    /// modules with continuation types, whose code switches stacks.
    const_runtime: bool,
    locals: Vec<Variable>,
    /// The CLIF type of each local.
    local_types: Vec<Type>,
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
    /// Flags of linear-memory accesses: their own alias region, so stores to
    /// Wasm memory do not make Cranelift reload memory records or globals.
    /// Only these instructions touch linear memory (libcalls are calls,
    /// which clobber every region).
    heap_flags: MemFlagsData,
    /// Memory 0's base and length, when the function accesses it (heap.rs).
    memory0: Option<(Variable, Variable)>,
    /// Offset of the operator being translated, in the module's bytes.
    offset: usize,
    /// The loop an OSR translation enters (`osr.rs`).
    osr: Option<osr::OsrTarget>,
    /// The entry block's instruction that makes `runtime`, after which
    /// [`FuncTranslator::entry_limit`] copies the stack limit to its slot.
    runtime_load: ir::Inst,
    /// The stack slot holding the compiled-code stack limit at entry,
    /// made on first use ([`FuncTranslator::entry_limit`]).
    entry_limit: Option<ir::StackSlot>,
    /// The raw handle and record the operator just translated made, when
    /// it was a `cont.new` (set by it, moved to `made_before` by the next).
    just_made: Option<(Value, Value)>,
    /// The handle and record the previous operator made, if it was a
    /// `cont.new`: a fresh continuation nothing has touched since
    /// (`take_handle`).
    made_before: Option<(Value, Value)>,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    /// Starts the function: the entry block, the prologue's stack-limit
    /// check (vmctx → runtime → stack_limit) and the runtime record.
    fn new(
        env: &'a ModuleEnv<'a>,
        mut b: FunctionBuilder<'f>,
        results: Vec<Type>,
    ) -> Result<Self, CompileError> {
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let vmctx = b.block_params(entry)[0];

        let func = &mut *b.func;
        let overflow = |_| bad("too many memory flags");
        let readonly = MemFlagsData::trusted().with_readonly();
        let readonly_ref = func.dfg.mem_flags.insert(readonly).map_err(overflow)?;
        let trusted_ref = func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted())
            .map_err(overflow)?;
        let vmctx_gv = func.create_global_value(ir::GlobalValueData::VMContext);
        let runtime_gv = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx_gv,
            offset: (offsets::CTX_RUNTIME as i32).into(),
            global_type: I64,
            flags: readonly_ref,
        });
        let limit_gv = func.create_global_value(ir::GlobalValueData::Load {
            base: runtime_gv,
            offset: vmruntime::STACK_LIMIT.into(),
            global_type: I64,
            flags: trusted_ref,
        });
        func.stack_limit = Some(limit_gv);
        let heap = func.dfg.alias_regions.insert(ir::AliasRegionData {
            user_id: 1,
            description: "linear memory".into(),
        });
        let heap_flags = MemFlagsData::new()
            .with_notrap()
            .with_alias_region(Some(heap));
        let const_runtime = env.runtime.record != 0
            && (env.module.type_defs.iter()).any(|t| matches!(t, CompositeType::Cont(_)));
        // A constant needs no load at entry (and goes if nothing uses it).
        let runtime = match const_runtime {
            true => b.ins().iconst(I64, env.runtime.record as i64),
            false => (b.ins()).load(I64, readonly, vmctx, offsets::CTX_RUNTIME as i32),
        };
        let runtime_load = b.func.dfg.value_def(runtime).unwrap_inst();
        Ok(FuncTranslator {
            env,
            b,
            vmctx,
            runtime,
            const_runtime,
            locals: Vec::new(),
            local_types: Vec::new(),
            stack: Vec::new(),
            frames: Vec::new(),
            reachable: true,
            dead_depth: 0,
            results,
            unwind_block: None,
            sig_refs: HashMap::new(),
            func_refs: HashMap::new(),
            heap_flags,
            memory0: None,
            offset: 0,
            osr: None,
            runtime_load,
            entry_limit: None,
            just_made: None,
            made_before: None,
        })
    }

    /// Params and declared locals as variables, and the function's frame.
    /// Params come from the entry's params when `from_params` (else they
    /// start at zero: an OSR entry loads them).
    fn declare_locals(
        &mut self,
        params: &[ValType],
        body: &FunctionBody<'_>,
        from_params: bool,
    ) -> Result<(), CompileError> {
        let entry = self
            .b
            .current_block()
            .ok_or_else(|| bad("no entry block"))?;
        let args = self.b.block_params(entry)[1..].to_vec();
        for (i, &ty) in params.iter().enumerate() {
            let ty = abi::clif_type(ty)?;
            let var = self.b.declare_var(ty);
            let arg = match (from_params, args.get(i)) {
                (true, Some(&arg)) => arg,
                _ => self.zero(ty),
            };
            self.b.def_var(var, arg);
            self.locals.push(var);
            self.local_types.push(ty);
        }
        for local in body.get_locals_reader()? {
            let (count, ty) = local?;
            let ty = abi::clif_type(variables::val_type(ty)?)?;
            for _ in 0..count {
                let var = self.b.declare_var(ty);
                let zero = self.zero(ty);
                self.b.def_var(var, zero);
                self.locals.push(var);
                self.local_types.push(ty);
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
        self.made_before = self.just_made.take();
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
            || self.translate_cont(op)?
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
}
