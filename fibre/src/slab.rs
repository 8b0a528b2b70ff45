//! Stack slabs: many fibre stacks carved from one kernel mapping, each with
//! a guard page installed by `madvise(MADV_GUARD_INSTALL)`.
//!
//! ```text
//!   one slab = one mapping (MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, rw)
//!   base                                                              base + len
//!   ┌───────┬──────────────────┬───────┬──────────────────┬───┬───────┬──────────────────┐
//!   │ guard │ usable (slot 0)  │ guard │ usable (slot 1)  │ … │ guard │ usable (slot n-1)│
//!   └───────┴──────────────────┴───────┴──────────────────┴───┴───────┴──────────────────┘
//!   ◀─────── stride ──────────▶        slot i's top = slot i+1's guard start
//!   guard = one page holding a page-table guard marker: a touch faults
//!   (SIGSEGV) like PROT_NONE, but the mapping is not split, so /proc/self/maps
//!   shows one line for the whole slab, and MADV_DONTNEED keeps the marker.
//! ```
//!
//! A process may hold `vm.max_map_count` (65530 by default) mappings. A
//! stack mapped on its own with an `mprotect`ed guard page costs two of
//! them, so at most about 32k stacks could live at once; a slab of
//! [`SLAB_STACKS`] stacks costs at most one, so a million stacks take at
//! most about 4k (the kernel merges slabs mapped side by side: a million
//! held continuations showed under 50 lines in /proc/self/maps).
//!
//! # Life of a slot
//! Every slot gets its guard marker when the slab is mapped (one
//! `process_madvise` for the whole slab; one `madvise` per slot before Linux
//! 6.15), for good. A released stack stays committed among its size's
//! released stacks, and the next stack of that size is one of them (warm:
//! no page faults). The [`DECOMMIT_BATCH`]th release decommits them all
//! (`MADV_DONTNEED` on their usable parts, one `process_madvise` for the
//! batch, so the memory of a process tracks its live stacks within a
//! batch's touched pages) and frees their slots; a freed slot is reused
//! before its slab's never-carved slots, and stacks are taken from the slab
//! at the lowest address with room, so they gather at the bottom. A slab
//! whose stacks are all freed is unmapped, except one per stack size, kept
//! for the next burst.
//!
//! ```text
//!   release ─▶ released (warm, still live in its slab) ─▶ carve takes it back
//!                 └─ 128th release: decommit the batch ─▶ free slots
//!                                                        (empty slab: unmap)
//! ```
//! Batching matters when many continuations end together (a million held
//! and then finished): one system call and TLB flush per batch instead of
//! one per stack.
//!
//! # Fallback
//! Guard markers need Linux 6.13. The first slab probes for them: when the
//! kernel refuses (`EINVAL`), the slab is unmapped, slabs are never tried
//! again, and [`crate::FibreStack::new`] maps every stack on its own with an
//! `mprotect`ed guard page (two mappings per stack, so about 32k live
//! stacks at most). A refusal after a successful probe (memory locked by
//! `mlockall`, say) sends just that stack to its own mapping.
//!
//! The slabs are process-wide (one lock): a stack may be released by any
//! thread, after the pool that took it is gone.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `madvise` advice of Linux 6.13 (uapi `asm-generic/mman-common.h`):
/// install guard markers in the page tables of a range. Defined here
/// because libc 0.2.189 does not have it.
const MADV_GUARD_INSTALL: libc::c_int = 102;

/// The pidfd meaning "the calling process" to `process_madvise` (Linux
/// 6.15, uapi `linux/pidfd.h`; not in libc 0.2.189). Older kernels answer
/// `EBADF`, and the guards are then installed one `madvise` at a time.
const PIDFD_SELF_THREAD_GROUP: libc::c_int = -10001;

/// Stacks per slab: one mapping per 256 stacks (65 MiB of address space,
/// not memory, at the default 256 KiB stack).
pub const SLAB_STACKS: usize = 256;

/// Released stacks of one size kept warm before they are decommitted
/// together (see the module doc).
pub const DECOMMIT_BATCH: usize = 128;

