//! Loads, stores, `memory.*`, `table.*` and segment instructions.
//!
//! Memory and table ops carry store addresses. Float loads and stores are the
//! integer ops of the same width: raw slots hold float bits, so moving bits
//! is exactly the Wasm semantics (NaN payloads included).

use super::{TranslateError, Translator, err};
use crate::op::Op;
use wasmparser::{MemArg, MemArgTarget, Operator};

impl Translator<'_> {
    /// Translates memory and table instructions; `false` if `op` is not one.
    pub(super) fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        use Operator as O;
        match *op {
            O::I32Load { memarg } | O::F32Load { memarg } => {
                self.load(memarg, |mem, offset| Op::I32Load { mem, offset })?
            }
            O::I64Load { memarg } | O::F64Load { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load { mem, offset })?
            }
            O::I32Load8S { memarg } => {
                self.load(memarg, |mem, offset| Op::I32Load8S { mem, offset })?
            }
            O::I32Load8U { memarg } => {
                self.load(memarg, |mem, offset| Op::I32Load8U { mem, offset })?
            }
            O::I32Load16S { memarg } => {
                self.load(memarg, |mem, offset| Op::I32Load16S { mem, offset })?
            }
            O::I32Load16U { memarg } => {
                self.load(memarg, |mem, offset| Op::I32Load16U { mem, offset })?
            }
            O::I64Load8S { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load8S { mem, offset })?
            }
            O::I64Load8U { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load8U { mem, offset })?
            }
            O::I64Load16S { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load16S { mem, offset })?
            }
            O::I64Load16U { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load16U { mem, offset })?
            }
            O::I64Load32S { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load32S { mem, offset })?
            }
            O::I64Load32U { memarg } => {
                self.load(memarg, |mem, offset| Op::I64Load32U { mem, offset })?
            }
            O::I32Store { memarg } | O::F32Store { memarg } | O::I64Store32 { memarg } => {
                self.store(memarg, |mem, offset| Op::Store32 { mem, offset })?
            }
            O::I64Store { memarg } | O::F64Store { memarg } => {
                self.store(memarg, |mem, offset| Op::Store64 { mem, offset })?
            }
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => {
                self.store(memarg, |mem, offset| Op::Store8 { mem, offset })?
            }
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => {
                self.store(memarg, |mem, offset| Op::Store16 { mem, offset })?
            }
            O::MemorySize { mem } => self.emit_effect(
                Op::MemorySize {
                    mem: self.mem_addr(mem)?.0,
                },
                0,
                1,
            )?,
            O::MemoryGrow { mem } => {
                let is64 = self
                    .module
                    .memories
                    .get(mem as usize)
                    .is_some_and(|m| m.memory64);
                self.emit_effect(
                    Op::MemoryGrow {
                        mem: self.mem_addr(mem)?.0,
                        is64,
                    },
                    1,
                    1,
                )?
            }
            O::MemoryFill { mem } => self.emit_effect(
                Op::MemoryFill {
                    mem: self.mem_addr(mem)?.0,
                },
                3,
                0,
            )?,
            O::MemoryCopy { dst_mem, src_mem } => {
                let op = Op::MemoryCopy {
                    dst: self.mem_addr(dst_mem)?.0,
                    src: self.mem_addr(src_mem)?.0,
                };
                self.emit_effect(op, 3, 0)?
            }
            O::MemoryInit { data_index, mem } => {
                let op = Op::MemoryInit {
                    mem: self.mem_addr(mem)?.0,
                    seg: data_index,
                };
                self.emit_effect(op, 3, 0)?
            }
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop(data_index));
            }
            O::TableGet { table } => {
                self.emit_effect(Op::TableGet(self.table_addr(table)?.0), 1, 1)?
            }
            O::TableSet { table } => {
                self.emit_effect(Op::TableSet(self.table_addr(table)?.0), 2, 0)?
            }
            O::TableSize { table } => {
                self.emit_effect(Op::TableSize(self.table_addr(table)?.0), 0, 1)?
            }
            O::TableGrow { table } => {
                let is64 = self
                    .module
                    .tables
                    .get(table as usize)
                    .is_some_and(|t| t.table64);
                let op = Op::TableGrow {
                    table: self.table_addr(table)?.0,
                    is64,
                };
                self.emit_effect(op, 2, 1)?
            }
            O::TableFill { table } => {
                self.emit_effect(Op::TableFill(self.table_addr(table)?.0), 3, 0)?
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                let op = Op::TableCopy {
                    dst: self.table_addr(dst_table)?.0,
                    src: self.table_addr(src_table)?.0,
                };
                self.emit_effect(op, 3, 0)?
            }
            O::TableInit { elem_index, table } => {
                let op = Op::TableInit {
                    table: self.table_addr(table)?.0,
                    seg: elem_index,
                };
                self.emit_effect(op, 3, 0)?
            }
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop(elem_index));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The store address of a memarg's linear memory.
    fn memarg_mem(&self, memarg: MemArg) -> Result<u32, TranslateError> {
        match memarg.target {
            MemArgTarget::Memory(index) => Ok(self.mem_addr(index)?.0),
            MemArgTarget::Array(_) => Err(err("array memarg outside GC instructions")),
        }
    }

    fn load(&mut self, memarg: MemArg, make: fn(u32, u64) -> Op) -> Result<(), TranslateError> {
        let mem = self.memarg_mem(memarg)?;
        self.emit_effect(make(mem, memarg.offset), 1, 1)
    }

    fn store(&mut self, memarg: MemArg, make: fn(u32, u64) -> Op) -> Result<(), TranslateError> {
        let mem = self.memarg_mem(memarg)?;
        self.emit_effect(make(mem, memarg.offset), 2, 0)
    }
}
