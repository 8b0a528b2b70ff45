//! What the continuation collector needs of a [`ContTable`]: when to
//! collect, a [`Marker`] that turns words that may be handles into marked
//! records, and the candidates a sweep may release.
//!
//! ```text
//!   live >= next_collection ──▶ a tier collects (it knows the roots):
//!     marker = table.marker()
//!     every root word ──marker.word(w)──▶ a current handle of a record that
//!                                         is fresh or suspended? mark it
//!     while marker.next_marked() ──▶ a marked record: its payload, and its tier's
//!                             frames (captured or native), are roots too
//!     table.unmarked(&marker) ──▶ the records to release
//!     table.collected(true) ──▶ next_collection = max(minimum, 2 × live)
//!   (a tier that cannot see every root now: table.collected(false), the
//!    same wait, no collection counted)
//! ```
//!
//! A word is taken for a handle when its low half names a record's index
//! and its high half is that record's revision now: any copy of a usable
//! handle matches, and a stale one (used, or of a released record) never
//! does. Words that only look like handles (an integer that happens to
//! match) keep a record alive for one more collection: the marking is
//! conservative about what a word means, never about which words it sees.

use super::ContTable;
use crate::record::{ContRecord, ContState};
use std::ptr::NonNull;

/// Live records before the first collection, and the least a collection
/// lets the table grow to before the next.
pub const DEFAULT_COLLECTION_MINIMUM: usize = 65_536;

/// The records found reachable so far (see the module doc).
#[derive(Debug)]
pub struct Marker<'t> {
    table: &'t ContTable,
    marked: Vec<bool>,
    work: Vec<u32>,
}

impl<'t> Marker<'t> {
    /// Marks the record `raw` names, if it is a current handle of a record
    /// a collection may free (fresh or suspended).
    #[inline]
    pub fn word(&mut self, raw: u64) {
        let Some(index) = (raw as u32).checked_sub(1) else {
            return;
        };
        if self.marked.get(index as usize) != Some(&false) {
            return;
        }
        let Some(record) = self.table.record(index) else {
            return;
        };
        // SAFETY: the table only holds live records of its arena.
        let target = unsafe { record.as_ref() };
        if target.revision() == raw >> 32 && collectable(target.state()) {
            self.marked[index as usize] = true;
            self.work.push(index);
        }
    }

    /// Marks record `index` itself (a root that names it by index), if a
    /// collection could free it.
    pub fn mark(&mut self, index: u32) {
        let Some(record) = self.table.record(index) else {
            return;
        };
        // SAFETY: a live record of the table.
        let raw = unsafe { crate::table::raw_handle(index, record.as_ref().revision()) };
        self.word(raw);
    }

    /// [`Marker::word`] for each of `raws`.
    pub fn words(&mut self, raws: &[u64]) {
        for &raw in raws {
            self.word(raw);
        }
    }

    /// A marked record whose own references are not scanned yet; its
    /// payload is scanned here (the tier scans its frames).
    pub fn next_marked(&mut self) -> Option<u32> {
        let index = self.work.pop()?;
        if let Some(record) = self.table.record(index) {
            // SAFETY: a live record of the table; its payload slots are
            // initialized values.
            let payload = unsafe { record.as_ref() }.payload();
            self.words(payload);
        }
        Some(index)
    }

    pub fn is_marked(&self, index: u32) -> bool {
        self.marked.get(index as usize) == Some(&true)
    }
}

/// Records a collection may free: made and not started, or suspended
/// (by either tier). Running and returned ones are not candidates.
fn collectable(state: ContState) -> bool {
    matches!(
        state,
        ContState::Fresh | ContState::Suspended | ContState::Parked
    )
}

impl ContTable {
    /// Whether enough records are live for a collection.
    #[inline]
    pub fn wants_collection(&self) -> bool {
        self.live() >= self.next_collection
    }

    /// Sets the least number of live records at which a collection starts
    /// (0: at every record made, for tests).
    pub fn set_collection_minimum(&mut self, minimum: usize) {
        self.collection_minimum = minimum;
        self.next_collection = minimum;
    }

