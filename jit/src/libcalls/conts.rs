//! The stack-switching runtime of compiled code: `cont.new`, `cont.bind`,
//! `resume` (and `resume_throw*`), and the first frame of every
//! continuation stack; `suspend` and `switch` are in `suspend.rs`. Compiled
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

use super::calls::call_out;
use super::{Call, with_call};
use crate::conts::Conts;
use crate::entry::{self, Activation};
use crate::sites::ResumeSite;
use crate::vmruntime::RuntimeState;
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, TagAddr, Trap};
use wasmfx_fibre::{ContRecord, ContState, HandlerTable, PAYLOAD_INLINE, switch};

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

/// The tags of the calling instance.
pub(super) fn instance_tags<'a>(call: &Call<'_>) -> &'a [TagAddr] {
    // SAFETY: the store outlives the activation; only its tags are read,
    // and instances are never removed from a store.
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
/// status 0, or 1 with the trap stored.
pub(super) extern "C" fn cont_stack(vmctx: usize, record: u64) -> u32 {
    with_call(vmctx, |call| {
        let made = match NonNull::new(record as *mut ContRecord) {
            // SAFETY: no other reference to the continuations is live;
            // compiled code passes a live, fresh record of the table.
            Some(record) => unsafe { conts(state_of(call.act)) }.ensure_stack(record, run_fibre),
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
    let tags = conts_now.resolve_site(site, vmctx, call.instance.0, instance_tags(call))?;
    conts_now.ensure_stack(record, run_fibre)?;
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
        entry::set_current(saved_act);
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
            unsafe { conts.release_returned(record, run_fibre) };
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

/// The entry of every continuation stack, for `Conts::ensure_stack`.
pub(crate) fn run_fibre_entry() -> wasmfx_fibre::FibreEntry {
    run_fibre
}

/// Slots of a continuation's argument buffer kept on its stack.
const INLINE_SLOTS: usize = 16;

/// The first frame of every continuation stack (run by fibre_main): calls
/// the record's function with its payload, puts the results back in it and
/// hands the record to the resumer (fibre_main marks it returned).
unsafe extern "C" fn run_fibre(record: *mut ContRecord) -> u64 {
    // SAFETY: the first switch into a fresh record carries its address.
    if !unsafe { run_in_payload(record) } {
        // SAFETY: as above.
        unsafe { run_buffered(record) };
    }
    // The resumer now may be another activation than the first one.
    // SAFETY: the record is live and runs innermost (its function just
    // returned); the runtime state is re-derived after the call.
    unsafe {
        conts(state_of(entry::current()))
            .chain
            .detach(NonNull::new_unchecked(record));
    }
    record as u64
}

/// The common case of [`run_fibre`]: a compiled function whose arguments
/// and results fit in the record's inline payload slots, which its array
/// trampoline reads and writes in place. False when it does not apply
/// (nothing ran).
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_in_payload(record: *mut ContRecord) -> bool {
    let act = entry::current();
    // SAFETY: the caller's promise; the activation's store outlives it;
    // nothing else uses the continuations while this frame runs.
    let (target, store, conts_now) =
        unsafe { (&mut *record, &*(*act).store, conts(state_of(act))) };
    let func = FuncAddr(target.func());
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return false;
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
    let (Some(trampoline), Some(values)) = (conts_now.trampoline(func), target.inline_slots())
    else {
        return false;
    };
    if code == 0 || params.max(results) > PAYLOAD_INLINE || target.payload().len() != params {
        return false;
    }
    target.clear_payload();
    // SAFETY: the trampoline was made for the function's signature; it
    // reads the params from the inline slots before the function runs
    // (which may reuse the payload for its own switches) and writes the
    // results there after. A trap unwinds to the host entry past this frame,
    // which owns nothing.
    unsafe {
        let run: extern "C" fn(usize, usize, *mut u64) = std::mem::transmute(trampoline);
        run(code, vmctx, values);
        (*record).set_inline_len(results);
    }
    true
}

/// [`run_fibre`] for everything else: the arguments are copied out to a
/// buffer on this stack (or the heap) and the results back.
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_buffered(record: *mut ContRecord) {
    let mut inline = [0u64; INLINE_SLOTS];
    let mut spilled = Vec::new();
    // SAFETY: the first switch into a fresh record carries its address.
    let results = unsafe { run_function(record, &mut inline, &mut spilled) };
    let values = if results.len() <= INLINE_SLOTS {
        &inline[..results.len()]
    } else {
        &spilled[..results.len()]
    };
    // SAFETY: the record is live (its function just returned).
    let target = unsafe { &mut *record };
    if target.set_payload(values).is_err() {
        target.clear_payload();
    }
}

/// Calls `record`'s function with its payload as arguments; returns its
/// result range in `inline` (or in `spilled` when longer).
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_function(
    record: *mut ContRecord,
    inline: &mut [u64; INLINE_SLOTS],
    spilled: &mut Vec<u64>,
) -> std::ops::Range<usize> {
    let act = entry::current();
    // SAFETY: the caller's promise; the activation's store outlives it;
    // nothing else uses the continuations while this frame runs.
    let (target, store, conts_now) =
        unsafe { (&mut *record, &*(*act).store, conts(state_of(act))) };
    let func = FuncAddr(target.func());
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return 0..0;
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let instance = match inst.kind {
        FuncKind::Wasm { instance, .. } => instance,
        FuncKind::Host(_) => InstanceId(0),
    };
    let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
    let values: &mut [u64] = if params.max(results) <= INLINE_SLOTS {
        inline
    } else {
        spilled.resize(params.max(results), 0);
        spilled
    };
    let n = params.min(target.payload().len());
    values[..n].copy_from_slice(&target.payload()[..n]);
    target.clear_payload();
    match conts_now.trampoline(func) {
        Some(trampoline) if code != 0 => {
            // SAFETY: the trampoline was made for the function's signature
            // and `values` has room for its params and results. A trap
            // unwinds to the host entry past this frame (`spilled` leaks).
            unsafe {
                let run: extern "C" fn(usize, usize, *mut u64) = std::mem::transmute(trampoline);
                run(code, vmctx, values.as_mut_ptr());
            }
        }
        _ => {
            let mut call = Call {
                // SAFETY: the innermost activation, live while we run.
                act: unsafe { &mut *act },
                instance,
            };
            if call_out(&mut call, func, values.as_mut_ptr()) != 0 {
                // SAFETY: a trap is stored; the frames up to the entry own
                // only `spilled`.
                unsafe { entry::raise_stored(entry::current()) };
            }
        }
    }
    0..results
}
