//! The frame loop: runs the op loop (`dispatch.rs`) and does what it leaves
//! to this loop. The op loop itself calls and returns between Wasm functions
//! (push or pop a heap [`Frame`]); it stops for host calls, tail calls, the
//! call depth limit, the entry function's return, throws, stack-switching
//! ops and what a tiering needs (hot functions, calls of compiled code).
//!
//! ```text
//!   loop { run_ops ─▶ Call      host call, compiled call, hot callee, or
//!                               the depth-limit trap
//!                  ─▶ TailCall  callee takes the caller's frame
//!                  ─▶ HotLoop   the running function's budget is spent
//!                  ─▶ Return    finish at entry depth
//!                  ─▶ Throw, Cont  leave the loop (exceptions, stack switching) }
//! ```

use super::calls::call_host;
use super::dispatch::{Exit, Regs, move_down, run_ops};
use super::{Executor, State, Transfer};
use crate::cache::Callee;
use crate::code::Code;
use crate::op::Op;
use crate::stack::{ExecStack, Frame, push_frame, reserve_slots};
use crate::tiering::{HotLoop, Tiering};
use crate::{Interpreter, RunMode};
use std::rc::Rc;
use wasmfx_core::{FuncAddr, Store, Trap};

/// The frame state the op loop calls and returns with: the running stack's
/// two halves, borrowed apart so the op loop can hold the value stack while
/// it pushes frames.
pub(super) struct Frames<'a> {
    /// The code cache (and, for calls into compiled code, the interpreter
    /// that runs what compiled code calls back).
    pub interp: &'a mut Interpreter,
    pub tiering: &'a mut dyn Tiering,
    pub values: &'a mut Vec<u64>,
    pub frames: &'a mut Vec<Frame>,
    /// The running stack's resumption count (the third part of its
    /// `ExecStack`, which a switch here exchanges whole: `cont_fast.rs`).
    pub resumptions: &'a mut u32,
    /// The resumers waiting on the activation's chain (exposed with
    /// `values` to compiled code's collector during calls to compiled code).
    pub chain: &'a mut crate::cont::LinkChain,
    /// The running function.
    pub current: &'a mut Rc<Code>,
    /// Most value slots the stack may hold.
    pub limit: usize,
    /// Most frames the stack may hold.
    pub max_depth: usize,
    /// Frame depth of the entry function: its return leaves the op loop.
    pub entry_depth: usize,
    /// The root stack's entry depth (`entry_depth` while no continuation
    /// runs; a continuation's stack holds only its own frames: 0).
    pub root_depth: usize,
    /// How the activation runs: with `chain`, what the questions below
    /// answer.
    pub mode: RunMode,
    /// Whether `chain` is the activation's own, so that the op loop may
    /// switch stacks itself (`cont_fast.rs`); not when the op loop runs
    /// before an executor exists (`entry.rs`), whose stop makes one.
    pub switches: bool,
    /// The tiering's answer to [`Frames::native_calls`] while the running
    /// stack stays, once asked.
    pub calls_compiled: Option<bool>,
}

/// Loop-header events after which a frame that found an OSR entry it could
/// not enter asks again (it may be resumed where it can hand off).
const OSR_RETRY_AFTER: u32 = 1024;

/// What the frame loop does for a call the op loop left to it.
pub(super) enum Action {
    /// Continue in the op loop (a host or compiled call is done, or the
    /// callee's frame is set up).
    Continue,
    /// The running function finished by a tail call: return its results.
    Return,
    /// The compiled callee threw this exception.
    Throw(wasmfx_core::ExnAddr),
    /// Call compiled `func` as a native continuation (leaves the op loop).
    NativeCall(FuncAddr),
    /// Hand the running frame to compiled code at the loop whose operator
    /// is at this offset (leaves the op loop).
    OsrHandoff(u32),
    /// Hand a call of compiled `func` to compiled code (leaves the op loop).
    CallHandoff(FuncAddr),
    /// Hand the running continuation to compiled code, its frame at a hot
    /// loop with an OSR entry (leaves the op loop).
    ContOsr,
}

