//! What an fd is: `fd_fdstat_*`, `fd_filestat_*`, `fd_prestat_*`.
//!
//! ```text
//!   fdstat (24 bytes)    0: filetype u8   2: flags u16
//!                        8: rights_base u64   16: rights_inheriting u64
//!   filestat (64 bytes)  0: dev u64   8: ino u64   16: filetype u8
//!                        24: nlink u64   32: size u64
//!                        40: atim u64   48: mtim u64   56: ctim u64  (ns)
//!   prestat (8 bytes)    0: tag u8 (0 = directory)   4: name_len u32
//! ```

use super::fd_table::{FdEntry, fdflags, filetype, rights};
use super::memory::{GuestMemory, to_u32};
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::fs::{File, FileTimes, Metadata};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::time::{Duration, SystemTime};

/// `fstflags` bits of the `*_set_times` functions.
const SET_ATIM: u32 = 1 << 0;
const SET_ATIM_NOW: u32 = 1 << 1;
const SET_MTIM: u32 = 1 << 2;
const SET_MTIM_NOW: u32 = 1 << 3;

/// The `prestat` tag of a preopened directory.
const PREOPEN_DIR: u8 = 0;

pub(super) fn fd_fdstat_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, ptr) = (p.u32(0)?, p.u32(1)?);
    let entry = ctx.fds.get(fd)?;
    let (flags, base, inheriting) = match entry {
        FdEntry::Input { .. } | FdEntry::Output { .. } => (0, rights::STREAM, 0),
        FdEntry::File { flags, .. } => (*flags, rights::FILE, 0),
        FdEntry::Dir(_) => (0, rights::ALL, rights::ALL),
    };
    let mut mem = GuestMemory::of_caller(caller)?;
    let out = mem.slice_mut(ptr, 24)?;
    out.fill(0);
    out[0] = entry.filetype();
    out[2..4].copy_from_slice(&flags.to_le_bytes());
    out[8..16].copy_from_slice(&base.to_le_bytes());
    out[16..24].copy_from_slice(&inheriting.to_le_bytes());
    Ok(())
}

/// Only `APPEND` can change, and only on files; other flags are `NOTSUP`.
pub(super) fn fd_fdstat_set_flags(
    ctx: &mut WasiCtx,
    _: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, new_flags) = (p.u32(0)?, p.u32(1)?);
    let new_flags = u16::try_from(new_flags).map_err(|_| Errno::INVAL)?;
    match ctx.fds.get_mut(fd)? {
        FdEntry::File { flags, .. } if new_flags & !fdflags::APPEND == 0 => *flags = new_flags,
        _ if new_flags == 0 => {}
        _ => return Err(Errno::NOTSUP.into()),
    }
    Ok(())
}

/// Rights are not enforced by this implementation, so they cannot be
/// narrowed either: `NOTSUP`.
pub(super) fn fd_fdstat_set_rights(
    ctx: &mut WasiCtx,
    _: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    ctx.fds.get(p.u32(0)?)?;
    Err(Errno::NOTSUP.into())
}

pub(super) fn fd_filestat_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, ptr) = (p.u32(0)?, p.u32(1)?);
    let entry = ctx.fds.get(fd)?;
    let entry_type = entry.filetype();
    let meta = match entry {
        FdEntry::File { file, .. } => Some(file.metadata()?),
        FdEntry::Dir(dir) => Some(std::fs::metadata(&dir.host)?),
        FdEntry::Input { .. } | FdEntry::Output { .. } => None,
    };
    let mut mem = GuestMemory::of_caller(caller)?;
    match meta {
        Some(meta) => write_filestat(&mut mem, ptr, &meta)?,
        None => {
            let out = mem.slice_mut(ptr, 64)?;
            out.fill(0);
            out[16] = entry_type;
        }
    }
    Ok(())
}

pub(super) fn fd_filestat_set_size(
    ctx: &mut WasiCtx,
    _: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, size) = (p.u32(0)?, p.u64(1)?);
    match ctx.fds.get(fd)? {
        FdEntry::File {
            file,
            writable: true,
            ..
        } => Ok(file.set_len(size)?),
        // Linux (and wasmtime) answer INVAL for a file not open for writing.
        FdEntry::File { .. } => Err(Errno::INVAL.into()),
        FdEntry::Dir(_) => Err(Errno::ISDIR.into()),
        _ => Err(Errno::BADF.into()),
    }
}

