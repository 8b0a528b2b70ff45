//! Where in a cache line a function should start so that its small loops
//! do not straddle two lines.
//!
//! Cranelift does not align loop headers, so a hot loop of a few
//! instructions lands wherever the function's start puts it. Straddling a
//! 64-byte line costs a second fetch (and op-cache line) per iteration: the
//! same machine code runs slower. sieve's OSR version had its inner loop
//! across a line; the bench command's sieve row under `dyn` went from 66.9
//! ms (9c92c7d) to 58.7 ms with this placement (a5cf3a9; `jit` 56.3 and
//! 54.6 ms in the same runs).
//!
//! Cranelift reports its blocks' starts and edges (`machine_code_cfg_info`).
//! A back edge (to a block that starts at or before the source block) closes
//! a loop from the header's start to the source block's end. Of the four
//! starts a 16-byte-aligned function can have within a line, the one that
//! splits the fewest small loops wins, the shortest loops counting most:
//!
//! ```text
//!   offset 0:   |……loop……|……      loop straddles the line at 64
//!   offset 16:  |  ……loop……|        loop fits in one line
//! ```

/// Cache-line size.
pub(crate) const LINE: u32 = 64;
/// The function alignment the candidate starts step by.
const STEP: u32 = 16;

/// The loops of a function's code: `(start, end)` byte ranges, from its
/// block starts (ascending) and its edges (`(from block, to block)`, by
/// start offset), `len` the code size.
pub(crate) fn loops(bb_starts: &[u32], bb_edges: &[(u32, u32)], len: u32) -> Vec<(u32, u32)> {
    let end_of = |block: u32| {
        let next = bb_starts.partition_point(|&s| s <= block);
        bb_starts.get(next).copied().unwrap_or(len)
    };
    bb_edges
        .iter()
        .filter(|&&(from, to)| to <= from)
        .map(|&(from, to)| (to, end_of(from)))
        .collect()
}

/// The offset within a line (0, 16, 32 or 48) at which a function with
/// `loops` should start, or `None` when no loop fits in a line anyway.
pub(crate) fn preferred_offset(loops: &[(u32, u32)]) -> Option<u32> {
    let small: Vec<(u32, u32)> = loops
        .iter()
        .copied()
        .filter(|&(start, end)| end > start && end - start <= LINE)
        .collect();
    if small.is_empty() {
        return None;
    }
    // Straddling costs more the shorter (the hotter, as a rule) the loop.
    let cost = |offset: u32| -> u64 {
        small
            .iter()
            .filter(|&&(start, end)| (offset + start) / LINE != (offset + end - 1) / LINE)
            .map(|&(start, end)| u64::from(2 * LINE - (end - start)))
            .sum()
    };
    (0..LINE / STEP)
        .map(|i| i * STEP)
        .min_by_key(|&offset| (cost(offset), offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_edges_close_loops_from_header_to_the_source_blocks_end() {
        // Blocks at 0, 10, 30, 40; 30 branches back to 10 (a loop 10..40)
        // and forward to 40.
        let loops = loops(
            &[0, 10, 30, 40],
            &[(0, 10), (10, 30), (30, 10), (30, 40)],
            50,
        );
        assert_eq!(loops, [(10, 40)]);
    }

    #[test]
    fn the_offset_keeps_a_small_loop_in_one_line() {
        // A 22-byte loop at 50..72 straddles the line at 64 when the
        // function starts at a line; started 16 bytes later it does not.
        assert_eq!(preferred_offset(&[(50, 72)]), Some(16));
        // Already inside a line: no move.
        assert_eq!(preferred_offset(&[(2, 30)]), Some(0));
        // Only loops longer than a line: no preference.
        assert_eq!(preferred_offset(&[(0, 200)]), None);
        // The shorter loop wins when both cannot fit.
        let offset = preferred_offset(&[(50, 60), (0, 64)]).expect("a small loop");
        assert_eq!((offset + 50) / LINE, (offset + 59) / LINE);
    }
}