impl Executor<'_> {
    /// Runs from `state` until the entry function (at frame depth
    /// `entry_depth`) returns or an exception is thrown.
    ///
    /// # Errors
    /// The trap that stopped execution.
    pub(super) fn dispatch(&mut self, state: &mut State) -> Result<Transfer, Trap> {
        let store = &mut *self.store;
        // The running function lives in `state.code` (not a local), so that
        // after a trap it still names the function that trapped.
        let mut ctx = Frames::new(
            &mut *self.interp,
            &mut *self.tiering,
            &mut *self.stack,
            &mut self.chain,
            &mut state.code,
            self.entry_depth,
            self.mode,
        );
        let mut regs = Regs {
            pc: state.pc,
            sp: state.sp,
            base: state.base,
        };
        let mut pending = self.pending.take();
        let transfer = loop {
            let exit = match pending.take() {
                Some(exit) => exit,
                None => run_ops(store, &mut ctx, &mut regs)?,
            };
            let action = match exit {
                Exit::Call(func) => ctx.call(store, &mut regs, func, false)?,
                Exit::TailCall(func) => ctx.call(store, &mut regs, func, true)?,
                Exit::Return => Action::Return,
                Exit::Throw(exn) => {
                    let pc = regs.pc - 1;
                    break Transfer::Throw { exn, pc };
                }
                Exit::Cont => break Transfer::Cont(ctx.current.ops[regs.pc - 1]),
                Exit::HotLoop => ctx.hot_loop(store, &mut regs)?,
            };
            match action {
                Action::Continue => {}
                Action::Throw(exn) => {
                    let pc = regs.pc - 1;
                    break Transfer::Throw { exn, pc };
                }
                Action::NativeCall(func) => break Transfer::NativeCall(func),
                Action::OsrHandoff(offset) => break Transfer::OsrHandoff(offset),
                Action::CallHandoff(func) => break Transfer::CallHandoff(func),
                Action::ContOsr => break Transfer::ContOsr,
                // Returns the top `num_results` values to the caller.
                Action::Return => {
                    let n = ctx.current.num_results as usize;
                    move_down(ctx.values, regs.sp - n, regs.base, n);
                    regs.sp = regs.base + n;
                    if ctx.frames.len() <= ctx.entry_depth {
                        if ctx.chain.is_empty() {
                            break Transfer::Finished;
                        }
                        // A continuation returns to its resumer.
                        ctx.fast_return(store, &mut regs)?;
                        continue;
                    }
                    match ctx.frames.pop() {
                        Some(frame) => {
                            *ctx.current = frame.code;
                            regs.pc = frame.pc as usize;
                            regs.base = frame.base as usize;
                        }
                        None => break Transfer::Finished,
                    }
                }
            }
        };
        state.pc = regs.pc;
        state.sp = regs.sp;
        state.base = regs.base;
        Ok(transfer)
    }
}

