//! Resuming a continuation from Rust code — the interpreter resuming,
//! switching to or `resume_throw`ing a continuation whose frames are native
//! (compiled code suspended it), running a compiled function inside one of
//! its own continuations, or handing one of its continuations to compiled
//! code (a parked one, adopted: its hot frame goes to an OSR entry). The
//! resume is compiled code's (`conts.rs`), made from a host entry so that a
//! trap unwinds to it:
//!
//! ```text
//!   Jit::resume_from_host(record, values | exception, tags, first_switch)
//!     enter_code(trampoline = host_resume_entry, code = &ResumeCtx)
//!       host_resume_entry (Rust, under the new activation):
//!         attach the record, handlers on its prompt, switch ──▶ it runs
//!         ◀── returned: results            ◀── suspended: clause, payload,
//!                                                          new handle
//!     ─▶ HostOutcome, or the trap that unwound to the entry
//! ```
//! The interpreter passes every tag of the store among the suspend clauses
//! (its own clauses first), and ends the switch clauses with
//! [`FORWARD_SWITCH`]: a suspension or switch from compiled code never
//! looks past this prompt, so it never has to cross the interpreter's Rust
//! frames. A suspend clause past the interpreter's own is a suspension its
//! caller forwards to handlers further out; a forwarded switch comes back
//! as [`HostOutcome::Switched`], for the caller to switch on its own terms.

use super::conts::{conts, payload_trap, state_of};
use super::start::run_fibre_entry;
use crate::entry;
use crate::{Fallback, Jit};
use std::ptr::NonNull;
use wasmfx_core::{ExnAddr, RawPayload, RawResults, Store, Trap, raw_payload, raw_results};
#[cfg(doc)]
use wasmfx_fibre::FORWARD_SWITCH;
use wasmfx_fibre::{ContRecord, ContState, HandlerTable, switch_to_compiled};

/// What the resumed continuation receives.
#[derive(Debug, Clone, Copy)]
pub enum HostResumption<'a> {
    /// The suspend's results (a fresh continuation: its arguments), after
    /// the values bound to it.
    Values(&'a [u64]),
    /// An exception raised at the suspension point.
    Throw(ExnAddr),
}

/// How a continuation resumed from Rust came back. Its tag is a whole
/// word: with a 4-byte one, copies of the outcome (it passes through
/// several frames) went in 16-byte pieces that began 4 bytes in, and
/// reading its 8-byte fields across two such stores waited for both to
/// reach the cache (`perf annotate` of the interp -> jit suspend round trip
/// of `tier_crossing`: 20% of `resume_native`'s samples).
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(u64)]
pub enum HostOutcome {
    /// Its function returned these results (raw slots).
    Returned(RawResults),
    /// It suspended to suspend clause `clause` of the given tags, with this
    /// payload; `handle` names the suspended continuation.
    Suspended {
        clause: u32,
        payload: RawPayload,
        handle: u64,
    },
    /// It switched to a tag that none of the table's own switch clauses
    /// handles (the table ends with [`FORWARD_SWITCH`]): the resumer
    /// switches to `target` with `args` itself, and hands it `handle`, the
    /// switching continuation.
    Switched {
        tag: u64,
        args: RawPayload,
        target: u64,
        handle: u64,
    },
}

/// The resume's inputs and outcome, shared with [`host_resume_entry`].
struct ResumeCtx {
    record: NonNull<ContRecord>,
    throw: u64,
    args: *const u64,
    nargs: usize,
    tags: *const u64,
    len: u32,
    first_switch: u32,
    outcome: Option<Result<HostOutcome, Trap>>,
}

impl Jit {
    /// Resumes continuation record `index` (consumed by the caller, not
    /// running) with `resumption` under a handler table of `tags` (suspend
    /// clauses before `first_switch`, switch clauses after), until it
    /// returns or suspends to one of its suspend clauses.
    ///
    /// # Errors
    /// The trap that ended it; [`Trap::UncaughtException`] for an
    /// exception that left it.
    #[inline(always)]
    pub fn resume_from_host(
        &mut self,
        store: &mut Store,
        index: u32,
        resumption: HostResumption<'_>,
        tags: &[u64],
        first_switch: u32,
        fallback: &mut Fallback<'_>,
    ) -> Result<HostOutcome, Trap> {
        self.state.use_store(store);
        let record = self.state.conts.record(index)?;
        let (args, throw): (&[u64], u64) = match resumption {
            HostResumption::Values(values) => (values, 0),
            HostResumption::Throw(exn) => (&[], u64::from(exn.0) + 1),
        };
        let len = u32::try_from(tags.len()).map_err(|_| Trap::Host("too many tags".into()))?;
        let mut ctx = ResumeCtx {
            record,
            throw,
            args: args.as_ptr(),
            nargs: args.len(),
            tags: tags.as_ptr(),
            len,
            first_switch,
            outcome: None,
        };
        let code = &raw mut ctx as usize;
        let entry = host_resume_entry as *const () as usize;
        // SAFETY: the "trampoline" is a Rust function of the trampoline's
        // ABI that reads `code` as the ResumeCtx, which lives until `enter`
        // returns; it uses no vmctx and no values.
        unsafe { self.enter_code(store, entry, code, 0, &mut [], fallback)? };
        ctx.outcome.take().unwrap_or_else(|| {
            Err(Trap::Host(
                "continuation came back without an outcome".into(),
            ))
        })
    }
}

