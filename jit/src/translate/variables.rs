//! Locals, globals, constants, `drop`/`select` and reference instructions.
//!
//! A global is read and written through its record (`VmGlobal`, one raw
//! slot). Writes keep the raw encoding the interpreter and the host read:
//! an i32 or f32 is stored zero-extended to 64 bits.
//!
//! ```text
//!   vmctx.globals ──▶ [*VmGlobal] ──▶ VmGlobal { value: u64 }
//!   vmctx.funcs   ──▶ [*VmFuncRef] ──▶ VmFuncRef { .., addr: u32 }   ref.func: addr + 1
//! ```

use super::{CompileError, FuncTranslator, bad};
use crate::traps;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData};
use wasmfx_core::types::{HeapType, RefType, ValType};
use wasmfx_core::vm::offsets;
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_variable(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::LocalGet { local_index } => {
                let var = self.local(local_index)?;
                let v = self.b.use_var(var);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let var = self.local(local_index)?;
                let v = self.pop()?;
                self.b.def_var(var, v);
            }
            Operator::LocalTee { local_index } => {
                let var = self.local(local_index)?;
                let v = *self
                    .stack
                    .last()
                    .ok_or_else(|| bad("operand stack underflow"))?;
                self.b.def_var(var, v);
            }
            Operator::GlobalGet { global_index } => {
                let ty = self.global_type(global_index)?;
                let record = self.record(offsets::CTX_GLOBALS, global_index);
                let v = self.load_field(ty, record, offsets::GLOBAL_VALUE as i32);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let v = self.pop()?;
                let record = self.record(offsets::CTX_GLOBALS, global_index);
                self.store_raw(record, &[v]);
            }
            Operator::I32Const { value } => {
                let v = self.b.ins().iconst(I32, i64::from(value));
                self.push(v);
            }
            Operator::I64Const { value } => {
                let v = self.b.ins().iconst(I64, value);
                self.push(v);
            }
            Operator::F32Const { value } => {
                let v = self.b.ins().f32const(f32::from_bits(value.bits()));
                self.push(v);
            }
            Operator::F64Const { value } => {
                let v = self.b.ins().f64const(f64::from_bits(value.bits()));
                self.push(v);
            }
            Operator::Drop => {
                self.pop()?;
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop()?;
                let (a, b) = (self.pop()?, self.pop()?);
                let v = self.b.ins().select(cond, b, a);
                self.push(v);
            }
            Operator::RefNull { .. } => {
                let v = self.b.ins().iconst(I64, 0);
                self.push(v);
            }
            Operator::RefIsNull => {
                let r = self.pop()?;
                let is_null = self.b.ins().icmp_imm_s(IntCC::Equal, r, 0);
                let v = self.b.ins().uextend(I32, is_null);
                self.push(v);
            }
            Operator::RefFunc { function_index } => {
                // The raw funcref: the function's store address + 1, kept
                // in its record (core's vm.rs).
                let record = self.record(offsets::CTX_FUNCS, function_index);
                let flags = MemFlagsData::trusted().with_readonly().with_can_move();
                let at = offsets::FUNC_REF_ADDR as i32;
                let addr = self.b.ins().uload32(flags, record, at);
                let v = self.b.ins().iadd_imm_s(addr, 1);
                self.push(v);
            }
            Operator::RefAsNonNull => {
                let r = *self
                    .stack
                    .last()
                    .ok_or_else(|| bad("operand stack underflow"))?;
                self.b.ins().trapz(r, traps::NULL_REFERENCE);
            }
            Operator::RefEq => {
                let (b, a) = (self.pop()?, self.pop()?);
                let eq = self.b.ins().icmp(IntCC::Equal, a, b);
                let v = self.b.ins().uextend(I32, eq);
                self.push(v);
            }
            Operator::I32ReinterpretF32 => self.reinterpret(I32)?,
            Operator::I64ReinterpretF64 => self.reinterpret(I64)?,
            Operator::F32ReinterpretI32 => self.reinterpret(F32)?,
            Operator::F64ReinterpretI64 => self.reinterpret(cranelift_codegen::ir::types::F64)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn reinterpret(&mut self, to: cranelift_codegen::ir::Type) -> Result<(), CompileError> {
        let v = self.pop()?;
        let r = self.b.ins().bitcast(to, MemFlagsData::new(), v);
        self.push(r);
        Ok(())
    }

    fn local(&self, index: u32) -> Result<cranelift_frontend::Variable, CompileError> {
        self.locals
            .get(index as usize)
            .copied()
            .ok_or_else(|| bad("no such local"))
    }

    fn global_type(&self, index: u32) -> Result<cranelift_codegen::ir::Type, CompileError> {
        let ty = self.env.module.globals.get(index as usize).copied();
        let ty = ty.ok_or_else(|| bad("no such global"))?;
        crate::abi::clif_type(ty.content)
    }
}

/// The core value type of a wasmparser value type (reference details do
/// not matter to compiled code: every reference is a raw slot).
pub(super) fn val_type(ty: wasmparser::ValType) -> Result<ValType, CompileError> {
    Ok(match ty {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(_) => ValType::Ref(RefType {
            nullable: true,
            heap: HeapType::Any,
        }),
    })
}
