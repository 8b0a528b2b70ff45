//! Linear memories: 64 KiB pages, 32- or 64-bit addresses.
//!
//! ```text
//!   MemoryInst
//!   ├─ bytes: Vec<u8>   [0 ........ len) accessible   [len .. bytes.len()) reserved, zero
//!   ├─ len              accessible bytes = size_pages * 64 KiB
//!   └─ vm: Box<VmMemory> { base = bytes.as_ptr(), length = len }   (for compiled code)
//! ```
//!
//! Growing within the reserved part only moves `len` (the bytes there were
//! never written, so they are still zero). Growing past it allocates a new
//! zeroed buffer (about twice the size, within the limits) and copies; large
//! zeroed buffers come from the allocator's lazily-zeroed pages. Every size is
//! checked against the declared maximum, the index type's range and
//! [`StoreLimits::max_memory_bytes`] before allocating, so no request aborts
//! the process.

use super::{MemAddr, Store, StoreLimits};
use crate::module::MemoryType;
use crate::trap::Trap;
use crate::vm::VmMemory;

/// Bytes in one Wasm page.
pub const WASM_PAGE_SIZE: u64 = 65536;

pub struct MemoryInst {
    pub ty: MemoryType,
    bytes: Vec<u8>,
    len: usize,
    vm: Box<VmMemory>,
}

impl MemoryInst {
    /// A memory of `ty.limits.min` zeroed pages; `None` if that is beyond the
    /// index type's range or the store's limits.
    pub fn new(ty: MemoryType, limits: &StoreLimits) -> Option<MemoryInst> {
        let len = byte_len(ty, ty.limits.min, limits)?;
        let mut mem = MemoryInst {
            ty,
            bytes: vec![0; len],
            len,
            vm: Box::default(),
        };
        mem.sync_vm();
        Some(mem)
    }

    /// The accessible bytes.
    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// The accessible bytes, writable.
    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.bytes[..self.len]
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

    /// Reads `N` bytes at `addr`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if any of them is past the end.
    #[inline]
    pub fn read<const N: usize>(&self, addr: u64) -> Result<[u8; N], Trap> {
        let range = self.range(addr, N as u64)?;
        let mut out = [0; N];
        out.copy_from_slice(&self.bytes[range]);
        Ok(out)
    }

    /// Writes `bytes` at `addr`; nothing is written if it does not all fit.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if the write would pass the end.
    #[inline]
    pub fn write(&mut self, addr: u64, bytes: &[u8]) -> Result<(), Trap> {
        let range = self.range(addr, bytes.len() as u64)?;
        self.bytes[range].copy_from_slice(bytes);
        Ok(())
    }

    /// The accessible bytes `[addr, addr + len)`, or a trap.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if the range passes the end (overflow included).
    pub fn slice(&self, addr: u64, len: u64) -> Result<&[u8], Trap> {
        let range = self.range(addr, len)?;
        Ok(&self.bytes[range])
    }

    /// `memory.fill`: `len` copies of `value` at `addr`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] (checked before writing anything).
    pub fn fill(&mut self, addr: u64, value: u8, len: u64) -> Result<(), Trap> {
        let range = self.range(addr, len)?;
        self.bytes[range].fill(value);
        Ok(())
    }

    /// `memory.copy` within this memory; overlapping ranges are handled.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes the end.
    pub fn copy_within(&mut self, dst: u64, src: u64, len: u64) -> Result<(), Trap> {
        let src = self.range(src, len)?;
        let dst = self.range(dst, len)?;
        self.bytes.copy_within(src, dst.start);
        Ok(())
    }

    /// `memory.init`: copies `data[src..src + len]` to `dst`.
    ///
    /// # Errors
    /// [`Trap::MemoryOutOfBounds`] if either range passes its end.
    pub fn init(&mut self, dst: u64, data: &[u8], src: u64, len: u64) -> Result<(), Trap> {
        let src = checked_range(src, len, data.len()).ok_or(Trap::MemoryOutOfBounds)?;
        self.write(dst, &data[src])
    }

