//! Where the two tiers' continuations meet in compiled code's runtime.
//!
//! Both tiers keep their continuations in the store's one table, so a
//! handle made by either works in the other. What a record holds decides
//! who can run it:
//!
//! ```text
//!   state      made by                      compiled code's resume / switch
//!   Fresh      cont.new in either tier      runs it: a fibre stack, then the
//!                                           function's code (or the fallback)
//!   Suspended  a suspend in compiled code   native switch into its context
//!   Parked     a suspend in the interpreter trap: its frames are heap frames
//!                                           only the interpreter can run
//! ```
//!
//! The interpreter refuses the mirror case (a record with a native resume
//! point); both traps name the mix, so nothing reads the other tier's
//! frames as its own.
//!
//! A suspend in interpreted code that compiled code called, to a handler
//! of compiled code, works without interpreter frames on the native stack:
//!
//! ```text
//!   compiled code ─▶ call_out ─▶ fallback.call_suspending(f)
//!        interpreter: no resume of its own handles t ─▶ parks the whole call
//!        in record R, returns Suspended { t, payload, R }
//!   call_out (on the fibre stack of the innermost record C): handler search,
//!        capture C..P, payload into C, switch to P ─── suspended ───┐
//!   … compiled code resumes C: back here with the values (or a   ◀──┘
//!        resume_throw's exception) ─▶ fallback.resume_parked(R, values)
//!        ─▶ returned: the results go to the compiled caller; suspended
//!        again: the same once more
//! ```
//! An interpreted `switch` to an `(on $tag switch)` handler of compiled
//! code goes the same way: the interpreter parks the call and names the
//! target it consumed, and `call_out` switches to that target natively
//! (`suspend::switch_to_record`), handing it the carrier's handle.

use super::Call;
use super::conts::{conts, payload_trap, state_of};
use super::suspend::{capture, check_no_host_frames, switch_to_record};
use crate::entry::{self, Fallback};
use crate::fallback::{FallbackExit, FallbackSuspension, ParkedResume};
use std::ptr::NonNull;
use wasmfx_core::{ExnAddr, FuncAddr, Store, Trap, Val};
use wasmfx_fibre::{ContRecord, ContState, HandlerKind, switch};

/// The trap for a continuation whose frames only the interpreter can run.
fn parked_trap() -> Trap {
    Trap::Host(
        "continuation suspended by interpreted code resumed by compiled code (not supported)"
            .into(),
    )
}

/// Checks that compiled code can resume `record` (see the module doc).
///
/// # Errors
/// [`parked_trap`] for a record the interpreter suspended.
pub(super) fn check_resumable(record: NonNull<ContRecord>) -> Result<(), Trap> {
    // SAFETY: callers pass a live record of the store's table.
    match unsafe { record.as_ref().state() } {
        ContState::Parked => Err(parked_trap()),
        _ => Ok(()),
    }
}

/// What a native suspend on the interpreter's behalf came back with.
enum Resumed {
    Values(Vec<u64>),
    Throw(ExnAddr),
}

/// Calls `func` through the fallback, carrying its suspensions out to
/// handlers of compiled code (see the module doc); returns its raw results.
/// `call` is the current activation afterwards (a resume may come from
/// another one).
///
/// # Errors
/// The trap that ended it ([`Trap::UncaughtException`] for an exception).
pub(super) fn call_interpreted(
    call: &mut Call<'_>,
    func: FuncAddr,
    args: &[Val],
) -> Result<Vec<u64>, Trap> {
    let mut exit = with_fallback(call, func, |fallback, store| {
        fallback.call_suspending(store, func, args)
    });
    loop {
        let suspension = match exit {
            Ok(FallbackExit::Returned(results)) => return Ok(results),
            Ok(FallbackExit::Suspended(suspension)) => suspension,
            Err(trap) => return Err(trap),
        };
        let parked = suspension.parked;
        let resume = match suspend_natively(call, &suspension) {
            Ok(resumed) => resumed,
            Err(trap) => {
                let _ = with_fallback(call, func, |fallback, store| {
                    fallback.release_parked(store, parked);
                    Ok(())
                });
                return Err(trap);
            }
        };
        exit = with_fallback(call, func, |fallback, store| match &resume {
            Resumed::Values(values) => {
                fallback.resume_parked(store, parked, ParkedResume::Values(values))
            }
            Resumed::Throw(exn) => fallback.resume_parked(store, parked, ParkedResume::Throw(*exn)),
        });
    }
}

