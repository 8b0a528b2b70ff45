//! The stack-switching runtime of compiled code: `cont.new`, `cont.bind`,
//! `resume` (and `resume_throw*`); `suspend` and `switch` are in
//! `suspend.rs`, the Rust first frame of continuation stacks in `start.rs`
//! (compiled starts: `cont_start.rs`). Compiled
//! code does the common resume, suspend and switch inline
//! (`translate/conts_fast.rs`) and calls these for the rest, by the same
//! rules:
//!
//! ```text
//!   resumer R (any stack)                 continuation C (fibre stack)
//!   resume: consume C's handle, append the args to C's payload,
//!     attach C (prompt P = C's last ancestor), handlers on P,
//!     stack limit := C's
//!     switch through P.context ───────▶  run_fibre (fresh) or after a suspend:
//!                                          takes C's payload
//!                                          suspend: find handler (prompt P),
//!                                            detach S..P, S.clause := k,
//!                                            payload into S (the innermost)
//!     ◀──────────── word = S ───────────── switch through P.context
//!   S Suspended: clause k's label gets S's payload and S's new handle
//!                                          … or C's function returns:
//!                                            results into C, detach C
//!     ◀──────────── word = C ───────────── last switch (fibre_main), C Returned
//!   C Returned: results from C's payload; release C (stack to the pool)
//! ```
//! The word a resumer gets back is the record to read: its state says
//! which of the two happened. `switch` (suspend.rs) moves R's resume point
//! to another prompt, so R may get back a record it never resumed; it
//! reads it the same way. `resume_throw` sets the pending exception
//! instead of passing values, and the suspend point raises it. Whoever
//! switches into a stack sets the compiled-code stack limit for it; a
//! resumer restores its own (and its activation) when control comes back.
//! A trap anywhere unwinds to the host entry, which releases every record
//! left on the chain (`Conts::unwind_to`).

use super::in_place::InPlace;
pub(crate) use super::start::run_fibre_entry;
use super::{Call, with_call};
use crate::conts::Conts;
use crate::entry::{self, Activation};
use crate::sites::ResumeSite;
use crate::vmruntime::RuntimeState;
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, TagAddr, Trap};
use wasmfx_fibre::{ContRecord, ContState, HandlerTable, switch};

/// `resume` modes: values for the suspend point, or an exception to raise
/// there (`resume_throw` with a tag index, `resume_throw_ref` with an exnref).
pub(crate) const RESUME_VALUES: u32 = 0;
pub(crate) const RESUME_THROW_TAG: u32 = 1;
pub(crate) const RESUME_THROW_REF: u32 = 2;

/// `resume` statuses: returned, trapped (stored), or `SUSPENDED + clause`.
pub(crate) const STATUS_RETURNED: u32 = 0;
pub(crate) const STATUS_SUSPENDED: u32 = 2;

/// The runtime state of the activation (the Jit's boxed record).
pub(super) fn state_of(act: *mut Activation) -> *mut RuntimeState {
    // SAFETY: libcalls run inside an activation (with_call's contract).
    unsafe { (*act).state }
}

/// The continuation runtime.
///
/// # Safety
/// The caller must not hold another reference to the runtime state's
/// continuations (each use re-derives it, never across a switch).
pub(super) unsafe fn conts<'a>(state: *mut RuntimeState) -> &'a mut Conts {
    // SAFETY: the caller's promise; the state outlives the activation.
    unsafe { &mut (*state).conts }
}

/// The tags of the calling instance, borrowed with the call.
pub(super) fn instance_tags<'c>(call: &'c Call<'_>) -> &'c [TagAddr] {
    // SAFETY: the store outlives the activation, and compiled code (the
    // caller of the libcall) does not touch it while `call` is borrowed.
    let store = unsafe { &*call.act.store };
    store
        .instances
        .get(call.instance.0 as usize)
        .map_or(&[], |i| &i.tags[..])
}

/// A view of `len` raw slots of a compiled frame's buffer.
///
/// # Safety
/// Compiled code passes buffers of at least the length the types give.
pub(super) unsafe fn slots<'a>(values: *mut u64, len: usize) -> &'a mut [u64] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts_mut(values, len) }
}

pub(super) fn payload_trap(_: wasmfx_fibre::PayloadTooLong) -> Trap {
    Trap::Host("continuation payload too long".into())
}

