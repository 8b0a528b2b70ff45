//! The buffer of a heap memory (one the address space could not reserve,
//! or a 64-bit one), allocated so that running out of memory is an answer,
//! never an abort: `vec![0; n]` aborts the process when the allocator
//! refuses, and the guest picks `n`.

use std::alloc::Layout;

/// `len` zero bytes, or `None` when the allocator refuses. Large buffers
/// come from fresh, lazily zeroed pages, as with `vec![0; len]`.
pub(super) fn zeroed(len: usize) -> Option<Vec<u8>> {
    if len == 0 {
        return Some(Vec::new());
    }
    let layout = Layout::array::<u8>(len).ok()?;
    // SAFETY: `layout` has a non-zero size.
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: `ptr` comes from the global allocator with the layout of a
    // `Vec<u8>` of capacity `len`, and all `len` bytes are initialized (zero).
    Some(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_buffers_are_zero_and_impossible_ones_are_refused() {
        let bytes = zeroed(4096).expect("4 KiB");
        assert!(bytes.iter().all(|&b| b == 0) && bytes.len() == 4096);
        assert_eq!(zeroed(0), Some(Vec::new()));
        // More than any address space: refused, not an abort.
        assert_eq!(zeroed(usize::MAX / 2), None);
    }
}
