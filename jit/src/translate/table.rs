//! `table.*` instructions and element segments.
//!
//! `get`, `set` and `size` read the table's record directly; `grow`,
//! `fill`, `copy`, `init` and `elem.drop` are libcalls.
//!
//! ```text
//!   vmctx.tables ──▶ [*VmTable] ──▶ VmTable { base: *u64, length }
//!   trapnz index >= length   TABLE_OUT_OF_BOUNDS
//!   slot = base + index * 8   (raw reference, 0 = null)
//! ```

use super::{CompileError, FuncTranslator, bad};
use crate::libcalls::Libcall;
use crate::traps;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, TrapCode, Value};
use wasmfx_core::vm::offsets;
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_table(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            O::TableGet { table } => {
                let index = self.pop()?;
                let slot = self.table_slot(table, index, traps::TABLE_OUT_OF_BOUNDS);
                let v = self.b.ins().load(I64, MemFlagsData::trusted(), slot, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let value = self.pop()?;
                let index = self.pop()?;
                let slot = self.table_slot(table, index, traps::TABLE_OUT_OF_BOUNDS);
                self.b.ins().store(MemFlagsData::trusted(), value, slot, 0);
            }
            O::TableSize { table } => {
                let record = self.record(offsets::CTX_TABLES, table);
                let length = self.load_field(I64, record, offsets::TABLE_LENGTH as i32);
                let v = self.narrow_to_index(length, self.table64(table)?);
                self.push(v);
            }
            O::TableGrow { table } => {
                let delta = self.pop()?;
                let init = self.pop()?;
                let delta = self.widen_to_i64(delta);
                let index = self.b.ins().iconst(I32, i64::from(table));
                let old = self
                    .libcall(Libcall::TableGrow, &[index, init, delta])
                    .ok_or_else(|| bad("grow"))?;
                let v = self.narrow_to_index(old, self.table64(table)?);
                self.push(v);
            }
            O::TableFill { table } => {
                let [dst, value, len] = self.pop3()?;
                let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
                let index = self.b.ins().iconst(I32, i64::from(table));
                self.libcall_checked(Libcall::TableFill, &[index, dst, value, len]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let [dst, src, len] = self.pop3()?;
                let args = self.index_args(&[dst_table, src_table], [dst, src, len]);
                self.libcall_checked(Libcall::TableCopy, &args);
            }
            O::TableInit { elem_index, table } => {
                let [dst, src, len] = self.pop3()?;
                let args = self.index_args(&[table, elem_index], [dst, src, len]);
                self.libcall_checked(Libcall::TableInit, &args);
            }
            O::ElemDrop { elem_index } => {
                let index = self.b.ins().iconst(I32, i64::from(elem_index));
                self.libcall(Libcall::ElemDrop, &[index]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The address of slot `index` of table `table`, trapping with `oob`
    /// when it is past the end.
    pub(super) fn table_slot(&mut self, table: u32, index: Value, oob: TrapCode) -> Value {
        let record = self.record(offsets::CTX_TABLES, table);
        let index = self.widen_to_i64(index);
        let length = self.load_field(I64, record, offsets::TABLE_LENGTH as i32);
        let out = self
            .b
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
        self.b.ins().trapnz(out, oob);
        let base = self.load_field(I64, record, offsets::TABLE_BASE as i32);
        let offset = self.b.ins().ishl_imm_u(index, 3);
        self.b.ins().iadd(base, offset)
    }

    fn table64(&self, table: u32) -> Result<bool, CompileError> {
        let ty = self
            .env
            .module
            .tables
            .get(table as usize)
            .ok_or_else(|| bad("no such table"))?;
        Ok(ty.table64)
    }
}
