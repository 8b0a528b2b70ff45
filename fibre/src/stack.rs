//! [`FibreStack`]: one native stack for a fibre, with a guard page below it.
//!
//! ```text
//!   base + len ┌──────────────────────┐ ◀── top (page aligned, so 16-byte aligned)
//!              │ usable               │  frames grow down from the top
//!              │                      │
//!              ├──────────────────────┤ ◀── limit = guard end + reserve
//!              │ reserve              │  signal handler, libcalls, host code
//!   base+page  ├──────────────────────┤ ◀── guard end
//!              │ guard page           │  a touch here faults (SIGSEGV)
//!   base       └──────────────────────┘
//! ```
//!
//! # Where the memory comes from
//! [`FibreStack::new`] carves the stack from a slab (slab.rs): one mapping
//! of [`crate::SLAB_STACKS`] stacks whose guard pages are page-table
//! markers (`MADV_GUARD_INSTALL`, Linux 6.13+), so a million live stacks
//! cost at most about four thousand kernel mappings (fewer: the kernel
//! merges slabs mapped side by side), well under `vm.max_map_count`
//! (65530 by default). On an older kernel it falls back to
//! [`FibreStack::new_mapped`]: a mapping of its own with an `mprotect`ed
//! guard page, two mappings per stack, which caps a process at about 32k
//! live stacks. Either way the memory is `MAP_PRIVATE | MAP_ANONYMOUS |
//! MAP_NORESERVE`: the kernel gives a page only when it is first touched,
//! so a stack costs address space, not memory, beyond the pages its frames
//! reached (a suspended continuation's frames fit in its top page); a
//! released slab stack is decommitted (`MADV_DONTNEED`).
//!
//! # Size
//! [`DEFAULT_STACK_SIZE`] is 256 KiB: a reserve of 64 KiB (a quarter, see
//! [`FibreStack::limit`]) and 192 KiB for compiled Wasm frames, which are
//! small (tens to a few hundred bytes): about 6,000 calls of a minimal
//! recursive function deep, a thousand or more of ordinary ones; enough
//! for ordinary programs and the spec tests. Interpreted frames live on the
//! heap and never use it. Why not more: a held continuation costs the page
//! its frames touched at the top of its stack, plus its share of the
//! page-table page mapping that top, one per 2 MiB of address space. At
//! 1 MiB that is a page-table page per two stacks (2 KiB each, 0.5 KiB at
//! 256 KiB), and allocating them tripled the kernel time of holding a
//! million continuations on the benchmark machine (`cont_held` run(1000000):
//! 23.5 s of system time at 1 MiB, 8.6 s at 256 KiB, 8.2 s at 64 KiB). Size
//! is no limit on count: a million stacks are 260 GiB of address space (1
//! TiB at 1 MiB, also accepted), which `MAP_NORESERVE` keeps out of the
//! commit charge under the default `vm.overcommit_memory = 0`. Only
//! continuations with compiled frames get a stack at all (see DESIGN.md);
//! [`crate::StackPool::new`] takes another size.
//!
//! # Overflow
//! Compiled code checks `sp - frame size` against `VmRuntime.stack_limit`
//! in every prologue (jit/src/stack.rs). Whoever switches onto a fibre sets
//! that limit to [`FibreStack::limit`] (a record keeps it at a fixed offset)
//! and puts the parent's limit back when switching out, so deep Wasm
//! recursion on a fibre ends with the ordinary "call stack exhausted" trap
//! while the reserve is still free, exactly as on the thread's own stack.
//! (A host entry into compiled code made while a fibre runs must keep that
//! limit, not compute the thread's: the fibre's mapping lies anywhere
//! relative to the thread stack.)
//!
//! The guard page catches only what the limit does not cover (Rust or host
//! code running wild). The write faults with SIGSEGV at an address in
//! [`FibreStack::guard`]; the jit's handler passes a fault outside compiled
//! code's trap sites on, and the process ends as on a thread-stack
//! overflow. The handler needs an alternate signal stack there (the jit
//! installs with `SA_ONSTACK`; Rust threads have one), since the faulting
//! stack is full. `tests/guard.rs` checks the guard of both kinds of stack
//! (the marker in a slab, the PROT_NONE page of a stack mapped alone) with a
//! handler that recognises the guard address.

use crate::slab;
use std::io;
use std::sync::OnceLock;

/// Usable bytes of a fibre stack unless configured otherwise (see the
/// module doc for why 256 KiB).
pub const DEFAULT_STACK_SIZE: usize = 256 << 10;

/// The largest reserve kept below [`FibreStack::limit`]: room for the signal
/// handler, libcalls and host functions that compiled code calls.
pub const MAX_STACK_RESERVE: usize = 128 << 10;

