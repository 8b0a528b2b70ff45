//! [`ContArena`]: where continuation records live — a slab of fixed-size
//! chunks with a free list.
//!
//! ```text
//!   chunks: [ *[ContRecord; 64] ]   never moved or freed before the arena
//!             │
//!             ├─▶ [ r0 | r1 | r2 | … | r63 ]
//!             └─▶ [ r64 | … ]
//!   free:   [ r63, r17, … ]         released records, reused last-in first-out
//! ```
//!
//! Allocating a record pops the free list (a new chunk only when it is empty)
//! and resets the record; releasing one bumps its revision (stale references
//! fail), gives its stack back to the caller and pushes it. Records keep
//! their addresses for the arena's life, so compiled code may hold raw
//! pointers to them, and a reference to a released record is still safe to
//! check. A record is reused at once: a program creating continuations in a
//! loop runs in a bounded number of records.

use crate::record::{ContRecord, ContState};
use std::ptr::NonNull;

/// What releasing a record hands back: its native stack, if it had one,
/// for the pool.
#[cfg(feature = "native")]
pub type ReleasedStack = Option<crate::stack::FibreStack>;

/// What releasing a record hands back: always `None`, since without the
/// `native` feature records never have stacks.
#[cfg(not(feature = "native"))]
pub type ReleasedStack = Option<NoStack>;

/// The stack of a record in a build without the `native` feature: there
/// is none (no value of this type exists).
#[cfg(not(feature = "native"))]
#[derive(Debug)]
pub enum NoStack {}

/// Records per chunk.
const CHUNK_RECORDS: usize = 64;

/// The arena of continuation records of one store (not shared by threads).
#[derive(Debug, Default)]
pub struct ContArena {
    /// Each chunk is an initialized `[ContRecord; CHUNK_RECORDS]` from the
    /// global allocator (freed as a `Box` of it).
    chunks: Vec<NonNull<[ContRecord; CHUNK_RECORDS]>>,
    free: Vec<NonNull<ContRecord>>,
    live: usize,
}

impl ContArena {
    pub fn new() -> ContArena {
        ContArena::default()
    }

    /// A fresh, detached record without a stack, at a stable address;
    /// `None` when a new chunk cannot be allocated (out of memory: never an
    /// abort, the guest decides how many records there are).
    pub fn alloc(&mut self) -> Option<NonNull<ContRecord>> {
        let mut record = match self.free.pop() {
            Some(record) => record,
            None => self.grow()?,
        };
        // SAFETY: free records belong to this arena's live chunks and are not
        // referenced as live by anyone (they were released).
        unsafe { record.as_mut().reset() };
        self.live += 1;
        Some(record)
    }

    /// Adds a chunk, built in place; pushes all but one of its records on
    /// the free list and returns that one. The free list always has room
    /// for every record, so releases never allocate.
    fn grow(&mut self) -> Option<NonNull<ContRecord>> {
        self.chunks.try_reserve(1).ok()?;
        self.free.try_reserve(CHUNK_RECORDS).ok()?;
        let layout = std::alloc::Layout::new::<[ContRecord; CHUNK_RECORDS]>();
        // SAFETY: the layout has a non-zero size.
        let raw = unsafe { std::alloc::alloc(layout) }.cast::<ContRecord>();
        let first = NonNull::new(raw)?;
        for i in 0..CHUNK_RECORDS {
            // SAFETY: `i` is within the fresh allocation, which holds
            // CHUNK_RECORDS records.
            unsafe { first.add(i).write(ContRecord::EMPTY) };
            // SAFETY: as above; written just now. Free until `alloc` resets it.
            unsafe { (*first.add(i).as_ptr()).set_state(ContState::Free) };
        }
        // Box::from_raw in Drop frees it with the same layout.
        let chunk = first.cast::<[ContRecord; CHUNK_RECORDS]>();
        self.chunks.push(chunk);
        let first = chunk.cast::<ContRecord>();
        // Pushed in reverse so that records are handed out in address order.
        for i in (1..CHUNK_RECORDS).rev() {
            // SAFETY: `i` is within the chunk.
            self.free.push(unsafe { first.add(i) });
        }
        Some(first)
    }

    /// Releases `record`: every reference to it fails from now on, its
    /// memory is reused by the next [`ContArena::alloc`]. Returns its
    /// stack, for the pool ([`ReleasedStack`]). A record already released
    /// is left alone (a second release would hand it out twice): no stack,
    /// live count kept.
    ///
    /// # Safety
    /// `record` must be a record of this arena that is not on a stack
    /// chain, and nothing may run on its stack any more.
    pub unsafe fn release(&mut self, mut record: NonNull<ContRecord>) -> ReleasedStack {
        // SAFETY: the caller promises a record of this arena.
        let target = unsafe { record.as_mut() };
        if target.state() == ContState::Free {
            return None;
        }
        target.bump_revision();
        target.set_state(ContState::Free);
        target.free_spill();
        #[cfg(feature = "native")]
        let stack = target.take_stack();
        #[cfg(not(feature = "native"))]
        let stack = None;
        self.free.push(record);
        debug_assert!(self.live > 0, "a live record released with none counted");
        self.live = self.live.saturating_sub(1);
        stack
    }

