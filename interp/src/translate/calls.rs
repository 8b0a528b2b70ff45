//! Calls, tail calls and throws, plus the lookups from module indices to the
//! instance's store addresses that every translation file uses.
//!
//! A direct call is resolved to the callee's address and kind (Wasm or host)
//! at translation time; indirect calls carry the table address and the
//! expected canonical type id.

use super::{TranslateError, Translator, err};
use crate::op::Op;
use wasmfx_core::{FuncAddr, FuncKind, FuncType, GlobalAddr, MemAddr, TableAddr, TagAddr};
use wasmparser::Operator;

impl Translator<'_> {
    /// Translates call and throw instructions; `false` if `op` is not one.
    pub(super) fn translate_call(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        match *op {
            Operator::Call { function_index } => {
                let (callee, is_host) = self.callee(function_index)?;
                let (params, results) = self.call_arity(self.module_func_type(function_index)?);
                let op = if is_host {
                    Op::CallHost(callee)
                } else {
                    Op::Call(callee)
                };
                self.emit_effect(op, params, results)?;
            }
            Operator::ReturnCall { function_index } => {
                let (callee, is_host) = self.callee(function_index)?;
                let op = if is_host {
                    Op::ReturnCallHost(callee)
                } else {
                    Op::ReturnCall(callee)
                };
                self.emit(op);
                self.unreachable = true;
            }
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                let (params, results) = self.call_arity(self.func_type_at(type_index)?);
                let op = Op::CallIndirect {
                    table: self.table_addr(table_index)?.0,
                    ty: self.canonical_type(type_index)?,
                };
                self.emit_effect(op, params + 1, results)?;
            }
            Operator::ReturnCallIndirect {
                type_index,
                table_index,
            } => {
                let op = Op::ReturnCallIndirect {
                    table: self.table_addr(table_index)?.0,
                    ty: self.canonical_type(type_index)?,
                };
                self.emit(op);
                self.unreachable = true;
            }
            Operator::CallRef { type_index } => {
                let (params, results) = self.call_arity(self.func_type_at(type_index)?);
                self.emit_effect(Op::CallRef, params + 1, results)?;
            }
            Operator::ReturnCallRef { .. } => {
                self.emit(Op::ReturnCallRef);
                self.unreachable = true;
            }
            Operator::Throw { tag_index } => {
                self.emit(Op::Throw(self.tag_addr(tag_index)?));
                self.unreachable = true;
            }
            Operator::ThrowRef => {
                self.emit(Op::ThrowRef);
                self.unreachable = true;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn call_arity(&self, ty: &FuncType) -> (u32, u32) {
        (ty.params.len() as u32, ty.results.len() as u32)
    }

    /// The store address of function `index` and whether it is a host function.
    fn callee(&self, index: u32) -> Result<(FuncAddr, bool), TranslateError> {
        let addr = *self
            .instance
            .funcs
            .get(index as usize)
            .ok_or_else(|| err("unknown function"))?;
        let func = self
            .store
            .funcs
            .get(addr.0 as usize)
            .ok_or_else(|| err("dangling function"))?;
        Ok((addr, matches!(func.kind, FuncKind::Host(_))))
    }

    fn module_func_type(&self, func_index: u32) -> Result<&FuncType, TranslateError> {
        let ty = *self
            .module
            .funcs
            .get(func_index as usize)
            .ok_or_else(|| err("unknown function"))?;
        self.func_type_at(ty)
    }

    /// The function type at module type index `ty`.
    pub(super) fn func_type_at(&self, ty: u32) -> Result<&FuncType, TranslateError> {
        match self.module.type_defs.get(ty as usize) {
            Some(wasmfx_core::types::CompositeType::Func(f)) => Ok(f),
            _ => Err(err("not a function type")),
        }
    }

    fn canonical_type(&self, ty: u32) -> Result<u32, TranslateError> {
        Ok(self
            .module
            .types
            .get(ty as usize)
            .ok_or_else(|| err("unknown type"))?
            .0)
    }

    pub(super) fn tag_addr(&self, index: u32) -> Result<TagAddr, TranslateError> {
        self.instance
            .tags
            .get(index as usize)
            .copied()
            .ok_or_else(|| err("unknown tag"))
    }

    pub(super) fn table_addr(&self, index: u32) -> Result<TableAddr, TranslateError> {
        self.instance
            .tables
            .get(index as usize)
            .copied()
            .ok_or_else(|| err("unknown table"))
    }

    pub(super) fn mem_addr(&self, index: u32) -> Result<MemAddr, TranslateError> {
        self.instance
            .memories
            .get(index as usize)
            .copied()
            .ok_or_else(|| err("unknown memory"))
    }

    pub(super) fn global_addr(&self, index: u32) -> Result<GlobalAddr, TranslateError> {
        self.instance
            .globals
            .get(index as usize)
            .copied()
            .ok_or_else(|| err("unknown global"))
    }

    pub(super) fn func_addr(&self, index: u32) -> Result<FuncAddr, TranslateError> {
        self.instance
            .funcs
            .get(index as usize)
            .copied()
            .ok_or_else(|| err("unknown function"))
    }
}
