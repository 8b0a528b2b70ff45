//! Globals: one raw slot each, in a boxed [`VmGlobal`] cell so that compiled
//! code can read and write it at a stable address.
//!
//! ```text
//!   GlobalInst { ty, cell: Box<VmGlobal { value: u64 }> }
//! ```

use crate::module::GlobalType;
use crate::vm::VmGlobal;

pub struct GlobalInst {
    pub ty: GlobalType,
    cell: Box<VmGlobal>,
}

impl GlobalInst {
    /// A global holding the raw slot `value`.
    pub fn new(ty: GlobalType, value: u64) -> GlobalInst {
        GlobalInst {
            ty,
            cell: Box::new(VmGlobal { value }),
        }
    }

    /// The value as a raw slot.
    #[inline]
    pub fn get(&self) -> u64 {
        self.cell.value
    }

    /// Replaces the value (validation ensures only mutable globals are set).
    #[inline]
    pub fn set(&mut self, value: u64) {
        self.cell.value = value;
    }

    /// The cell compiled code reads.
    pub fn vm(&self) -> &VmGlobal {
        &self.cell
    }
}
