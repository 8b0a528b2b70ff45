//! [`ContTable`]: the continuations of one store, named by index handles
//! that compiled code can check without calling out.
//!
//! ```text
//!   raw handle (one u64 value slot; 0 = null)
//!     bits 0..32   index + 1
//!     bits 32..64  the record's revision when the handle was made
//!
//!   ContTable
//!    header: Box<TableHeader>  (stable address; compiled code holds a pointer to it)
//!      +0  records ──▶ [ *ContRecord; len ]   index → record (a retired index → the sentinel)
//!      +8  len       u64
//!      +16 warm ──▶ record ──parent──▶ record ──▶ … 0   released records that kept
//!      +24 warm_len  u64                               their stack (at most MAX_WARM)
//!    arena: ContArena          the records themselves (reused after release)
//!    sentinel: Box<ContRecord> key u64::MAX, state Returned: matches no handle
//! ```
//!
//! A handle matches while its record's key equals it, that is while the
//! record's revision equals the handle's 32 bits (record.rs, "Key"; the
//! sentinel's key equals no handle): using it bumps the revision, and so
//! does releasing the
//! record, which keeps its index when the arena hands it out again. Every
//! tier decodes the same way: `index = low - 1` (unsigned), refuse
//! `index >= len`, load `records[index]`, compare revisions, check the state.
//! (A record's key is its current handle, record.rs: compiled code compares
//! the whole handle with it.)
//! Both tiers share the store's one table.
//!
//! # Retired indices
//! Revisions only grow under one index, so a used handle never matches
//! again. Handles carry 32 bits, so before a revision reaches [`RETIRED`]
//! the index is retired: [`ContTable::handle`] moves the record to a fresh
//! index (revision 0 again) and points the old index at the sentinel,
//! never to be reused. Every stale handle of the old index then fails, and
//! the new index has no stale handles. (The record itself may be live, so
//! it cannot be retired; its index is.) Compiled code that makes a handle
//! from a record takes its key when `key < RETIRED << 32` (revision below
//! `RETIRED`) and calls out otherwise. A revision never passes `RETIRED`.
//!
//! # Warm records
//! A record released after its function returned on a native stack may
//! keep that stack: it goes on the warm list (linked through `parent`),
//! reset to fresh with its context at the stack's start
//! ([`ContTable::park_warm`]), instead of back to the arena and its stack
//! to the pool. Compiled `cont.new` pops it (`take_warm`, or the same
//! steps inline), so a continuation made, run and returned in a loop costs
//! no pool round trip and no stack set-up. A warm record is not live; it
//! keeps its index and revision (bumped when parked, so stale handles
//! fail), and at most [`MAX_WARM`] are kept: their stacks stay committed
//! like the pool's kept ones.
//!
//! # Collection
//! A tier that knows every root asks [`ContTable::wants_collection`] before
//! it makes a record, and marks and sweeps with a [`Marker`] (`collect.rs`).
//!
//! # Side data
//! What a tier keeps per continuation beyond the record lives in that
//! tier's own vectors indexed by [`ContRecord::index`]; the function and
//! the bound values are in the record, shared.

mod collect;

pub use collect::{DEFAULT_COLLECTION_MINIMUM, Marker};

use crate::arena::ContArena;
use crate::arena::ReleasedStack;
#[cfg(feature = "native")]
use crate::record::ContState;
#[cfg(feature = "native")]
use crate::record::ParentLink;
use crate::record::{ContRecord, NO_INDEX};
use std::mem::offset_of;
use std::ptr::NonNull;

/// The revision at which an index is retired: no handle carries it.
pub const RETIRED: u64 = u32::MAX as u64;

/// The most indices a table hands out: `index + 1` fits a handle's low
/// 32 bits and no index is [`NO_INDEX`].
const MAX_INDICES: u32 = NO_INDEX - 1;

/// The most warm records a table keeps (see the module doc).
pub const MAX_WARM: u64 = 16;

/// What compiled code reads: see the module doc.
#[repr(C)]
#[derive(Debug)]
pub struct TableHeader {
    pub records: *const *mut ContRecord,
    pub len: u64,
    /// The first warm record (null: none), the next in its `parent`.
    pub warm: *mut ContRecord,
    pub warm_len: u64,
}

/// Offsets of [`TableHeader`] for compiled code.
pub mod table_offsets {
    use super::*;
    pub const RECORDS: i32 = offset_of!(TableHeader, records) as i32;
    pub const LEN: i32 = offset_of!(TableHeader, len) as i32;
    pub const WARM: i32 = offset_of!(TableHeader, warm) as i32;
    pub const WARM_LEN: i32 = offset_of!(TableHeader, warm_len) as i32;
}

/// Why a raw handle cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandleError {
    /// The null reference.
    Null,
    /// Used already (or released, or of a retired index).
    Consumed,
    /// No index is left.
    Full,
    /// The host has no memory left for another record.
    OutOfMemory,
    /// As many records are live as the table allows.
    Limit,
}

