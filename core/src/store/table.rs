//! Tables: growable arrays of raw reference slots (encoding in `value.rs`).
//!
//! ```text
//!   TableInst
//!   ├─ elems: Vec<u64>        one raw reference per slot (0 = null)
//!   └─ vm: Box<VmTable> { base = elems.as_ptr(), length = elems.len() }
//! ```
//!
//! Every operation checks its whole range before touching a slot, so a
//! trapping `table.fill`/`copy`/`init` changes nothing.

use super::memory::checked_range;
use super::{Store, StoreLimits, TableAddr};
use crate::module::TableType;
use crate::trap::Trap;
use crate::vm::VmTable;

pub struct TableInst {
    pub ty: TableType,
    elems: Vec<u64>,
    vm: Box<VmTable>,
}

impl TableInst {
    /// A table of `ty.limits.min` slots holding `init`; `None` if that is
    /// beyond the index type's range or the store's limits.
    pub fn new(ty: TableType, init: u64, limits: &StoreLimits) -> Option<TableInst> {
        let len = slot_count(ty, ty.limits.min, limits)?;
        let mut elems = Vec::new();
        elems.try_reserve_exact(len).ok()?;
        elems.resize(len, init);
        let mut table = TableInst {
            ty,
            elems,
            vm: Box::default(),
        };
        table.sync_vm();
        Some(table)
    }

    /// Current number of slots.
    #[inline]
    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// All slots.
    #[inline]
    pub fn elems(&self) -> &[u64] {
        &self.elems
    }

    /// The record compiled code reads.
    pub fn vm(&self) -> &VmTable {
        &self.vm
    }

    /// `table.get`.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if `index` is past the end.
    #[inline]
    pub fn get(&self, index: u64) -> Result<u64, Trap> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.elems.get(i).copied())
            .ok_or(Trap::TableOutOfBounds)
    }

    /// `table.set`.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if `index` is past the end.
    #[inline]
    pub fn set(&mut self, index: u64, value: u64) -> Result<(), Trap> {
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| self.elems.get_mut(i))
            .ok_or(Trap::TableOutOfBounds)?;
        *slot = value;
        Ok(())
    }

    /// `table.fill`: `len` copies of `value` from `dst`.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] (checked before writing anything).
    pub fn fill(&mut self, dst: u64, value: u64, len: u64) -> Result<(), Trap> {
        let range = self.range(dst, len)?;
        self.elems[range].fill(value);
        Ok(())
    }

    /// `table.copy` within this table; overlapping ranges are handled.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if either range passes the end.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), Trap> {
        let src = self.range(src, len)?;
        let dst = self.range(dst, len)?;
        self.elems.copy_within(src, dst.start);
        Ok(())
    }

    /// `table.init`: copies `segment[src..src + len]` to `dst`.
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if either range passes its end.
    pub fn init(&mut self, dst: u64, segment: &[u64], src: u64, len: u64) -> Result<(), Trap> {
        let src = checked_range(src, len, segment.len()).ok_or(Trap::TableOutOfBounds)?;
        let dst = self.range(dst, len)?;
        self.elems[dst].copy_from_slice(&segment[src]);
        Ok(())
    }

    /// Grows by `delta` slots holding `init`; returns the old size, or `None`
    /// (table unchanged) beyond the maximum, the index range or the limits.
    pub fn grow(&mut self, delta: u64, init: u64, limits: &StoreLimits) -> Option<u64> {
        let old = self.size();
        let new_len = slot_count(self.ty, old.checked_add(delta)?, limits)?;
        self.elems.try_reserve(new_len - self.elems.len()).ok()?;
        self.elems.resize(new_len, init);
        self.sync_vm();
        Some(old)
    }

    #[inline]
    fn range(&self, start: u64, len: u64) -> Result<std::ops::Range<usize>, Trap> {
        checked_range(start, len, self.elems.len()).ok_or(Trap::TableOutOfBounds)
    }

    fn sync_vm(&mut self) {
        self.vm.base = self.elems.as_ptr() as usize;
        self.vm.length = self.elems.len() as u64;
    }
}

