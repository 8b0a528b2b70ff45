//! Linear memories: 64 KiB pages, 32- or 64-bit addresses.
//!
//! ```text
//!   MemoryInst
//!   ├─ bytes: Bytes::Mapped (32-bit memories, `native` feature, when the
//!   │         reservation succeeds)
//!   │    base ─▶ [0 .. len) read-write │ [len .. 4 GiB) PROT_NONE │ guard, 2 GiB PROT_NONE
//!   │    grow commits pages in place: the base never moves
//!   │  or Bytes::Heap (memory64, builds without `native`, guard regions
//!   │     turned off, or when address space runs out)
//!   │    Vec<u8>: [0 .. len) accessible │ [len .. capacity) reserved, zero
//!   ├─ len              accessible bytes = size_pages * 64 KiB
//!   └─ vm: Box<VmMemory> { base, length = len }   (for compiled code)
//! ```
//!
//! A mapped memory reserves every address a 32-bit index can form plus
//! [`GUARD_BYTES`], so compiled code may access `base + index + offset`
//! without a bounds check when `offset + size <= GUARD_BYTES`: an access
//! past `len` faults in the reservation and the fault becomes the trap (see
//! [`MemoryInst::guard_bytes`]). 2 GiB covers every offset compilers emit in
//! practice (larger ones keep an explicit check) and keeps the reservation
//! at 6 GiB of address space, a 47-bit space holds over 20,000 of them; the
//! reservation is unmapped when the memory (with its store) drops. (The spec
//! harness, scripts in parallel, peaks at about 320 GiB of virtual size.)
//!
//! A heap memory growing within its capacity only moves `len` (the bytes
//! there were never written, so they are still zero). Growing past it
//! allocates a new zeroed buffer (about twice the size, within the limits)
//! and copies; large zeroed buffers come from the allocator's lazily-zeroed
//! pages. Every size is checked against the declared maximum, the index
//! type's range and [`StoreLimits::max_memory_bytes`] before allocating,
//! and the allocation itself may fail (`heap.rs`): a memory that does not
//! fit fails instantiation, a `memory.grow` that does not fit returns -1;
//! neither aborts the process.
//!
//! Without the crate's `native` feature (the interpreter-only build) there
//! are no mappings (no mmap): every memory is a heap one, which the
//! interpreter's bounds-checked accesses need nothing more from.

mod heap;
#[cfg(feature = "native")]
mod mapping;

use super::{MemAddr, Store, StoreLimits};
use crate::module::MemoryType;
use crate::trap::{Trap, TrapCode};
use crate::vm::VmMemory;
#[cfg(feature = "native")]
use mapping::Mapping;

/// Bytes in one Wasm page.
pub const WASM_PAGE_SIZE: u64 = 65536;

/// Inaccessible bytes a mapped memory reserves past the 4 GiB a 32-bit
/// index can reach.
pub const GUARD_BYTES: u64 = 2 << 30;

/// Address space a mapped memory reserves.
#[cfg(feature = "native")]
const RESERVATION: u64 = (1 << 32) + GUARD_BYTES;

/// Where a memory's bytes live.
enum Bytes {
    /// A movable buffer, at least `len` long.
    Heap(Vec<u8>),
    /// A fixed reservation with exactly `len` bytes committed.
    #[cfg(feature = "native")]
    Mapped(Mapping),
}

impl Bytes {
    /// `len` zero bytes for a memory of type `ty`: mapped when `native`
    /// is built, the memory is 32-bit, `limits` ask for guard regions and
    /// the reservation succeeds; on the heap otherwise (`None` when even
    /// that fails).
    fn new(ty: MemoryType, len: usize, limits: &StoreLimits) -> Option<Bytes> {
        #[cfg(feature = "native")]
        if !ty.memory64
            && limits.memory_guard_regions
            && let Ok(reserved) = usize::try_from(RESERVATION)
            && let Some(mapping) = Mapping::new(reserved, len)
        {
            return Some(Bytes::Mapped(mapping));
        }
        #[cfg(not(feature = "native"))]
        let _ = (ty, limits);
        heap::zeroed(len).map(Bytes::Heap)
    }
}

pub struct MemoryInst {
    pub ty: MemoryType,
    bytes: Bytes,
    len: usize,
    /// Address of byte 0 of `bytes` (kept by `sync_vm`): loads and stores
    /// check `len` and go straight there. The same as `vm.base`, kept here
    /// too so that the interpreter's accesses need no load through the box.
    base: usize,
    vm: Box<VmMemory>,
}

