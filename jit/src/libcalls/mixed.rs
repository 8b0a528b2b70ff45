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
//!   Parked     a suspend in the interpreter adopted: it gets a fibre stack
//!                                           whose first frame (run_parked)
//!                                           runs its heap frames in the
//!                                           interpreter
//! ```
//!
//! The interpreter meets the mirror case (a record with a native resume
//! point) by resuming it in compiled code's way from a host entry
//! (`host_resume.rs`): interpreted code itself has no way to switch stacks.
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
use super::conts::{conts, state_of};
use super::suspend::{check_no_host_frames, suspend_to, switch_to_record};
use crate::backtrace::{HandedOffFrames, call_handed_off};
use crate::conts::Conts;
use crate::entry::{self, Fallback};
use crate::fallback::{FallbackExit, FallbackOsr, FallbackSuspension, ParkedResume};
use std::ptr::NonNull;
use wasmfx_core::{ExnAddr, FuncAddr, InstanceId, RawResults, Store, Trap, raw_results};
use wasmfx_fibre::{ContRecord, ContState, HandlerKind};

/// What a native suspend on the interpreter's behalf came back with.
pub(super) enum Resumed {
    Values(RawResults),
    Throw(ExnAddr),
}

/// Calls `func` through the fallback with its arguments in `values`,
/// carrying its suspensions out to handlers of compiled code (see the
/// module doc); its results replace the arguments.
/// `call` is the current activation afterwards (a resume may come from
/// another one).
///
/// # Errors
/// The trap that ended it ([`Trap::UncaughtException`] for an exception).
#[inline(always)]
pub(super) fn call_interpreted(
    call: &mut Call<'_>,
    func: FuncAddr,
    values: &mut [u64],
) -> Result<(), Trap> {
    // Not through `with_fallback`: its `Result<R, Trap>` would wrap the
    // one-register result again.
    let (fallback, store) = fallback_and_store(call);
    let run = std::panic::AssertUnwindSafe(|| fallback.call_suspending_raw(store, func, values));
    let stopped = match std::panic::catch_unwind(run) {
        // The results are in `values` already.
        Ok(Ok(())) => return Ok(()),
        Ok(Err(stopped)) => *stopped,
        Err(_) => Err(panicked(func)),
    };
    drive_in_place(call, func, stopped?, values)
}

/// [`call_interpreted`] of a call that stopped as `stopped`: [`drive`]n to
/// its end, its results then copied to `values`.
#[inline(never)]
fn drive_in_place(
    call: &mut Call<'_>,
    func: FuncAddr,
    stopped: FallbackExit,
    values: &mut [u64],
) -> Result<(), Trap> {
    let results = drive(call, func, Ok(stopped))?;
    let room = values.len().min(results.len());
    values[..room].copy_from_slice(&results[..room]);
    Ok(())
}

/// Carries each suspension of an interpreted call (of `func`) out to its
/// handler and runs the parked call again when it is resumed, until the
/// call returns or hands its frame to compiled code (then run here, in its
/// place); returns its raw results.
fn drive(
    call: &mut Call<'_>,
    func: FuncAddr,
    mut exit: Result<FallbackExit, Trap>,
) -> Result<Vec<u64>, Trap> {
    loop {
        // The parked frames to run again, and what they get.
        let (parked, resumed) = match exit {
            Ok(FallbackExit::Returned(results)) => return Ok(results.into_vec()),
            Ok(FallbackExit::Suspended(suspension)) => {
                (suspension.parked, suspend_natively(call, &suspension))
            }
            Ok(FallbackExit::Osr(osr)) => {
                let rest = osr.rest;
                let ran = run_osr(call, *osr);
                let Some(parked) = rest else {
                    return ran;
                };
                let resumed = match ran {
                    Ok(results) => Ok(Resumed::Values(RawResults::from_vec(results))),
                    Err(Trap::UncaughtException(exn)) => Ok(Resumed::Throw(exn)),
                    Err(trap) => Err(trap),
                };
                (parked, resumed)
            }
            Err(trap) => return Err(trap),
        };
        let resume = match resumed {
            Ok(resume) => resume,
            Err(trap) => {
                let _ = with_fallback(call, func, |fallback, store| {
                    fallback.release_parked(store, parked);
                    Ok(())
                });
                return Err(trap);
            }
        };
        exit = with_fallback(call, func, |fallback, store| {
            fallback.resume_parked_once(store, parked, resume.as_parked())
        });
    }
}