/// The smallest usable size accepted (smaller requests are rounded up).
pub const MIN_STACK_SIZE: usize = 16 << 10;

/// Where a fresh context's frames start on a stack whose top is `top`:
/// below it by a multiple of a cache line that the top's page picks.
/// Stacks lie a whole number of pages apart (slab slots, 260 KiB), so
/// their tops would all fall on the same cache sets; a switch lands on the
/// frames just under a top, and with thousands of live stacks those
/// lines then evict one another in L1 and L2. Spread over `COLOURS`
/// lines (up to 3008 bytes of the stack's 256 KiB), 48 stacks in a row use
/// distinct sets, and the first KiB of frames under the start still lies in
/// the top page: a held continuation's frames (a few hundred bytes) touch
/// one page, not two (with 64 lines, up to 4032 bytes, about one stack in
/// ten straddled: 4.6 instead of 4.2 KiB of peak RSS per held continuation
/// in `cont_held` under `jit`).
pub fn start_sp(top: usize) -> usize {
    const LINE: usize = 64;
    top - ((top / COLOUR_SPAN) % COLOURS) * LINE
}

/// The top of the stack whose frames start at `start` ([`start_sp`]):
/// tops are page aligned, so at least [`COLOUR_SPAN`] aligned, and a start
/// lies less than that below its top.
pub fn top_of_start(start: usize) -> usize {
    start.next_multiple_of(COLOUR_SPAN)
}

/// The granule whose number picks a stack's colour (the smallest page
/// size): every stack top is a multiple of it.
const COLOUR_SPAN: usize = 4096;

/// How many cache lines [`start_sp`] spreads frame starts over.
pub const COLOURS: usize = 48;

/// The system page size (the guard page's size).
pub fn page_size() -> usize {
    static PAGE: OnceLock<usize> = OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: sysconf only reads a system constant.
        let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(size)
            .ok()
            .filter(|s| s.is_power_of_two())
            .unwrap_or(4096)
    })
}

/// A fresh read-write mapping of `len` bytes, `MAP_PRIVATE | MAP_ANONYMOUS
/// | MAP_NORESERVE` (see "Where the memory comes from"): a stack of its
/// own, or a slab.
///
/// # Errors
/// The `mmap` failure (out of address space or mappings).
pub(crate) fn map_stack_memory(len: usize) -> io::Result<*mut libc::c_void> {
    // SAFETY: an anonymous private mapping at an address of the kernel's
    // choice touches no existing memory.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    if base == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    Ok(base)
}

/// `size` rounded up to whole pages, at least [`MIN_STACK_SIZE`].
pub fn usable_size(size: usize) -> usize {
    let page = page_size();
    size.max(MIN_STACK_SIZE).div_ceil(page).saturating_mul(page)
}

/// Guard page + usable part of a stack of `size` usable bytes.
pub(crate) fn stack_len(size: usize) -> io::Result<usize> {
    usable_size(size)
        .checked_add(page_size())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "stack size overflows"))
}

/// A fibre stack; given back to its slab (decommitted) or unmapped when
/// dropped.
#[derive(Debug)]
pub struct FibreStack {
    /// Lowest address: the start of the guard page.
    base: *mut u8,
    /// Guard page + usable part.
    len: usize,
}

// SAFETY: a FibreStack owns its memory outright and has no tie to the
// thread that mapped it; an idle stack may be handed to another thread.
unsafe impl Send for FibreStack {}

impl FibreStack {
    /// A stack with at least `size` usable bytes (see [`usable_size`]) and
    /// a guard page below: carved from a slab, or mapped on its own when
    /// the kernel has no guard markers (see the module doc).
    ///
    /// # Errors
    /// The `mmap`, `madvise` or `mprotect` failure (out of address space,
    /// memory or mappings).
    pub fn new(size: usize) -> io::Result<FibreStack> {
        let page = page_size();
        let len = stack_len(size)?;
        match slab::carve(len, page)? {
            Some(base) => Ok(FibreStack {
                base: base as *mut u8,
                len,
            }),
            None => FibreStack::new_mapped(size),
        }
    }

    /// A stack like [`FibreStack::new`]'s in a mapping of its own, with an
    /// `mprotect`ed guard page: the fallback for kernels without guard
    /// markers (two kernel mappings per stack).
    ///
    /// # Errors
    /// The `mmap` or `mprotect` failure (out of address space or mappings).
    pub fn new_mapped(size: usize) -> io::Result<FibreStack> {
        let page = page_size();
        let len = stack_len(size)?;
        let base = map_stack_memory(len)?;
        let stack = FibreStack {
            base: base.cast(),
            len,
        };
        // SAFETY: the first page lies inside the mapping made above, which
        // nothing else uses yet.
        if unsafe { libc::mprotect(base, page, libc::PROT_NONE) } != 0 {
            return Err(io::Error::last_os_error()); // `stack` unmaps on drop
        }
        Ok(stack)
    }

