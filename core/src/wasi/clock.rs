//! `clock_res_get` and `clock_time_get`, in nanoseconds.
//!
//! ```text
//!   id 0 realtime    since the Unix epoch (host system time)
//!   id 1 monotonic   since the WasiCtx was built
//!   id 2, 3          process / thread CPU time: NOTSUP (not measured here;
//!                    wasmtime answers BADF)
//! ```

use super::memory::GuestMemory;
use super::{Errno, Params, WasiCtx, WasiResult};
use crate::store::Caller;
use std::time::{Instant, SystemTime};

pub(super) const REALTIME: u32 = 0;
pub(super) const MONOTONIC: u32 = 1;
const PROCESS_CPUTIME: u32 = 2;
const THREAD_CPUTIME: u32 = 3;

/// Both clocks count in nanoseconds (std's resolution on Linux).
const RESOLUTION_NS: u64 = 1;

pub(super) fn clock_res_get(
    _: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (id, res_ptr) = (p.u32(0)?, p.u32(1)?);
    check_id(id)?;
    GuestMemory::of_caller(caller)?.write_u64(res_ptr, RESOLUTION_NS)?;
    Ok(())
}

pub(super) fn clock_time_get(
    ctx: &mut WasiCtx,
    caller: &mut Caller<'_>,
    p: &Params<'_>,
) -> WasiResult {
    let (id, time_ptr) = (p.u32(0)?, p.u32(2)?);
    let now = now_ns(ctx, id)?;
    GuestMemory::of_caller(caller)?.write_u64(time_ptr, now)?;
    Ok(())
}

fn check_id(id: u32) -> Result<(), Errno> {
    match id {
        REALTIME | MONOTONIC => Ok(()),
        PROCESS_CPUTIME | THREAD_CPUTIME => Err(Errno::NOTSUP),
        _ => Err(Errno::INVAL),
    }
}

/// The current time of clock `id`, in nanoseconds.
///
/// # Errors
/// `NOTSUP` for CPU-time clocks, `INVAL` for unknown ids, `OVERFLOW` past
/// the year 2554.
pub(super) fn now_ns(ctx: &WasiCtx, id: u32) -> Result<u64, Errno> {
    check_id(id)?;
    let nanos = if id == REALTIME {
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_err(|_| Errno::OVERFLOW)?
            .as_nanos()
    } else {
        Instant::now().duration_since(ctx.started).as_nanos()
    };
    u64::try_from(nanos).map_err(|_| Errno::OVERFLOW)
}
