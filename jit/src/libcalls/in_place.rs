//! Continuations run as heap frames in place of native ones. When many
//! native stacks are in use and none is warm (`Conts::stacks_are_dear`), a
//! new stack costs fresh memory: the tiered mode's interpreter then runs a
//! fresh continuation that compiled code resumes on the resumer's own stack
//! (this libcall's), as its frames on the heap, and so again each time it
//! is resumed, until it proves long-lived and moves to a native stack.
//!
//! ```text
//!   compiled resume (or resume_throw) of C under site S, C consumed:
//!     C fresh, no stack, stacks dear, values   ─▶ start_in_place(f, bound ++ args)
//!     C parked by the interpreter, resumed fewer than MIGRATE_AFTER times
//!                                              ─▶ resume_in_place(C, args | exn)
//!     otherwise ─▶ the native resume (conts.rs; a parked C is adopted)
//!   the interpreter runs C's frames here, and stops:
//!     returned ─▶ the resume's results         exception ─▶ pending at the resume
//!     suspended to t, parked in P:
//!       t a suspend clause k of S  ─▶ k's label gets the payload and P's handle
//!       a switch to T, t a switch clause of S ─▶ T resumes natively in C's place
//!                                    under S, with the payload and P's handle
//!       else forwarded: this stack suspends to t's handler further out
//!            (mixed.rs, as for an interpreted call); resumed, P runs again here
//! ```
//! The inline resume leaves such a fresh continuation to this path: the
//! stack call it makes (`cont_stack`) answers [`STACK_DEAR`].

use super::Call;
use super::conts::{
    RESUME_THROW_TAG, RESUME_VALUES, STATUS_RETURNED, STATUS_SUSPENDED, conts, instance_tags,
    payload_trap, slots, state_of,
};
use super::mixed::{suspend_natively, with_fallback};
use crate::fallback::{FallbackExit, ParkedResume};
use crate::sites::ResumeSite;
use std::ptr::NonNull;
use wasmfx_core::{ExnAddr, FuncAddr, Trap, copy_slots};
use wasmfx_fibre::{ContRecord, ContState};

/// Resumptions after which a continuation run in place moves to a native
/// stack (where its hot frames get compiled code), and its function's
/// continuations count as long-lived (`Conts::long_lived`; the
/// interpreter counts its own resumes to the same number:
/// `LONG_LIVED_AFTER`).
const MIGRATE_AFTER: u32 = 16;

/// `cont_stack`'s answer when the continuation should run in place: the
/// inline resume takes the runtime call instead.
pub(crate) const STACK_DEAR: u32 = 2;

/// How a resume run in place ended.
pub(super) enum InPlace {
    /// With this status for compiled code (results or a clause's values
    /// in its buffer).
    Done(u32),
    /// The native resume goes on with this record (a switch target, or a
    /// continuation that moves to a native stack), whose payload holds
    /// everything it receives.
    Native(NonNull<ContRecord>),
}

/// Whether fresh `record` should run in place rather than get a stack: not
/// when the fallback tier wants its function compiled at a continuation's
/// start (`FallbackTier::compile_at_start`, which also marks it
/// long-lived), since heap frames stay interpreted.
pub(super) fn prefers_heap_frames(call: &mut Call<'_>, record: NonNull<ContRecord>) -> bool {
    // SAFETY: a live record of the table; no other reference to the
    // continuations is live.
    let (target, conts_now) = unsafe { (record.as_ref(), conts(state_of(call.act))) };
    let func = FuncAddr(target.func());
    let dear = target.state() == ContState::Fresh
        && !target.has_stack()
        && conts_now.prefers_heap_frames(func);
    // Asked once per function: later answers are no.
    dear && (!conts_now.asked_at_start.insert(func)
        || !with_fallback(call, func, |fallback, store| {
            Ok(fallback.compile_at_start(store, func))
        })
        .unwrap_or(false))
}