pub(super) extern "C" fn cont_new(vmctx: usize, funcref: u64) -> u64 {
    with_call(vmctx, |call| {
        super::collect::collect_if_due(call);
        let func = FuncAddr(funcref.saturating_sub(1) as u32);
        // SAFETY: no other reference to the continuations is live.
        match unsafe { conts(state_of(call.act)) }.create(func) {
            Ok(raw) => raw,
            Err(trap) => {
                call.status(Err(trap));
                0
            }
        }
    })
}

pub(super) extern "C" fn cont_bind(vmctx: usize, raw: u64, values: *mut u64, count: u32) -> u64 {
    with_call(vmctx, |call| {
        // SAFETY: no other reference to the continuations is live.
        let conts = unsafe { conts(state_of(call.act)) };
        let bound = conts.consume(raw).and_then(|mut record| {
            // SAFETY: compiled code passes `count` bound values; the record
            // is live and detached.
            unsafe { record.as_mut().push_payload(slots(values, count as usize)) }
                .map_err(payload_trap)?;
            conts.handle(record)
        });
        bound.unwrap_or_else(|trap| {
            call.status(Err(trap));
            0
        })
    })
}

/// The handle of `record` for compiled code that found its revision too
/// high to make one (its index is retired); 0 with a stored trap when no
/// index is left.
pub(super) extern "C" fn cont_handle(vmctx: usize, record: u64) -> u64 {
    with_call(vmctx, |call| {
        // SAFETY: no other reference to the continuations is live; compiled
        // code passes a live record of the table.
        let made = unsafe { conts(state_of(call.act)) }
            .handle(unsafe { NonNull::new_unchecked(record as *mut ContRecord) });
        made.unwrap_or_else(|trap| {
            call.status(Err(trap));
            0
        })
    })
}

/// Gives a fresh record its stack, for compiled code's inline resume:
/// status 0, 1 with the trap stored, or `STACK_DEAR` (no stack given: the
/// resume is left to the runtime call, which runs it in place:
/// `in_place.rs`).
pub(super) extern "C" fn cont_stack(vmctx: usize, record: u64) -> u32 {
    with_call(vmctx, |call| {
        let made = match NonNull::new(record as *mut ContRecord) {
            Some(record) if super::in_place::prefers_heap_frames(call, record) => {
                // SAFETY: no other reference to the continuations is live.
                unsafe { conts(state_of(call.act)) }.left_dear = record.as_ptr() as usize;
                return super::in_place::STACK_DEAR;
            }
            // SAFETY: no other reference to the continuations is live;
            // compiled code passes a live, fresh record of the table.
            Some(record) => {
                unsafe { conts(state_of(call.act)) }.ensure_stack(record, run_fibre_entry())
            }
            None => Err(Trap::Host("no continuation record".into())),
        };
        call.status(made)
    })
}

/// Releases a record whose function returned to compiled code's inline
/// resume that could not park it warm (the same test as
/// `ContTable::park_warm`): its stack goes back to the pool.
pub(super) extern "C" fn cont_release(vmctx: usize, record: u64) {
    with_call(vmctx, |call| {
        if let Some(record) = NonNull::new(record as *mut ContRecord) {
            // SAFETY: it detached itself and made its last switch; no other
            // reference to the continuations is live.
            unsafe { conts(state_of(call.act)).release(record) };
        }
    })
}

/// `resume`, `resume_throw` (mode and tag index in `arg`) and
/// `resume_throw_ref`. `site` is the resume's [`ResumeSite`].
pub(super) extern "C" fn resume(
    vmctx: usize,
    raw: u64,
    site: *mut ResumeSite,
    values: *mut u64,
    mode: u32,
    arg: u32,
) -> u32 {
    with_call(vmctx, |call| {
        match resume_in(call, vmctx, raw, site, values, mode, arg) {
            Ok(status) => status,
            Err(trap) => call.status(Err(trap)),
        }
    })
}

