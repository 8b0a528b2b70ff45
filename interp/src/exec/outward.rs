//! Suspensions that leave the interpreter: a `suspend` whose handler is not
//! among the activation's own resumes, when the caller allows it (compiled
//! code that called the interpreter, whose prompts may handle the tag).
//!
//! ```text
//!   suspend t (or switch k t), no Link handles t, outward allowed:
//!     running stack + registers + every Link ─▶ a Parked record R
//!     (its func: the activation's root function, whose results end it)
//!     the activation stops with Exit::Suspended { t, payload, R }
//!     (and k's record, consumed: the caller switches to it)
//!   resume_captured(R's frames, values | exception):
//!     the running stack and the Links come back; the values land at the
//!     suspend's result slots (or the exception is raised there)
//! ```
//! The caller does the rest (a native switch to its handler); nothing of
//! the interpreter stays on the native stack while the suspension lasts.
//!
//! The same callers take a frame off the activation's hands when its loop
//! is hot and has an OSR entry (an *OSR hand-off*):
//!
//! ```text
//!   hot loop L in the running frame of f, no continuation of the
//!   activation running (so no handler of the activation's own lies
//!   between the frame and its caller's)
//!     ─▶ Exit::Osr { f, L, frame: locals + operands, rest }
//!        rest: f's callers, parked like a suspended activation (none when
//!        f's frame was the only one)
//!   the caller runs f's OSR entry at L on its own stack, then resumes the
//!   rest with f's results (or f's exception, raised at the call)
//! ```
//! A continuation whose frame is handed off runs compiled code natively from
//! then on, as if compiled code had suspended it.
//!
//! A call of a compiled function from such an activation is handed off the
//! same way (a *call hand-off*), instead of running as a native
//! continuation of its own inside the interpreter:
//!
//! ```text
//!   call g (compiled) in the running frame, no continuation of the
//!   activation running
//!     ─▶ Exit::Osr { g, at_loop: None, frame: g's arguments, rest }
//!        rest: every frame, the caller waiting at its call
//!   the caller runs g's code on its own stack (g's suspensions are native
//!   ones from there), then resumes the rest with g's results
//! ```

use super::cont_transfer::{Entry, load_regs, regs_of};
use super::dispatch::Regs as OpRegs;
use super::entry::{Resumed, run_from};
use super::{Executor, State};
use crate::cont::{Captured, CapturedLinks, ContTable, Regs};
use crate::stack::{ExecStack, Frame, copy_slots};
use crate::{Interpreter, RunMode, Tiering};
use wasmfx_core::{ExnAddr, FuncAddr, RawPayload, Store, TagAddr, Trap, raw_payload};

/// A suspension that left the interpreter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outward {
    pub tag: TagAddr,
    /// The tag's parameters.
    pub payload: RawPayload,
    /// The record holding the suspended activation (`ContState::Parked`).
    pub parked: u32,
    /// For a `switch`: the record of its target (consumed), which the
    /// caller runs in the activation's place under the handler.
    pub switch_target: Option<u32>,
}

/// A frame handed to compiled code: at a hot loop, or a call's callee
/// before it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsrHandoff {
    /// The frame's function.
    pub func: FuncAddr,
    /// The offset of the loop's operator (the key of its OSR entry); `None`
    /// for a call hand-off, which runs the function from its entry.
    pub at_loop: Option<u32>,
    /// The frame's slots: locals, then operands at a loop; the arguments
    /// for a call (at least as many slots as the function has results).
    pub frame: Vec<u64>,
    /// The record holding the frame's callers (`ContState::Parked`), to be
    /// resumed with its results; `None` when it was the only frame.
    pub rest: Option<u32>,
    /// The functions of `rest`'s frames, innermost first (at most
    /// `MAX_REST_FUNCS`), for backtraces of the handed-off code.
    pub rest_funcs: Vec<FuncAddr>,
}

/// The most functions [`OsrHandoff::rest_funcs`] names (as many as a
/// backtrace of compiled code records).
pub const MAX_REST_FUNCS: usize = 256;

/// The functions of `top` and the frames of `stack` under it, innermost
/// first (at most [`MAX_REST_FUNCS`]).
fn funcs_of(top: &Regs, stack: &crate::stack::ExecStack) -> Vec<FuncAddr> {
    let callers = stack.frames.iter().rev().map(|frame| frame.code.func);
    std::iter::once(top.code.func)
        .chain(callers)
        .take(MAX_REST_FUNCS)
        .collect()
}

/// How an activation stopped without a trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Its root function returned; the results are at the root's base.
    Returned,
    Suspended(Outward),
    /// Its frame continues in compiled code (see the module doc); boxed,
    /// being rare and the largest: an exit passes through several calls.
    Osr(Box<OsrHandoff>),
}

