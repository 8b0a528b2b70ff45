//! Passive segment operations on an instance's element and data segments:
//! `table.init`, `elem.drop`, `memory.init`, `data.drop`. Instantiation uses
//! the same operations for active segments.
//!
//! Indices are the instance's (module index spaces); a dropped segment reads
//! as empty, so only a zero-length init from it succeeds.

use super::{InstanceId, Store};
use crate::trap::Trap;

impl Store {
    /// `table.init table elem`: copies `len` refs of segment `elem` from `src`
    /// into table `table` at `dst`.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if either range passes its end (nothing is written).
    pub fn table_init(
        &mut self,
        instance: InstanceId,
        table: u32,
        elem: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let inst = &self.instances[instance.0 as usize];
        let addr = inst
            .tables
            .get(table as usize)
            .ok_or(Trap::TableOutOfBounds)?;
        let target = self
            .tables
            .get_mut(addr.0 as usize)
            .ok_or(Trap::TableOutOfBounds)?;
        target.init(dst, inst.elem_segment(elem), src, len)
    }

    /// `elem.drop elem`.
    pub fn elem_drop(&mut self, instance: InstanceId, elem: u32) {
        if let Some(seg) = self.instances[instance.0 as usize]
            .elems
            .get_mut(elem as usize)
        {
            *seg = Box::default();
        }
    }

    /// `memory.init memory data`: copies `len` bytes of segment `data` from
    /// `src` into memory `memory` at `dst`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes its end (nothing is written).
    pub fn memory_init(
        &mut self,
        instance: InstanceId,
        memory: u32,
        data: u32,
        dst: u64,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        let inst = &self.instances[instance.0 as usize];
        let addr = inst
            .memories
            .get(memory as usize)
            .ok_or(Trap::MemoryOutOfBounds)?;
        let target = self
            .memories
            .get_mut(addr.0 as usize)
            .ok_or(Trap::MemoryOutOfBounds)?;
        target.init(dst, inst.data_segment(data), src, len)
    }

    /// `data.drop data`.
    pub fn data_drop(&mut self, instance: InstanceId, data: u32) {
        if let Some(dropped) = self.instances[instance.0 as usize]
            .data_dropped
            .get_mut(data as usize)
        {
            *dropped = true;
        }
    }
}