/// Runs consumed `record` in place when it should (see the module doc);
/// `None` leaves it untouched to the native resume.
///
/// # Errors
/// The trap that ended it.
#[allow(clippy::too_many_arguments)]
pub(super) fn resume(
    call: &mut Call<'_>,
    vmctx: usize,
    mut record: NonNull<ContRecord>,
    site: *mut ResumeSite,
    values: *mut u64,
    mode: u32,
    arg: u32,
) -> Result<Option<InPlace>, Trap> {
    // SAFETY: a consumed record is live and detached.
    let target = unsafe { record.as_mut() };
    let (index, func) = (target.index(), FuncAddr(target.func()));
    let parked = target.state() == ContState::Parked;
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state_of(call.act)) };
    let heap_frames = conts_now.heap_frames_after.is_some();
    let left_dear = std::mem::take(&mut conts_now.left_dear) == record.as_ptr() as usize;
    let runs = match parked {
        true if !heap_frames => false,
        true => {
            let resumptions = with_fallback(call, func, |fallback, _| {
                Ok(fallback.parked_resumptions(index))
            })?;
            match resumptions {
                Some(n) if n < MIGRATE_AFTER => true,
                Some(_) => {
                    // It moves to a native stack, and so will its kind.
                    // SAFETY: no other reference to the continuations is live.
                    unsafe { conts(state_of(call.act)) }.long_lived.insert(func);
                    false
                }
                None => false,
            }
        }
        false => {
            mode == RESUME_VALUES
                && ((left_dear && target.state() == ContState::Fresh)
                    || prefers_heap_frames(call, record))
        }
    };
    if !runs {
        return Ok(None);
    }
    // The values bound to it, then the resume's: copied only when there
    // are bound ones (the run reads them before it writes any result).
    let mut joined = Vec::new();
    let resumed = match mode {
        RESUME_VALUES => {
            // SAFETY: compiled code passes `arg` argument slots.
            let given: &[u64] = unsafe { slots(values, arg as usize) };
            match target.payload() {
                [] => ParkedResume::Values(given),
                bound => {
                    joined.extend_from_slice(bound);
                    joined.extend_from_slice(given);
                    ParkedResume::Values(&joined)
                }
            }
        }
        RESUME_THROW_TAG => {
            let raw = super::suspend::new_exception(call, arg, values)?;
            ParkedResume::Throw(ExnAddr((raw - 1) as u32))
        }
        // SAFETY: resume_throw_ref passes its exnref in the first slot.
        _ => match unsafe { *values } {
            0 => return Err(Trap::NullExceptionReference),
            raw => ParkedResume::Throw(ExnAddr((raw - 1) as u32)),
        },
    };
    target.clear_payload();
    // SAFETY: compiled code passes its leaked site.
    let site = unsafe { &mut *site };
    // SAFETY: no other reference to the continuations is live.
    let tags =
        unsafe { conts(state_of(call.act)) }
            .resolve_site(site, vmctx, call.instance.0, || instance_tags(call))?;
    // SAFETY: the resolved tags live as long as the Jit.
    let tags = unsafe { std::slice::from_raw_parts(tags, site.len as usize) };
    let first_switch = site.first_switch as usize;
    let mut exit = if parked {
        run_parked(call, func, index, resumed)
    } else {
        let ParkedResume::Values(args) = resumed else {
            return Err(Trap::Host(
                "a fresh continuation resumed with an exception".into(),
            ));
        };
        // SAFETY: no other reference to the continuations is live.
        unsafe { conts(state_of(call.act)).note_heap_frames(false) };
        // The interpreter's frames stand for the record from here: its
        // first suspension parks them in it.
        let started = with_fallback(call, func, |fallback, store| {
            fallback.start_in_place(store, func, index, args)
        });
        let parked_here = matches!(&started,
            Ok(FallbackExit::Suspended(s)) if s.parked == index);
        if !parked_here {
            // SAFETY: a fresh record that never parked is off the chain and
            // has no frames or stack.
            unsafe { conts(state_of(call.act)).release(record) };
        }
        started
    };
    loop {
        let suspension = match exit {
            Ok(FallbackExit::Returned(results)) => {
                // SAFETY: compiled code made room for the results.
                copy_slots(unsafe { slots(values, results.len()) }, &results);
                // SAFETY: no other reference to the continuations is live.
                unsafe { conts(state_of(call.act)).note_heap_frames(true) };
                return Ok(Some(InPlace::Done(STATUS_RETURNED)));
            }
            Err(Trap::UncaughtException(exn)) => {
                call.set_pending(u64::from(exn.0) + 1);
                // SAFETY: as above.
                unsafe { conts(state_of(call.act)).note_heap_frames(true) };
                return Ok(Some(InPlace::Done(STATUS_RETURNED)));
            }
            Err(trap) => return Err(trap),
            Ok(FallbackExit::Osr(_)) => {
                return Err(Trap::Host(
                    "a continuation run in place handed a frame off".into(),
                ));
            }
            Ok(FallbackExit::Suspended(suspension)) => suspension,
        };
        let tag = u64::from(suspension.tag.0);
        let own = match suspension.switch_target {
            None => (tags[..first_switch].iter()).position(|&t| t == tag),
            Some(_) => (tags[first_switch..].iter()).position(|&t| t == tag),
        };
        if let Some(clause) = own {
            // SAFETY: no other reference to the continuations is live.
            let conts_now = unsafe { conts(state_of(call.act)) };
            let handle = conts_now.handle(conts_now.record(suspension.parked)?)?;
            let Some(switched) = suspension.switch_target else {
                let n = suspension.payload.len();
                // SAFETY: compiled code made room for a clause's payload and
                // the continuation's handle after it.
                let out = unsafe { slots(values, n + 1) };
                copy_slots(out, &suspension.payload);
                out[n] = handle;
                return Ok(Some(InPlace::Done(STATUS_SUSPENDED + clause as u32)));
            };
            let mut target = conts_now.record(switched)?;
            // SAFETY: the switch consumed its target: live and detached.
            let payload = unsafe { target.as_mut() };
            payload
                .push_payload(&suspension.payload)
                .and_then(|()| payload.push_payload(&[handle]))
                .map_err(payload_trap)?;
            return Ok(Some(InPlace::Native(target)));
        }
        let parked_now = suspension.parked;
        // Only this frame names the parked frames while this stack waits.
        with_fallback(call, func, |fallback, _| {
            fallback.hold_parked(parked_now);
            Ok(())
        })?;
        exit = match suspend_natively(call, &suspension) {
            Ok(resumed) => match migrate_forwarded(call, func, parked_now, &resumed)? {
                Some(target) => return Ok(Some(InPlace::Native(target))),
                None => run_parked(call, func, parked_now, resumed.as_parked()),
            },
            Err(trap) => {
                let _ = with_fallback(call, func, |fallback, store| {
                    fallback.release_parked(store, parked_now);
                    Ok(())
                });
                return Err(trap);
            }
        };
    }
}

