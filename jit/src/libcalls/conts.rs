//! The stack-switching runtime of compiled code: `cont.new`, `cont.bind`,
//! `resume` (and `resume_throw*`), `suspend`, `switch`, and the first frame
//! of every continuation stack.
//!
//! ```text
//!   resumer R (any stack)                 continuation C (fibre stack)
//!   resume: consume, msg = bound ++ args,
//!     attach C (prompt P), handlers on P,
//!     stack limit := C's
//!     switch through P.context ───────▶  run_fibre (fresh) or after a suspend
//!                                          suspend: find handler (prompt P),
//!                                            detach C..P, msg = payload ++ C',
//!     ◀──────────── outcome Suspended(k) ── switch through P.context
//!   status 2 + k: compiled code branches to clause k's label
//!                                          … or C's function returns:
//!     ◀──────────── outcome Returned ───── detach C, last switch (fibre_main)
//!   release C (stack to the pool), status 0
//! ```
//! `switch` detaches C..P like a suspend and attaches the target T in its
//! place: R's point moves from P.context to T's prompt, and C's point is
//! saved in P.context. Whoever switches into a stack sets the compiled-code
//! stack limit for it; a resumer restores its own (and its activation) when
//! control comes back. A trap anywhere unwinds to the host entry, which
//! releases every record left on the chain (`Conts::unwind_to`).

use super::calls::call_out;
use super::{Call, missing, with_call};
use crate::conts::{Conts, Outcome};
use crate::entry::{self, Activation};
use crate::vmruntime::RuntimeState;
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, TagAddr, Trap};
use wasmfx_fibre::{ContRecord, ContState, Context, HandlerKind, HandlerTable, switch};

/// `resume` modes: values for the suspend point, or an exception to raise
/// there (`resume_throw` with a tag index, `resume_throw_ref` with an exnref).
pub(crate) const RESUME_VALUES: u32 = 0;
pub(crate) const RESUME_THROW_TAG: u32 = 1;
pub(crate) const RESUME_THROW_REF: u32 = 2;

/// `resume` statuses: returned, trapped (stored), or `SUSPENDED + clause`.
pub(crate) const STATUS_RETURNED: u32 = 0;
pub(crate) const STATUS_SUSPENDED: u32 = 2;

/// The runtime state of the activation (the Jit's boxed record).
fn state_of(act: *mut Activation) -> *mut RuntimeState {
    // SAFETY: libcalls run inside an activation (with_call's contract).
    unsafe { (*act).state }
}

/// The continuation runtime.
///
/// # Safety
/// The caller must not hold another reference to the runtime state's
/// continuations (each use re-derives it, never across a switch).
unsafe fn conts<'a>(state: *mut RuntimeState) -> &'a mut Conts {
    // SAFETY: the caller's promise; the state outlives the activation.
    unsafe { &mut (*state).conts }
}

fn tag_addr(call: &mut Call<'_>, tag: u32) -> Result<TagAddr, Trap> {
    let id = call.instance;
    call.store().instances[id.0 as usize]
        .tags
        .get(tag as usize)
        .copied()
        .ok_or_else(|| missing("tag", tag))
}

/// A view of `len` raw slots of a compiled frame's buffer.
///
/// # Safety
/// Compiled code passes buffers of at least the length the types give.
unsafe fn slots<'a>(values: *mut u64, len: usize) -> &'a mut [u64] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: the caller's promise.
    unsafe { std::slice::from_raw_parts_mut(values, len) }
}

