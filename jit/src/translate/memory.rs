//! Loads, stores, `memory.*` and data segments.
//!
//! An access to a memory with a guard region (`heap.rs`) whose
//! `offset + size` fits in the guard has no check: the load or store itself
//! carries `HEAP_OUT_OF_BOUNDS`, so Cranelift records it as a trap site and
//! a fault there (in the guard or past the accessible bytes) unwinds as that
//! trap (`signals.rs`). Every other access checks its bounds explicitly
//! against the memory's current length (from its record, or the cache of
//! `heap.rs` for memory 0, since `memory.grow` moves it):
//!
//! ```text
//!   vmctx.memories ──▶ [*VmMemory] ──▶ VmMemory { base, length }
//!
//!   guarded, offset + size <= guard:
//!     load/store [base + zext(index) + offset]  (trap code HEAP_OUT_OF_BOUNDS)
//!   otherwise:
//!     ea_end = zext(index) + offset + size      (u64; memory64 checks overflow)
//!     trapnz ea_end > length                    HEAP_OUT_OF_BOUNDS
//!     load/store [base + zext(index) + offset]  (cannot fault)
//! ```
//! Bulk operations (`fill`, `copy`, `init`) and `grow` are libcalls.

use super::{CompileError, FuncTranslator, bad};
use crate::libcalls::Libcall;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, Opcode, TrapCode, Type, Value};
use wasmfx_core::vm::offsets;
use wasmparser::{MemArg, Operator};

/// Where a load or store goes: `[addr + offset]`, with its flags.
struct Access {
    addr: Value,
    offset: i32,
    flags: MemFlagsData,
}