impl<'a> Frames<'a> {
    /// The frame state of an activation's dispatch: its running `stack`,
    /// its `chain` of resumers, the running function `current`, the root
    /// stack's entry depth, and how it runs ([`RunMode`]).
    pub(super) fn new(
        interp: &'a mut Interpreter,
        tiering: &'a mut dyn Tiering,
        stack: &'a mut ExecStack,
        chain: &'a mut crate::cont::LinkChain,
        current: &'a mut Rc<Code>,
        root_depth: usize,
        mode: RunMode,
    ) -> Frames<'a> {
        let ExecStack {
            values,
            frames,
            resumptions,
        } = stack;
        let mut ctx = Frames {
            limit: interp.config.max_value_stack,
            max_depth: interp.config.max_call_depth,
            interp,
            tiering,
            values,
            frames,
            resumptions,
            chain,
            current,
            entry_depth: root_depth,
            root_depth,
            mode,
            switches: true,
            calls_compiled: None,
        };
        ctx.chain_changed();
        ctx
    }

    /// Sets what depends on whether a continuation runs again (after a
    /// switch here, or at the start).
    #[inline]
    pub(super) fn chain_changed(&mut self) {
        self.entry_depth = match self.chain.is_empty() {
            true => self.root_depth,
            false => 0,
        };
        self.calls_compiled = None;
    }

    /// Whether the root stack runs (no continuation of the activation, not
    /// run in place): calls may enter compiled code from here when the
    /// tiering allows it ([`Frames::native_calls`]).
    fn root_stack(&self) -> bool {
        self.chain.is_empty() && !self.mode.in_place
    }

    /// Whether the running frame may be handed to compiled code at a hot
    /// loop (`outward.rs`): the activation's caller is compiled code's
    /// runtime and no continuation of the activation runs.
    fn osr_handoff(&self) -> bool {
        self.root_stack() && self.mode.suspends_out
    }

    /// Whether calls of compiled code that may suspend may run as native
    /// continuations (not in an activation run in place: `RunMode::in_place`).
    fn native_conts(&self) -> bool {
        !self.mode.in_place
    }

    /// Whether the running frame is in a continuation of the activation
    /// (not run in place), which may go to compiled code at a hot loop
    /// (`native.rs`).
    fn cont_osr(&self) -> bool {
        !self.chain.is_empty() && !self.mode.in_place
    }

    /// Whether calls may enter compiled code (see `tiering.rs`); asked only
    /// where a call or loop would (the tiering's answer reads thread state).
    pub(super) fn native_calls(&mut self) -> bool {
        let tiering = &*self.tiering;
        let root_stack = self.root_stack();
        *(self.calls_compiled).get_or_insert_with(|| root_stack && tiering.can_call_compiled())
    }

    /// A call the op loop left here: `func`'s arguments are on top of the
    /// stack; `tail` replaces the running function.
    fn call(
        &mut self,
        store: &mut Store,
        regs: &mut Regs,
        func: FuncAddr,
        tail: bool,
    ) -> Result<Action, Trap> {
        // The common way into compiled code first, without its code's Rc.
        if self.interp.codes.is_compiled(func) && self.native_calls() {
            return self.call_compiled(store, regs, func, tail);
        }
        let code = match self.interp.codes.get(store, func)? {
            Callee::Host => {
                let instance = Some(self.current.instance);
                regs.sp = call_host(store, instance, func, self.values, regs.sp)?;
                return Ok(if tail {
                    Action::Return
                } else {
                    Action::Continue
                });
            }
            // The op loop leaves a plain Wasm callee here at its first call
            // (translated just now) or past the depth limit (which
            // `push_frame` checks).
            Callee::Wasm(code) => code,
            Callee::Hot(code) => match self.hot(store, &code) {
                true => return self.call_elsewhere(store, regs, func, tail, code),
                false => code,
            },
            Callee::Compiled(code) => return self.call_elsewhere(store, regs, func, tail, code),
        };
        self.start_frame(regs, code, tail)?;
        Ok(Action::Continue)
    }

    /// A call of `func`, which has compiled code: called in place where
    /// compiled code may be entered or when it never suspends, else handed
    /// off, else run as a native continuation, else (tail calls inside
    /// continuations, activations run in place) its interpreted `code`
    /// runs.
    fn call_elsewhere(
        &mut self,
        store: &mut Store,
        regs: &mut Regs,
        func: FuncAddr,
        tail: bool,
        code: Rc<Code>,
    ) -> Result<Action, Trap> {
        if self.native_calls() || self.tiering.calls_in_place(store, func) {
            return self.call_compiled(store, regs, func, tail);
        }
        if !tail && self.osr_handoff() {
            return Ok(Action::CallHandoff(func));
        }
        // Inside a continuation's heap frames only once it proved
        // long-lived: a native continuation under heap frames makes each of
        // their later resumes a host entry (0.3-0.75 us), which a
        // continuation resumed a few times does not earn back
        // (fiber:sieve 7% faster under dyn).
        if !tail
            && self.native_conts()
            && (self.chain.is_empty() || *self.resumptions >= crate::LONG_LIVED_AFTER)
            && self.tiering.runs_natively(store, func)
        {
            return Ok(Action::NativeCall(func));
        }
        self.start_frame(regs, code, tail)?;
        Ok(Action::Continue)
    }

    /// Starts interpreted `code`: in the running function's frame for a
    /// tail call, else in a frame of its own.
    fn start_frame(&mut self, regs: &mut Regs, code: Rc<Code>, tail: bool) -> Result<(), Trap> {
        if tail {
            self.replace_frame(regs, code)
        } else {
            self.push_frame(regs, code)
        }
    }

    /// [`Interpreter::hot`] at a call: whether `code`'s function now has
    /// compiled code.
    fn hot(&mut self, store: &mut Store, code: &Code) -> bool {
        self.interp.hot(store, code, None, self.tiering).0
    }

    /// The running function's budget is spent at the loop header just
    /// before pc: when the tiering has an OSR entry for the loop, the frame
    /// continues in compiled code: handed off when compiled code runs the
    /// activation, else (when compiled code may be called from here)
    /// entered, the frame returning from there; in a continuation, the
    /// whole continuation goes to compiled code, which hands the frame off.
    fn hot_loop(&mut self, store: &mut Store, regs: &mut Regs) -> Result<Action, Trap> {
        let code = self.current.clone();
        let Some(&Op::LoopHeader(offset)) = code.ops.get(regs.pc - 1) else {
            return Err(Trap::Host("hot loop without a loop header".into()));
        };
        let at = HotLoop {
            offset,
            in_continuation: !self.root_stack() || self.mode.park_into.is_some(),
        };
        let (_, osr) = self.interp.hot(store, &code, Some(at), self.tiering);
        // A loop that the interpreter would enter compiled code from, on
        // its root stack, stays interpreted while it drives held
        // continuations (`osr_watch.rs`; a loop inside a continuation, or
        // in an activation compiled code runs, drives none of the runs
        // counted meanwhile).
        if osr && self.root_stack() && !self.osr_handoff() {
            let (live, runs) = (store.conts.live(), self.interp.conts.runs);
            let watch = &mut self.interp.osr_watch;
            if watch.stays_interpreted(code.func, live, runs, OSR_RETRY_AFTER) {
                self.interp.codes.set_budget(code.func, OSR_RETRY_AFTER);
                return Ok(Action::Continue);
            }
        }
        if osr && self.osr_handoff() {
            return Ok(Action::OsrHandoff(offset));
        }
        // A continuation moves to compiled code by taking a native stack: not
        // while stacks are dear and its kind is not proved long-lived (the
        // interpreter started it as heap frames for that reason,
        // `Tiering::prefers_heap_frames`; it asks again later).
        if osr
            && self.cont_osr()
            && self.tiering.adopts_parked(store)
            && !self.tiering.prefers_heap_frames(code.func)
        {
            return Ok(Action::ContOsr);
        }
        if !osr || !self.native_calls() {
            // Without an entry, the tiering set the next budget; with one
            // that cannot be entered from here, the frame asks again later.
            if osr {
                self.interp.codes.set_budget(code.func, OSR_RETRY_AFTER);
            }
            return Ok(Action::Continue);
        }
        let results = code.num_results as usize;
        let end = regs.base + (regs.sp - regs.base).max(results);
        reserve_slots(self.values, end, self.limit)?;
        self.interp.expose(self.values, Some(self.chain));
        let frame = &mut self.values[regs.base..end];
        let outcome = (self.tiering).enter_osr(store, code.func, offset, frame, self.interp);
        self.interp.unexpose();
        self.after_compiled(outcome, regs, regs.base, results, true)
    }

    /// Where the running function goes after compiled code it entered
    /// (its results, `results` of them, at `start`) came back: on, or
    /// returning when the compiled code took its place (`tail`: a tail call
    /// or an OSR entry); an exception is thrown from the call, or, when the
    /// frame is gone, from its closing `Return`, which no handler of its
    /// own covers; a trap keeps the compiled frames for the backtrace.
    #[inline]
    fn after_compiled(
        &mut self,
        outcome: Result<(), Trap>,
        regs: &mut Regs,
        start: usize,
        results: usize,
        tail: bool,
    ) -> Result<Action, Trap> {
        match outcome {
            Ok(()) => {
                regs.sp = start + results;
                Ok(if tail {
                    Action::Return
                } else {
                    Action::Continue
                })
            }
            Err(Trap::UncaughtException(exn)) => {
                self.interp.exception_from_compiled(exn, self.tiering);
                regs.sp = start;
                if tail {
                    regs.pc = self.current.ops.len();
                }
                Ok(Action::Throw(exn))
            }
            Err(trap) => {
                self.interp.inner_trap_frames = self.tiering.trapped_frames();
                self.interp.inner_replaced_frame = tail;
                Err(trap)
            }
        }
    }

    /// Calls the compiled code of `func` with its arguments in place.
    #[inline]
    pub(super) fn call_compiled(
        &mut self,
        store: &mut Store,
        regs: &mut Regs,
        func: FuncAddr,
        tail: bool,
    ) -> Result<Action, Trap> {
        let (params, results) = match store.funcs.get(func.0 as usize) {
            Some(f) => (f.sig.params.len(), f.sig.results.len()),
            None => return Err(Trap::Host(format!("no function at address {}", func.0))),
        };
        let start = regs.sp - params;
        let end = start + params.max(results);
        reserve_slots(self.values, end, self.limit)?;
        self.interp.expose(self.values, Some(self.chain));
        let values = &mut self.values[start..end];
        let outcome = self.tiering.call_compiled(store, func, values, self.interp);
        self.interp.unexpose();
        self.after_compiled(outcome.map_err(|trap| *trap), regs, start, results, tail)
    }

    /// Starts `callee` with its arguments on top of the stack, the running
    /// function becoming its caller.
    fn push_frame(&mut self, regs: &mut Regs, callee: Rc<Code>) -> Result<(), Trap> {
        if self.frames.len() >= self.max_depth {
            return Err(Trap::CallStackExhausted);
        }
        let new_base = regs.sp - callee.num_params as usize;
        let needed = new_base + callee.max_height as usize;
        reserve_slots(self.values, needed, self.limit)?;
        let locals_end = new_base + callee.num_locals as usize;
        self.values[new_base + callee.num_params as usize..locals_end].fill(0);
        let caller = std::mem::replace(self.current, callee);
        let frame = Frame {
            code: caller,
            pc: regs.pc as u32,
            base: regs.base as u32,
        };
        push_frame(self.frames, frame);
        *regs = Regs {
            pc: 0,
            sp: locals_end,
            base: new_base,
        };
        Ok(())
    }

    /// Runs `callee` in the running function's frame (a tail call).
    fn replace_frame(&mut self, regs: &mut Regs, callee: Rc<Code>) -> Result<(), Trap> {
        let n = callee.num_params as usize;
        move_down(self.values, regs.sp - n, regs.base, n);
        let needed = regs.base + callee.max_height as usize;
        reserve_slots(self.values, needed, self.limit)?;
        let params_end = regs.base + n;
        let locals_end = regs.base + callee.num_locals as usize;
        self.values[params_end..locals_end].fill(0);
        *self.current = callee;
        regs.pc = 0;
        regs.sp = locals_end;
        Ok(())
    }
}
