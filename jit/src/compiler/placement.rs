//! Where new code lands. Each install of a compile batch starts on a fresh
//! page of the code arena (its pages turn read-execute when finalized), and
//! the tiered mode compiles one function per batch, so every function's
//! entry would sit at the same page offset. Their first cache lines would
//! then share the same few L1 instruction-cache sets, and a program whose
//! hot path runs through many small functions would thrash them (measured:
//! `examples/fibers/c10m.wasm 300000 10000` under `dyn --tier-up-sync`,
//! cachegrind's simulated L1i: 13.2 million misses, 2.9 million with this
//! placement, 1.2 million under `jit`, whose one batch is contiguous). So
//! each batch's first code is moved on by a different number of cache
//! lines:
//!
//! ```text
//!   page    ┌─────────────────────────────────────────────┐
//!   batch 0 │f…                                           │
//!   batch 1 │ 11 lines   │g…                              │
//!   batch 2 │ 22 lines              │h…                   │
//!           └─────────────────────────────────────────────┘
//!   offset = (batch × 11 mod 64) cache lines: each line offset of a 4 KiB
//!   page once every 64 batches (11 is coprime with 64)
//! ```
//! The padding costs at most one page per batch.

use cranelift_jit::{ArenaMemoryProvider, BranchProtection, JITMemoryKind, JITMemoryProvider};
use cranelift_module::ModuleResult;

/// Cache-line size the offsets step by.
const LINE: usize = 64;
/// Lines per 4 KiB page.
const LINES_PER_PAGE: usize = 64;
/// Lines between the offsets of consecutive batches.
const STRIDE: usize = 11;

/// The code arena, with each batch's first executable allocation moved on
/// by its offset (see the module doc).
pub(super) struct Staggered {
    arena: ArenaMemoryProvider,
    /// Batches finalized so far.
    batches: usize,
    /// Whether the batch being defined has allocated code yet.
    placed: bool,
}

impl Staggered {
    pub(super) fn new(arena: ArenaMemoryProvider) -> Self {
        Staggered {
            arena,
            batches: 0,
            placed: false,
        }
    }

    /// Where batch `batch`'s first code starts in its page.
    fn offset(batch: usize) -> usize {
        (batch * STRIDE % LINES_PER_PAGE) * LINE
    }
}

impl JITMemoryProvider for Staggered {
    fn allocate(
        &mut self,
        size: usize,
        align: u64,
        kind: JITMemoryKind,
    ) -> std::io::Result<*mut u8> {
        if self.placed || !matches!(kind, JITMemoryKind::Executable) {
            return self.arena.allocate(size, align, kind);
        }
        self.placed = true;
        let offset = Self::offset(self.batches);
        if offset > 0 {
            // Padding first, in the same fresh segment; the code follows
            // it (a cache line is at least as aligned as any function).
            self.arena
                .allocate(offset, LINE as u64, JITMemoryKind::Executable)?;
        }
        self.arena.allocate(size, align, kind)
    }

    unsafe fn free_memory(&mut self) {
        // SAFETY: the caller's promise for this provider (no code of the
        // arena runs any more) is the arena's.
        unsafe { self.arena.free_memory() }
    }

    fn finalize(&mut self, branch_protection: BranchProtection) -> ModuleResult<()> {
        self.batches += 1;
        self.placed = false;
        self.arena.finalize(branch_protection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_batch_starts_at_its_own_line_of_a_page() {
        let arena = ArenaMemoryProvider::new_with_size(1 << 20).expect("reserve");
        let mut code = Staggered::new(arena);
        let mut offsets = Vec::new();
        for _ in 0..3 {
            let first = code
                .allocate(100, 16, JITMemoryKind::Executable)
                .expect("code");
            let second = code
                .allocate(100, 16, JITMemoryKind::Executable)
                .expect("code");
            assert!(
                second as usize >= first as usize + 100,
                "a batch stays contiguous"
            );
            offsets.push(first as usize % 4096);
            code.finalize(BranchProtection::None).expect("finalize");
        }
        assert_eq!(offsets, [0, 11 * 64, 22 * 64]);
        // SAFETY: none of the code above ever runs.
        unsafe { code.free_memory() };
    }

    #[test]
    fn offsets_visit_every_line_of_a_page() {
        let mut lines: Vec<usize> = (0..64).map(|b| Staggered::offset(b) / LINE).collect();
        lines.sort_unstable();
        assert_eq!(lines, (0..64).collect::<Vec<_>>());
    }
}