pub(super) extern "C" fn cont_new(vmctx: usize, funcref: u64) -> u64 {
    with_call(vmctx, |call| {
        let func = FuncAddr(funcref.saturating_sub(1) as u32);
        // SAFETY: no other reference to the continuations is live.
        let created = unsafe { conts(state_of(call.act)) }.create(func);
        match created {
            // SAFETY: as above.
            Ok(index) => unsafe { conts(state_of(call.act)) }.handle(index),
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
        match conts.consume(raw) {
            Ok(index) => {
                // SAFETY: compiled code passes `count` bound values.
                let args = unsafe { slots(values, count as usize) };
                conts.bound_mut(index).extend_from_slice(args);
                conts.handle(index)
            }
            Err(trap) => {
                call.status(Err(trap));
                0
            }
        }
    })
}

/// `resume`, `resume_throw` (mode and tag index in `arg`) and
/// `resume_throw_ref`. `site` is the handler table: `[suspend clauses,
/// all clauses, tag index …]`, suspend clauses first.
pub(super) extern "C" fn resume(
    vmctx: usize,
    raw: u64,
    site: *const u32,
    values: *mut u64,
    mode: u32,
    arg: u32,
) -> u32 {
    with_call(vmctx, |call| {
        match resume_in(call, raw, site, values, mode, arg) {
            Ok(status) => status,
            Err(trap) => call.status(Err(trap)),
        }
    })
}

fn resume_in(
    call: &mut Call<'_>,
    raw: u64,
    site: *const u32,
    values: *mut u64,
    mode: u32,
    arg: u32,
) -> Result<u32, Trap> {
    let state = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let index = unsafe { conts(state) }.consume(raw)?;
    let throw = match mode {
        RESUME_VALUES => 0,
        RESUME_THROW_TAG => new_exception(call, arg, values)?,
        // SAFETY: resume_throw_ref passes its exnref in the first slot.
        _ => match unsafe { *values } {
            0 => return Err(Trap::NullExceptionReference),
            exn => exn,
        },
    };
    // SAFETY: as above.
    let conts_now = unsafe { conts(state) };
    let mut record = conts_now.record(index);
    // SAFETY: slot records live as long as the arena.
    let fresh = unsafe { record.as_ref().state() } == ContState::Fresh;
    if throw != 0 && fresh {
        // Nothing ran: the exception leaves the resume at once.
        // SAFETY: a fresh record is off the chain and has no frames.
        unsafe { conts_now.release(index) };
        call.set_pending(throw);
        return Ok(STATUS_RETURNED);
    }
    if throw != 0 {
        conts_now.msg.clear();
        conts_now.bound_mut(index).clear();
        conts_now.throw = throw;
    } else {
        conts_now.start_msg(index);
        // SAFETY: compiled code passes `arg` argument slots.
        conts_now
            .msg
            .extend_from_slice(unsafe { slots(values, arg as usize) });
    }
    conts_now.ensure_stack(index, run_fibre)?;
    // SAFETY: a detached record of the arena, kept live while attached.
    let mut prompt = unsafe {
        record.as_mut().set_state(ContState::Running);
        conts_now.chain.attach(record, true)
    };
    let id = call.instance;
    // SAFETY: the store outlives the activation; only its tags are read.
    let instance_tags = &unsafe { &*call.act.store }.instances[id.0 as usize].tags;
    install_handlers(conts_now, prompt, site, id, instance_tags)?;
    // SAFETY: as above.
    let limit = unsafe { record.as_ref().stack_limit() };
    let word = if fresh { record.as_ptr() as u64 } else { 0 };
    conts_now.outcome = None;
    // SAFETY: `state` is the live runtime state; the prompt's context holds
    // the segment's resume point (or its fresh start), and receives ours.
    unsafe {
        let saved_limit = std::mem::replace(&mut (*state).vm.stack_limit, limit);
        let saved_act = entry::current();
        let context = prompt.as_mut().context_ptr();
        switch(context, context, word);
        entry::set_current(saved_act);
        (*state).vm.stack_limit = saved_limit;
    }
    // SAFETY: as above (the switch is over).
    let conts_now = unsafe { conts(state) };
    let outcome = conts_now.outcome.take();
    // SAFETY: the msg holds the values the resume's types give, for which
    // compiled code made room.
    unsafe { slots(values, conts_now.msg.len()) }.copy_from_slice(&conts_now.msg);
    match outcome {
        Some(Outcome::Returned(done)) => {
            // SAFETY: it detached itself and made its last switch.
            unsafe { conts_now.release(done) };
            Ok(STATUS_RETURNED)
        }
        Some(Outcome::Suspended(clause)) => Ok(STATUS_SUSPENDED + clause),
        None => Err(Trap::Host(
            "continuation came back without an outcome".into(),
        )),
    }
}

/// Resolves the site's tags into the prompt's slot and installs the table.
fn install_handlers(
    conts: &mut Conts,
    mut prompt: NonNull<ContRecord>,
    site: *const u32,
    instance: InstanceId,
    instance_tags: &[TagAddr],
) -> Result<(), Trap> {
    let prompt_index = conts
        .index_of(prompt)
        .ok_or_else(|| Trap::Host("continuation record of another store".into()))?;
    // SAFETY: compiled code passes a table of two counts and that many tags,
    // kept as long as its code.
    let (first_switch, site_tags) = unsafe {
        let len = *site.add(1) as usize;
        (*site, std::slice::from_raw_parts(site.add(2), len))
    };
    let (tags, tags_for) = conts.tags_mut(prompt_index);
    let key = (site as usize, instance.0);
    if *tags_for != key {
        *tags_for = (0, 0);
        tags.clear();
        for &tag in site_tags {
            let addr = instance_tags
                .get(tag as usize)
                .ok_or_else(|| missing("tag", tag))?;
            tags.push(u64::from(addr.0));
        }
        *tags_for = key;
    }
    let table = HandlerTable {
        tags: tags.as_ptr(),
        len: tags.len() as u32,
        first_switch,
    };
    // SAFETY: the tags stay in the prompt's slot until its next install.
    unsafe { prompt.as_mut().set_handlers(table) };
    Ok(())
}

/// Allocates an exception of the instance's tag `tag` from `values`.
fn new_exception(call: &mut Call<'_>, tag: u32, values: *const u64) -> Result<u64, Trap> {
    let addr = tag_addr(call, tag)?;
    let store = call.store();
    let n = store.tag(addr).sig.params.len();
    // SAFETY: compiled code passes the tag's fields.
    let fields: Box<[u64]> = unsafe { std::slice::from_raw_parts(values, n) }.into();
    Ok(u64::from(store.alloc_exn(addr, fields).0) + 1)
}

pub(super) extern "C" fn suspend(vmctx: usize, tag: u32, values: *mut u64, count: u32) -> u32 {
    with_call(vmctx, |call| match suspend_in(call, tag, values, count) {
        Ok(()) => 0,
        Err(trap) => call.status(Err(trap)),
    })
}

fn suspend_in(call: &mut Call<'_>, tag: u32, values: *mut u64, count: u32) -> Result<(), Trap> {
    let addr = tag_addr(call, tag)?;
    let state = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state) };
    let found = conts_now
        .chain
        .find_handler(u64::from(addr.0), HandlerKind::Suspend)
        .ok_or(Trap::UnhandledTag(addr))?;
    check_no_host_frames(conts_now, found.prompt, call.act)?;
    let captured = capture(conts_now, found.prompt)?;
    conts_now.msg.clear();
    // SAFETY: compiled code passes the tag's `count` params.
    conts_now
        .msg
        .extend_from_slice(unsafe { slots(values, count as usize) });
    let handle = conts_now.handle(captured);
    conts_now.msg.push(handle);
    conts_now.outcome = Some(Outcome::Suspended(found.clause));
    let mut prompt = found.prompt;
    // SAFETY: the prompt's context holds its resumer's point; ours goes in
    // its place for the next resume.
    unsafe {
        let context = prompt.as_mut().context_ptr();
        switch(context, context, 0);
    }
    receive(call, state, values);
    Ok(())
}