    /// Records allocated and not released.
    pub fn live(&self) -> usize {
        self.live
    }

    /// Records the arena holds, live or free.
    pub fn capacity(&self) -> usize {
        self.chunks.len() * CHUNK_RECORDS
    }
}

/// Frees every record and unmaps every stack still attached. Frames left
/// on the stack of a record that never returned are abandoned: their
/// destructors do not run.
impl Drop for ContArena {
    fn drop(&mut self) {
        for chunk in self.chunks.drain(..) {
            // SAFETY: every chunk was allocated in `grow` with the layout
            // of the array (as a Box of it is), fully initialized, and the
            // arena is going away, so no record is used any more.
            let mut chunk = unsafe { Box::from_raw(chunk.as_ptr()) };
            for record in chunk.iter_mut() {
                record.free_spill();
                #[cfg(feature = "native")]
                drop(record.take_stack());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::PAYLOAD_INLINE;
    use crate::reference::{ContError, ContRef};

    #[test]
    fn a_released_record_is_reused_at_once() {
        let mut arena = ContArena::new();
        let a = arena.alloc().expect("memory");
        let b = arena.alloc().expect("memory");
        assert_ne!(a, b);
        // SAFETY: `a` is live and on no chain.
        assert!(unsafe { arena.release(a) }.is_none());
        assert_eq!(arena.alloc().expect("memory"), a);
        assert_eq!((arena.live(), arena.capacity()), (2, CHUNK_RECORDS));
    }

    #[test]
    fn a_second_release_is_refused() {
        let mut arena = ContArena::new();
        let a = arena.alloc().expect("memory");
        let _b = arena.alloc().expect("memory");
        // SAFETY: `a` is live and on no chain; then already released,
        // which release must notice.
        unsafe {
            arena.release(a);
            arena.release(a);
        }
        assert_eq!(arena.live(), 1, "counted once");
        let c = arena.alloc().expect("memory");
        let d = arena.alloc().expect("memory");
        assert_eq!(c, a);
        assert_ne!(d, a, "handed out once");
        // Records never handed out are free too.
        // SAFETY: the first chunk is live and initialized.
        let spare = NonNull::from(&unsafe { arena.chunks[0].as_ref() }[CHUNK_RECORDS - 1]);
        // SAFETY: a record of the arena's first chunk, never allocated.
        assert!(unsafe { arena.release(spare) }.is_none());
        assert_eq!(arena.live(), 3);
    }

    #[test]
    fn many_records_keep_their_addresses() {
        let mut arena = ContArena::new();
        let records: Vec<_> = (0..200).map(|_| arena.alloc().expect("memory")).collect();
        for (i, record) in records.iter().enumerate() {
            let mut record = *record;
            // SAFETY: live records of this arena, used by this thread only.
            unsafe { record.as_mut().set_interp(i as u64) };
        }
        for (i, record) in records.iter().enumerate() {
            // SAFETY: as above.
            assert_eq!(unsafe { record.as_ref().interp() }, i as u64);
        }
        assert_eq!(arena.capacity(), 4 * CHUNK_RECORDS);
    }

    #[test]
    fn a_reference_works_once() {
        let mut arena = ContArena::new();
        let record = arena.alloc().expect("memory");
        // SAFETY: `record` is live in `arena` for the whole test.
        unsafe {
            let first = ContRef::new(record);
            assert_eq!(first.consume(), Ok(record));
            assert_eq!(first.consume(), Err(ContError::AlreadyConsumed));
            let second = ContRef::new(record);
            assert_eq!(ContRef::NULL.consume(), Err(ContError::Null));
            arena.release(record);
            assert_eq!(second.consume(), Err(ContError::AlreadyConsumed));
            let reused = arena.alloc().expect("memory");
            assert_eq!(reused, record);
            assert_eq!(second.consume(), Err(ContError::AlreadyConsumed));
        }
    }

    #[test]
    fn payloads_spill_beyond_the_inline_area() {
        let mut arena = ContArena::new();
        let mut record = arena.alloc().expect("memory");
        // SAFETY: a live record of this arena, used by this thread only.
        let target = unsafe { record.as_mut() };
        target.set_payload(&[1, 2]).expect("short");
        assert_eq!(target.payload(), &[1, 2]);
        let inline = target.payload().as_ptr();
        let long: Vec<u64> = (0..PAYLOAD_INLINE as u64 + 3).collect();
        target.set_payload(&long).expect("long");
        assert_eq!(target.payload(), long.as_slice());
        assert_ne!(target.payload().as_ptr(), inline);
        target.set_payload(&[9]).expect("short again");
        assert_eq!(target.payload(), &[9]);
        // SAFETY: live, on no chain.
        unsafe { arena.release(record) };
        let again = arena.alloc().expect("memory");
        // SAFETY: live.
        assert_eq!(unsafe { again.as_ref() }.payload().as_ptr(), inline);
    }
}