    /// A marker for a collection, with the payloads of running records
    /// (values on their way into them) marked as roots; `None` when the
    /// host has no memory for its marks (the collection is skipped: the
    /// guest decides how many records there are).
    pub fn marker(&self) -> Option<Marker<'_>> {
        let indices = self.indices();
        let (mut marked, mut work) = (Vec::new(), Vec::new());
        marked.try_reserve_exact(indices).ok()?;
        // Each index is pushed once at most: no growth while marking.
        work.try_reserve_exact(indices).ok()?;
        marked.resize(indices, false);
        let mut marker = Marker {
            table: self,
            marked,
            work,
        };
        for index in 0..self.indices() as u32 {
            let Some(record) = self.record(index) else {
                continue;
            };
            // SAFETY: a live record of the table.
            let target = unsafe { record.as_ref() };
            if target.state() == ContState::Running {
                marker.words(target.payload());
            }
        }
        Some(marker)
    }

    /// The candidates `marker` did not reach, by index (the table's record
    /// at that index now); empty when the host has no memory for the list.
    pub fn unmarked(&self, marker: &Marker<'_>) -> Vec<(u32, NonNull<ContRecord>)> {
        let mut unmarked = Vec::new();
        if unmarked.try_reserve_exact(self.indices()).is_err() {
            return unmarked;
        }
        let candidates = (0..self.indices() as u32)
            .filter(|&index| !marker.is_marked(index))
            .filter_map(|index| Some((index, self.record(index)?)))
            .filter(|(index, record)| {
                // SAFETY: a live record of the table.
                let target = unsafe { record.as_ref() };
                target.index() == *index && collectable(target.state())
            });
        unmarked.extend(candidates);
        unmarked
    }

    /// Ends a collection (`made`), or one put off: the next one starts when
    /// the live records have doubled (and are at least the minimum; a
    /// minimum of 0 collects at every record made).
    pub fn collected(&mut self, made: bool) {
        self.collections += u64::from(made);
        self.next_collection = match self.collection_minimum {
            0 => 0,
            minimum => minimum.max(self.live().saturating_mul(2)),
        };
    }

    /// Collections made so far (put-off ones not counted).
    pub fn collections(&self) -> u64 {
        self.collections
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_current_handles_of_fresh_or_suspended_records_mark() {
        let mut table = ContTable::new();
        let kept = table.alloc().expect("record");
        let dropped = table.alloc().expect("record");
        let mut used = table.alloc().expect("record");
        let kept_handle = table.handle(kept).expect("handle");
        let stale = table.handle(used).expect("handle");
        table.consume(stale).expect("current");
        // SAFETY: a live record, used by nothing else.
        unsafe { used.as_mut().set_state(ContState::Running) };
        let mut marker = table.marker().expect("memory");
        marker.words(&[kept_handle, stale, 0, u64::MAX, 7 << 32 | 1]);
        while marker.next_marked().is_some() {}
        let unmarked: Vec<_> = table
            .unmarked(&marker)
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        assert_eq!(unmarked, vec![dropped], "running and marked records stay");
    }

    #[test]
    fn payloads_of_marked_and_running_records_are_roots() {
        let mut table = ContTable::new();
        let mut holder = table.alloc().expect("record");
        let held = table.alloc().expect("record");
        let held_handle = table.handle(held).expect("handle");
        // SAFETY: a live record, used by nothing else.
        unsafe { holder.as_mut().push_payload(&[held_handle]) }.expect("fits");
        let holder_handle = table.handle(holder).expect("handle");
        let mut marker = table.marker().expect("memory");
        marker.word(holder_handle);
        while marker.next_marked().is_some() {}
        assert!(table.unmarked(&marker).is_empty());
        // A running record's payload is a root by itself.
        // SAFETY: as above.
        unsafe { holder.as_mut().set_state(ContState::Running) };
        let mut marker = table.marker().expect("memory");
        while marker.next_marked().is_some() {}
        assert!(table.unmarked(&marker).is_empty());
    }

    #[test]
    fn the_next_collection_waits_for_the_live_count_to_double() {
        let mut table = ContTable::new();
        table.set_collection_minimum(2);
        let _a = table.alloc().expect("record");
        assert!(!table.wants_collection());
        let _b = table.alloc().expect("record");
        assert!(table.wants_collection());
        table.collected(true);
        assert!(!table.wants_collection());
        let _c = table.alloc().expect("record");
        let _d = table.alloc().expect("record");
        assert!(table.wants_collection(), "4 live after 2");
        assert_eq!(table.collections(), 1);
    }
}
