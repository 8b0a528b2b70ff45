//! `suspend` and `switch` in the runtime (see `conts.rs` for the protocol):
//! what compiled code's inline suspend leaves to it (a handler beyond the
//! running entry, no handler, long payloads, a site not yet resolved for the
//! instance) and every `switch`.
//!
//! ```text
//!   suspend: handler (prompt P, clause k) ─▶ detach S..P, S.clause := k,
//!            payload into S ─▶ switch through P.context with word S
//!   switch to T: handler (prompt P) ─▶ detach S..P; args ++ S's handle into T;
//!            attach T (prompt Q), Q gets P's handler table;
//!            Q.context := P.context (the resumer's point moves to Q);
//!            save ours in P.context, load T's old point ─▶ T runs
//!   back at either point: the resume's values are in S's payload (or an
//!            exception is pending: resume_throw)
//! ```

use super::conts::{conts, instance_tags, payload_trap, slots, state_of};
use super::{Call, missing, with_call};
use crate::conts::{Conts, resolve_tag_site};
use crate::entry::Activation;
use crate::sites::TagSite;
use crate::vmruntime::RuntimeState;
use std::ptr::NonNull;
use wasmfx_core::{TagAddr, Trap};
use wasmfx_fibre::{
    ContRecord, ContState, Context, FORWARD_SWITCH, HandlerKind, HandlerMatch, switch,
};

/// The store address of the calling instance's tag `tag`.
fn tag_addr(call: &mut Call<'_>, tag: u32) -> Result<TagAddr, Trap> {
    instance_tags(call)
        .get(tag as usize)
        .copied()
        .ok_or_else(|| missing("tag", tag))
}

/// Allocates an exception of the instance's tag `tag` from `values`.
pub(super) fn new_exception(
    call: &mut Call<'_>,
    tag: u32,
    values: *const u64,
) -> Result<u64, Trap> {
    let addr = tag_addr(call, tag)?;
    let store = call.store();
    let n = store.tag(addr).sig.params.len();
    // SAFETY: compiled code passes the tag's fields.
    let fields: Box<[u64]> = unsafe { std::slice::from_raw_parts(values, n) }.into();
    Ok(u64::from(store.alloc_exn(addr, fields).0) + 1)
}

/// The tag identity of a suspend or switch site for the calling instance.
fn site_tag(call: &Call<'_>, vmctx: usize, site: *mut TagSite) -> Result<u64, Trap> {
    // SAFETY: compiled code passes its leaked site.
    resolve_tag_site(unsafe { &mut *site }, vmctx, instance_tags(call))
}

pub(super) extern "C" fn suspend(
    vmctx: usize,
    site: *mut TagSite,
    values: *mut u64,
    count: u32,
) -> u32 {
    with_call(vmctx, |call| {
        let done = site_tag(call, vmctx, site).and_then(|tag| suspend_in(call, tag, values, count));
        call.status(done)
    })
}

fn suspend_in(call: &mut Call<'_>, tag: u64, values: *mut u64, count: u32) -> Result<(), Trap> {
    let state = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state) };
    let found = (conts_now.chain)
        .find_handler(tag, HandlerKind::Suspend)
        .ok_or(Trap::UnhandledTag(TagAddr(tag as u32)))?;
    check_no_host_frames(conts_now, found.prompt, call.act)?;
    // SAFETY: compiled code passes the tag's `count` params.
    let payload = unsafe { slots(values, count as usize) };
    let captured = suspend_to(conts_now, found, payload, &[])?;
    receive(captured, values);
    Ok(())
}

