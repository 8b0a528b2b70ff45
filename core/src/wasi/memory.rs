//! Guest memory as WASI functions see it: the calling instance's exported
//! `memory`, addressed by 32-bit guest pointers.
//!
//! Every access is bounds-checked: a pointer or length that leaves the
//! memory gives [`Errno::FAULT`], never a panic. Integers are little-endian,
//! as Wasm stores them.
//!
//! ```text
//!   iovec / ciovec (8 bytes):   0: buf (u32 pointer)   4: buf_len (u32)
//! ```

use super::errno::{Errno, WasiError, WasiResult};
use crate::linker::Extern;
use crate::store::Caller;
use crate::trap::Trap;

/// The export WASI reads and writes through.
const MEMORY_EXPORT: &str = "memory";

/// A host size as a guest `u32` (`OVERFLOW` if it does not fit).
pub fn to_u32(n: usize) -> Result<u32, Errno> {
    u32::try_from(n).map_err(|_| Errno::OVERFLOW)
}

/// One guest buffer: `len` bytes at `ptr`.
#[derive(Debug, Clone, Copy)]
pub struct GuestSlice {
    pub ptr: u32,
    pub len: u32,
}

/// Bounds-checked access to the caller's linear memory.
pub struct GuestMemory<'a> {
    bytes: &'a mut [u8],
}

impl<'a> GuestMemory<'a> {
    /// The memory the calling instance exports as `memory`.
    ///
    /// # Errors
    /// A trap when there is no calling instance or it exports no memory of
    /// that name (WASI cannot work without one).
    pub fn of_caller(caller: &'a mut Caller<'_>) -> WasiResult<GuestMemory<'a>> {
        match caller.export(MEMORY_EXPORT) {
            Some(Extern::Memory(addr)) => Ok(GuestMemory {
                bytes: caller.store.memory_mut(addr).data_mut(),
            }),
            _ => Err(WasiError::Trap(Trap::Host(format!(
                "WASI needs the calling module to export its memory as `{MEMORY_EXPORT}`"
            )))),
        }
    }

    /// Wraps plain bytes (tests).
    pub fn new(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { bytes }
    }

    fn range(&self, ptr: u32, len: u32) -> Result<std::ops::Range<usize>, Errno> {
        let start = ptr as usize;
        let end = start.checked_add(len as usize).ok_or(Errno::FAULT)?;
        if end > self.bytes.len() {
            return Err(Errno::FAULT);
        }
        Ok(start..end)
    }

    /// `len` bytes at `ptr`.
    pub fn slice(&self, ptr: u32, len: u32) -> Result<&[u8], Errno> {
        let range = self.range(ptr, len)?;
        Ok(&self.bytes[range])
    }

    /// `len` writable bytes at `ptr`.
    pub fn slice_mut(&mut self, ptr: u32, len: u32) -> Result<&mut [u8], Errno> {
        let range = self.range(ptr, len)?;
        Ok(&mut self.bytes[range])
    }

    /// Copies `bytes` to `ptr`.
    pub fn write(&mut self, ptr: u32, bytes: &[u8]) -> Result<(), Errno> {
        let len = u32::try_from(bytes.len()).map_err(|_| Errno::FAULT)?;
        self.slice_mut(ptr, len)?.copy_from_slice(bytes);
        Ok(())
    }

    fn read_array<const N: usize>(&self, ptr: u32) -> Result<[u8; N], Errno> {
        let mut out = [0; N];
        out.copy_from_slice(self.slice(ptr, N as u32)?);
        Ok(out)
    }

    pub fn read_u16(&self, ptr: u32) -> Result<u16, Errno> {
        self.read_array(ptr).map(u16::from_le_bytes)
    }

    pub fn read_u32(&self, ptr: u32) -> Result<u32, Errno> {
        self.read_array(ptr).map(u32::from_le_bytes)
    }

    pub fn read_u64(&self, ptr: u32) -> Result<u64, Errno> {
        self.read_array(ptr).map(u64::from_le_bytes)
    }

    pub fn write_u8(&mut self, ptr: u32, value: u8) -> Result<(), Errno> {
        self.write(ptr, &[value])
    }

    pub fn write_u16(&mut self, ptr: u32, value: u16) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    pub fn write_u32(&mut self, ptr: u32, value: u32) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    pub fn write_u64(&mut self, ptr: u32, value: u64) -> Result<(), Errno> {
        self.write(ptr, &value.to_le_bytes())
    }

    /// A guest string (`ptr`, `len`), which must be UTF-8 (`ILSEQ` if not).
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<&str, Errno> {
        std::str::from_utf8(self.slice(ptr, len)?).map_err(|_| Errno::ILSEQ)
    }

    /// The `count` iovecs of the array at `ptr`.
    pub fn iovecs(&self, ptr: u32, count: u32) -> Result<Vec<GuestSlice>, Errno> {
        let size = count.checked_mul(8).ok_or(Errno::FAULT)?;
        self.range(ptr, size)?;
        (0..count)
            .map(|i| {
                let at = ptr.checked_add(i * 8).ok_or(Errno::FAULT)?;
                Ok(GuestSlice {
                    ptr: self.read_u32(at)?,
                    len: self.read_u32(at.checked_add(4).ok_or(Errno::FAULT)?)?,
                })
            })
            .collect()
    }

    /// The bytes of every iovec at `ptr`, gathered in order (for writes).
    pub fn gather(&self, ptr: u32, count: u32) -> Result<Vec<u8>, Errno> {
        let mut out = Vec::new();
        for iov in self.iovecs(ptr, count)? {
            out.extend_from_slice(self.slice(iov.ptr, iov.len)?);
        }
        Ok(out)
    }

    /// Spreads `data` over the iovecs at `ptr` in order (for reads); returns
    /// how many bytes fit. The iovecs are checked before anything is written.
    pub fn scatter(&mut self, ptr: u32, count: u32, data: &[u8]) -> Result<usize, Errno> {
        let iovecs = self.iovecs(ptr, count)?;
        for iov in &iovecs {
            self.range(iov.ptr, iov.len)?;
        }
        let mut done = 0;
        for iov in iovecs {
            let n = (iov.len as usize).min(data.len() - done);
            self.slice_mut(iov.ptr, n as u32)?
                .copy_from_slice(&data[done..done + n]);
            done += n;
        }
        Ok(done)
    }

    /// Total capacity of the iovecs at `ptr` (how much a read may fill).
    pub fn capacity(&self, ptr: u32, count: u32) -> Result<usize, Errno> {
        Ok(self
            .iovecs(ptr, count)?
            .iter()
            .map(|iov| iov.len as usize)
            .sum())
    }
}
