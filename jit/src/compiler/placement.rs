//! Where new code lands. Each install of a compile batch starts on a fresh
//! page of the code arena (its pages turn read-execute when finalized), and
//! the tiered mode compiles one function per batch, so every function's
//! entry would sit at the same page offset. Their first cache lines would
//! then share the same few L1 instruction-cache sets (which a page offset
//! picks), and a program whose hot path runs through many small functions
//! would thrash them. So each batch's code starts at the page offset where
//! the last batch's code ended: successive batches cover the cache sets
//! one after another, as one contiguous body of code does.
//!
//! ```text
//!   batch 0, page A  │f……………│                                  │
//!   batch 1, page B  │  padding  │g……………………│                    │
//!   batch 2, page C  │       padding        │h……………………………│     │
//!   (a batch that passes the page's end wraps around: the next one
//!    starts at its end's offset in a fresh page)
//! ```
//! Within a batch, a function may ask to start at a given offset in a
//! cache line ([`LineHint`], from `loop_lines.rs`, so that its small loops
//! stay within a line): the arena pads up to it, 16 to 48 bytes.
//!
//! Measured on `examples/fibers/c10m.wasm 300000 10000` under `dyn
//! --tier-up-sync` (cachegrind's simulated L1i): 13.2 million misses with
//! every batch at offset 0, 2.9 million with the batches 11 lines apart,
//! 2.7 million as placed now; 1.2 million under `jit`, whose one
//! batch is contiguous. The padding costs at most one page per batch.

use super::loop_lines;
use cranelift_jit::{ArenaMemoryProvider, BranchProtection, JITMemoryKind, JITMemoryProvider};
use cranelift_module::ModuleResult;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// The offset within a cache line where the next function defined should
/// start, if any: set by the compiler around each `define_function_bytes`,
/// read by the arena (which the code module owns).
#[derive(Clone, Debug)]
pub(super) struct LineHint(Arc<AtomicU32>);

const NO_HINT: u32 = u32::MAX;

impl Default for LineHint {
    fn default() -> Self {
        LineHint(Arc::new(AtomicU32::new(NO_HINT)))
    }
}

impl LineHint {
    pub(super) fn set(&self, offset: Option<u32>) {
        self.0.store(offset.unwrap_or(NO_HINT), Ordering::Relaxed);
    }

    fn get(&self) -> Option<u32> {
        Some(self.0.load(Ordering::Relaxed)).filter(|&offset| offset != NO_HINT)
    }
}

/// Cache-line size: where code ends is rounded up to it.
const LINE: usize = loop_lines::LINE as usize;
/// The page size whose offsets pick the cache sets (4 KiB: 64 sets of 64
/// bytes).
const PAGE: usize = 4096;

/// The code arena, with each batch's code starting where the last one's
/// ended (see the module doc).
pub(super) struct Continued {
    arena: ArenaMemoryProvider,
    /// Page offset where the last batch's code ended, rounded up to a line.
    next: usize,
    /// Whether the batch being defined has allocated code yet.
    placed: bool,
    /// Where this batch's last code ended (`None` before its first: the
    /// batch then starts at a line boundary).
    end: Option<usize>,
    hint: LineHint,
}

impl Continued {
    pub(super) fn new(arena: ArenaMemoryProvider, hint: LineHint) -> Self {
        Continued {
            arena,
            next: 0,
            placed: false,
            end: None,
            hint,
        }
    }
}

impl JITMemoryProvider for Continued {
    fn allocate(
        &mut self,
        size: usize,
        align: u64,
        kind: JITMemoryKind,
    ) -> std::io::Result<*mut u8> {
        if !matches!(kind, JITMemoryKind::Executable) {
            return self.arena.allocate(size, align, kind);
        }
        if !self.placed {
            self.placed = true;
            // A batch's first code opens a fresh segment at a page start:
            // padding up to `next` first, the code right after it (a line
            // is at least as aligned as any function).
            if self.next > 0 {
                (self.arena).allocate(self.next, LINE as u64, JITMemoryKind::Executable)?;
            }
        }
        if let Some(offset) = self.hint.get() {
            // Pad (in whole alignment steps) to the asked offset in a line.
            let align = (align as usize).max(16);
            let natural = self.end.map_or(0, |end| end.next_multiple_of(align) % LINE);
            let pad = (offset as usize + LINE - natural) % LINE;
            if pad > 0 && pad.is_multiple_of(align) {
                (self.arena).allocate(pad, align as u64, JITMemoryKind::Executable)?;
            }
        }
        let code = self.arena.allocate(size, align, kind)?;
        self.end = Some(code as usize + size);
        self.next = (code as usize + size).next_multiple_of(LINE) % PAGE;
        Ok(code)
    }

    unsafe fn free_memory(&mut self) {
        // SAFETY: the caller's promise for this provider (no code of the
        // arena runs any more) is the arena's.
        unsafe { self.arena.free_memory() }
    }

    fn finalize(&mut self, branch_protection: BranchProtection) -> ModuleResult<()> {
        self.placed = false;
        self.end = None;
        self.arena.finalize(branch_protection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_batch_starts_where_the_last_one_ended() {
        let arena = ArenaMemoryProvider::new_with_size(1 << 20).expect("reserve");
        let mut code = Continued::new(arena, LineHint::default());
        let mut starts = Vec::new();
        for size in [100, 3000, 2000] {
            let first = code
                .allocate(size, 16, JITMemoryKind::Executable)
                .expect("code");
            let second = code
                .allocate(50, 16, JITMemoryKind::Executable)
                .expect("code");
            assert!(
                second as usize >= first as usize + size,
                "a batch stays contiguous"
            );
            starts.push(first as usize % PAGE);
            code.finalize(BranchProtection::None).expect("finalize");
        }
        // 0; after 100 + 50 bytes (rounded to lines: 192); after 192 +
        // 3000 + 50 bytes, from 3200 + 50 rounded up: 3264.
        assert_eq!(starts[..2], [0, 192]);
        assert!(starts[2] >= 3200 && starts[2] % LINE == 0, "{starts:?}");
        // SAFETY: none of the code above ever runs.
        unsafe { code.free_memory() };
    }
}