/// What a parked activation receives when it runs again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumption<'a> {
    /// The suspend's results.
    Values(&'a [u64]),
    /// An exception raised at the suspend (`resume_throw`).
    Throw(ExnAddr),
}

/// Where an activation that suspends outward parks (see the module doc).
pub(super) struct Parking {
    /// The activation's root function, whose results end it.
    pub root: FuncAddr,
    /// The record to park in (the continuation run in place), or a new one.
    pub into: Option<u32>,
    /// Its running frame's registers, `sp` where the payload started.
    pub top: Regs,
    /// The resumes running inside it.
    pub links: CapturedLinks,
}

impl Parking {
    /// Parks the activation running on `stack` for a suspend (or a switch
    /// to `switch_target`) to `tag` with `payload`: the suspension its
    /// caller gets.
    ///
    /// # Errors
    /// When no record or slot can be had for it.
    pub(super) fn park(
        self,
        interp: &mut Interpreter,
        store: &mut Store,
        stack: &mut ExecStack,
        tag: TagAddr,
        payload: RawPayload,
        switch_target: Option<u32>,
    ) -> Result<Outward, Trap> {
        let captured = Captured {
            stack: std::mem::take(stack),
            top: self.top,
            links: self.links,
        };
        let records = &mut store.conts;
        let parked = match self.into {
            Some(index) => interp.conts.park_at(records, index, self.root, captured)?,
            None => interp.conts.park_new(records, self.root, captured)?,
        };
        Ok(Outward {
            tag,
            payload,
            parked,
            switch_target,
        })
    }
}

/// Whether [`resume_plain`] can run `captured` with `values` slots: an
/// activation that waits in no resume of its own (no links, no native
/// continuation) and whose top frame has room for them. Any other goes
/// through [`Executor::resume_captured`].
#[inline]
pub(crate) fn is_plain(captured: &Captured, values: usize) -> bool {
    captured.links.is_none()
        && captured.top.native == 0
        && captured.stack.values.len() >= captured.top.sp as usize + values
}

/// [`Executor::resume_captured`] with values, of a plain activation
/// ([`is_plain`]): its top frame continues in the op loop (`entry.rs`),
/// with no executor unless the op loop stops for one. Told apart before
/// the call, so that the capture is not returned when it is not plain (a
/// move of the whole capture on every resume).
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn resume_plain(
    interp: &mut Interpreter,
    tiering: &mut dyn Tiering,
    stack: &mut ExecStack,
    store: &mut Store,
    root: FuncAddr,
    captured: Captured,
    values: &[u64],
    mode: RunMode,
) -> Result<Exit, Trap> {
    debug_assert!(is_plain(&captured, values.len()));
    let at = captured.top.sp as usize;
    let Captured {
        stack: parked, top, ..
    } = captured;
    // A stack that held values goes back to the pool rather than to the
    // allocator; one whose parts a park took holds nothing to free (and
    // needs no drop call).
    let left = std::mem::replace(stack, parked);
    match (left.values.capacity(), left.frames.capacity()) {
        (0, 0) => std::mem::forget(left),
        (0, _) => drop(left),
        _ => interp.conts.recycle(left),
    }
    stack.resumptions = stack.resumptions.saturating_add(1);
    copy_slots(&mut stack.values[at..], values);
    let regs = OpRegs {
        pc: top.pc as usize,
        sp: at + values.len(),
        base: top.base as usize,
    };
    let at = Resumed {
        code: top.code,
        regs,
        entry_depth: 0,
    };
    run_from(interp, tiering, stack, store, root, at, mode)
}

