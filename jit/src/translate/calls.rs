//! `call`, `call_indirect`, `call_ref` and their `return_call*` forms.
//!
//! A function compiled in the same batch, or before it into the same code
//! module, is called directly. Any other callee goes through its
//! `VmFuncRef`: compiled code if the record has
//! some, else the `call_*` libcall (host functions, functions the tier left
//! to the interpreter), with arguments and results in a stack buffer of raw
//! slots:
//!
//! ```text
//!   code = fr.code ──brif──▶ fast: call_indirect(sig, code, fr.vmctx, args...) ─┐
//!                    └─────▶ slow: store args; status = call_*(vmctx, id, buf);  │
//!                                  trapnz status; load results ──────────────────┤
//!                                                                 join(results) ◀┘
//!                                          then: pending exception? ─▶ handler
//! ```
//!
//! `call_indirect` reads the table slot (raw funcref = FuncAddr + 1), finds
//! the record in the runtime's `func_refs`, and compares canonical type ids;
//! when they differ a libcall decides subtyping.

use super::{CompileError, FuncTranslator, bad};
use crate::libcalls::Libcall;
use crate::{traps, vmruntime};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, SigRef, Value};
use cranelift_module::FuncId;
use wasmfx_core::vm::offsets;
use wasmparser::Operator;

/// How the slow path names the callee to the runtime (by its store address,
/// `FuncAddr`).
#[derive(Clone, Copy)]
enum Callee {
    /// A direct call: the address is read from the callee's record, on the
    /// slow path only (the runtime then looks up nothing).
    Direct,
    /// The address, as an i32 value.
    Addr(Value),
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_call(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::Call { function_index } => self.call_direct(function_index, false)?,
            Operator::ReturnCall { function_index } => self.call_direct(function_index, true)?,
            Operator::CallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, false)?,
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => self.call_indirect(type_index, table_index, true)?,
            Operator::CallRef { type_index } => self.call_ref(type_index, false)?,
            Operator::ReturnCallRef { type_index } => self.call_ref(type_index, true)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn call_direct(&mut self, index: u32, tail: bool) -> Result<(), CompileError> {
        let module = self.env.module;
        let type_index = *module
            .funcs
            .get(index as usize)
            .ok_or_else(|| bad("no such function"))?;
        let n = module.func_type_at(type_index).params.len();
        let args = self.pop_n(n)?;
        let direct = |ids: &[Option<FuncId>]| ids.get(index as usize).copied().flatten();
        let id = direct(self.env.func_ids).or_else(|| direct(self.env.earlier_ids));
        if let Some(id) = id {
            let sig = crate::abi::wasm_signature(module.func_type_at(type_index))?;
            let fref = self.func_ref(id, sig, true);
            let mut all = vec![self.vmctx];
            all.extend_from_slice(&args);
            if tail {
                self.b.ins().return_call(fref, &all);
                self.reachable = false;
            } else {
                let inst = self.b.ins().call(fref, &all);
                let results = self.b.inst_results(inst).to_vec();
                self.stack.extend_from_slice(&results);
                self.check_pending();
            }
            return Ok(());
        }
        let record = self.record(offsets::CTX_FUNCS, index);
        self.call_record(record, type_index, &args, Callee::Direct, tail)
    }

    fn call_indirect(
        &mut self,
        type_index: u32,
        table: u32,
        tail: bool,
    ) -> Result<(), CompileError> {
        let index = self.pop()?;
        let n = self.env.module.func_type_at(type_index).params.len();
        let args = self.pop_n(n)?;
        let slot = self.table_slot(table, index, traps::UNDEFINED_ELEMENT);
        let raw = self.load_field(I64, slot, 0);
        self.b.ins().trapz(raw, traps::UNINITIALIZED_ELEMENT);
        let (record, addr) = self.func_record_of(raw);

        // Signature check: equal canonical ids, else ask the registry.
        let expected = self
            .env
            .module
            .types
            .get(type_index as usize)
            .ok_or_else(|| bad("no such type"))?
            .0;
        let actual = self.load_field(I32, record, offsets::FUNC_REF_TYPE_ID as i32);
        let same = self
            .b
            .ins()
            .icmp_imm_u(IntCC::Equal, actual, i64::from(expected));
        let check = self.b.create_block();
        let checked = self.b.create_block();
        self.b.set_cold_block(check);
        self.b.ins().brif(same, checked, &[], check, &[]);
        self.b.switch_to_block(check);
        let expected = self.b.ins().iconst(I32, i64::from(expected));
        let sub = self
            .libcall(Libcall::IsSubtype, &[actual, expected])
            .ok_or_else(|| bad("subtype"))?;
        self.b.ins().trapz(sub, traps::INDIRECT_CALL_TYPE_MISMATCH);
        self.jump(checked, &[]);
        self.b.switch_to_block(checked);
        self.call_record(record, type_index, &args, Callee::Addr(addr), tail)
    }

