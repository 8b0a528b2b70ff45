//! [`Slots`]: the op loop's view of the value stack, indexed without bounds
//! checks in release builds.
//!
//! The op loop indexes the value stack two or three times per op; a bounds
//! check each time was about 12% of the interpreter's instructions
//! (callgrind, on the four benchmark programs). The checks are replaced by
//! one per function entry:
//!
//! ```text
//!   values:  | … | base: locals (num_locals) | operands … | base + max_height | …
//!                 └──────────── every index the function uses ────────────┘
//! ```
//!
//! - A `Slots` is made only by `Slots::frame` (unsafe: the caller promises
//!   to stay below `base + max_height`), which checks
//!   `base + max_height <= values.len()`.
//! - The translator validates every local index (`< num_locals`) and counts
//!   the operand height of every op it emits (`max_height` is the deepest);
//!   the dispatch arms push and pop exactly what the translator counted.
//!
//! Debug builds (and so `cargo test`, which runs the spec suite and the
//! differential fuzzer) check every access against `base + max_height`,
//! so they test the translator's accounting, not just the slice bounds.

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// The value stack of the running function, borrowed mutably for `'a`.
pub(crate) struct Slots<'a> {
    ptr: *mut u64,
    /// `base + max_height`: the end the translator's accounting promises
    /// (checked on every access in debug builds, so a wrong height count
    /// fails the tests instead of reading a neighbour's slots).
    end: usize,
    _values: PhantomData<&'a mut [u64]>,
}

impl<'a> Slots<'a> {
    /// The slots of a frame at `base` that may touch `max_height` slots, or
    /// `None` when `values` is too short for it.
    ///
    /// # Safety
    /// Every index used through the result must be below
    /// `base + max_height` (for the op loop: the translator's accounting,
    /// module doc). Debug builds check it.
    #[inline(always)]
    pub unsafe fn frame(values: &'a mut [u64], base: usize, max_height: u32) -> Option<Slots<'a>> {
        let end = base.checked_add(max_height as usize)?;
        if end > values.len() {
            return None;
        }
        Some(Slots {
            ptr: values.as_mut_ptr(),
            end,
            _values: PhantomData,
        })
    }

    /// A copy of the slots in `from..to`.
    /// The `len` slots of `values` from `base`, indexed from 0, unchecked,
    /// for as long as the caller says: it makes them anew after anything
    /// that moves `values`.
    ///
    /// # Safety
    /// `base + len <= values.len()`, and every index used is under `len`.
    #[inline(always)]
    pub unsafe fn unchecked(values: &mut [u64], base: usize, len: u32) -> Slots<'static> {
        let end = len as usize;
        debug_assert!(base + end <= values.len(), "frame end past the values");
        Slots {
            // SAFETY: in bounds by the caller's promise.
            ptr: unsafe { values.as_mut_ptr().add(base) },
            end,
            _values: PhantomData,
        }
    }

    pub fn to_vec(&self, from: usize, to: usize) -> Vec<u64> {
        (from..to).map(|i| self[i]).collect()
    }
}

impl Index<usize> for Slots<'_> {
    type Output = u64;

    #[inline(always)]
    fn index(&self, i: usize) -> &u64 {
        debug_assert!(i < self.end, "slot {i} past the frame ({})", self.end);
        // SAFETY: `i` is below `end`, which `frame` checked against the
        // length of the slice `ptr` came from (borrowed for `'a`), as
        // `Slots::frame`'s caller promised.
        unsafe { &*self.ptr.add(i) }
    }
}

impl IndexMut<usize> for Slots<'_> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut u64 {
        debug_assert!(i < self.end, "slot {i} past the frame ({})", self.end);
        // SAFETY: as in `index`; `&mut self` makes the access unique.
        unsafe { &mut *self.ptr.add(i) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_must_fit_in_the_values() {
        let mut values = [0u64; 8];
        // SAFETY (all three): only the frame's checks run, nothing is indexed.
        assert!(unsafe { Slots::frame(&mut values, 4, 4) }.is_some());
        assert!(unsafe { Slots::frame(&mut values, 4, 5) }.is_none());
        assert!(unsafe { Slots::frame(&mut values, usize::MAX, 1) }.is_none());
        // SAFETY: indexes 6 and 7, below 0 + 8.
        let mut slots = unsafe { Slots::frame(&mut values, 0, 8) }.expect("fits");
        slots[7] = 3;
        assert_eq!((slots[7], slots.to_vec(6, 8)), (3, vec![0, 3]));
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "past the frame")]
    fn debug_builds_check_every_access() {
        let mut values = [0u64; 2];
        // SAFETY: the promise is broken on purpose: debug builds, the only
        // ones that run this test, panic before the access.
        let slots = unsafe { Slots::frame(&mut values, 0, 2) }.expect("fits");
        let _ = slots[2];
    }
}
