//! The `path_*` functions: every path is resolved inside its directory fd
//! by `sandbox::resolve` before the host sees it.
//!
//! ```text
//!   path_open(dirfd, lookupflags, path, oflags, rights, fdflags) → fd
//!     oflags: CREAT 1, DIRECTORY 2, EXCL 4, TRUNC 8    lookupflags: FOLLOW 1
//!     file readable if rights has FD_READ, writable if FD_WRITE
//! ```
//!
//! Operations never act on the directory fd itself through a path that
//! resolves to it (`.`, `a/..`): removing or renaming it is refused.
//! Without `FOLLOW`, a last component that is a symlink is not followed:
//! `path_open` then fails with `LOOP` (like `O_NOFOLLOW`), and the other
//! functions act on the link itself.

use super::fd_stat::{file_times, write_filestat};
use super::fd_table::{DirHandle, FdEntry, fdflags, rights};
use super::memory::GuestMemory;
use super::sandbox::{Resolved, resolve};
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::fs::{File, OpenOptions};
use std::os::unix::ffi::OsStrExt;

const LOOKUP_FOLLOW: u32 = 1;
const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;

/// Reads the guest path at argument `i` (pointer) and `i + 1` (length) and
/// resolves it under directory `fd`.
fn resolve_arg(
    ctx: &WasiCtx,
    mem: &GuestMemory<'_>,
    fd: u32,
    p: &Params<'_>,
    i: usize,
    follow: bool,
) -> WasiResult<(DirHandle, Resolved)> {
    let dir = ctx.fds.dir(fd)?.clone();
    let path = mem.read_str(p.u32(i)?, p.u32(i + 1)?)?;
    let resolved = resolve(&dir, path, follow)?;
    Ok((dir, resolved))
}

pub(super) fn path_open(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (fd, lookup, oflags) = (p.u32(0)?, p.u32(1)?, p.u32(4)?);
    let (base, fs_flags, fd_ptr) = (p.u64(5)?, p.u32(7)?, p.u32(8)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, fd, p, 2, lookup & LOOKUP_FOLLOW != 0)?;
    let exclusive = oflags & O_CREAT != 0 && oflags & O_EXCL != 0;
    if target.meta.is_some() && exclusive {
        return Err(Errno::EXIST.into());
    }
    if target.is_symlink() {
        return Err(Errno::LOOP.into());
    }
    let fs_flags = u16::try_from(fs_flags).map_err(|_| Errno::INVAL)?;
    // Synchronous-write modes are not provided; NONBLOCK has no effect on
    // files and directories, so it is accepted.
    if fs_flags & (fdflags::DSYNC | fdflags::RSYNC | fdflags::SYNC) != 0 {
        return Err(Errno::NOTSUP.into());
    }
    let readable = base & rights::FD_READ != 0;
    let writable = base & rights::FD_WRITE != 0;
    let is_dir = target.meta.as_ref().is_some_and(|m| m.is_dir());
    let entry = if is_dir || oflags & O_DIRECTORY != 0 {
        if !is_dir {
            return Err(match target.meta {
                None => Errno::NOENT,
                Some(_) => Errno::NOTDIR,
            }
            .into());
        }
        if writable || oflags & O_TRUNC != 0 {
            return Err(Errno::ISDIR.into());
        }
        FdEntry::Dir(DirHandle {
            host: target.host,
            preopen: None,
        })
    } else {
        let creates = oflags & O_CREAT != 0;
        // std needs write access to create or truncate; the guest still
        // only writes if it asked for FD_WRITE.
        let file = OpenOptions::new()
            .read(readable || !writable)
            .write(writable || creates || oflags & O_TRUNC != 0)
            .create(creates)
            .create_new(exclusive)
            .truncate(oflags & O_TRUNC != 0)
            .open(&target.host)?;
        FdEntry::File {
            file,
            flags: fs_flags & fdflags::APPEND,
            readable: readable || !writable,
            writable,
        }
    };
    let new_fd = ctx.fds.insert(entry)?;
    if let Err(errno) = mem.write_u32(fd_ptr, new_fd) {
        ctx.fds.remove(new_fd)?;
        return Err(errno.into());
    }
    Ok(())
}

pub(super) fn path_create_directory(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, p.u32(0)?, p, 1, false)?;
    if target.meta.is_some() {
        return Err(Errno::EXIST.into());
    }
    std::fs::create_dir(&target.host)?;
    Ok(())
}