/// Ranges one `process_madvise` takes (`UIO_MAXIOV`).
const IOV_MAX: usize = 1024;

/// What the slabs hold now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlabStats {
    /// Slabs mapped now (each one mapping).
    pub slabs: usize,
    /// Stacks carved from them and not released.
    pub stacks: usize,
    /// Whether the kernel takes guard markers (false until the first slab
    /// is probed, and for good when it refuses).
    pub guard_markers: bool,
}

/// What the kernel said to the first guard marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Support {
    Unknown,
    Yes,
    No,
}

/// One slab: [`SLAB_STACKS`] slots of `stride` bytes each (guard +
/// usable), every guard installed when the slab is mapped.
#[derive(Debug)]
struct Slab {
    stride: usize,
    /// Slots `[0, carved)` were handed out at least once; the rest never.
    carved: usize,
    /// Released slots (decommitted), reused last-in first-out.
    free: Vec<u32>,
    /// Slots in use.
    live: usize,
}

impl Slab {
    fn has_room(&self) -> bool {
        !self.free.is_empty() || self.carved < SLAB_STACKS
    }

    fn len(&self) -> usize {
        self.stride * SLAB_STACKS
    }
}

/// The slabs of one stack size.
#[derive(Debug, Default)]
struct SizeClass {
    /// Base addresses of the slabs with a free or never-carved slot.
    with_room: BTreeSet<usize>,
    /// Slabs with no live stack (kept: at most one).
    empty: usize,
    /// Released stacks not decommitted yet (still live in their slabs),
    /// reused last-in first-out.
    released: Vec<usize>,
}

/// Every slab of the process.
#[derive(Debug)]
struct Slabs {
    support: Support,
    /// Every slab, by base address.
    by_base: BTreeMap<usize, Slab>,
    /// The size classes, by stride.
    classes: BTreeMap<usize, SizeClass>,
    /// Stacks carved and not released, over all slabs.
    stacks: usize,
}

static SLABS: Mutex<Slabs> = Mutex::new(Slabs {
    support: Support::Unknown,
    by_base: BTreeMap::new(),
    classes: BTreeMap::new(),
    stacks: 0,
});

/// The slabs, whatever a panicking holder left (every update below keeps
/// them consistent before it can fail).
/// Released stacks waiting, over every size: kept with the lists (changed
/// under the lock), so that [`has_released`] answers "none" without it.
static RELEASED: AtomicUsize = AtomicUsize::new(0);

fn slabs() -> std::sync::MutexGuard<'static, Slabs> {
    SLABS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What the slabs hold now.
pub fn slab_stats() -> SlabStats {
    let slabs = slabs();
    SlabStats {
        slabs: slabs.by_base.len(),
        stacks: slabs.stacks,
        guard_markers: slabs.support == Support::Yes,
    }
}

/// Carves a stack of `stride` bytes (one guard page, then the usable part;
/// a multiple of the page size) and returns its base (the guard page), or
/// `None` when the kernel refuses guard markers (then map the stack alone).
///
/// # Errors
/// The `mmap` of a new slab, or its guard markers for a reason other than
/// `EINVAL`, failed.
pub(crate) fn carve(stride: usize, page: usize) -> io::Result<Option<usize>> {
    let mut slabs = slabs();
    let Slabs {
        support,
        by_base,
        classes,
        stacks,
    } = &mut *slabs;
    if *support == Support::No {
        return Ok(None);
    }
    let class = classes.entry(stride).or_default();
    if let Some(base) = class.released.pop() {
        RELEASED.fetch_sub(1, Ordering::Relaxed);
        *stacks += 1;
        return Ok(Some(base));
    }
    let base = match class.with_room.first() {
        Some(&base) => base,
        None => {
            let Some(base) = new_slab(stride, page, support)? else {
                return Ok(None);
            };
            let slab = Slab {
                stride,
                carved: 0,
                free: Vec::new(),
                live: 0,
            };
            by_base.insert(base, slab);
            class.with_room.insert(base);
            class.empty += 1;
            base
        }
    };
    let Some(slab) = by_base.get_mut(&base) else {
        return Err(io::Error::other("stack slab index out of step"));
    };
    let slot = match slab.free.pop() {
        Some(slot) => slot as usize,
        None => {
            slab.carved += 1;
            slab.carved - 1
        }
    };
    if slab.live == 0 {
        class.empty -= 1;
    }
    slab.live += 1;
    *stacks += 1;
    if !slab.has_room() {
        class.with_room.remove(&base);
    }
    Ok(Some(base + slot * stride))
}

