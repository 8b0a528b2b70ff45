//! `args_*` and `environ_*`: the program's arguments and environment as
//! NUL-terminated strings.
//!
//! ```text
//!   *_sizes_get(count_ptr, buf_size_ptr):  count, total bytes with NULs
//!   *_get(ptrs, buf):   ptrs[i] = buf + offset of string i
//!                       buf = "arg0\0arg1\0..."
//! ```

use super::memory::{GuestMemory, to_u32};
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;

pub(super) fn args_sizes_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    write_sizes(&ctx.args, caller, p)
}

pub(super) fn args_get(ctx: &mut WasiCtx, caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    write_strings(&ctx.args, caller, p)
}

pub(super) fn environ_sizes_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    write_sizes(&ctx.env, caller, p)
}

pub(super) fn environ_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    write_strings(&ctx.env, caller, p)
}

fn write_sizes(strings: &[String], caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (count_ptr, size_ptr) = (p.u32(0)?, p.u32(1)?);
    let total: usize = strings.iter().map(|s| s.len() + 1).sum();
    let mut mem = GuestMemory::of_caller(caller)?;
    mem.write_u32(count_ptr, to_u32(strings.len())?)?;
    mem.write_u32(size_ptr, to_u32(total)?)?;
    Ok(())
}

fn write_strings(strings: &[String], caller: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let (mut ptr, mut buf) = (p.u32(0)?, p.u32(1)?);
    let mut mem = GuestMemory::of_caller(caller)?;
    for s in strings {
        mem.write_u32(ptr, buf)?;
        mem.write(buf, s.as_bytes())?;
        buf = buf.checked_add(to_u32(s.len())?).ok_or(Errno::FAULT)?;
        mem.write_u8(buf, 0)?;
        buf = buf.checked_add(1).ok_or(Errno::FAULT)?;
        ptr = ptr.checked_add(4).ok_or(Errno::FAULT)?;
    }
    Ok(())
}