    /// One past the highest usable byte (page aligned).
    pub fn top(&self) -> usize {
        self.base as usize + self.len
    }

    /// The guard page: `[start, end)`.
    pub fn guard(&self) -> (usize, usize) {
        (self.base as usize, self.base as usize + page_size())
    }

    /// Usable bytes, between the guard page and the top.
    pub fn size(&self) -> usize {
        self.len - page_size()
    }

    /// The lowest address compiled frames may use: the guard end plus a
    /// reserve of a quarter of the stack, at most [`MAX_STACK_RESERVE`].
    pub fn limit(&self) -> usize {
        self.guard().1 + (self.size() / 4).min(MAX_STACK_RESERVE)
    }

    /// Whether `addr` falls in this stack's guard page (a fault address
    /// there is an overflow of this stack).
    pub fn guard_contains(&self, addr: usize) -> bool {
        let (start, end) = self.guard();
        (start..end).contains(&addr)
    }

    /// The stack's memory as (base, length), guard page included, giving up
    /// ownership; see
    /// [`FibreStack::from_raw_parts`].
    pub fn into_raw_parts(self) -> (usize, usize) {
        let parts = (self.base as usize, self.len);
        std::mem::forget(self);
        parts
    }

    /// Takes back a stack given up by [`FibreStack::into_raw_parts`].
    ///
    /// # Safety
    /// `(base, len)` must come from `into_raw_parts` and be taken back once.
    pub unsafe fn from_raw_parts(base: usize, len: usize) -> FibreStack {
        FibreStack {
            base: base as *mut u8,
            len,
        }
    }
}

impl Drop for FibreStack {
    fn drop(&mut self) {
        let (base, len) = (self.base as usize, self.len);
        if !slab::release(base, len, page_size()) {
            // SAFETY: a stack not carved from a slab is a whole mapping of
            // its own (new_mapped), and nothing runs on it any more (a record
            // gives its stack back only once finished).
            unsafe { libc::munmap(self.base.cast(), self.len) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stacks_side_by_side_start_on_distinct_cache_lines() {
        // Tops of slab slots: a guard page and 256 KiB apart.
        let stride = page_size() + DEFAULT_STACK_SIZE;
        let tops: Vec<usize> = (1..=COLOURS)
            .map(|i| 0x7f00_0000_0000 + i * stride)
            .collect();
        let mut lines: Vec<usize> = tops.iter().map(|&t| start_sp(t) % 4096 / 64).collect();
        for (&top, sp) in tops.iter().zip(tops.iter().map(|&t| start_sp(t))) {
            assert_eq!(sp % 16, 0);
            // A KiB of frames under the start stays in the top page.
            assert!(top - sp + 1024 <= 4096, "{:#x} {:#x}", top, sp);
        }
        lines.sort_unstable();
        lines.dedup();
        assert_eq!(lines.len(), COLOURS);
        for &top in &tops {
            assert_eq!(top_of_start(start_sp(top)), top);
        }
    }

    #[test]
    fn sizes_round_up_to_pages() {
        let page = page_size();
        assert_eq!(usable_size(1), MIN_STACK_SIZE);
        assert_eq!(usable_size(MIN_STACK_SIZE + 1), MIN_STACK_SIZE + page);
        let stack = FibreStack::new(100_000).expect("map");
        assert_eq!(stack.size(), usable_size(100_000));
        assert_eq!(stack.top() % 16, 0);
        assert_eq!(stack.guard().1 - stack.guard().0, page);
    }

    #[test]
    fn limit_keeps_a_reserve_above_the_guard() {
        let small = FibreStack::new(64 << 10).expect("map");
        assert_eq!(small.limit(), small.guard().1 + (16 << 10));
        let default = FibreStack::new(DEFAULT_STACK_SIZE).expect("map");
        assert_eq!(default.limit(), default.guard().1 + (64 << 10));
        let large = FibreStack::new(1 << 20).expect("map");
        assert_eq!(large.limit(), large.guard().1 + MAX_STACK_RESERVE);
        assert!(large.guard_contains(large.guard().0));
        assert!(!large.guard_contains(large.guard().1));
    }

    #[test]
    fn the_top_is_writable() {
        let stack = FibreStack::new(DEFAULT_STACK_SIZE).expect("map");
        let word = (stack.top() - 8) as *mut u64;
        // SAFETY: the last usable word of our own read-write mapping.
        unsafe {
            word.write(0x1234);
            assert_eq!(word.read(), 0x1234);
        }
    }
}
