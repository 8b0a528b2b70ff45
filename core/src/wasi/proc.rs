//! `proc_exit`, `sched_yield`, and the handler of every function this
//! implementation does not provide (`proc_raise`, sockets): they return
//! `NOSYS` rather than pretend to succeed.

use super::{Errno, Params, WasiCtx, WasiError, WasiResult};
use crate::store::Caller;
use crate::trap::Trap;

/// Ends the program: the call unwinds as [`Trap::Exit`] with the code.
pub(super) fn proc_exit(ctx: &mut WasiCtx, _: &mut Caller<'_>, p: &Params<'_>) -> WasiResult {
    let code = p.u32(0)? as i32;
    ctx.flush_outputs();
    Err(WasiError::Trap(Trap::Exit(code)))
}

pub(super) fn sched_yield(_: &mut WasiCtx, _: &mut Caller<'_>, _: &Params<'_>) -> WasiResult {
    std::thread::yield_now();
    Ok(())
}

pub(super) fn unsupported(_: &mut WasiCtx, _: &mut Caller<'_>, _: &Params<'_>) -> WasiResult {
    Err(Errno::NOSYS.into())
}