/// Runs `f` with the activation's fallback and store; a panic becomes a
/// trap (it must not cross the libcall's `extern "C"` frame).
fn with_fallback<R>(
    call: &mut Call<'_>,
    func: FuncAddr,
    f: impl FnOnce(&mut Fallback<'_>, &mut Store) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let fallback = call.act.fallback.cast::<&mut Fallback<'_>>();
    // SAFETY: `fallback` points at the `&mut Fallback` that `enter` keeps
    // alive for the activation, and the store is the one it borrowed; the
    // compiled code below us does not use either while we run.
    let (fallback, store) = unsafe { (&mut **fallback, &mut *call.act.store) };
    let run = std::panic::AssertUnwindSafe(|| f(fallback, store));
    std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err(Trap::Host(format!("function {} panicked", func.0))))
}

/// Suspends the innermost continuation to the handler of `suspension`'s
/// tag with its payload, as compiled code's suspend (or switch, to the
/// suspension's target) does, and waits there to be resumed; `call`
/// becomes the resumer's activation.
///
/// # Errors
/// [`Trap::UnhandledTag`] without a handler; a host trap when host frames
/// lie between here and the handler.
fn suspend_natively(call: &mut Call<'_>, suspension: &FallbackSuspension) -> Result<Resumed, Trap> {
    let mut captured = match suspension.switch_target {
        None => suspend_to_handler(call, suspension)?,
        Some(index) => {
            // SAFETY: no other reference to the continuations is live.
            let target = unsafe { conts(state_of(call.act)) }.record(index)?;
            let tag = u64::from(suspension.tag.0);
            let switched = switch_to_record(call, target, tag, &suspension.payload);
            if switched.is_err() {
                // SAFETY: the target is still detached (a failed switch
                // attaches nothing) and nothing runs on its stack.
                unsafe { conts(state_of(call.act)).release(target) };
            }
            switched?
        }
    };
    // SAFETY: whoever resumed us runs in the current activation, which
    // outlives this frame's use of it.
    call.act = unsafe { &mut *entry::current() };
    let exn = call.pending();
    if exn != 0 {
        call.set_pending(0);
        return Ok(Resumed::Throw(ExnAddr((exn - 1) as u32)));
    }
    // SAFETY: the record runs again; only this frame uses its payload now.
    let target = unsafe { captured.as_mut() };
    let values = target.payload().to_vec();
    target.clear_payload();
    Ok(Resumed::Values(values))
}

/// The suspend half of [`suspend_natively`]: returns the captured record
/// once it is resumed.
fn suspend_to_handler(
    call: &mut Call<'_>,
    suspension: &FallbackSuspension,
) -> Result<NonNull<ContRecord>, Trap> {
    let tag = suspension.tag;
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state_of(call.act)) };
    let found = (conts_now.chain)
        .find_handler(u64::from(tag.0), HandlerKind::Suspend)
        .ok_or(Trap::UnhandledTag(tag))?;
    check_no_host_frames(conts_now, found.prompt, call.act)?;
    let mut captured = capture(conts_now, found.prompt)?;
    // SAFETY: the captured record is live and detached.
    let target = unsafe { captured.as_mut() };
    target.set_clause(found.clause);
    target
        .set_payload(&suspension.payload)
        .map_err(payload_trap)?;
    let mut prompt = found.prompt;
    // SAFETY: the prompt's context holds its resumer's point; ours goes in
    // its place for the next resume, which switches back here.
    unsafe {
        let context = prompt.as_mut().context_ptr();
        switch(context, context, captured.as_ptr() as u64);
    }
    Ok(captured)
}