/// The continuation table of one store (see the module doc).
#[derive(Debug)]
pub struct ContTable {
    header: Box<TableHeader>,
    arena: ContArena,
    records: Vec<*mut ContRecord>,
    sentinel: Box<ContRecord>,
    /// Live records [`ContTable::alloc`] allows (see [`ContTable::set_max_live`]).
    max_live: usize,
    /// Live records at which the next collection starts, the least that
    /// can be, and collections made (`collect.rs`).
    next_collection: usize,
    collection_minimum: usize,
    collections: u64,
}

impl ContTable {
    /// An empty table.
    pub fn new() -> ContTable {
        let mut sentinel = Box::new(ContRecord::EMPTY);
        sentinel.make_sentinel();
        ContTable {
            header: Box::new(TableHeader {
                records: std::ptr::null(),
                len: 0,
                warm: std::ptr::null_mut(),
                warm_len: 0,
            }),
            arena: ContArena::new(),
            records: Vec::new(),
            sentinel,
            max_live: usize::MAX,
            next_collection: DEFAULT_COLLECTION_MINIMUM,
            collection_minimum: DEFAULT_COLLECTION_MINIMUM,
            collections: 0,
        }
    }

    /// Makes [`ContTable::alloc`] refuse a record while `max` are live
    /// ([`HandleError::Limit`]). Compiled code reusing the record of a
    /// finished continuation (the warm list) may pass it by [`MAX_WARM`].
    pub fn set_max_live(&mut self, max: usize) {
        self.max_live = max;
    }

    /// The limit [`ContTable::set_max_live`] set (`usize::MAX`: none).
    pub fn max_live(&self) -> usize {
        self.max_live
    }

    /// The header compiled code reads; its address never changes.
    pub fn header(&self) -> *const TableHeader {
        &raw const *self.header
    }

    /// A fresh, detached record with an index.
    ///
    /// # Errors
    /// [`HandleError::Limit`] at the limit of live records,
    /// [`HandleError::Full`] when no index is left,
    /// [`HandleError::OutOfMemory`] when no memory is.
    pub fn alloc(&mut self) -> Result<NonNull<ContRecord>, HandleError> {
        if self.live() >= self.max_live {
            return Err(HandleError::Limit);
        }
        let mut record = self.arena.alloc().ok_or(HandleError::OutOfMemory)?;
        // SAFETY: a live record of our arena, not used by anyone else yet.
        let target = unsafe { record.as_mut() };
        if (target.index() == NO_INDEX || target.revision() >= RETIRED)
            && let Err(e) = self.assign_index(record)
        {
            // SAFETY: just allocated, on no chain, no stack.
            unsafe { self.arena.release(record) };
            return Err(e);
        }
        Ok(record)
    }

    /// Gives `record` a new index at revision 0, retiring its old one.
    fn assign_index(&mut self, mut record: NonNull<ContRecord>) -> Result<(), HandleError> {
        let index = u32::try_from(self.records.len())
            .ok()
            .filter(|&i| i < MAX_INDICES)
            .ok_or(HandleError::Full)?;
        // SAFETY: a live record of our arena.
        let target = unsafe { record.as_mut() };
        if let Some(old) = self.records.get_mut(target.index() as usize) {
            *old = &raw mut *self.sentinel;
        }
        target.set_index(index, 0);
        self.records
            .try_reserve(1)
            .map_err(|_| HandleError::OutOfMemory)?;
        self.records.push(record.as_ptr());
        self.header.records = self.records.as_ptr();
        self.header.len = self.records.len() as u64;
        Ok(())
    }

    /// The raw handle of `record` as it is now; retires its index first when
    /// its revision is too high for a handle.
    ///
    /// # Errors
    /// [`HandleError::Full`] when a retirement finds no index left.
    pub fn handle(&mut self, record: NonNull<ContRecord>) -> Result<u64, HandleError> {
        // SAFETY: records handed to us are live records of our arena.
        if unsafe { record.as_ref().revision() } >= RETIRED {
            self.assign_index(record)?;
        }
        // SAFETY: as above.
        let target = unsafe { record.as_ref() };
        Ok(raw_handle(target.index(), target.revision()))
    }

    /// The record `raw` names, if its revision still matches; does not
    /// use it up.
    ///
    /// # Errors
    /// [`HandleError::Null`], then [`HandleError::Consumed`].
    pub fn lookup(&self, raw: u64) -> Result<NonNull<ContRecord>, HandleError> {
        let low = raw as u32;
        let index = low.checked_sub(1).ok_or(HandleError::Null)?;
        let record = self
            .records
            .get(index as usize)
            .and_then(|&r| NonNull::new(r))
            .ok_or(HandleError::Consumed)?;
        // The key of the record at the handle's index is the handle while
        // the revisions match (record.rs); the sentinel's matches none.
        // SAFETY: the table only points at live arena records or the sentinel.
        if unsafe { record.as_ref().key() } != raw {
            return Err(HandleError::Consumed);
        }
        Ok(record)
    }

