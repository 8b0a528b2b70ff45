//! Running continuation records on native stacks from Rust: [`start`],
//! [`resume`], [`suspend`], and the entry trampoline of Rust fibre bodies.
//!
//! ```text
//!   host / parent stack                       fibre stack of `record`
//!   resume(chain, record, w)
//!     attach record (prompt = its segment's outermost record P)
//!     switch through P.context ──── w ───────▶ (fresh: fibre_main(record) → entry(record))
//!                                               … suspend(P, w2)
//!     ◀──────────────────────────── w2 ──────── switch through P.context
//!     detach up to P; the innermost record is Suspended
//!     Ok(Suspended { captured, word: w2 })
//!                                               entry returns w3: state = Returned,
//!     ◀──────────────────────────── w3 ──────── last switch through record.context
//!     Ok(Returned { word: w3 })
//! ```
//!
//! The first switch into a fresh record carries the record's address (the
//! trampoline's argument), not the resumer's word; values go through the
//! record's payload area. Compiled code follows the same rules with
//! `stack_switch` through the same contexts, so either side may be Rust.
//! Keeping the compiled-code stack limit in step with the running stack
//! is the caller's job (`ContRecord::stack_limit`).

use crate::chain::StackChain;
use crate::context::switch;
use crate::record::{ContRecord, ContState, FibreEntry};
use crate::stack::FibreStack;
use std::fmt;
use std::ptr::NonNull;

/// How a resume came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A suspend to the resumed segment's prompt; `captured` is the
    /// innermost record of what was suspended (now `Suspended`).
    Suspended {
        captured: NonNull<ContRecord>,
        word: u64,
    },
    /// The record's body returned; it can only be released now.
    Returned { word: u64 },
}

/// Why a record cannot be resumed natively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResumeError {
    /// It is running or has returned.
    NotResumable(ContState),
    /// It has no native stack to switch to.
    NoStack,
}

impl fmt::Display for ResumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResumeError::NotResumable(state) => write!(f, "continuation is {state:?}"),
            ResumeError::NoStack => f.write_str("continuation has no native stack"),
        }
    }
}

impl std::error::Error for ResumeError {}

/// Prepares a fresh record to run `entry(record)` on `stack` when first
/// resumed.
///
/// # Errors
/// Hands `stack` back when the record is not fresh or has a stack already.
pub fn start(
    record: &mut ContRecord,
    stack: FibreStack,
    entry: FibreEntry,
) -> Result<(), FibreStack> {
    record.install_stack(stack, fibre_main as *const () as usize, Some(entry))
}

/// The address a fresh context of [`start`] begins at (`fibre_main`), for
/// code that restarts a record on the stack it keeps
/// ([`ContRecord::restart`]).
pub fn start_address() -> usize {
    fibre_main as *const () as usize
}

/// The first code on a stack prepared by [`start`]: runs the record's entry,
/// marks it returned and switches to its resumer for the last time.
extern "C" fn fibre_main(record: u64) -> ! {
    let record = record as *mut ContRecord;
    // SAFETY: the first switch into a fresh record carries its address
    // (`resume`, or compiled code following the same rule); the record
    // stays live while it runs.
    unsafe {
        let word = match (*record).entry() {
            Some(entry) => entry(record),
            None => 0,
        };
        (*record).set_state(ContState::Returned);
        // While the record runs its context holds its resumer's point.
        let context = (*record).context_ptr();
        switch(context, context, word);
    }
    // Nobody resumes a returned record (`resume` refuses it); reaching this
    // means the record's memory was corrupted.
    std::process::abort()
}

/// Runs `record` (fresh or suspended, with a native stack) until a suspend
/// to its segment's prompt or its return. `word` is passed to its suspend
/// point (a fresh record gets its own address instead).
///
/// # Errors
/// [`ResumeError`] when the record is not resumable; nothing ran.
///
/// # Safety
/// `record` must be a live, detached record of an arena, and `chain` point
/// at the chain of the running thread. The chain is a raw pointer because
/// the code the switch runs (the fibre, a nested resume) changes the same
/// chain: no Rust reference to it may live across the switch, or the
/// compiler may assume it unchanged. Consuming the continuation reference is the
/// caller's job.
#[inline]
pub unsafe fn resume(
    chain: *mut StackChain,
    mut record: NonNull<ContRecord>,
    word: u64,
) -> Result<Outcome, ResumeError> {
    // SAFETY: the caller promises a live record.
    let target = unsafe { record.as_mut() };
    let state = target.state();
    let word = match state {
        ContState::Fresh if target.has_stack() => record.as_ptr() as u64,
        ContState::Fresh => return Err(ResumeError::NoStack),
        ContState::Suspended => word,
        ContState::Running | ContState::Returned | ContState::Parked | ContState::Free => {
            return Err(ResumeError::NotResumable(state));
        }
    };
    target.set_state(ContState::Running);
    // SAFETY: a detached record with its segment intact (the caller's
    // promise); it stays live while attached.
    let mut prompt = unsafe { (*chain).attach(record, true) };
    // SAFETY: the prompt's context holds the segment's resume point (or a
    // fresh start); it receives ours, which the segment switches back to.
    let back = unsafe {
        let context = prompt.as_mut().context_ptr();
        switch(context, context, word)
    };
    // SAFETY: the prompt is still on the chain: only we take it off.
    let Some(mut captured) = (unsafe { (*chain).detach(prompt) }) else {
        return Ok(Outcome::Returned { word: back });
    };
    // SAFETY: records of the detached segment are live.
    let captured_record = unsafe { captured.as_mut() };
    if captured_record.state() == ContState::Returned {
        return Ok(Outcome::Returned { word: back });
    }
    captured_record.set_state(ContState::Suspended);
    Ok(Outcome::Suspended {
        captured,
        word: back,
    })
}

/// Suspends the running segment up to `prompt` (a record of the running
/// segment, often the running record itself): switches to `prompt`'s
/// resumer with `word` and returns the word of the resume that continues it.
///
/// # Safety
/// Must run on the native stack of a record of `prompt`'s segment, while
/// `prompt` is on the chain (it is running).
#[inline]
pub unsafe fn suspend(mut prompt: NonNull<ContRecord>, word: u64) -> u64 {
    // SAFETY: a running prompt's context holds its resumer's point; our
    // point goes into the same slot for the next resume.
    unsafe {
        let context = prompt.as_mut().context_ptr();
        switch(context, context, word)
    }
}