/// Takes back the stack at `[base, base + len)` when a slab holds it: it
/// joins its size's released stacks, which the next carve of that size
/// reuses warm; the [`DECOMMIT_BATCH`]th is decommitted with the others
/// and their slots freed (see the module doc). Returns false for a stack
/// that is not a slab's (mapped alone: the caller unmaps it).
pub(crate) fn release(base: usize, len: usize, page: usize) -> bool {
    let batch = {
        let mut slabs = slabs();
        if slab_holding(&slabs, base, len).is_none() {
            return false;
        }
        let Slabs {
            classes, stacks, ..
        } = &mut *slabs;
        let Some(class) = classes.get_mut(&len) else {
            return true; // unreachable: a live slot keeps its class
        };
        *stacks -= 1;
        class.released.push(base);
        if class.released.len() < DECOMMIT_BATCH {
            RELEASED.fetch_add(1, Ordering::Relaxed);
            return true;
        }
        RELEASED.fetch_sub(class.released.len() - 1, Ordering::Relaxed);
        std::mem::take(&mut class.released)
    };
    free_decommitted(&batch, len, page);
    true
}

/// Whether a released stack of `len` bytes waits, not decommitted yet.
pub(crate) fn has_released(len: usize) -> bool {
    if RELEASED.load(Ordering::Relaxed) == 0 {
        return false; // the usual answer while stacks pile up, lock-free
    }
    slabs()
        .classes
        .get(&len)
        .is_some_and(|class| !class.released.is_empty())
}

/// Decommits every released stack of every size and frees its slot.
pub fn decommit_released() {
    let sizes: Vec<usize> = slabs().classes.keys().copied().collect();
    for len in sizes {
        decommit_released_of(len);
    }
}

/// Decommits the released stacks of `len` bytes and frees their slots.
fn decommit_released_of(len: usize) {
    let batch = (slabs().classes.get_mut(&len)).map(|class| {
        RELEASED.fetch_sub(class.released.len(), Ordering::Relaxed);
        std::mem::take(&mut class.released)
    });
    free_decommitted(&batch.unwrap_or_default(), len, crate::stack::page_size());
}

/// Decommits the released stacks at `bases` (of `len` bytes) and frees
/// their slots, unmapping slabs left empty but one per size.
fn free_decommitted(bases: &[usize], len: usize, page: usize) {
    // Decommit before the slots are free: once they are, another thread
    // may carve them. They are still ours (and keep their slabs mapped), so
    // the lock is not needed here.
    decommit(bases, len, page);
    let mut slabs = slabs();
    for &base in bases {
        free_slot(&mut slabs, base, len);
    }
}

/// `MADV_DONTNEED` on the usable part of each stack at `bases`: one
/// `process_madvise` per [`IOV_MAX`] stacks, else one `madvise` each.
fn decommit(bases: &[usize], len: usize, page: usize) {
    for chunk in bases.chunks(IOV_MAX) {
        let ranges: Vec<libc::iovec> = (chunk.iter())
            .map(|&base| libc::iovec {
                iov_base: (base + page) as *mut libc::c_void,
                iov_len: len - page,
            })
            .collect();
        // SAFETY: the usable parts of released slots we still own; nothing
        // runs on them any more.
        let done = unsafe {
            libc::syscall(
                libc::SYS_process_madvise,
                PIDFD_SELF_THREAD_GROUP,
                ranges.as_ptr(),
                ranges.len(),
                libc::MADV_DONTNEED,
                0,
            )
        };
        if usize::try_from(done).ok() == Some(chunk.len() * (len - page)) {
            continue;
        }
        for range in &ranges {
            // SAFETY: as above (decommitting a range twice is harmless).
            unsafe { libc::madvise(range.iov_base, range.iov_len, libc::MADV_DONTNEED) };
        }
    }
}