pub(super) fn fd_filestat_set_times(
    ctx: &mut WasiCtx,
    _: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, atim, mtim, fst) = (p.u32(0)?, p.u64(1)?, p.u64(2)?, p.u32(3)?);
    let times = file_times(atim, mtim, fst)?;
    match ctx.fds.get(fd)? {
        FdEntry::File { file, .. } => file.set_times(times)?,
        FdEntry::Dir(dir) => File::open(&dir.host)?.set_times(times)?,
        _ => return Err(Errno::BADF.into()),
    }
    Ok(())
}

/// The times `fstflags` asks to set; unset ones stay as they are.
///
/// # Errors
/// `INVAL` when a time is asked both as a value and as "now".
pub(super) fn file_times(atim: u64, mtim: u64, fst: u32) -> Result<FileTimes, Errno> {
    let pick = |value: u64, set: u32, now: u32| match (fst & set != 0, fst & now != 0) {
        (true, true) => Err(Errno::INVAL),
        (true, false) => Ok(Some(SystemTime::UNIX_EPOCH + Duration::from_nanos(value))),
        (false, true) => Ok(Some(SystemTime::now())),
        (false, false) => Ok(None),
    };
    let mut times = FileTimes::new();
    if let Some(t) = pick(atim, SET_ATIM, SET_ATIM_NOW)? {
        times = times.set_accessed(t);
    }
    if let Some(t) = pick(mtim, SET_MTIM, SET_MTIM_NOW)? {
        times = times.set_modified(t);
    }
    Ok(times)
}

pub(super) fn fd_prestat_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, ptr) = (p.u32(0)?, p.u32(1)?);
    let name_len = to_u32(preopen_name(ctx, fd)?.len())?;
    let mut mem = GuestMemory::of_caller(caller)?;
    let out = mem.slice_mut(ptr, 8)?;
    out.fill(0);
    out[0] = PREOPEN_DIR;
    out[4..8].copy_from_slice(&name_len.to_le_bytes());
    Ok(())
}

pub(super) fn fd_prestat_dir_name(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, path, path_len) = (p.u32(0)?, p.u32(1)?, p.u32(2)?);
    let name = preopen_name(ctx, fd)?;
    if name.len() > path_len as usize {
        return Err(Errno::NAMETOOLONG.into());
    }
    GuestMemory::of_caller(caller)?.write(path, name.as_bytes())?;
    Ok(())
}

/// The guest name of preopen `fd`; `BADF` for any other fd (wasi-libc
/// scans fds from 3 until it gets `BADF`).
fn preopen_name(ctx: &WasiCtx, fd: u32) -> Result<&str, Errno> {
    match ctx.fds.get(fd)? {
        FdEntry::Dir(dir) => dir.preopen.as_deref().ok_or(Errno::BADF),
        _ => Err(Errno::BADF),
    }
}

/// Writes a `filestat` for `meta` at `ptr`.
pub(super) fn write_filestat(
    mem: &mut GuestMemory<'_>,
    ptr: u32,
    meta: &Metadata,
) -> Result<(), Errno> {
    let out = mem.slice_mut(ptr, 64)?;
    out.fill(0);
    let nanos = |secs: i64, nsec: i64| {
        (secs as u64)
            .wrapping_mul(1_000_000_000)
            .wrapping_add(nsec as u64)
    };
    let fields = [
        (0, meta.dev()),
        (8, meta.ino()),
        (24, meta.nlink()),
        (32, meta.size()),
        (40, nanos(meta.atime(), meta.atime_nsec())),
        (48, nanos(meta.mtime(), meta.mtime_nsec())),
        (56, nanos(meta.ctime(), meta.ctime_nsec())),
    ];
    for (offset, value) in fields {
        out[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    }
    out[16] = filetype_of(meta);
    Ok(())
}

/// The WASI `filetype` of host metadata (from `lstat` or `stat`).
pub(super) fn filetype_of(meta: &Metadata) -> u8 {
    let ty = meta.file_type();
    if ty.is_dir() {
        filetype::DIRECTORY
    } else if ty.is_file() {
        filetype::REGULAR_FILE
    } else if ty.is_symlink() {
        filetype::SYMBOLIC_LINK
    } else if ty.is_char_device() {
        filetype::CHARACTER_DEVICE
    } else if ty.is_block_device() {
        filetype::BLOCK_DEVICE
    } else if ty.is_socket() {
        filetype::SOCKET_STREAM
    } else {
        filetype::UNKNOWN
    }
}