impl Executor<'_> {
    /// Parks the whole activation for a suspend (or a switch to
    /// `switch_target`) to `tag` whose `n` values end at `payload_end`; the
    /// instruction's results will go where those values start (see the
    /// module doc). `native` as for [`Executor::suspend`].
    pub(super) fn suspend_outward(
        &mut self,
        state: &mut State,
        tag: TagAddr,
        payload_end: usize,
        n: usize,
        switch_target: Option<u32>,
        native: u64,
    ) -> Result<(), Trap> {
        let payload = raw_payload(&self.stack.values[payload_end - n..payload_end]);
        let mut top = regs_of(state, payload_end - n);
        top.native = native;
        let links = (!self.chain.is_empty()).then(|| Box::new(std::mem::take(&mut self.chain)));
        let parking = Parking {
            root: self.root,
            into: self.mode.park_into.take(),
            top,
            links,
        };
        let stack = &mut *self.stack;
        let outward = parking.park(self.interp, self.store, stack, tag, payload, switch_target)?;
        self.outward = Some(outward);
        Ok(())
    }

    /// Hands the running frame to compiled code at the hot loop whose
    /// operator is at `offset`, parking its callers (see the module doc).
    pub(super) fn hand_off(&mut self, state: &State, offset: u32) -> Result<(), Trap> {
        let end = state.sp.max(state.base + state.code.num_results as usize);
        let frame = self.stack.values[state.base..end].to_vec();
        let mut rest_funcs = Vec::new();
        let rest = match self.stack.frames.pop() {
            None => None,
            Some(caller) => {
                // The caller waits at its call; the results land at the
                // callee's base, as from a return.
                let top = Regs {
                    code: caller.code,
                    pc: caller.pc,
                    sp: state.base as u32,
                    base: caller.base,
                    native: 0,
                };
                rest_funcs = funcs_of(&top, self.stack);
                let captured = Captured {
                    stack: std::mem::take(self.stack),
                    top,
                    links: None,
                };
                let conts = &mut self.store.conts;
                Some(self.interp.conts.park_new(conts, self.root, captured)?)
            }
        };
        self.handoff = Some(Box::new(OsrHandoff {
            func: state.code.func,
            at_loop: Some(offset),
            frame,
            rest,
            rest_funcs,
        }));
        Ok(())
    }

    /// Hands a call of compiled `func` (its arguments on top of the stack,
    /// `state.pc` past the call) to compiled code, parking every frame with
    /// the caller waiting at the call (see the module doc).
    pub(super) fn hand_off_call(&mut self, state: &State, func: FuncAddr) -> Result<(), Trap> {
        let sig = &self.store.funcs[func.0 as usize].sig;
        let (params, results) = (sig.params.len(), sig.results.len());
        let start = state.sp - params;
        let mut frame = self.stack.values[start..state.sp].to_vec();
        frame.resize(params.max(results), 0);
        let top = regs_of(state, start);
        let rest_funcs = funcs_of(&top, self.stack);
        let captured = Captured {
            stack: std::mem::take(self.stack),
            top,
            links: None,
        };
        let conts = &mut self.store.conts;
        let rest = self.interp.conts.park_new(conts, self.root, captured)?;
        self.handoff = Some(Box::new(OsrHandoff {
            func,
            at_loop: None,
            frame,
            rest: Some(rest),
            rest_funcs,
        }));
        Ok(())
    }

    /// Whether the activation stopped for its caller: it suspended out or
    /// handed its frame off.
    pub(super) fn left(&self) -> bool {
        self.outward.is_some() || self.handoff.is_some()
    }

    /// Runs a parked activation again (see the module doc) until it returns,
    /// suspends outward again, or traps.
    ///
    /// # Errors
    /// The trap that stopped it (stacks left as by [`Executor::run`]).
    pub fn resume_captured(
        &mut self,
        captured: Captured,
        resumption: Resumption<'_>,
    ) -> Result<Exit, Trap> {
        self.entry_depth = 0;
        *self.stack = captured.stack;
        self.stack.resumptions = self.stack.resumptions.saturating_add(1);
        if let Some(links) = captured.links {
            self.chain = *links;
        }
        let top = captured.top;
        let mut state = State {
            code: top.code.clone(),
            pc: top.pc as usize,
            sp: top.sp as usize,
            base: top.base as usize,
        };
        let started = match resumption {
            Resumption::Values(values) => {
                self.enter_cont(&mut state, Entry::Suspended(top), values)
            }
            Resumption::Throw(exn) if top.native != 0 => {
                let kind = super::native::kind_at(&top)?;
                let index = ContTable::waited_in(&self.store.conts, top.native)?;
                load_regs(&mut state, top);
                self.native_resume(&mut state, kind, index, Resumption::Throw(exn))
            }
            Resumption::Throw(exn) => {
                let pc = top.pc as usize - 1;
                load_regs(&mut state, top);
                self.throw_through_chain(&mut state, exn, pc)
            }
        };
        // A native continuation the activation waited in may have suspended
        // out again at once.
        let outcome = match self.left() {
            true => started,
            false => started.and_then(|()| self.run_loop(&mut state)),
        };
        self.finish(outcome, state)
    }

    /// The end of an activation: its exit, or its trap after the chain was
    /// unwound and the trapping frame pushed for the backtrace.
    #[inline]
    pub(super) fn finish(&mut self, outcome: Result<(), Trap>, state: State) -> Result<Exit, Trap> {
        match (outcome, self.outward.take()) {
            (Ok(()), Some(outward)) => Ok(Exit::Suspended(outward)),
            (Ok(()), None) => Ok(match self.handoff.take() {
                Some(handoff) => Exit::Osr(handoff),
                None => Exit::Returned,
            }),
            (Err(trap), _) => {
                self.unwind_chain();
                self.stack.frames.push(Frame {
                    code: state.code,
                    pc: state.pc as u32,
                    base: state.base as u32,
                });
                Err(trap)
            }
        }
    }
}