    /// Uses `raw`: checks it like [`ContTable::lookup`] and bumps the
    /// record's revision, so no copy of the handle works again.
    ///
    /// # Errors
    /// As [`ContTable::lookup`].
    pub fn consume(&mut self, raw: u64) -> Result<NonNull<ContRecord>, HandleError> {
        let record = self.lookup(raw)?;
        // SAFETY: just found by `lookup`, nothing changed since.
        unsafe { self.consume_found(record) };
        Ok(record)
    }

    /// Uses up the handle [`ContTable::lookup`] found `record` by, as
    /// [`ContTable::consume`] would (for a caller that looks at the record
    /// before it decides to use it).
    ///
    /// # Safety
    /// `record` came from `lookup` on this table, and its handle was not
    /// used since.
    pub unsafe fn consume_found(&mut self, mut record: NonNull<ContRecord>) {
        // SAFETY: the caller promises a record `lookup` found current: a
        // live record of our arena (the sentinel never matches).
        unsafe { record.as_mut().bump_revision() };
    }

    /// The record at `index`, if any (retired indices give the sentinel's
    /// `None`).
    pub fn record(&self, index: u32) -> Option<NonNull<ContRecord>> {
        let record = NonNull::new(*self.records.get(index as usize)?)?;
        (record.as_ptr() != (&raw const *self.sentinel).cast_mut()).then_some(record)
    }

    /// Releases `record`: its handles fail from now on and it is reused by
    /// a later [`ContTable::alloc`]. Returns its stack, for the pool.
    ///
    /// # Safety
    /// As [`ContArena::release`]: a live record of this table, off the
    /// chain, with nothing running on its stack.
    pub unsafe fn release(&mut self, record: NonNull<ContRecord>) -> ReleasedStack {
        // SAFETY: the caller's promise.
        unsafe { self.arena.release(record) }
    }

    /// Parks `record`, whose function returned on its native stack, on
    /// the warm list: reset to fresh with its context at `start_ip` on its
    /// stack (see [`ContRecord::restart`]) and `entry`, revision bumped.
    /// Compiled code does the same inline (jit's `conts_inline.rs`).
    /// `native` only: records have no stacks without it.
    ///
    /// # Errors
    /// Hands the record back, untouched, when the list is full or the record
    /// does not qualify (no stack, a payload spill buffer, interpreter
    /// frames, or a revision about to retire): release it instead.
    ///
    /// # Safety
    /// As [`ContTable::release`]: a live record of this table, off the
    /// chain, with nothing running on its stack.
    #[cfg(feature = "native")]
    pub unsafe fn park_warm(
        &mut self,
        mut record: NonNull<ContRecord>,
        start_ip: usize,
        entry: crate::FibreEntry,
    ) -> Result<(), NonNull<ContRecord>> {
        // SAFETY: the caller's promise.
        let target = unsafe { record.as_mut() };
        if self.header.warm_len >= MAX_WARM || !target.can_park_warm() {
            return Err(record);
        }
        target.bump_revision();
        target.reset_warm(start_ip, Some(entry));
        target.set_state(ContState::Returned);
        target.set_parent(ParentLink::Detached, self.header.warm, false);
        self.header.warm = record.as_ptr();
        self.header.warm_len += 1;
        Ok(())
    }

    /// Pops a warm record (fresh, with a stack ready to start); compiled
    /// `cont.new` does the same inline. `native` only, as
    /// [`ContTable::park_warm`].
    #[cfg(feature = "native")]
    pub fn take_warm(&mut self) -> Option<NonNull<ContRecord>> {
        let mut record = NonNull::new(self.header.warm)?;
        // SAFETY: warm records are records of our arena, used by nobody.
        let target = unsafe { record.as_mut() };
        self.header.warm = target.parent_ptr();
        self.header.warm_len -= 1;
        target.set_parent(ParentLink::Detached, std::ptr::null_mut(), false);
        target.set_state(ContState::Fresh);
        Some(record)
    }

    /// Records allocated and not released (warm records are not live).
    pub fn live(&self) -> usize {
        self.arena.live() - self.header.warm_len as usize
    }

    /// Warm records kept now.
    pub fn warm(&self) -> usize {
        self.header.warm_len as usize
    }

    /// Indices handed out so far (retired ones included).
    pub fn indices(&self) -> usize {
        self.records.len()
    }
}

impl Default for ContTable {
    fn default() -> Self {
        ContTable::new()
    }
}

/// The raw handle of index `index` at `revision`.
#[inline]
pub fn raw_handle(index: u32, revision: u64) -> u64 {
    (revision << 32) | u64::from(index.wrapping_add(1))
}

#[cfg(test)]
mod tests;
