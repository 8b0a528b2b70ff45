//! Continuations whose frames are native, met by interpreted code: a
//! `resume`, `resume_throw` or `switch` of a continuation that compiled
//! code suspended (or a fresh one of a compiled function), and a call of a
//! compiled function inside an interpreted continuation. The tiering runs
//! them in compiled code's way ([`Tiering::resume_native`]) and reports how
//! they came back:
//!
//! ```text
//!   interpreted frame at instruction I (a resume at site S, or a call)
//!     resume_native(record, values | exception, tags: S's suspend clauses,
//!                   then every tag of the store, then S's switch clauses,
//!                   then FORWARD_SWITCH)
//!       returned ──────────────▶ results pushed after I, as from I
//!       suspended, S's clause ─▶ S's handler label gets payload + contref
//!       suspended, other tag ──▶ forwarded: this frame suspends to that tag
//!                                 (interpreted handlers further out, or out
//!                                 of the interpreter), its registers marking
//!                                 the native continuation (Regs::native);
//!                                 resumed later, I resumes the native
//!                                 continuation again with the values
//!   switched, not to S ───▶ forwarded: this frame switches to that tag's
//!                                 handler with the target and arguments,
//!                                 waiting in the native continuation
//!   exception ─▶ thrown at I     trap ─▶ the trap, native frames in the
//!                                        backtrace first
//! ```
//! Every tag being a suspend clause of the prompt, and its switch clauses
//! ending with `FORWARD_SWITCH` (which stops every switch), a suspension
//! from compiled code stops there, so no interpreter frame is ever between
//! a suspend or switch and its handler on the native stack.
//!
//! An interpreted continuation goes the same way when its running frame
//! reaches a hot loop whose OSR entry is ready (`cont_to_native`):
//!
//! ```text
//!   Link L (resumer R at resume site S) runs continuation C, frame F of C
//!   at loop header H:  C's frames parked in L's record (F at H again),
//!   R resume_native's the record under S's table; compiled code adopts it
//!   (a fibre stack whose first frame runs the parked frames), and at H the
//!   interpreter there hands F to its OSR entry (`outward.rs`)
//! ```

use super::cont_transfer::{load_regs, regs_of};
use super::{Executor, Resumption, State};
use crate::cache::Callee;
use crate::cont::{Captured, ContTable, Regs};
use crate::op::Op;
use crate::tiering::NativeOutcome;
use wasmfx_core::{FuncAddr, TagAddr, Trap, raw_results};
use wasmfx_fibre::FORWARD_SWITCH;

/// The instruction a native continuation was resumed by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum NativeKind {
    /// A resume (or resume_throw) at this site of the running code.
    Resume(u32),
    /// A call of a compiled function.
    Call,
}

/// The instruction a frame waiting in a native continuation is at (the op
/// before its pc).
pub(super) fn kind_at(regs: &Regs) -> Result<NativeKind, Trap> {
    match regs.code.ops.get((regs.pc as usize).wrapping_sub(1)) {
        Some(Op::Resume(site) | Op::ResumeThrow(site) | Op::ResumeThrowRef(site)) => {
            Ok(NativeKind::Resume(*site))
        }
        Some(
            Op::Call(_)
            | Op::CallIndirect { .. }
            | Op::CallRef
            | Op::ReturnCall(_)
            | Op::ReturnCallIndirect { .. }
            | Op::ReturnCallRef,
        ) => Ok(NativeKind::Call),
        other => Err(Trap::Host(format!(
            "a native continuation waits at {other:?}, not a resume or a call"
        ))),
    }
}