pub(super) fn path_unlink_file(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, p.u32(0)?, p, 1, false)?;
    match &target.meta {
        None => Err(Errno::NOENT.into()),
        Some(meta) if meta.is_dir() => Err(Errno::ISDIR.into()),
        Some(_) => Ok(std::fs::remove_file(&target.host)?),
    }
}

pub(super) fn path_remove_directory(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let mem = GuestMemory::of_caller(caller)?;
    let (dir, target) = resolve_arg(ctx, &mem, p.u32(0)?, p, 1, false)?;
    if target.is_start(&dir) {
        return Err(Errno::INVAL.into());
    }
    match &target.meta {
        None => Err(Errno::NOENT.into()),
        Some(meta) if !meta.is_dir() => Err(Errno::NOTDIR.into()),
        Some(_) => Ok(std::fs::remove_dir(&target.host)?),
    }
}

pub(super) fn path_rename(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let mem = GuestMemory::of_caller(caller)?;
    let (old_dir, old) = resolve_arg(ctx, &mem, p.u32(0)?, p, 1, false)?;
    let (new_dir, new) = resolve_arg(ctx, &mem, p.u32(3)?, p, 4, false)?;
    if old.is_start(&old_dir) || new.is_start(&new_dir) {
        return Err(Errno::BUSY.into());
    }
    if old.meta.is_none() {
        return Err(Errno::NOENT.into());
    }
    std::fs::rename(&old.host, &new.host)?;
    Ok(())
}

pub(super) fn path_filestat_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, lookup, buf) = (p.u32(0)?, p.u32(1)?, p.u32(4)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, fd, p, 2, lookup & LOOKUP_FOLLOW != 0)?;
    let meta = target.meta.ok_or(Errno::NOENT)?;
    write_filestat(&mut mem, buf, &meta)?;
    Ok(())
}

/// Symlinks themselves cannot be given times through std: `NOTSUP` for an
/// unfollowed link.
pub(super) fn path_filestat_set_times(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, lookup) = (p.u32(0)?, p.u32(1)?);
    let times = file_times(p.u64(4)?, p.u64(5)?, p.u32(6)?)?;
    let mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, fd, p, 2, lookup & LOOKUP_FOLLOW != 0)?;
    if target.is_symlink() {
        return Err(Errno::NOTSUP.into());
    }
    File::open(&target.host)?.set_times(times)?;
    Ok(())
}

pub(super) fn path_readlink(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (fd, buf, buf_len, used_ptr) = (p.u32(0)?, p.u32(3)?, p.u32(4)?, p.u32(5)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    let (_, target) = resolve_arg(ctx, &mem, fd, p, 1, false)?;
    if !target.is_symlink() {
        return Err(Errno::INVAL.into());
    }
    let link = std::fs::read_link(&target.host)?;
    let bytes = link.as_os_str().as_bytes();
    let used = bytes.len().min(buf_len as usize);
    mem.write(buf, &bytes[..used])?;
    mem.write_u32(used_ptr, used as u32)?;
    Ok(())
}

pub(super) fn path_link(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (old_fd, lookup, new_fd) = (p.u32(0)?, p.u32(1)?, p.u32(4)?);
    let mem = GuestMemory::of_caller(caller)?;
    let (_, old) = resolve_arg(ctx, &mem, old_fd, p, 2, lookup & LOOKUP_FOLLOW != 0)?;
    let (_, new) = resolve_arg(ctx, &mem, new_fd, p, 5, false)?;
    match (&old.meta, &new.meta) {
        (None, _) => Err(Errno::NOENT.into()),
        (Some(meta), _) if meta.is_dir() => Err(Errno::PERM.into()),
        (_, Some(_)) => Err(Errno::EXIST.into()),
        _ => Ok(std::fs::hard_link(&old.host, &new.host)?),
    }
}

/// The link's text is stored as given, except that absolute targets are
/// refused (`PERM`): they could only ever point outside. Relative
/// targets are checked each time a path resolution follows them.
pub(super) fn path_symlink(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (old_ptr, old_len, fd) = (p.u32(0)?, p.u32(1)?, p.u32(2)?);
    let mem = GuestMemory::of_caller(caller)?;
    let link_text = mem.read_str(old_ptr, old_len)?;
    if link_text.starts_with('/') {
        return Err(Errno::PERM.into());
    }
    let (_, new) = resolve_arg(ctx, &mem, fd, p, 3, false)?;
    if new.meta.is_some() {
        return Err(Errno::EXIST.into());
    }
    std::os::unix::fs::symlink(link_text, &new.host)?;
    Ok(())
}
