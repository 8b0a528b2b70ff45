//! Where linear memory is: base and length of a memory, whether an access
//! needs a bounds check, and the cache of memory 0's base and length.
//!
//! A memory with a guard region (a 32-bit memory in a fixed reservation,
//! see `wasmfx_core::store::MemoryInst::guard_bytes`) never moves: its base
//! is a read-only load Cranelift may merge and hoist out of loops, and an
//! access whose `offset + size` fits in the guard needs no check (past the
//! accessible bytes it faults, and the fault is the trap).
//!
//! Other memories move when they grow, which only happens in calls
//! (`memory.grow` is a libcall; other code runs only inside calls), so a
//! function that accesses an unguarded memory 0 keeps its base and length in
//! two variables, loaded at entry and reloaded right after every call:
//!
//! ```text
//!   guarded:    address = readonly(mem.base) + zext(index) + offset    (no check)
//!   unguarded memory 0:
//!     entry:  base0 = mem0.base; len0 = mem0.length
//!     call f / libcall:  ...; base0 = mem0.base; len0 = mem0.length
//!     i32.load:  bounds check against len0, address = base0 + index + offset
//! ```
//! Other unguarded memories read their record at each access.

use super::{CompileError, FuncTranslator};
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::types::I64;
use wasmfx_core::vm::offsets;
use wasmparser::{FunctionBody, MemArgTarget, Operator};

impl FuncTranslator<'_, '_> {
    /// Declares and loads the memory 0 cache when `body` accesses memory 0
    /// and memory 0 has no guard region.
    pub(super) fn cache_memory0(&mut self, body: &FunctionBody<'_>) -> Result<(), CompileError> {
        if self.guard_bytes(0) > 0 {
            return Ok(());
        }
        let mut ops = body.get_operators_reader()?;
        let mut accesses = false;
        while !ops.eof() {
            if let Some(MemArgTarget::Memory(0)) = memarg_target(&ops.read()?) {
                accesses = true;
                break;
            }
        }
        if accesses {
            let base = self.b.declare_var(I64);
            let length = self.b.declare_var(I64);
            self.memory0 = Some((base, length));
            self.reload_memory_cache();
        }
        Ok(())
    }

    /// Reloads the memory 0 cache (after a call).
    pub(super) fn reload_memory_cache(&mut self) {
        if let Some((base, length)) = self.memory0 {
            let (b, l) = self.load_memory_bounds(0);
            self.b.def_var(base, b);
            self.b.def_var(length, l);
        }
    }

    /// Guard bytes of `memory` (0: every access is checked). Only 32-bit
    /// memories have them, so an index is below 2^32.
    pub(super) fn guard_bytes(&self, memory: u32) -> u64 {
        let is32 = (self.env.module.memories.get(memory as usize)).is_some_and(|ty| !ty.memory64);
        let guard = self.env.memory_guards.get(memory as usize).copied();
        if is32 { guard.unwrap_or(0) } else { 0 }
    }

    /// Base of a guarded `memory`: it never changes, so the load is
    /// read-only and movable.
    pub(super) fn guarded_memory_base(&mut self, memory: u32) -> Value {
        let record = self.record(offsets::CTX_MEMORIES, memory);
        self.load_readonly(record, offsets::MEMORY_BASE as i32)
    }

    /// Base and length of an unguarded `memory`, from the cache or its
    /// record; for a guarded one, the length from its record.
    pub(super) fn memory_bounds(&mut self, memory: u32) -> (Value, Value) {
        match self.memory0 {
            Some((base, length)) if memory == 0 => (self.b.use_var(base), self.b.use_var(length)),
            _ => self.load_memory_bounds(memory),
        }
    }

    fn load_memory_bounds(&mut self, memory: u32) -> (Value, Value) {
        let record = self.record(offsets::CTX_MEMORIES, memory);
        let base = self.load_field(I64, record, offsets::MEMORY_BASE as i32);
        let length = self.load_field(I64, record, offsets::MEMORY_LENGTH as i32);
        (base, length)
    }
}

/// The memory a load or store accesses (`None` for other instructions).
fn memarg_target(op: &Operator<'_>) -> Option<MemArgTarget> {
    use Operator as O;
    let memarg = match *op {
        O::I32Load { memarg }
        | O::I64Load { memarg }
        | O::F32Load { memarg }
        | O::F64Load { memarg }
        | O::I32Load8S { memarg }
        | O::I32Load8U { memarg }
        | O::I32Load16S { memarg }
        | O::I32Load16U { memarg }
        | O::I64Load8S { memarg }
        | O::I64Load8U { memarg }
        | O::I64Load16S { memarg }
        | O::I64Load16U { memarg }
        | O::I64Load32S { memarg }
        | O::I64Load32U { memarg }
        | O::I32Store { memarg }
        | O::I64Store { memarg }
        | O::F32Store { memarg }
        | O::F64Store { memarg }
        | O::I32Store8 { memarg }
        | O::I32Store16 { memarg }
        | O::I64Store8 { memarg }
        | O::I64Store16 { memarg }
        | O::I64Store32 { memarg } => memarg,
        _ => return None,
    };
    Some(memarg.target)
}