pub(super) extern "C" fn switch_to(
    vmctx: usize,
    raw: u64,
    tag: u32,
    values: *mut u64,
    count: u32,
) -> u32 {
    with_call(vmctx, |call| {
        match switch_in(call, raw, tag, values, count) {
            Ok(()) => 0,
            Err(trap) => call.status(Err(trap)),
        }
    })
}

fn switch_in(
    call: &mut Call<'_>,
    raw: u64,
    tag: u32,
    values: *mut u64,
    count: u32,
) -> Result<(), Trap> {
    let addr = tag_addr(call, tag)?;
    let state = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state) };
    let target = conts_now.consume(raw)?;
    let found = conts_now
        .chain
        .find_handler(u64::from(addr.0), HandlerKind::Switch)
        .ok_or(Trap::UnhandledTag(addr))?;
    check_no_host_frames(conts_now, found.prompt, call.act)?;
    let mut prompt = found.prompt;
    let captured = capture(conts_now, prompt)?;
    conts_now.start_msg(target);
    // SAFETY: compiled code passes `count` argument slots.
    conts_now
        .msg
        .extend_from_slice(unsafe { slots(values, count as usize) });
    let handle = conts_now.handle(captured);
    conts_now.msg.push(handle);
    conts_now.ensure_stack(target, run_fibre)?;
    let mut record = conts_now.record(target);
    // SAFETY: the target is a detached record of the arena (just consumed).
    let (fresh, mut target_prompt) = unsafe {
        let fresh = record.as_ref().state() == ContState::Fresh;
        record.as_mut().set_state(ContState::Running);
        (fresh, conts_now.chain.attach(record, true))
    };
    let (from, to) = (
        conts_now.index_of(prompt),
        conts_now.index_of(target_prompt),
    );
    let (Some(from), Some(to)) = (from, to) else {
        return Err(Trap::Host("continuation record of another store".into()));
    };
    let (from_tags, from_for) = conts_now.tags_mut(from);
    let (tags, tags_for) = (std::mem::take(from_tags), *from_for);
    let (target_tags, target_for) = conts_now.tags_mut(to);
    target_tags.clear();
    target_tags.extend_from_slice(&tags);
    *target_for = tags_for;
    // SAFETY: both prompts are live records; the target's tags stay in its
    // slot until its next install.
    unsafe {
        let first_switch = prompt.as_ref().handlers().first_switch;
        target_prompt.as_mut().set_handlers(HandlerTable {
            tags: target_tags.as_ptr(),
            len: target_tags.len() as u32,
            first_switch,
        });
    }
    *conts_now.tags_mut(from).0 = tags;
    conts_now.outcome = None;
    // SAFETY: the resumer's point moves from the old prompt's context to
    // the target's; the target's own point is read into `load` first, and
    // ours is saved in the old prompt's context (the captured segment's
    // resume point). The runtime state is live.
    unsafe {
        let load: Context = *target_prompt.as_mut().context_ptr();
        *target_prompt.as_mut().context_ptr() = *prompt.as_mut().context_ptr();
        (*state).vm.stack_limit = record.as_ref().stack_limit();
        let word = if fresh { record.as_ptr() as u64 } else { 0 };
        switch(prompt.as_mut().context_ptr(), &raw const load, word);
    }
    receive(call, state, values);
    Ok(())
}

