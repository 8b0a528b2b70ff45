//! A linear memory's bytes inside a virtual-memory reservation that never
//! moves: with the unchecked reads and writes of `MemoryInst::read` and
//! `write` (after their bounds check), the only `unsafe` of linear memory.
//!
//! ```text
//!   base                       base + committed              base + reserved
//!   │ read-write (accessible)  │ PROT_NONE (never touched)   │
//!   └──────────────────────────┴─────────────────────────────┘
//!   commit(n) makes [0, n) read-write; the pages were never written, so they
//!   read as zero. Dropping the mapping unmaps the whole reservation.
//! ```
//!
//! The reservation is `PROT_NONE` and `MAP_NORESERVE`: it costs address
//! space only, no memory and no commit charge; pages cost memory once written.

use std::ptr::NonNull;

pub(super) struct Mapping {
    base: NonNull<u8>,
    /// Bytes reserved (address space), a multiple of the host page size.
    reserved: usize,
    /// Bytes at the start that are readable and writable.
    committed: usize,
}

// SAFETY: a Mapping owns its reservation exclusively, as a `Box<[u8]>` owns
// its buffer; `&self` methods only read it.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Mapping {
    /// Reserves `reserved` bytes of address space with `committed` bytes
    /// accessible; `None` if the system refuses (address space exhausted,
    /// limits) or `committed > reserved`.
    pub(super) fn new(reserved: usize, committed: usize) -> Option<Mapping> {
        if committed > reserved || reserved == 0 {
            return None;
        }
        // SAFETY: an anonymous, private, inaccessible mapping at an address
        // the kernel chooses; it overlaps nothing we own.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserved,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        let mut mapping = Mapping {
            base: NonNull::new(ptr.cast())?,
            reserved,
            committed: 0,
        };
        // On failure `mapping` drops here and unmaps the reservation.
        mapping.commit(committed).then_some(mapping)
    }

    /// Address of byte 0 (stays put for the mapping's life).
    pub(super) fn base(&self) -> usize {
        self.base.as_ptr() as usize
    }

    /// Bytes reserved.
    pub(super) fn reserved(&self) -> usize {
        self.reserved
    }

    /// Makes the first `len` bytes accessible (a no-op if they already are);
    /// `false` if `len` passes the reservation or the system refuses.
    pub(super) fn commit(&mut self, len: usize) -> bool {
        if len <= self.committed {
            return true;
        }
        if len > self.reserved {
            return false;
        }
        let start = self.committed;
        // SAFETY: [start, len) lies inside our reservation (len <= reserved),
        // starts at a page boundary (callers commit whole Wasm pages, which
        // are multiples of the host page) and no reference to it exists.
        let ok = unsafe {
            libc::mprotect(
                self.base.as_ptr().add(start).cast(),
                len - start,
                libc::PROT_READ | libc::PROT_WRITE,
            ) == 0
        };
        if ok {
            self.committed = len;
        }
        ok
    }

    /// The accessible bytes.
    #[inline]
    pub(super) fn bytes(&self) -> &[u8] {
        // SAFETY: [0, committed) is mapped read-write and owned by `self`;
        // the shared borrow of `self` keeps it mapped and unwritten by us.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr(), self.committed) }
    }

    /// The accessible bytes, writable.
    #[inline]
    pub(super) fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `bytes`; the exclusive borrow makes the slice unique.
        unsafe { std::slice::from_raw_parts_mut(self.base.as_ptr(), self.committed) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the reservation `new` mapped; no borrow of
        // it outlives `self`. (Compiled code holds the base only while the
        // store, which owns this memory, is alive.)
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.reserved) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 65536;

    #[test]
    fn committed_bytes_are_zero_writable_and_grow_in_place() {
        let mut m = Mapping::new(16 * PAGE, PAGE).expect("reservation");
        let base = m.base();
        assert_eq!(m.bytes().len(), PAGE);
        assert!(m.bytes().iter().all(|&b| b == 0));
        m.bytes_mut()[PAGE - 1] = 7;
        assert!(m.commit(3 * PAGE));
        assert_eq!(m.base(), base, "the base never moves");
        assert_eq!(m.bytes()[PAGE - 1], 7);
        assert!(m.bytes()[PAGE..].iter().all(|&b| b == 0));
        assert!(m.commit(2 * PAGE), "shrinking requests are no-ops");
        assert_eq!(m.bytes().len(), 3 * PAGE);
        assert!(!m.commit(17 * PAGE), "past the reservation");
        assert_eq!(m.bytes().len(), 3 * PAGE);
    }

    #[test]
    fn bad_requests_are_refused() {
        assert!(Mapping::new(PAGE, 2 * PAGE).is_none());
        assert!(Mapping::new(0, 0).is_none());
        assert!(Mapping::new(usize::MAX & !0xfff, 0).is_none());
    }
}
