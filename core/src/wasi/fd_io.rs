//! Reading and writing through fds: `fd_read`, `fd_write`, `fd_pread`,
//! `fd_pwrite`, `fd_seek`, `fd_tell`, `fd_close`, `fd_renumber`, `fd_sync`,
//! `fd_datasync`, `fd_advise`, `fd_allocate`.
//!
//! Streams (stdio) cannot seek or use offsets (`SPIPE`); writes to them are
//! flushed before the call returns. A file opened with `APPEND` moves to its
//! end before every `fd_write`.

use super::fd_table::{FdEntry, fdflags};
use super::memory::{GuestMemory, to_u32};
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// `whence` values of `fd_seek`.
const WHENCE_SET: u32 = 0;
const WHENCE_CUR: u32 = 1;
const WHENCE_END: u32 = 2;

/// `advice` values run 0 (normal) to 5 (noreuse).
const MAX_ADVICE: u32 = 5;

pub(super) fn fd_write(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, iovs, count, nwritten_ptr) = (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u32(3)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let data = mem.gather(iovs, count)?;
    match ctx.fds.get_mut(fd)? {
        FdEntry::Output { stream, .. } => {
            stream.write_all(&data)?;
            stream.flush()?;
        }
        FdEntry::File {
            file,
            flags,
            writable: true,
            ..
        } => {
            if *flags & fdflags::APPEND != 0 {
                file.seek(SeekFrom::End(0))?;
            }
            file.write_all(&data)?;
        }
        _ => return Err(Errno::BADF.into()),
    }
    mem.write_u32(nwritten_ptr, to_u32(data.len())?)?;
    Ok(())
}

pub(super) fn fd_read(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, iovs, count, nread_ptr) = (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u32(3)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let mut data = vec![0; mem.capacity(iovs, count)?];
    let n = match ctx.fds.get_mut(fd)? {
        FdEntry::Input { stream, .. } => stream.read(&mut data)?,
        FdEntry::File {
            file,
            readable: true,
            ..
        } => file.read(&mut data)?,
        FdEntry::Dir(_) => return Err(Errno::ISDIR.into()),
        _ => return Err(Errno::BADF.into()),
    };
    let n = mem.scatter(iovs, count, &data[..n])?;
    mem.write_u32(nread_ptr, to_u32(n)?)?;
    Ok(())
}

pub(super) fn fd_pread(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, iovs, count, offset, nread_ptr) =
        (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u64(3)?, p.u32(4)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let mut data = vec![0; mem.capacity(iovs, count)?];
    let n = match ctx.fds.get(fd)? {
        FdEntry::File {
            file,
            readable: true,
            ..
        } => file.read_at(&mut data, offset)?,
        entry => return Err(not_positional(entry).into()),
    };
    let n = mem.scatter(iovs, count, &data[..n])?;
    mem.write_u32(nread_ptr, to_u32(n)?)?;
    Ok(())
}

pub(super) fn fd_pwrite(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, iovs, count, offset, nwritten_ptr) =
        (p.u32(0)?, p.u32(1)?, p.u32(2)?, p.u64(3)?, p.u32(4)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let data = mem.gather(iovs, count)?;
    match ctx.fds.get(fd)? {
        // As on Linux (and in wasmtime), an append-mode file appends and
        // ignores the offset (the file position stays).
        FdEntry::File {
            file,
            writable: true,
            flags,
            ..
        } if *flags & fdflags::APPEND != 0 => file.write_all_at(&data, file.metadata()?.len())?,
        FdEntry::File {
            file,
            writable: true,
            ..
        } => file.write_all_at(&data, offset)?,
        entry => return Err(not_positional(entry).into()),
    }
    mem.write_u32(nwritten_ptr, to_u32(data.len())?)?;
    Ok(())
}

/// The errno for a positional or seek operation on something that is not
/// a file open for it.
fn not_positional(entry: &FdEntry) -> Errno {
    match entry {
        FdEntry::Input { .. } | FdEntry::Output { .. } => Errno::SPIPE,
        FdEntry::Dir(_) => Errno::ISDIR,
        FdEntry::File { .. } => Errno::BADF,
    }
}

pub(super) fn fd_seek(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, offset, whence, result_ptr) = (p.u32(0)?, p.u64(1)? as i64, p.u32(2)?, p.u32(3)?);
    let target = match whence {
        WHENCE_SET => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno::INVAL)?),
        WHENCE_CUR => SeekFrom::Current(offset),
        WHENCE_END => SeekFrom::End(offset),
        _ => return Err(Errno::INVAL.into()),
    };
    let position = seek(ctx, fd, target)?;
    GuestMemory::of_caller(caller)?.write_u64(result_ptr, position)?;
    Ok(())
}

pub(super) fn fd_tell(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, result_ptr) = (p.u32(0)?, p.u32(1)?);
    let position = seek(ctx, fd, SeekFrom::Current(0))?;
    GuestMemory::of_caller(caller)?.write_u64(result_ptr, position)?;
    Ok(())
}

fn seek(ctx: &mut WasiCtx, fd: u32, target: SeekFrom) -> WasiResult<u64> {
    match ctx.fds.get_mut(fd)? {
        FdEntry::File { file, .. } => Ok(file.seek(target)?),
        entry => Err(not_positional(entry).into()),
    }
}

pub(super) fn fd_close(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    if let FdEntry::Output { mut stream, .. } = ctx.fds.remove(p.u32(0)?)? {
        stream.flush()?;
    }
    Ok(())
}

pub(super) fn fd_renumber(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    ctx.fds.renumber(p.u32(0)?, p.u32(1)?)?;
    Ok(())
}

pub(super) fn fd_sync(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    sync(ctx, p.u32(0)?, false)
}

pub(super) fn fd_datasync(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    sync(ctx, p.u32(0)?, true)
}

fn sync(ctx: &mut WasiCtx, fd: u32, data_only: bool) -> WasiResult {
    match ctx.fds.get_mut(fd)? {
        FdEntry::File { file, .. } if data_only => file.sync_data()?,
        FdEntry::File { file, .. } => file.sync_all()?,
        FdEntry::Dir(dir) => std::fs::File::open(&dir.host)?.sync_all()?,
        FdEntry::Output { stream, .. } => stream.flush()?,
        FdEntry::Input { .. } => return Err(Errno::INVAL.into()),
    }
    Ok(())
}

/// Advice is a hint the host may ignore (POSIX `posix_fadvise` says so);
/// this checks the fd and the advice value and takes no action.
pub(super) fn fd_advise(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, advice) = (p.u32(0)?, p.u32(3)?);
    match ctx.fds.get(fd)? {
        FdEntry::File { .. } if advice <= MAX_ADVICE => Ok(()),
        FdEntry::File { .. } => Err(Errno::INVAL.into()),
        entry => Err(not_positional(entry).into()),
    }
}

/// Not provided: std has no portable `posix_fallocate` (wasmtime does not
/// provide it either).
pub(super) fn fd_allocate(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    ctx.fds.get(p.u32(0)?)?;
    Err(Errno::NOTSUP.into())
}