/// A continuation run in place whose suspensions go past this resume's
/// handlers (a generator under wrappers that do not handle its tag) is
/// resumed here by its own stack's resumer, never by the compiled resume
/// that counts resumptions: after [`MIGRATE_AFTER`] of them it moves to a
/// native stack all the same, under this resume's handlers, with the
/// values it was resumed with in its payload (an exception is raised in
/// place: the values path is the one that repeats).
fn migrate_forwarded(
    call: &mut Call<'_>,
    func: FuncAddr,
    parked: u32,
    resumed: &super::mixed::Resumed,
) -> Result<Option<NonNull<ContRecord>>, Trap> {
    let super::mixed::Resumed::Values(values) = resumed else {
        return Ok(None);
    };
    let resumptions = with_fallback(call, func, |fallback, _| {
        Ok(fallback.parked_resumptions(parked))
    })?;
    if resumptions.is_none_or(|n| n < MIGRATE_AFTER) {
        return Ok(None);
    }
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state_of(call.act)) };
    conts_now.long_lived.insert(func);
    let mut record = conts_now.record(parked)?;
    // SAFETY: the frames parked in it make it a live, detached record.
    let target = unsafe { record.as_mut() };
    target.clear_payload();
    target.push_payload(values).map_err(payload_trap)?;
    Ok(Some(record))
}

/// Runs the interpreter's frames parked in `parked` again in place with
/// `resumed`; the record is theirs to park in again or free, or freed
/// here after a trap.
fn run_parked(
    call: &mut Call<'_>,
    func: FuncAddr,
    parked: u32,
    resumed: ParkedResume<'_>,
) -> Result<FallbackExit, Trap> {
    with_fallback(call, func, |fallback, store| {
        let exit = fallback.resume_in_place(store, parked, resumed);
        if exit.is_err() {
            fallback.release_parked(store, parked);
        }
        exit
    })
}
