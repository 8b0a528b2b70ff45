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
//!                 └── slot 0 ───── every index the function uses ──────────┘
//! ```
//!
//! - [`Slots::fits`] checks `base + max_height <= values.len()` where the
//!   frame loop enters a function; a `Slots` is then made by
//!   [`Slots::unchecked`] (unsafe: the caller promises that check, and to
//!   make the slots anew after anything that moves the values), indexed
//!   from the frame's first local.
//! - The translator validates every local index (`< num_locals`) and counts
//!   the operand height of every op it emits (`max_height` is the deepest);
//!   the dispatch arms push and pop exactly what the translator counted.
//!
//! Debug builds (and so `cargo test`, which runs the spec suite and the
//! differential fuzzer) check every access against `max_height`, so they
//! test the translator's accounting, not just the slice bounds. Release
//! builds keep only the pointer (one register in the op loop).

use std::marker::PhantomData;
use std::ops::{Index, IndexMut};

/// The value stack of the running function, borrowed mutably for `'a`.
pub(crate) struct Slots<'a> {
    ptr: *mut u64,
    /// `max_height`: the end the translator's accounting promises
    /// (checked on every access in debug builds, so a wrong height count
    /// fails the tests instead of reading a neighbour's slots).
    #[cfg(debug_assertions)]
    end: usize,
    _values: PhantomData<&'a mut [u64]>,
}

impl<'a> Slots<'a> {
    /// Whether a frame at `base` that may touch `max_height` slots fits
    /// in `values`.
    #[inline(always)]
    pub fn fits(values: &[u64], base: usize, max_height: u32) -> bool {
        base.checked_add(max_height as usize)
            .is_some_and(|end| end <= values.len())
    }

    /// The `len` slots of `values` from `base`, indexed from 0, unchecked,
    /// for as long as the caller says: it makes them anew after anything
    /// that moves `values`.
    ///
    /// # Safety
    /// `base + len <= values.len()`, and every index used is under `len`.
    #[inline(always)]
    pub unsafe fn unchecked(values: &mut [u64], base: usize, len: u32) -> Slots<'static> {
        debug_assert!(Self::fits(values, base, len), "frame end past the values");
        Slots {
            // SAFETY: in bounds by the caller's promise.
            ptr: unsafe { values.as_mut_ptr().add(base) },
            #[cfg(debug_assertions)]
            end: len as usize,
            _values: PhantomData,
        }
    }

    /// A copy of the slots in `from..to`.
    pub fn to_vec(&self, from: usize, to: usize) -> Vec<u64> {
        (from..to).map(|i| self[i]).collect()
    }
}

impl Index<usize> for Slots<'_> {
    type Output = u64;

    #[inline(always)]
    fn index(&self, i: usize) -> &u64 {
        #[cfg(debug_assertions)]
        assert!(i < self.end, "slot {i} past the frame ({})", self.end);
        // SAFETY: `i` is below the frame's `max_height`, and the frame fits
        // in the values `ptr` points into, as `Slots::unchecked`'s caller
        // promised (debug builds check the first part).
        unsafe { &*self.ptr.add(i) }
    }
}

impl IndexMut<usize> for Slots<'_> {
    #[inline(always)]
    fn index_mut(&mut self, i: usize) -> &mut u64 {
        #[cfg(debug_assertions)]
        assert!(i < self.end, "slot {i} past the frame ({})", self.end);
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
        assert!(Slots::fits(&values, 4, 4));
        assert!(!Slots::fits(&values, 4, 5));
        assert!(!Slots::fits(&values, usize::MAX, 1));
        // SAFETY: 4 + 4 slots fit; indexes 2 and 3, below 4.
        let mut slots = unsafe { Slots::unchecked(&mut values, 4, 4) };
        slots[3] = 3;
        assert_eq!((slots[3], slots.to_vec(2, 4)), (3, vec![0, 3]));
        assert_eq!(values[7], 3, "indexed from the frame's base");
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "past the frame")]
    fn debug_builds_check_every_access() {
        let mut values = [0u64; 4];
        // SAFETY: the promise is broken on purpose: debug builds, the only
        // ones that run this test, panic before the access.
        let slots = unsafe { Slots::unchecked(&mut values, 2, 2) };
        let _ = slots[2];
    }
}