    fn call_ref(&mut self, type_index: u32, tail: bool) -> Result<(), CompileError> {
        let raw = self.pop()?;
        let n = self.env.module.func_type_at(type_index).params.len();
        let args = self.pop_n(n)?;
        self.b.ins().trapz(raw, traps::NULL_FUNCTION_REFERENCE);
        let (record, addr) = self.func_record_of(raw);
        self.call_record(record, type_index, &args, Callee::Addr(addr), tail)
    }

    /// The `VmFuncRef` of a non-null raw funcref, and its `FuncAddr` (i32).
    fn func_record_of(&mut self, raw: Value) -> (Value, Value) {
        let addr = self.b.ins().iadd_imm_s(raw, -1);
        let runtime = self.runtime_record();
        let refs = self.load_field(I64, runtime, vmruntime::FUNC_REFS);
        let offset = self.b.ins().ishl_imm_u(addr, 3);
        let entry = self.b.ins().iadd(refs, offset);
        // Valid only after the null check: not `can_move`.
        let flags = MemFlagsData::trusted().with_readonly();
        let record = self.b.ins().load(I64, flags, entry, 0);
        let addr = self.b.ins().ireduce(I32, addr);
        (record, addr)
    }

    /// Calls through `record` (a `VmFuncRef`) with the fast and slow paths
    /// drawn in the module doc; pushes the results (or returns them, `tail`).
    fn call_record(
        &mut self,
        record: Value,
        type_index: u32,
        args: &[Value],
        callee: Callee,
        tail: bool,
    ) -> Result<(), CompileError> {
        let ft = self.env.module.func_type_at(type_index);
        let result_types = self.types_of(&ft.results)?;
        let slots = ft.params.len().max(ft.results.len());
        let sig: SigRef = self.sig_ref(type_index)?;

        let code = self.load_field(I64, record, offsets::FUNC_REF_CODE as i32);
        let fast = self.b.create_block();
        let slow = self.b.create_block();
        let join = self.new_block(&result_types);
        self.b.ins().brif(code, fast, &[], slow, &[]);

        self.b.switch_to_block(fast);
        let callee_vmctx = self.load_field(I64, record, offsets::FUNC_REF_VMCTX as i32);
        let mut all = vec![callee_vmctx];
        all.extend_from_slice(args);
        if tail {
            self.b.ins().return_call_indirect(sig, code, &all);
        } else {
            let inst = self.b.ins().call_indirect(sig, code, &all);
            let results = self.b.inst_results(inst).to_vec();
            self.jump(join, &results);
        }

        self.b.switch_to_block(slow);
        let buffer = self.slot_buffer(slots);
        self.store_raw(buffer, args);
        let addr = match callee {
            Callee::Direct => self.load_field(I32, record, offsets::FUNC_REF_ADDR as i32),
            Callee::Addr(a) => a,
        };
        self.libcall_checked(Libcall::CallAddr, &[addr, buffer]);
        let results = self.load_raw(buffer, &result_types);
        self.jump(join, &results);

        self.b.switch_to_block(join);
        let results = self.b.block_params(join).to_vec();
        if tail {
            // Only the slow path gets here; this frame is done either way, so
            // a pending exception skips this function's handlers.
            let unwind = self.unwind_block();
            let runtime = self.runtime_record();
            let pending = self.load_field(I64, runtime, vmruntime::PENDING_EXN);
            let ret = self.b.create_block();
            self.b.ins().brif(pending, unwind, &[], ret, &[]);
            self.b.switch_to_block(ret);
            self.b.ins().return_(&results);
            self.reachable = false;
        } else {
            self.stack.extend_from_slice(&results);
            self.check_pending();
        }
        Ok(())
    }
}