    /// Grows by `delta` pages; returns the old size in pages, or `None`
    /// (memory unchanged) beyond the maximum, the index range or the limits.
    pub fn grow(&mut self, delta: u64, limits: &StoreLimits) -> Option<u64> {
        let old_pages = self.size_pages();
        let new_len = byte_len(self.ty, old_pages.checked_add(delta)?, limits)?;
        if new_len > self.bytes.len() {
            let ceiling = self
                .max_pages()
                .saturating_mul(WASM_PAGE_SIZE)
                .min(limits.max_memory_bytes);
            let ceiling = usize::try_from(ceiling).unwrap_or(usize::MAX);
            let reserve = new_len.max(self.bytes.len().saturating_mul(2).min(ceiling));
            let mut bytes = vec![0; reserve];
            bytes[..self.len].copy_from_slice(&self.bytes[..self.len]);
            self.bytes = bytes;
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
        self.vm.base = self.bytes.as_ptr() as usize;
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
        dst_inst.write(dst, bytes)
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
mod tests {
    use super::*;
    use crate::module::Limits;

    fn memory(min: u64, max: Option<u64>, memory64: bool) -> MemoryType {
        MemoryType {
            limits: Limits { min, max },
            memory64,
            shared: false,
        }
    }

    #[test]
    fn reads_and_writes_are_bounds_checked() {
        let mut mem = MemoryInst::new(memory(1, None, false), &StoreLimits::default())
            .expect("one page fits");
        assert_eq!(mem.write(65532, &[1, 2, 3, 4]), Ok(()));
        assert_eq!(mem.read::<4>(65532), Ok([1, 2, 3, 4]));
        assert_eq!(mem.read::<4>(65533), Err(Trap::MemoryOutOfBounds));
        assert_eq!(mem.read::<1>(u64::MAX), Err(Trap::MemoryOutOfBounds));
        assert_eq!(
            mem.write(u64::MAX - 1, &[0; 4]),
            Err(Trap::MemoryOutOfBounds)
        );
        assert_eq!(mem.fill(65535, 9, 2), Err(Trap::MemoryOutOfBounds));
        assert_eq!(mem.fill(65536, 9, 0), Ok(()));
        assert_eq!(mem.fill(65537, 9, 0), Err(Trap::MemoryOutOfBounds));
        assert_eq!(mem.data()[65535], 4);
    }

    #[test]
    fn grow_respects_maximum_index_range_and_limits() {
        let limits = StoreLimits {
            max_memory_bytes: 10 * WASM_PAGE_SIZE,
            ..StoreLimits::default()
        };
        let mut mem = MemoryInst::new(memory(1, Some(4), false), &limits).expect("fits");
        assert_eq!(mem.grow(2, &limits), Some(1));
        assert_eq!(mem.grow(2, &limits), None);
        assert_eq!(mem.grow(1, &limits), Some(3));
        assert_eq!(mem.size_pages(), 4);
        let mut big = MemoryInst::new(memory(0, None, true), &limits).expect("fits");
        assert_eq!(big.grow(11, &limits), None, "beyond the store limit");
        assert_eq!(big.grow(u64::MAX, &limits), None);
        assert_eq!(big.grow(10, &limits), Some(0));
        assert!(MemoryInst::new(memory(11, None, false), &limits).is_none());
        let mut small =
            MemoryInst::new(memory(0, None, false), &StoreLimits::default()).expect("fits");
        assert_eq!(
            small.grow(65537, &StoreLimits::default()),
            None,
            "beyond 2^16 pages"
        );
    }

    #[test]
    fn grown_memory_is_zeroed_keeps_contents_and_updates_vm_record() {
        let limits = StoreLimits::default();
        let mut mem = MemoryInst::new(memory(1, None, false), &limits).expect("fits");
        mem.write(10, &[7]).expect("in bounds");
        for step in 1..5u64 {
            let old_len = mem.size_bytes() as usize;
            assert_eq!(mem.grow(1, &limits), Some(step));
            assert_eq!(mem.vm().length, mem.size_bytes());
            assert_eq!(mem.vm().base, mem.data().as_ptr() as usize);
            assert!(mem.data()[old_len..].iter().all(|&b| b == 0));
            mem.write(old_len as u64, &[1]).expect("in bounds");
        }
        assert_eq!(mem.read::<1>(10), Ok([7]));
    }

    #[test]
    fn copy_and_init_check_both_ranges() {
        let mut mem =
            MemoryInst::new(memory(1, None, false), &StoreLimits::default()).expect("fits");
        mem.write(0, &[1, 2, 3, 4]).expect("in bounds");
        mem.copy_within(1, 0, 4).expect("in bounds");
        assert_eq!(mem.read::<5>(0), Ok([1, 1, 2, 3, 4]));
        assert_eq!(mem.copy_within(65535, 0, 2), Err(Trap::MemoryOutOfBounds));
        assert_eq!(mem.init(0, &[9, 8], 1, 1), Ok(()));
        assert_eq!(mem.read::<1>(0), Ok([8]));
        assert_eq!(mem.init(0, &[9, 8], 1, 2), Err(Trap::MemoryOutOfBounds));
        assert_eq!(mem.init(65536, &[], 0, 0), Ok(()));
    }
}
