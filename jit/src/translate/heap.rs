//! Where linear memory is: base and length of a memory, and the cache of
//! memory 0's in SSA variables.
//!
//! Memory 0's base and length change only in calls (`memory.grow` is a
//! libcall; other code runs only inside calls), so a function that accesses
//! memory 0 keeps them in two variables, loaded at entry and reloaded right
//! after every call. Loops without calls then read no record at all:
//!
//! ```text
//!   entry:  base0 = mem0.base; len0 = mem0.length
//!   call f / libcall:  ...; base0 = mem0.base; len0 = mem0.length
//!   i32.load:  bounds check against len0, address = base0 + index + offset
//! ```
//! Other memories read their record at each access.

use super::{CompileError, FuncTranslator};
use cranelift_codegen::ir::Value;
use cranelift_codegen::ir::types::I64;
use wasmfx_core::vm::offsets;
use wasmparser::{FunctionBody, MemArgTarget, Operator};

impl FuncTranslator<'_, '_> {
    /// Declares and loads the memory 0 cache when `body` accesses memory 0.
    pub(super) fn cache_memory0(&mut self, body: &FunctionBody<'_>) -> Result<(), CompileError> {
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

    /// Base and length of `memory`, from the cache or its record.
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