impl MemoryInst {
    /// A memory of `ty.limits.min` zeroed pages; `None` if that is beyond the
    /// index type's range or the store's limits.
    pub fn new(ty: MemoryType, limits: &StoreLimits) -> Option<MemoryInst> {
        let len = byte_len(ty, ty.limits.min, limits)?;
        let mut mem = MemoryInst {
            ty,
            bytes: Bytes::new(ty, len, limits)?,
            len,
            base: 0,
            vm: Box::default(),
        };
        mem.sync_vm();
        Some(mem)
    }

    /// The accessible bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Heap(bytes) => &bytes[..self.len],
            #[cfg(feature = "native")]
            Bytes::Mapped(mapping) => mapping.bytes(),
        }
    }

    /// The accessible bytes, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        match &mut self.bytes {
            Bytes::Heap(bytes) => &mut bytes[..self.len],
            #[cfg(feature = "native")]
            Bytes::Mapped(mapping) => mapping.bytes_mut(),
        }
    }

    /// Current size in pages.
    #[inline]
    pub fn size_pages(&self) -> u64 {
        self.len as u64 / WASM_PAGE_SIZE
    }

    /// Current size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.len as u64
    }

    /// The record compiled code reads.
    pub fn vm(&self) -> &VmMemory {
        &self.vm
    }

    /// Inaccessible bytes reserved past every address a 32-bit index can
    /// form, 0 for heap memories. When positive, the base never moves and an
    /// access of `size` bytes at `base + index + offset` (`index < 2^32`,
    /// `offset + size <= guard_bytes()`) either lies in the accessible bytes
    /// or faults (SIGSEGV) without touching anything.
    pub fn guard_bytes(&self) -> u64 {
        match &self.bytes {
            Bytes::Heap(_) => 0,
            #[cfg(feature = "native")]
            Bytes::Mapped(mapping) => mapping.reserved() as u64 - (1 << 32),
        }
    }

    /// Reads `N` bytes at `addr`.
    ///
    /// # Errors
    /// [`TrapCode::MemoryOutOfBounds`] if any of them is past the end.
    #[inline]
    pub fn read<const N: usize>(&self, addr: u64) -> Result<[u8; N], TrapCode> {
        let range = checked_range(addr, N as u64, self.len).ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: `base` is the address of the accessible bytes, `len` long
        // (`sync_vm` keeps both after every change of `bytes` or `len`), and
        // `range` lies inside them; `&self` keeps them alive and unwritten.
        Ok(unsafe { std::ptr::read_unaligned((self.base as *const u8).add(range.start).cast()) })
    }

    /// Writes `bytes` at `addr`; nothing is written if it does not all fit.
    ///
    /// # Errors
    /// [`TrapCode::MemoryOutOfBounds`] if the write would pass the end.
    #[inline]
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), TrapCode> {
        let range =
            checked_range(addr, bytes.len() as u64, self.len).ok_or(TrapCode::MemoryOutOfBounds)?;
        // SAFETY: as in `read`, `range` lies inside the accessible bytes at
        // `base`; `&mut self` makes this the only access to them, and
        // `bytes` (borrowed apart from `self`) cannot overlap them.
        unsafe {
            std::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                (self.base as *mut u8).add(range.start),
                bytes.len(),
            )
        };
        Ok(())
    }

    /// The accessible bytes `[addr, addr + len)`, or a trap.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if the range passes the end (overflow included).
    pub fn slice(&self, addr: u64, len: u64) -> Result<&[u8], Trap> {
        let range = self.range(addr, len)?;
        Ok(&self.data()[range])
    }

    /// `memory.fill`: `len` copies of `value` at `addr`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] (checked before writing anything).
    pub fn fill(&mut self, addr: u64, value: u8, len: u64) -> Result<(), Trap> {
        let range = self.range(addr, len)?;
        self.data_mut()[range].fill(value);
        Ok(())
    }

    /// `memory.copy` within this memory; overlapping ranges are handled.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes the end.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), Trap> {
        let src = self.range(src, len)?;
        let dst = self.range(dst, len)?;
        self.data_mut().copy_within(src, dst.start);
        Ok(())
    }

    /// `memory.init`: copies `data[src..src + len]` to `dst`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes its end.
    pub fn init(&mut self, dst: u64, data: &[u8], src: u64, len: u64) -> Result<(), Trap> {
        let src = checked_range(src, len, data.len()).ok_or(Trap::MemoryOutOfBounds)?;
        Ok(self.write(dst, &data[src])?)
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None`
    /// (memory unchanged) beyond the maximum, the index range or the limits.
    pub fn grow(&mut self, delta: u64, limits: &StoreLimits) -> Option<u64> {
        let old_pages = self.size_pages();
        let new_len = byte_len(self.ty, old_pages.checked_add(delta)?, limits)?;
        let ceiling = self
            .max_pages()
            .saturating_mul(WASM_PAGE_SIZE)
            .min(limits.max_memory_bytes);
        let ceiling = usize::try_from(ceiling).unwrap_or(usize::MAX);
        let len = self.len;
        match &mut self.bytes {
            #[cfg(feature = "native")]
            Bytes::Mapped(mapping) => {
                if !mapping.commit(new_len) {
                    return None;
                }
            }
            Bytes::Heap(bytes) if new_len > bytes.len() => {
                let reserve = new_len.max(bytes.len().saturating_mul(2).min(ceiling));
                // Doubling may ask for more than is left: then just enough.
                let mut grown = heap::zeroed(reserve).or_else(|| heap::zeroed(new_len))?;
                grown[..len].copy_from_slice(&bytes[..len]);
                *bytes = grown;
            }
            Bytes::Heap(_) => {}
        }
        self.len = new_len;
        self.sync_vm();
        Some(old_pages)
    }

    /// The largest size in pages this memory may reach (declared maximum or
    /// index-type limit).
    pub fn max_pages(&self) -> u64 {
        self.ty
            .limits
            .max
            .unwrap_or(index_max_pages(self.ty))
            .min(index_max_pages(self.ty))
    }

    #[inline]
    fn range(&self, addr: u64, len: u64) -> Result<std::ops::Range<usize>, Trap> {
        checked_range(addr, len, self.len).ok_or(Trap::MemoryOutOfBounds)
    }

    fn sync_vm(&mut self) {
        self.base = match &mut self.bytes {
            Bytes::Heap(bytes) => bytes.as_mut_ptr() as usize,
            #[cfg(feature = "native")]
            Bytes::Mapped(mapping) => mapping.base(),
        };
        self.vm.base = self.base;
        self.vm.length = self.len as u64;
    }
}

impl Store {
    /// `memory.grow`: the old size in pages, or `None` on failure (see
    /// [`MemoryInst::grow`]).
    pub fn memory_grow(&mut self, addr: MemAddr, delta: u64) -> Option<u64> {
        let limits = self.limits.clone();
        self.memories.get_mut(addr.0 as usize)?.grow(delta, &limits)
    }

    /// `memory.copy` between two memories of this store (or within one).
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes its memory's end.
    pub fn memory_copy(
        &mut self,
        dst_mem: MemAddr,
        dst: u64,
        src_mem: MemAddr,
        src: u64,
        len: u64,
    ) -> Result<(), Trap> {
        if dst_mem == src_mem {
            return self.memory_mut(dst_mem).copy_within(dst, src, len);
        }
        let (d, s) = (dst_mem.0 as usize, src_mem.0 as usize);
        let (dst_inst, src_inst) = if d < s {
            let (low, high) = self.memories.split_at_mut(s);
            (&mut low[d], &high[0])
        } else {
            let (low, high) = self.memories.split_at_mut(d);
            (&mut high[0], &low[s])
        };
        let bytes = src_inst.slice(src, len)?;
        Ok(dst_inst.write(dst, bytes)?)
    }
}

/// `start..start + len` if it lies within `0..end`.
#[inline]
pub(crate) fn checked_range(start: u64, len: u64, end: usize) -> Option<std::ops::Range<usize>> {
    let stop = start.checked_add(len)?;
    if stop > end as u64 {
        return None;
    }
    Some(start as usize..stop as usize)
}

/// Pages an index type can address: 2^16 for 32-bit, 2^48 for 64-bit.
fn index_max_pages(ty: MemoryType) -> u64 {
    if ty.memory64 { 1 << 48 } else { 1 << 16 }
}

/// The byte length of `pages` pages, if allowed by `ty` and `limits`.
fn byte_len(ty: MemoryType, pages: u64, limits: &StoreLimits) -> Option<usize> {
    let max = ty.limits.max.unwrap_or(u64::MAX).min(index_max_pages(ty));
    if pages > max {
        return None;
    }
    let bytes = pages.checked_mul(WASM_PAGE_SIZE)?;
    if bytes > limits.max_memory_bytes {
        return None;
    }
    usize::try_from(bytes).ok()
}

#[cfg(test)]
mod tests;