impl Resumed {
    pub(super) fn as_parked(&self) -> ParkedResume<'_> {
        match self {
            Resumed::Values(values) => ParkedResume::Values(values),
            Resumed::Throw(exn) => ParkedResume::Throw(*exn),
        }
    }
}

/// Makes a continuation the interpreter suspended (`Parked`) runnable by
/// compiled code: it gets a fibre stack whose first frame, [`run_parked`],
/// runs its parked frames in the interpreter, and it counts as fresh (its
/// stack has not run). Returns whether `record` was such a continuation.
///
/// # Errors
/// A host trap when no stack can be mapped.
pub(super) fn adopt_parked(
    conts: &mut Conts,
    mut record: NonNull<ContRecord>,
) -> Result<bool, Trap> {
    // SAFETY: callers pass a live, detached record of the store's table.
    let target = unsafe { record.as_mut() };
    if target.state() != ContState::Parked {
        return Ok(false);
    }
    target.set_state(ContState::Fresh);
    conts.start_with(record, run_parked)?;
    Ok(true)
}

/// The first frame on the stack of an adopted continuation (see
/// [`adopt_parked`]): runs its parked frames with the resume's values (or
/// raises the resume_throw's exception in them), carrying their
/// suspensions out like [`call_interpreted`]; then hands the results to the
/// resumer as `run_fibre` does.
unsafe extern "C" fn run_parked(record: *mut ContRecord) -> u64 {
    // SAFETY: the first switch into a fresh record carries its address; the
    // record runs on this stack, inside the current activation.
    let (target, act) = unsafe { (&mut *record, &mut *entry::current()) };
    let (index, func) = (target.index(), FuncAddr(target.func()));
    let mut call = Call {
        act,
        instance: InstanceId(0),
    };
    let values = raw_results(target.payload());
    target.clear_payload();
    let resume = match call.pending() {
        0 => Resumed::Values(values),
        exn => {
            call.set_pending(0);
            Resumed::Throw(ExnAddr((exn - 1) as u32))
        }
    };
    let exit = with_fallback(&mut call, func, |fallback, store| {
        fallback.resume_parked(store, index, resume.as_parked())
    });
    let results = match drive(&mut call, func, exit) {
        Ok(results) => results,
        Err(Trap::UncaughtException(exn)) => {
            // The exception goes on at the resumer, as from a returning
            // function; the results are not read.
            call.set_pending(u64::from(exn.0) + 1);
            Vec::new()
        }
        Err(trap) => {
            call.status(Err(trap));
            // SAFETY: a trap is stored; the frames up to the entry own only
            // this frame's vectors, which leak.
            unsafe { entry::raise_stored(entry::current()) }
        }
    };
    // SAFETY: the record is live and runs innermost (its frames just
    // returned); the runtime state is re-derived after the calls.
    unsafe {
        let target = &mut *record;
        if target.set_payload(&results).is_err() {
            target.clear_payload();
        }
        conts(state_of(entry::current()))
            .chain
            .detach(NonNull::new_unchecked(record));
    }
    record as u64
}