/// The body of the host entry of [`Jit::resume_from_host`]: compiled code's
/// resume, from Rust. Across the switch it holds raw pointers only (a trap
/// in the continuation skips this frame).
unsafe extern "C" fn host_resume_entry(ctx: usize, _vmctx: usize, _values: *mut u64) {
    // SAFETY: `resume_from_host` passes its live ResumeCtx.
    let ctx = unsafe { &mut *(ctx as *mut ResumeCtx) };
    // SAFETY: as above; the tags and arguments outlive the call.
    let outcome = unsafe { resume(ctx) };
    ctx.outcome = Some(outcome);
}

/// See [`host_resume_entry`].
///
/// # Safety
/// Runs under the activation `resume_from_host` entered, with `ctx`'s
/// pointers valid.
unsafe fn resume(ctx: &mut ResumeCtx) -> Result<HostOutcome, Trap> {
    let act = entry::current();
    let state = state_of(act);
    let mut record = ctx.record;
    // SAFETY: no other reference to the continuations is live.
    let conts_now = unsafe { conts(state) };
    // SAFETY: the record is live and detached (consumed by the caller).
    let target = unsafe { record.as_mut() };
    let fresh = target.state() == ContState::Fresh;
    // Heap frames the interpreter parked run on a fibre stack of their own
    // (`mixed.rs`): fresh to the switch, not to the exception.
    let adopted = super::mixed::adopt_parked(conts_now, record)?;
    if ctx.throw != 0 && fresh {
        // Nothing ran: the exception leaves the resume at once.
        // SAFETY: a fresh record is off the chain and has no frames.
        unsafe { conts_now.release(record) };
        return Err(Trap::UncaughtException(ExnAddr((ctx.throw - 1) as u32)));
    }
    if ctx.throw == 0 && ctx.nargs > 0 {
        // SAFETY: the caller's arguments.
        let args = unsafe { std::slice::from_raw_parts(ctx.args, ctx.nargs) };
        target.push_payload(args).map_err(payload_trap)?;
    } else if ctx.throw != 0 {
        target.clear_payload();
    }
    super::check_depth(conts_now)?;
    conts_now.ensure_stack(record, run_fibre_entry())?;
    target.set_state(ContState::Running);
    // SAFETY: a detached record of the table, kept live while attached.
    let mut prompt = unsafe { conts_now.chain.attach(record, true) };
    let table = HandlerTable {
        tags: ctx.tags,
        len: ctx.len,
        first_switch: ctx.first_switch,
    };
    // SAFETY: the tags outlive the resume (the caller keeps them).
    unsafe { prompt.as_mut().set_handlers(table) };
    let limit = target.stack_limit();
    // A fresh start takes its record; a suspended point gets 0, which
    // makes compiled suspend points check for a pending exception
    // (conts_fast.rs `resumed`).
    let word = if fresh || adopted {
        record.as_ptr() as u64
    } else {
        0
    };
    // SAFETY: `state` is the live runtime state; the prompt's context holds
    // the segment's resume point (or its fresh start), and receives ours.
    let back = unsafe {
        if ctx.throw != 0 {
            (*state).vm.pending_exn = ctx.throw;
        }
        let saved_limit = std::mem::replace(&mut (*state).vm.stack_limit, limit);
        let saved_act = entry::current();
        let context = prompt.as_mut().context_ptr();
        let back = switch_to_compiled(context, context, word);
        entry::set_current(saved_act);
        (*state).vm.stack_limit = saved_limit;
        back
    };
    // SAFETY: the switch is over; nothing else holds the continuations.
    let conts = unsafe { conts(state) };
    let mut came = NonNull::new(back as *mut ContRecord)
        .ok_or_else(|| Trap::Host("continuation came back without an outcome".into()))?;
    // SAFETY: the word a resumer gets back is a live record of the table.
    let from = unsafe { came.as_mut() };
    // An exception that left the continuation is pending at its resumer.
    // SAFETY: `state` is the live runtime state of this activation.
    let pending = unsafe { std::mem::take(&mut (*state).vm.pending_exn) };
    match from.state() {
        ContState::Returned => {
            let results = raw_results(from.payload());
            // SAFETY: it detached itself and made its last switch.
            unsafe { conts.release_returned(came, run_fibre_entry()) };
            match pending {
                0 => Ok(HostOutcome::Returned(results)),
                exn => Err(Trap::UncaughtException(ExnAddr((exn - 1) as u32))),
            }
        }
        ContState::Suspended => {
            let clause = from.clause();
            let payload = raw_payload(from.payload());
            from.clear_payload();
            let handle = conts.handle(came)?;
            if clause >= ctx.first_switch {
                // Only a forwarding clause ends a resume at a switch.
                let mut payload = payload;
                let (Some(tag), Some(target)) = (payload.pop(), payload.pop()) else {
                    return Err(Trap::Host("a forwarded switch without its target".into()));
                };
                return Ok(HostOutcome::Switched {
                    tag,
                    args: payload,
                    target,
                    handle,
                });
            }
            Ok(HostOutcome::Suspended {
                clause,
                payload,
                handle,
            })
        }
        other => Err(Trap::Host(format!(
            "continuation came back {other:?}, not suspended or returned"
        ))),
    }
}
