//! A resume site's handler tags, resolved for one instance: the table that
//! prompts point at (`ContRecord::handler_tags`) and that every inline
//! suspend reads.
//!
//! ```text
//!   TagTable ─▶ | line 0: tag 0 … tag 7 | line 1: tag 8 … | …     64-byte lines
//! ```
//! The table starts on a cache line of its own and fills whole lines, so
//! no data written while the program runs shares its lines. Allocated
//! among other small heap objects it could share a line with one that a
//! switch writes (the stack chain's innermost record, say), and the load of
//! its first tag then stalled at every suspend: the deep-handler bench's
//! depth-1 row ran in 68 or 49 ms depending only on where the allocator
//! put an 8-byte table (cont_deep run1, best of 12, `dyn`; `jit` 58 ms).

/// One cache line of tag identities.
#[repr(C, align(64))]
#[derive(Clone, Copy, Debug)]
struct TagLine([u64; 8]);

/// Resolved tag identities in whole cache lines (see the module doc).
#[derive(Debug)]
pub(crate) struct TagTable(Box<[TagLine]>);

impl TagTable {
    pub(crate) fn new(tags: &[u64]) -> TagTable {
        let mut lines = vec![TagLine([0; 8]); tags.len().div_ceil(8).max(1)];
        for (i, &tag) in tags.iter().enumerate() {
            lines[i / 8].0[i % 8] = tag;
        }
        TagTable(lines.into_boxed_slice())
    }

    /// The first tag; the rest follow it (as long as the table lives).
    pub(crate) fn as_ptr(&self) -> *const u64 {
        self.0.as_ptr().cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_lie_in_order_from_a_line_start() {
        let tags: Vec<u64> = (1..=11).collect();
        let table = TagTable::new(&tags);
        assert_eq!(table.as_ptr() as usize % 64, 0);
        // SAFETY: the table holds two lines, 16 slots, of which 11 are tags.
        let read = unsafe { std::slice::from_raw_parts(table.as_ptr(), tags.len()) };
        assert_eq!(read, &tags[..]);
    }
}
