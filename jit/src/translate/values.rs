//! Helpers every instruction family uses: the operand stack, loads from
//! runtime records, libcalls, and buffers of raw slots (the encoding of
//! `wasmfx_core::value`) for calls out of compiled code.

use super::{CompileError, FuncTranslator, bad};
use crate::abi;
use crate::libcalls::Libcall;
use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    self, Block, BlockArg, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, SigRef,
    StackSlotData, StackSlotKind, Type, UserExternalName, Value,
};
use cranelift_module::FuncId;
use wasmfx_core::types::ValType;

impl FuncTranslator<'_, '_> {
    pub(super) fn pop(&mut self) -> Result<Value, CompileError> {
        self.stack
            .pop()
            .ok_or_else(|| bad("operand stack underflow"))
    }

    pub(super) fn pop_n(&mut self, n: usize) -> Result<Vec<Value>, CompileError> {
        let at = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| bad("operand stack underflow"))?;
        Ok(self.stack.split_off(at))
    }

    pub(super) fn peek_n(&self, n: usize) -> Result<&[Value], CompileError> {
        let at = self
            .stack
            .len()
            .checked_sub(n)
            .ok_or_else(|| bad("operand stack underflow"))?;
        Ok(&self.stack[at..])
    }

    pub(super) fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    pub(super) fn zero(&mut self, ty: Type) -> Value {
        match ty {
            ir::types::F32 => self.b.ins().f32const(0.0),
            ir::types::F64 => self.b.ins().f64const(0.0),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// A load from the instance's context or its arrays, which never change
    /// while code runs and are valid wherever `vmctx` is: Cranelift may
    /// merge such loads and hoist them out of loops.
    pub(super) fn load_readonly(&mut self, base: Value, offset: i32) -> Value {
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        self.b.ins().load(I64, flags, base, offset)
    }

    /// The store's runtime record: the constant address when the module
    /// switches stacks (see [`super::RuntimeAddrs`]), else the value
    /// loaded at entry, which stays in a register where no switch
    /// clobbers it.
    pub(super) fn runtime_record(&mut self) -> Value {
        match self.const_runtime {
            true => (self.b.ins()).iconst(I64, self.env.runtime.record as i64),
            false => self.runtime,
        }
    }

    /// A load from a runtime record that compiled code or libcalls change.
    pub(super) fn load_field(&mut self, ty: Type, base: Value, offset: i32) -> Value {
        self.b.ins().load(ty, MemFlagsData::trusted(), base, offset)
    }

    /// The address of record `index` of a context array (at `array_offset`
    /// in the VmContext): memories, tables, globals or funcs.
    pub(super) fn record(&mut self, array_offset: usize, index: u32) -> Value {
        let array = self.load_readonly(self.vmctx, array_offset as i32);
        let offset = i32::try_from(u64::from(index) * 8).unwrap_or(i32::MAX);
        self.load_readonly(array, offset)
    }

    /// A reference to `id` in the code module; `colocated` for functions of
    /// the same module (near calls), not for libcalls.
    pub(super) fn func_ref(&mut self, id: FuncId, sig: ir::Signature, colocated: bool) -> FuncRef {
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
    pub(super) fn libcall(&mut self, call: Libcall, args: &[Value]) -> Option<Value> {
        let index = Libcall::ALL.iter().position(|&c| c == call).unwrap_or(0);
        let id = self.env.libcalls[index];
        let fref = self.func_ref(id, call.signature(), false);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx);
        all.extend_from_slice(args);
        let inst = self.b.ins().call(fref, &all);
        let result = self.b.inst_results(inst).first().copied();
        self.reload_memory_cache();
        result
    }

    /// A libcall that returns a status; traps with the stored trap on failure.
    pub(super) fn libcall_checked(&mut self, call: Libcall, args: &[Value]) {
        if let Some(status) = self.libcall(call, args) {
            self.b.ins().trapnz(status, crate::traps::STORED_TRAP);
        }
    }

    /// The signature of module type `type_index` as a CLIF signature ref.
    pub(super) fn sig_ref(&mut self, type_index: u32) -> Result<SigRef, CompileError> {
        if let Some(&s) = self.sig_refs.get(&type_index) {
            return Ok(s);
        }
        let sig = abi::wasm_signature(self.env.module.func_type_at(type_index))?;
        let s = self.b.import_signature(sig);
        self.sig_refs.insert(type_index, s);
        Ok(s)
    }

    /// A stack buffer of `slots` raw 8-byte slots; returns its address.
    pub(super) fn slot_buffer(&mut self, slots: usize) -> Value {
        let size = u32::try_from(slots.max(1) * 8).unwrap_or(u32::MAX);
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            3,
        ));
        self.b.ins().stack_addr(I64, slot, 0)
    }

    /// Stores `values` as raw slots (see `wasmfx_core::value`) at `buffer`.
    pub(super) fn store_raw(&mut self, buffer: Value, values: &[Value]) {
        crate::abi::store_raw_slots(&mut self.b, buffer, values);
    }

    /// Loads raw slots of types `tys` from `buffer`.
    pub(super) fn load_raw(&mut self, buffer: Value, tys: &[Type]) -> Vec<Value> {
        tys.iter()
            .enumerate()
            .map(|(i, &ty)| {
                self.b
                    .ins()
                    .load(ty, MemFlagsData::trusted(), buffer, (i * 8) as i32)
            })
            .collect()
    }

    pub(super) fn jump(&mut self, block: Block, args: &[Value]) {
        let args: Vec<BlockArg> = args.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(block, &args);
    }

    /// Zero-extends an i32 index to i64; an i64 stays.
    pub(super) fn widen_to_i64(&mut self, v: Value) -> Value {
        if self.b.func.dfg.value_type(v) == I64 {
            v
        } else {
            self.b.ins().uextend(I64, v)
        }
    }

    pub(super) fn types_of(&self, tys: &[ValType]) -> Result<Vec<Type>, CompileError> {
        abi::clif_types(tys)
    }
}