/// Runs the code an interpreted call handed a frame to, on this stack, as
/// compiled code calls compiled code: the OSR entry at the frame's loop,
/// or (a call hand-off) the function with the frame's arguments. From now
/// on its suspensions are native ones. Returns its results.
///
/// # Errors
/// [`Trap::UncaughtException`] for an exception that left it; a host trap
/// when the code is not ready.
fn run_osr(call: &mut Call<'_>, mut osr: FallbackOsr) -> Result<Vec<u64>, Trap> {
    // SAFETY: the activation's Jit and store outlive it; this frame only
    // reads them, before the code runs.
    let (jit, store) = unsafe { (&*call.act.jit, &*call.act.store) };
    let entry = match osr.at_loop {
        Some(offset) => jit.osr_entry(store, osr.func, offset),
        None => jit.function_entry(store, osr.func),
    };
    let entry = entry.ok_or_else(|| {
        Trap::Host(format!(
            "function {} has no compiled code at {:?}",
            osr.func.0, osr.at_loop
        ))
    })?;
    if osr.frame.len() < entry.results {
        osr.frame.resize(entry.results, 0);
    }
    let mut values = match osr.at_loop {
        Some(_) => entry.values(&mut osr.frame),
        None => std::mem::take(&mut osr.frame),
    };
    // Backtraces list the interpreted frames that wait for this code.
    let waiting = HandedOffFrames {
        funcs: osr.rest_funcs.as_ptr().cast::<u32>(),
        len: osr.rest_funcs.len(),
    };
    // SAFETY: the trampoline is the one of the code's type and `vmctx` its
    // function's instance's (attached to this Jit's runtime when the code
    // was compiled); `values` holds room for the results and either the
    // frame's address, the frame holding the slots the OSR entry reads (the
    // interpreted frame's locals and operands at its loop), or the call's
    // arguments. `waiting` outlives the call (`FuncAddr` is a transparent
    // u32). A trap unwinds to the host entry past this frame (the vectors
    // leak).
    unsafe {
        let key = (*call.act.state).vm.frame_key;
        let (code, vmctx) = (entry.code, entry.vmctx);
        call_handed_off(
            entry.trampoline,
            code,
            vmctx,
            values.as_mut_ptr(),
            &waiting,
            key,
        );
    }
    // The entry may have been resumed from another activation.
    // SAFETY: the innermost activation, live while we run.
    call.act = unsafe { &mut *entry::current() };
    let exn = call.pending();
    if exn != 0 {
        call.set_pending(0);
        return Err(Trap::UncaughtException(ExnAddr((exn - 1) as u32)));
    }
    values.truncate(entry.results);
    Ok(values)
}

/// Runs `f` with the activation's fallback and store; a panic becomes a
/// trap (it must not cross the libcall's `extern "C"` frame).
#[inline]
pub(super) fn with_fallback<R>(
    call: &mut Call<'_>,
    func: FuncAddr,
    f: impl FnOnce(&mut Fallback<'_>, &mut Store) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let (fallback, store) = fallback_and_store(call);
    let run = std::panic::AssertUnwindSafe(|| f(fallback, store));
    std::panic::catch_unwind(run).unwrap_or_else(|_| Err(panicked(func)))
}

/// The activation's fallback and store, for a libcall to run the fallback
/// with.
#[inline(always)]
fn fallback_and_store<'c>(call: &'c mut Call<'_>) -> (&'c mut Fallback<'c>, &'c mut Store) {
    let fallback = call.act.fallback.cast::<&mut Fallback<'_>>();
    // SAFETY: `fallback` points at the `&mut Fallback` that `enter` keeps
    // alive for the activation, and the store is the one it borrowed; the
    // compiled code below us does not use either while we run.
    unsafe { (&mut **fallback, &mut *call.act.store) }
}

/// The trap of a fallback call of `func` that panicked.
#[cold]
fn panicked(func: FuncAddr) -> Trap {
    Trap::Host(format!("function {} panicked", func.0))
}

/// Suspends the innermost continuation to the handler of `suspension`'s
/// tag with its payload, as compiled code's suspend (or switch, to the
/// suspension's target) does, and waits there to be resumed; `call`
/// becomes the resumer's activation.
///
/// # Errors
/// [`Trap::UnhandledTag`] without a handler; a host trap when host frames
/// lie between here and the handler.
#[inline(always)]
pub(super) fn suspend_natively(
    call: &mut Call<'_>,
    suspension: &FallbackSuspension,
) -> Result<Resumed, Trap> {
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
    let values = raw_results(target.payload());
    target.clear_payload();
    Ok(Resumed::Values(values))
}

/// The suspend half of [`suspend_natively`]: returns the captured record
/// once it is resumed.
#[inline(always)]
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
    suspend_to(conts_now, found, &suspension.payload, &[])
}