/// Frees the slot of the decommitted stack at `base` (of `len` bytes).
fn free_slot(slabs: &mut Slabs, base: usize, len: usize) {
    let Some(slab_base) = slab_holding(slabs, base, len) else {
        return; // unreachable: a live slot keeps its slab indexed
    };
    let Slabs {
        by_base, classes, ..
    } = slabs;
    let (Some(slab), Some(class)) = (by_base.get_mut(&slab_base), classes.get_mut(&len)) else {
        return;
    };
    if !slab.has_room() {
        class.with_room.insert(slab_base);
    }
    slab.free.push(((base - slab_base) / len) as u32);
    slab.live -= 1;
    if slab.live == 0 {
        if class.empty == 0 {
            class.empty = 1;
        } else {
            let slab_len = slab.len();
            class.with_room.remove(&slab_base);
            by_base.remove(&slab_base);
            unmap(slab_base, slab_len);
        }
    }
}

/// The base of the slab holding the stack `[base, base + len)`, if any.
fn slab_holding(slabs: &Slabs, base: usize, len: usize) -> Option<usize> {
    let (&slab_base, slab) = slabs.by_base.range(..=base).next_back()?;
    (slab.stride == len && base < slab_base + slab.len()).then_some(slab_base)
}

/// Maps a slab of [`SLAB_STACKS`] slots of `stride` bytes with a guard
/// marker on each slot's first page; returns its base, or `None` when the
/// kernel refuses the markers (`EINVAL`: recorded in `support` when this
/// was the probe).
fn new_slab(stride: usize, page: usize, support: &mut Support) -> io::Result<Option<usize>> {
    let len = stride
        .checked_mul(SLAB_STACKS)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "stack slab too large"))?;
    let base = crate::stack::map_stack_memory(len)? as usize;
    match install_guards(base, stride, page) {
        Ok(()) => {
            *support = Support::Yes;
            Ok(Some(base))
        }
        Err(e) => {
            unmap(base, len);
            if e.raw_os_error() != Some(libc::EINVAL) {
                return Err(e);
            }
            if *support == Support::Unknown {
                *support = Support::No;
            }
            // Refused after a successful probe (memory locked by
            // `mlockall`, say): this one stack is mapped alone.
            Ok(None)
        }
    }
}

/// Installs a guard marker on the first page of every slot of the slab at
/// `base`: one `process_madvise` for all of them, else one `madvise` each.
fn install_guards(base: usize, stride: usize, page: usize) -> io::Result<()> {
    let guards: Vec<libc::iovec> = (0..SLAB_STACKS)
        .map(|slot| libc::iovec {
            iov_base: (base + slot * stride) as *mut libc::c_void,
            iov_len: page,
        })
        .collect();
    // SAFETY: the ranges are pages of a slab just mapped that nobody uses
    // yet (a marker discards nothing there); SLAB_STACKS is below IOV_MAX.
    let done = unsafe {
        libc::syscall(
            libc::SYS_process_madvise,
            PIDFD_SELF_THREAD_GROUP,
            guards.as_ptr(),
            guards.len(),
            MADV_GUARD_INSTALL,
            0,
        )
    };
    if usize::try_from(done).ok() == Some(SLAB_STACKS * page) {
        return Ok(());
    }
    // Installing a marker again where one is (after a partial success) is
    // harmless.
    for guard in &guards {
        // SAFETY: as above.
        if unsafe { libc::madvise(guard.iov_base, page, MADV_GUARD_INSTALL) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn unmap(base: usize, len: usize) {
    // SAFETY: a whole slab taken out of the index, none of whose slots is
    // in use.
    unsafe { libc::munmap(base as *mut libc::c_void, len) };
}

#[cfg(test)]
mod tests;