impl Store {
    /// `table.grow`: the old size, or `None` on failure (see [`TableInst::grow`]).
    pub fn table_grow(&mut self, addr: TableAddr, delta: u64, init: u64) -> Option<u64> {
        let limits = self.limits.clone();
        self.tables
            .get_mut(addr.0 as usize)?
            .grow(delta, init, &limits)
    }

    /// `table.copy` between two tables of this store (or within one).
    ///
    /// # Errors
    /// [`Trap::TableOutOfBounds`] if either range passes its table's end.
    pub fn table_copy(
        &mut self,
        dst_table: TableAddr,
        dst: u64,
        src_table: TableAddr,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        if dst_table == src_table {
            return self.table_mut(dst_table).copy_within(dst, src, len);
        }
        let (d, s) = (dst_table.0 as usize, src_table.0 as usize);
        let (dst_inst, src_inst) = if d < s {
            let (low, high) = self.tables.split_at_mut(s);
            (&mut low[d], &high[0])
        } else {
            let (low, high) = self.tables.split_at_mut(d);
            (&mut high[0], &low[s])
        };
        dst_inst.init(dst, &src_inst.elems, src, len)
    }
}

/// The slot count `len`, if allowed by `ty` and `limits`.
fn slot_count(ty: TableType, len: u64, limits: &StoreLimits) -> Option<usize> {
    let index_max = if ty.table64 {
        u64::MAX
    } else {
        u64::from(u32::MAX)
    };
    let max = ty
        .limits
        .max
        .unwrap_or(u64::MAX)
        .min(index_max)
        .min(limits.max_table_elems);
    if len > max {
        return None;
    }
    usize::try_from(len).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Limits;
    use crate::types::RefType;

    fn table(min: u64, max: Option<u64>) -> TableType {
        TableType {
            elem: RefType {
                nullable: true,
                heap: crate::types::HeapType::Func,
            },
            limits: Limits { min, max },
            table64: false,
        }
    }

    #[test]
    fn accesses_are_bounds_checked_and_atomic() {
        let mut t = TableInst::new(table(4, None), 0, &StoreLimits::default()).expect("fits");
        assert_eq!(t.set(3, 5), Ok(()));
        assert_eq!(t.get(3), Ok(5));
        assert_eq!(t.get(4), Err(Trap::TableOutOfBounds));
        assert_eq!(t.set(u64::MAX, 1), Err(Trap::TableOutOfBounds));
        assert_eq!(t.fill(2, 7, 3), Err(Trap::TableOutOfBounds));
        assert_eq!(t.elems(), &[0, 0, 0, 5], "a failed fill writes nothing");
        assert_eq!(t.fill(4, 7, 0), Ok(()));
        assert_eq!(t.fill(5, 7, 0), Err(Trap::TableOutOfBounds));
        assert_eq!(t.init(0, &[1, 2], 0, 2), Ok(()));
        assert_eq!(t.copy_within(1, 0, 3), Ok(()));
        assert_eq!(t.elems(), &[1, 1, 2, 0]);
        assert_eq!(t.init(0, &[1, 2], 1, 2), Err(Trap::TableOutOfBounds));
    }

    #[test]
    fn grow_respects_maximum_and_limits_and_updates_vm_record() {
        let limits = StoreLimits {
            max_table_elems: 8,
            ..StoreLimits::default()
        };
        let mut t = TableInst::new(table(1, Some(5)), 3, &limits).expect("fits");
        assert_eq!(t.grow(4, 9, &limits), Some(1));
        assert_eq!(t.elems(), &[3, 9, 9, 9, 9]);
        assert_eq!(t.grow(1, 0, &limits), None);
        assert_eq!(
            (t.vm().length, t.vm().base),
            (5, t.elems().as_ptr() as usize)
        );
        let mut unbounded = TableInst::new(table(0, None), 0, &limits).expect("fits");
        assert_eq!(
            unbounded.grow(9, 0, &limits),
            None,
            "beyond the store limit"
        );
        assert_eq!(unbounded.grow(u64::MAX, 0, &limits), None);
        assert_eq!(unbounded.grow(0, 0, &limits), Some(0));
    }
}