/// Suspends the segment up to `found`'s prompt to its clause, with the
/// payload `payload` then `more`, and waits there; returns the captured
/// (innermost) record once it is resumed.
#[inline(always)]
pub(super) fn suspend_to(
    conts: &mut Conts,
    found: HandlerMatch,
    payload: &[u64],
    more: &[u64],
) -> Result<NonNull<ContRecord>, Trap> {
    let mut captured = capture(conts, found.prompt)?;
    // SAFETY: the captured record is live and detached.
    let suspender = unsafe { captured.as_mut() };
    suspender.set_clause(found.clause);
    (suspender.set_payload(payload))
        .and_then(|()| suspender.push_payload(more))
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

pub(super) extern "C" fn switch_to(
    vmctx: usize,
    raw: u64,
    site: *mut TagSite,
    values: *mut u64,
    count: u32,
) -> u32 {
    with_call(vmctx, |call| {
        let done =
            site_tag(call, vmctx, site).and_then(|tag| switch_in(call, raw, tag, values, count));
        call.status(done)
    })
}

fn switch_in(
    call: &mut Call<'_>,
    raw: u64,
    tag: u64,
    values: *mut u64,
    count: u32,
) -> Result<(), Trap> {
    // SAFETY: no other reference to the continuations is live.
    let record = unsafe { conts(state_of(call.act)) }.consume(raw)?;
    // SAFETY: compiled code passes `count` argument slots.
    let args = unsafe { slots(values, count as usize) };
    let captured = switch_to_record(call, record, tag, args)?;
    receive(captured, values);
    Ok(())
}

/// A switch to the consumed continuation `record` with `args`: captures
/// the running segment up to the handler of `tag`, runs `record` in its
/// place, and returns the captured record once it is resumed (its payload
/// holds the resume's values).
#[inline(always)]
pub(super) fn switch_to_record(
    call: &mut Call<'_>,
    mut record: NonNull<ContRecord>,
    tag: u64,
    args: &[u64],
) -> Result<NonNull<ContRecord>, Trap> {
    let state: *mut RuntimeState = state_of(call.act);
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state) };
    let found = (conts_now.chain)
        .find_handler(tag, HandlerKind::Switch)
        .ok_or(Trap::UnhandledTag(TagAddr(tag as u32)))?;
    check_no_host_frames(conts_now, found.prompt, call.act)?;
    if forwards(found) {
        return forward_switch(conts_now, found, record, tag, args);
    }
    super::mixed::adopt_parked(conts_now, record)?;
    let mut prompt = found.prompt;
    let captured = capture(conts_now, prompt)?;
    let handle = conts_now.handle(captured)?;
    // SAFETY: the target is a detached record of the table (just consumed).
    let target = unsafe { record.as_mut() };
    target.push_payload(args).map_err(payload_trap)?;
    target.push_payload(&[handle]).map_err(payload_trap)?;
    conts_now.ensure_stack(record, super::conts::run_fibre_entry())?;
    let fresh = target.state() == ContState::Fresh;
    target.set_state(ContState::Running);
    // SAFETY: a detached record, kept live while attached; both prompts are
    // live records, and the handler table's tags live as long as the Jit.
    unsafe {
        let mut target_prompt = conts_now.chain.attach(record, true);
        target_prompt
            .as_mut()
            .set_handlers(prompt.as_ref().handlers());
        // The resumer's point moves from the old prompt's context to the
        // target's; the target's own point is read into `load` first, and
        // ours is saved in the old prompt's context (the captured segment's
        // resume point). The runtime state is live.
        let load: Context = *target_prompt.as_mut().context_ptr();
        *target_prompt.as_mut().context_ptr() = *prompt.as_mut().context_ptr();
        (*state).vm.stack_limit = target.stack_limit();
        // A fresh start takes its record; a suspended point gets 0, which
        // makes compiled suspend points check for a pending exception
        // (conts_fast.rs `resumed`).
        let word = if fresh { record.as_ptr() as u64 } else { 0 };
        switch(prompt.as_mut().context_ptr(), &raw const load, word);
    }
    Ok(captured)
}

/// Whether a switch's handler search stopped at a prompt that forwards
/// switches to its Rust resumer ([`FORWARD_SWITCH`]).
fn forwards(found: HandlerMatch) -> bool {
    // SAFETY: the search found the prompt on the chain, with its table.
    let table = unsafe { found.prompt.as_ref().handlers() };
    // SAFETY: set_handlers' contract: `len` valid tags while installed.
    unsafe { *table.tags.add(found.clause as usize) == FORWARD_SWITCH }
}

/// A switch to `record` (consumed) that reached a forwarding prompt: the
/// segment up to it suspends as for a suspend to that clause, its payload
/// the switch's arguments, a new handle of the target and the tag
/// (`host_resume.rs` reads them); the resumer switches on its own terms.
/// Returns the captured record once it is resumed.
fn forward_switch(
    conts: &mut Conts,
    found: HandlerMatch,
    record: NonNull<ContRecord>,
    tag: u64,
    args: &[u64],
) -> Result<NonNull<ContRecord>, Trap> {
    let target = conts.handle(record)?;
    suspend_to(conts, found, args, &[target, tag])
}

/// Detaches the segment from the innermost record up to `prompt`; returns
/// the captured (innermost) record, now suspended.
pub(super) fn capture(
    conts: &mut Conts,
    prompt: NonNull<ContRecord>,
) -> Result<NonNull<ContRecord>, Trap> {
    // SAFETY: `prompt` is on the chain (the handler search found it there).
    let mut captured = unsafe { conts.chain.detach(prompt) }
        .ok_or_else(|| Trap::Host("no continuation is running".into()))?;
    // SAFETY: records of the detached segment are live.
    unsafe { captured.as_mut().set_state(ContState::Suspended) };
    Ok(captured)
}

/// A suspend may not capture a host entry (compiled code → host or
/// interpreter → compiled code): its activation would outlive the switch.
pub(super) fn check_no_host_frames(
    conts: &mut Conts,
    prompt: NonNull<ContRecord>,
    act: *mut Activation,
) -> Result<(), Trap> {
    let at = act as usize;
    // An activation on the thread's own stack lies on no fibre's: nothing
    // to walk (the walk made every suspension through the runtime cost the
    // depth of the chain: `cont_deep_1000`'s start-up under `dyn`).
    let thread_stack = crate::stack::thread_stack_bounds();
    if thread_stack.is_some_and(|(low, high)| (low..high).contains(&at)) {
        return Ok(());
    }
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

/// Back at a suspend or switch point: takes the resume's values from the
/// captured record's payload into `values` (after a `resume_throw` the
/// exception is pending instead, and compiled code raises it).
fn receive(mut captured: NonNull<ContRecord>, values: *mut u64) {
    // SAFETY: the record runs again (it was resumed); only this frame uses
    // its payload now.
    let target = unsafe { captured.as_mut() };
    let payload = target.payload();
    // SAFETY: the payload holds the values of the suspend's or switch's
    // result types, for which compiled code made room.
    unsafe { slots(values, payload.len()) }.copy_from_slice(payload);
    target.clear_payload();
}