/// How a load extends its bytes.
#[derive(Clone, Copy)]
enum Widen {
    None,
    Signed,
    Unsigned,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_memory(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            O::I32Load { memarg } => self.load(memarg, I32, I32, Widen::None)?,
            O::I64Load { memarg } => self.load(memarg, I64, I64, Widen::None)?,
            O::F32Load { memarg } => self.load(memarg, F32, F32, Widen::None)?,
            O::F64Load { memarg } => self.load(memarg, F64, F64, Widen::None)?,
            O::I32Load8S { memarg } => self.load(memarg, I8, I32, Widen::Signed)?,
            O::I32Load8U { memarg } => self.load(memarg, I8, I32, Widen::Unsigned)?,
            O::I32Load16S { memarg } => self.load(memarg, I16, I32, Widen::Signed)?,
            O::I32Load16U { memarg } => self.load(memarg, I16, I32, Widen::Unsigned)?,
            O::I64Load8S { memarg } => self.load(memarg, I8, I64, Widen::Signed)?,
            O::I64Load8U { memarg } => self.load(memarg, I8, I64, Widen::Unsigned)?,
            O::I64Load16S { memarg } => self.load(memarg, I16, I64, Widen::Signed)?,
            O::I64Load16U { memarg } => self.load(memarg, I16, I64, Widen::Unsigned)?,
            O::I64Load32S { memarg } => self.load(memarg, I32, I64, Widen::Signed)?,
            O::I64Load32U { memarg } => self.load(memarg, I32, I64, Widen::Unsigned)?,
            O::I32Store { memarg }
            | O::I64Store { memarg }
            | O::F32Store { memarg }
            | O::F64Store { memarg } => self.store(memarg, None)?,
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(memarg, Some(I8))?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(memarg, Some(I16))?,
            O::I64Store32 { memarg } => self.store(memarg, Some(I32))?,
            O::MemorySize { mem } => {
                let record = self.record(offsets::CTX_MEMORIES, mem);
                let length = self.load_field(I64, record, offsets::MEMORY_LENGTH as i32);
                let pages = self.b.ins().ushr_imm_u(length, 16);
                let v = self.narrow_to_index(pages, self.memory64(mem)?);
                self.push(v);
            }
            O::MemoryGrow { mem } => {
                let delta = self.pop()?;
                let delta = self.widen_to_i64(delta);
                let index = self.b.ins().iconst(I32, i64::from(mem));
                let old = self
                    .libcall(Libcall::MemoryGrow, &[index, delta])
                    .ok_or_else(|| bad("grow"))?;
                let v = self.narrow_to_index(old, self.memory64(mem)?);
                self.push(v);
            }
            O::MemoryFill { mem } => {
                let [dst, value, len] = self.pop3()?;
                let (dst, len) = (self.widen_to_i64(dst), self.widen_to_i64(len));
                let index = self.b.ins().iconst(I32, i64::from(mem));
                self.libcall_checked(Libcall::MemoryFill, &[index, dst, value, len]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                let [dst, src, len] = self.pop3()?;
                let args = self.index_args(&[dst_mem, src_mem], [dst, src, len]);
                self.libcall_checked(Libcall::MemoryCopy, &args);
            }
            O::MemoryInit { data_index, mem } => {
                let [dst, src, len] = self.pop3()?;
                let args = self.index_args(&[mem, data_index], [dst, src, len]);
                self.libcall_checked(Libcall::MemoryInit, &args);
            }
            O::DataDrop { data_index } => {
                let index = self.b.ins().iconst(I32, i64::from(data_index));
                self.libcall(Libcall::DataDrop, &[index]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Pops the three operands of a bulk instruction.
    pub(super) fn pop3(&mut self) -> Result<[Value; 3], CompileError> {
        let v = self.pop_n(3)?;
        Ok([v[0], v[1], v[2]])
    }

    /// `[i32 consts of indices..., three operands widened to i64]`.
    pub(super) fn index_args(&mut self, indices: &[u32], operands: [Value; 3]) -> Vec<Value> {
        let mut args: Vec<Value> = indices
            .iter()
            .map(|&i| self.b.ins().iconst(I32, i64::from(i)))
            .collect();
        for v in operands {
            args.push(self.widen_to_i64(v));
        }
        args
    }

    /// A 64-bit size or result as the index type: i64, or i32 for 32-bit.
    pub(super) fn narrow_to_index(&mut self, v: Value, is64: bool) -> Value {
        if is64 {
            v
        } else {
            self.b.ins().ireduce(I32, v)
        }
    }

    fn memory64(&self, mem: u32) -> Result<bool, CompileError> {
        let ty = self
            .env
            .module
            .memories
            .get(mem as usize)
            .ok_or_else(|| bad("no such memory"))?;
        Ok(ty.memory64)
    }

    fn load(
        &mut self,
        memarg: MemArg,
        mem_ty: Type,
        ty: Type,
        extend: Widen,
    ) -> Result<(), CompileError> {
        let index = self.pop()?;
        let Access {
            addr,
            offset,
            flags,
        } = self.access(memarg, index, mem_ty.bytes())?;
        let v = match extend {
            Widen::None => self.b.ins().load(ty, flags, addr, offset),
            Widen::Signed | Widen::Unsigned => {
                let signed = matches!(extend, Widen::Signed);
                let opcode = match (mem_ty, signed) {
                    (I8, true) => Opcode::Sload8,
                    (I8, false) => Opcode::Uload8,
                    (I16, true) => Opcode::Sload16,
                    (I16, false) => Opcode::Uload16,
                    (_, true) => Opcode::Sload32,
                    (_, false) => Opcode::Uload32,
                };
                self.extending_load(opcode, ty, flags, addr, offset)
            }
        };
        self.push(v);
        Ok(())
    }

    fn extending_load(
        &mut self,
        opcode: Opcode,
        ty: Type,
        flags: MemFlagsData,
        addr: Value,
        offset: i32,
    ) -> Value {
        let ins = self.b.ins();
        match opcode {
            Opcode::Sload8 => ins.sload8(ty, flags, addr, offset),
            Opcode::Uload8 => ins.uload8(ty, flags, addr, offset),
            Opcode::Sload16 => ins.sload16(ty, flags, addr, offset),
            Opcode::Uload16 => ins.uload16(ty, flags, addr, offset),
            Opcode::Sload32 => ins.sload32(flags, addr, offset),
            _ => ins.uload32(flags, addr, offset),
        }
    }

    /// Stores the top value (narrowed to `narrow` bytes, if given).
    fn store(&mut self, memarg: MemArg, narrow: Option<Type>) -> Result<(), CompileError> {
        let value = self.pop()?;
        let index = self.pop()?;
        let size = narrow
            .unwrap_or_else(|| self.b.func.dfg.value_type(value))
            .bytes();
        let Access {
            addr,
            offset,
            flags,
        } = self.access(memarg, index, size)?;
        match narrow {
            None => self.b.ins().store(flags, value, addr, offset),
            Some(I8) => self.b.ins().istore8(flags, value, addr, offset),
            Some(I16) => self.b.ins().istore16(flags, value, addr, offset),
            Some(_) => self.b.ins().istore32(flags, value, addr, offset),
        };
        Ok(())
    }

    /// Where `size` bytes at `index + memarg.offset` are: unchecked in a
    /// guard region, or after an explicit bounds check.
    fn access(&mut self, memarg: MemArg, index: Value, size: u32) -> Result<Access, CompileError> {
        let memory = match memarg.target {
            wasmparser::MemArgTarget::Memory(m) => m,
            wasmparser::MemArgTarget::Array(_) => {
                return Err(CompileError::Unsupported("array memory access".into()));
            }
        };
        let index = self.widen_to_i64(index);
        let reach = memarg.offset.checked_add(u64::from(size));
        let guard = self.guard_bytes(memory);
        if let Some(offset) = reach
            .filter(|&reach| reach <= guard)
            .and_then(|_| i32::try_from(memarg.offset).ok())
        {
            let base = self.guarded_memory_base(memory);
            let addr = self.b.ins().iadd(base, index);
            let flags = (self.heap_flags).with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS));
            return Ok(Access {
                addr,
                offset,
                flags,
            });
        }
        let addr = self.checked_address(memory, memarg.offset, reach, index)?;
        Ok(Access {
            addr,
            offset: 0,
            flags: self.heap_flags,
        })
    }

    /// `base + index + offset` after checking that `reach` (offset + size)
    /// bytes from `index` lie in `memory`.
    fn checked_address(
        &mut self,
        memory: u32,
        offset: u64,
        reach: Option<u64>,
        index: Value,
    ) -> Result<Value, CompileError> {
        let (base, length) = self.memory_bounds(memory);
        let Some(reach) = reach else {
            // offset + size overflows: no index can be in bounds.
            self.b.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
            let dead = self.b.create_block();
            self.b.switch_to_block(dead);
            return Ok(self.b.ins().iconst(I64, 0));
        };
        let reach = self.b.ins().iconst(I64, reach as i64);
        let end = if self.memory64(memory)? {
            self.b
                .ins()
                .uadd_overflow_trap(index, reach, TrapCode::HEAP_OUT_OF_BOUNDS)
        } else {
            self.b.ins().iadd(index, reach)
        };
        let oob = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, length);
        self.b.ins().trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
        let addr = self.b.ins().iadd(base, index);
        Ok(if offset == 0 {
            addr
        } else {
            self.b.ins().iadd_imm_u(addr, offset as i64)
        })
    }
}