impl Executor<'_> {
    /// Whether continuation record `index` (just consumed) runs natively:
    /// compiled code suspended it, or it is fresh and its function runs
    /// compiled code.
    /// A fresh continuation's start counts as a call of its function
    /// toward the tier-up budget.
    pub(super) fn runs_natively(&mut self, index: u32) -> Result<bool, Trap> {
        let (native, func) = ContTable::native_state(&self.store.conts, index)?;
        if native {
            return Ok(true);
        }
        if !ContTable::is_fresh(&self.store.conts, index) {
            return Ok(false);
        }
        if let Ok(Callee::Hot(code)) = self.interp.codes.get(self.store, func) {
            self.interp.hot(self.store, &code, None, self.tiering);
        }
        if !self.interp.codes.is_compiled(func) && self.tiering.compile_at_start(self.store, func) {
            self.interp.codes.mark_compiled(func);
        }
        Ok(self.tiering.runs_natively(self.store, func)
            && !self.tiering.starts_as_heap_frames(func))
    }

    /// Runs continuation record `index` natively for the instruction before
    /// `state.pc` (see the module doc); `state.sp` is where its results go.
    pub(super) fn native_resume(
        &mut self,
        state: &mut State,
        kind: NativeKind,
        index: u32,
        resumption: Resumption<'_>,
    ) -> Result<(), Trap> {
        let code = state.code.clone();
        let site = match kind {
            NativeKind::Resume(site) => Some(
                code.cont_sites
                    .get(site as usize)
                    .ok_or_else(|| Trap::Host(format!("no stack-switching site {site}")))?,
            ),
            NativeKind::Call => None,
        };
        let clauses = site.map_or(&[][..], |s| &s.clauses[..]);
        let mut tags = std::mem::take(&mut self.interp.native_tags);
        tags.clear();
        tags.extend(
            (clauses.iter())
                .filter(|c| c.kind != crate::cont::site::ClauseKind::Switch)
                .map(|c| u64::from(c.tag.0)),
        );
        let own = tags.len();
        tags.extend((0..self.store.tags.len()).map(|t| t as u64));
        let first_switch = tags.len() as u32;
        tags.extend(
            (clauses.iter())
                .filter(|c| c.kind == crate::cont::site::ClauseKind::Switch)
                .map(|c| u64::from(c.tag.0)),
        );
        tags.push(FORWARD_SWITCH);
        self.interp.expose(&self.stack.values, Some(&self.chain));
        let outcome = (self.tiering).resume_native(
            self.store,
            index,
            resumption,
            &tags,
            first_switch,
            self.interp,
        );
        self.interp.unexpose();
        let clause_tag = match &outcome {
            Ok(NativeOutcome::Suspended { clause, .. }) => tags.get(*clause as usize).copied(),
            _ => None,
        };
        self.interp.native_tags = tags;
        let (clause, payload, handle) = match outcome {
            Ok(NativeOutcome::Returned(results)) => {
                let at = state.sp;
                let end = at + results.len();
                self.stack
                    .reserve(end, self.interp.config.max_value_stack)?;
                self.stack.values[at..end].copy_from_slice(&results);
                state.sp = end;
                return Ok(());
            }
            Ok(NativeOutcome::Suspended {
                clause,
                payload,
                handle,
            }) => (clause as usize, payload, handle),
            Ok(NativeOutcome::Switched {
                tag,
                args,
                target,
                handle,
            }) => {
                // This frame switches, waiting in the native continuation.
                let captured = self.interp.conts.consume(&mut self.store.conts, handle)?;
                let at = state.sp;
                let n = args.len();
                self.stack
                    .reserve(at + n + 1, self.interp.config.max_value_stack)?;
                self.stack.values[at..at + n].copy_from_slice(&args);
                self.stack.values[at + n] = target;
                state.sp = at + n + 1;
                let waited_in = ContTable::waiter_handle(&self.store.conts, captured)?;
                return self.switch_to_tag(state, TagAddr(tag), n, waited_in);
            }
            Err(Trap::UncaughtException(exn)) => {
                self.interp.exception_from_compiled(exn, self.tiering);
                let pc = state.pc - 1;
                return self.throw_through_chain(state, exn, pc);
            }
            Err(trap) => {
                self.interp.inner_trap_frames = self.tiering.trapped_frames();
                self.interp.inner_replaced_frame = false;
                return Err(trap);
            }
        };
        let tag = TagAddr(clause_tag.ok_or_else(|| bad_clause(clause))? as u32);
        let n = payload.len();
        match site
            .and_then(|s| s.suspend_target(tag))
            .filter(|_| clause < own)
        {
            Some((target, height)) => {
                let at = state.base + height as usize;
                self.stack
                    .reserve(at + n + 1, self.interp.config.max_value_stack)?;
                self.stack.values[at..at + n].copy_from_slice(&payload);
                self.stack.values[at + n] = handle;
                state.pc = target as usize;
                state.sp = at + n + 1;
                Ok(())
            }
            None => {
                // Forwarded: this frame suspends, waiting in the native
                // continuation.
                let captured = self.interp.conts.consume(&mut self.store.conts, handle)?;
                let at = state.sp;
                self.stack
                    .reserve(at + n, self.interp.config.max_value_stack)?;
                self.stack.values[at..at + n].copy_from_slice(&payload);
                state.sp = at + n;
                let waited_in = ContTable::waiter_handle(&self.store.conts, captured)?;
                self.suspend(state, tag, waited_in)
            }
        }
    }

    /// The running frame, in the innermost continuation, is at a hot loop
    /// whose OSR entry is ready: the continuation moves to compiled code.
    /// Its frames are parked, the loop header to run again, and its
    /// resumer resumes it natively (the module doc's last picture):
    /// compiled code runs the frames on a stack of their own, where the loop
    /// header hands the frame to its OSR entry (`outward.rs`). From then on
    /// the continuation is native, its suspensions and switches native ones.
    pub(super) fn cont_to_native(&mut self, state: &mut State) -> Result<(), Trap> {
        let Some(link) = self.chain.pop() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let mut top = regs_of(state, state.sp);
        top.pc -= 1;
        let mut frames = link.parent;
        std::mem::swap(self.stack, &mut frames);
        let body = Captured {
            stack: frames,
            top,
            links: None,
        };
        let handle = (self.interp.conts).park(&mut self.store.conts, link.record, body)?;
        let index = self.interp.conts.consume(&mut self.store.conts, handle)?;
        load_regs(state, link.regs);
        let kind = NativeKind::Resume(link.site);
        self.native_resume(state, kind, index, Resumption::Values(&[]))
    }

    /// Calls compiled `func` as a native continuation of its own (inside
    /// an interpreted continuation, where a suspension in compiled code
    /// must come back here): its arguments are on top of the stack.
    pub(super) fn native_call(&mut self, state: &mut State, func: FuncAddr) -> Result<(), Trap> {
        let params = self.store.funcs[func.0 as usize].sig.params.len();
        let raw = self.interp.conts.create(&mut self.store.conts, func)?;
        let index = self.interp.conts.consume(&mut self.store.conts, raw)?;
        let start = state.sp - params;
        let args = raw_results(&self.stack.values[start..state.sp]);
        state.sp = start;
        self.native_resume(state, NativeKind::Call, index, Resumption::Values(&args))
    }
}

fn bad_clause(clause: usize) -> Trap {
    Trap::Host(format!("native continuation came back at clause {clause}"))
}