/// Detaches the segment from the innermost record up to `prompt`; returns
/// the slot of the captured (innermost) record, now suspended.
fn capture(conts: &mut Conts, prompt: NonNull<ContRecord>) -> Result<u32, Trap> {
    // SAFETY: `prompt` is on the chain (the handler search found it there).
    let mut captured = unsafe { conts.chain.detach(prompt) }
        .ok_or_else(|| Trap::Host("no continuation is running".into()))?;
    // SAFETY: records of the detached segment are live.
    unsafe { captured.as_mut().set_state(ContState::Suspended) };
    conts
        .index_of(captured)
        .ok_or_else(|| Trap::Host("continuation record of another store".into()))
}

/// A suspend may not capture a host entry (compiled code → host or
/// interpreter → compiled code): its activation would outlive the switch.
fn check_no_host_frames(
    conts: &Conts,
    prompt: NonNull<ContRecord>,
    act: *mut Activation,
) -> Result<(), Trap> {
    let at = act as usize;
    for record in conts.chain.iter() {
        // SAFETY: records on the chain are live.
        let (low, high) = unsafe { record.as_ref().stack_bounds() };
        if (low..high).contains(&at) {
            return Err(Trap::Host(
                "suspending through a host or interpreted frame is not supported".into(),
            ));
        }
        if record == prompt {
            break;
        }
    }
    Ok(())
}

/// Back at a suspend or switch point: raises the exception of a
/// `resume_throw`, or copies the resume's values into `values`.
fn receive(call: &mut Call<'_>, state: *mut RuntimeState, values: *mut u64) {
    // SAFETY: the switch is over; nothing else holds the continuations.
    let conts_now = unsafe { conts(state) };
    let throw = std::mem::take(&mut conts_now.throw);
    if throw != 0 {
        call.set_pending(throw);
        return;
    }
    // SAFETY: the msg holds the values of the suspend's or switch's result
    // types, for which compiled code made room.
    unsafe { slots(values, conts_now.msg.len()) }.copy_from_slice(&conts_now.msg);
}

/// Slots of a continuation's argument buffer kept on its stack.
const INLINE_SLOTS: usize = 16;

/// The first frame of every continuation stack (run by fibre_main): calls
/// the record's function with the first resume's values, then hands its
/// results to the resumer as `Outcome::Returned`.
unsafe extern "C" fn run_fibre(record: *mut ContRecord) -> u64 {
    let act = entry::current();
    let state = state_of(act);
    // SAFETY: the activation's store outlives it; nothing else uses the
    // continuations while this frame runs.
    let (store, conts_now) = unsafe { (&*(*act).store, conts(state)) };
    let Some(index) = NonNull::new(record).and_then(|r| conts_now.index_of(r)) else {
        return 0;
    };
    let func = conts_now.func(index);
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return 0;
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let instance = match inst.kind {
        FuncKind::Wasm { instance, .. } => instance,
        FuncKind::Host(_) => InstanceId(0),
    };
    let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
    let mut inline = [0u64; INLINE_SLOTS];
    let mut spilled = Vec::new();
    let values: &mut [u64] = if params.max(results) <= INLINE_SLOTS {
        &mut inline
    } else {
        spilled.resize(params.max(results), 0);
        &mut spilled
    };
    let n = params.min(conts_now.msg.len());
    values[..n].copy_from_slice(&conts_now.msg[..n]);
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
                // SAFETY: a trap is stored; this frame owns only `spilled`.
                unsafe { entry::raise_stored(entry::current()) };
            }
        }
    }
    // The resumer now may be another activation than the first one.
    // SAFETY: as above, re-derived after the call.
    let conts_now = unsafe { conts(state_of(entry::current())) };
    conts_now.msg.clear();
    conts_now.msg.extend_from_slice(&values[..results]);
    conts_now.outcome = Some(Outcome::Returned(index));
    // SAFETY: the record runs innermost: its function just returned.
    unsafe { conts_now.chain.detach(NonNull::new_unchecked(record)) };
    0
}