fn resume_in(
    call: &mut Call<'_>,
    vmctx: usize,
    raw: u64,
    site: *mut ResumeSite,
    values: *mut u64,
    mode: u32,
    arg: u32,
) -> Result<u32, Trap> {
    let state = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let mut record = unsafe { conts(state) }.consume(raw)?;
    let (mut mode, mut arg) = (mode, arg);
    match super::in_place::resume(call, vmctx, record, site, values, mode, arg)? {
        None => {}
        Some(InPlace::Done(status)) => return Ok(status),
        // A switch target, its payload complete.
        Some(InPlace::Native(target)) => (record, mode, arg) = (target, RESUME_VALUES, 0),
    }
    // SAFETY: as above. A continuation the interpreter suspended gets a
    // stack that runs its frames (and counts as fresh from here on).
    let adopted = super::mixed::adopt_parked(unsafe { conts(state) }, record)?;
    let throw = match mode {
        RESUME_VALUES => 0,
        RESUME_THROW_TAG => super::suspend::new_exception(call, arg, values)?,
        // SAFETY: resume_throw_ref passes its exnref in the first slot.
        _ => match unsafe { *values } {
            0 => return Err(Trap::NullExceptionReference),
            exn => exn,
        },
    };
    // SAFETY: as above.
    let conts_now = unsafe { conts(state) };
    // SAFETY: a consumed record is live and detached.
    let target = unsafe { record.as_mut() };
    let fresh = target.state() == ContState::Fresh;
    if throw != 0 && fresh && !adopted {
        // Nothing ran: the exception leaves the resume at once.
        // SAFETY: a fresh record is off the chain and has no frames.
        unsafe { conts_now.release(record) };
        call.set_pending(throw);
        return Ok(STATUS_RETURNED);
    }
    if throw != 0 {
        target.clear_payload();
    } else {
        // SAFETY: compiled code passes `arg` argument slots.
        target
            .push_payload(unsafe { slots(values, arg as usize) })
            .map_err(payload_trap)?;
    }
    // SAFETY: compiled code passes its leaked site.
    let site = unsafe { &mut *site };
    let tags = conts_now.resolve_site(site, vmctx, call.instance.0, || instance_tags(call))?;
    super::check_depth(conts_now)?;
    conts_now.ensure_stack(record, run_fibre_entry())?;
    target.set_state(ContState::Running);
    // SAFETY: a detached record of the table, kept live while attached.
    let mut prompt = unsafe { conts_now.chain.attach(record, true) };
    let table = HandlerTable {
        tags,
        len: site.len,
        first_switch: site.first_switch,
    };
    // SAFETY: the resolved tags live as long as the Jit.
    unsafe { prompt.as_mut().set_handlers(table) };
    let limit = target.stack_limit();
    // A fresh start takes its record; a suspended point gets 0, which
    // makes compiled suspend points check for a pending exception
    // (conts_fast.rs `resumed`).
    let word = if fresh { record.as_ptr() as u64 } else { 0 };
    if throw != 0 {
        call.set_pending(throw);
    }
    // SAFETY: `state` is the live runtime state; the prompt's context holds
    // the segment's resume point (or its fresh start), and receives ours.
    let back = unsafe {
        let saved_limit = std::mem::replace(&mut (*state).vm.stack_limit, limit);
        let saved_act = entry::current();
        let context = prompt.as_mut().context_ptr();
        let back = switch(context, context, word);
        // This resume's activation again, if it still encloses the one
        // current now. A suspend may instead have captured this frame with
        // the continuation (this resume runs on a continuation's stack):
        // then whoever resumed that later runs under an activation of its
        // own, and the one of the resume may be gone.
        entry::restore_if_enclosing(saved_act);
        (*state).vm.stack_limit = saved_limit;
        back
    };
    // SAFETY: the switch is over; nothing else holds the continuations.
    finish_resume(unsafe { conts(state) }, back, values)
}

/// Reads what came back to a resumer (see the module doc): the results of
/// a returned record, or a suspend's payload and new handle, into `values`.
fn finish_resume(conts: &mut Conts, back: u64, values: *mut u64) -> Result<u32, Trap> {
    let mut record = NonNull::new(back as *mut ContRecord)
        .ok_or_else(|| Trap::Host("continuation came back without an outcome".into()))?;
    // SAFETY: the word a resumer gets back is a live record of the table.
    let from = unsafe { record.as_mut() };
    let payload = from.payload();
    // SAFETY: the payload holds the values the resume's types give, for
    // which compiled code made room (and one more slot after a clause's).
    unsafe { slots(values, payload.len()) }.copy_from_slice(payload);
    match from.state() {
        ContState::Returned => {
            // SAFETY: it detached itself and made its last switch.
            unsafe { conts.release_returned(record, run_fibre_entry()) };
            Ok(STATUS_RETURNED)
        }
        ContState::Suspended => {
            let (n, clause) = (payload.len(), from.clause());
            from.clear_payload();
            let handle = conts.handle(record)?;
            // SAFETY: as above: one slot after the clause's payload.
            unsafe { *values.add(n) = handle };
            Ok(STATUS_SUSPENDED + clause)
        }
        other => Err(Trap::Host(format!(
            "continuation came back {other:?}, not suspended or returned"
        ))),
    }
}
