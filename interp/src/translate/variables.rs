//! Operand-stack plumbing, locals, globals, constants and reference
//! instructions.
//!
//! Locals are addressed by their slot offset from the frame base (params
//! first, then declared locals). Constants of every type become one
//! [`Op::Const`] holding the raw slot; `ref.null` is the raw 0.

use super::{TranslateError, Translator};
use crate::op::Op;
use wasmparser::Operator;

impl Translator<'_> {
    /// Translates stack, variable, constant and reference instructions;
    /// `false` if `op` is not one.
    pub(super) fn translate_variable(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        match *op {
            Operator::Drop => self.emit_effect(Op::Drop, 1, 0)?,
            Operator::Select | Operator::TypedSelect { .. } => {
                self.emit_effect(Op::Select, 3, 1)?
            }
            Operator::LocalGet { local_index } => {
                self.emit_effect(Op::LocalGet(local_index), 0, 1)?
            }
            Operator::LocalSet { local_index } => {
                self.emit_effect(Op::LocalSet(local_index), 1, 0)?
            }
            Operator::LocalTee { local_index } => {
                self.emit_effect(Op::LocalTee(local_index), 1, 1)?
            }
            Operator::GlobalGet { global_index } => {
                self.emit_effect(Op::GlobalGet(self.global_addr(global_index)?), 0, 1)?
            }
            Operator::GlobalSet { global_index } => {
                self.emit_effect(Op::GlobalSet(self.global_addr(global_index)?), 1, 0)?
            }
            Operator::I32Const { value } => {
                self.emit_effect(Op::Const(value as u32 as u64), 0, 1)?
            }
            Operator::I64Const { value } => self.emit_effect(Op::Const(value as u64), 0, 1)?,
            Operator::F32Const { value } => {
                self.emit_effect(Op::Const(value.bits() as u64), 0, 1)?
            }
            Operator::F64Const { value } => self.emit_effect(Op::Const(value.bits()), 0, 1)?,
            Operator::RefNull { .. } => self.emit_effect(Op::Const(0), 0, 1)?,
            Operator::RefFunc { function_index } => {
                self.emit_effect(Op::RefFunc(self.func_addr(function_index)?), 0, 1)?
            }
            Operator::RefIsNull => self.emit_effect(Op::RefIsNull, 1, 1)?,
            Operator::RefAsNonNull => self.emit_effect(Op::RefAsNonNull, 1, 1)?,
            Operator::RefEq => self.emit_effect(Op::RefEq, 2, 1)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}
