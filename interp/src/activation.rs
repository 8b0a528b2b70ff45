//! Calls into the interpreter that may suspend out of it, for compiled
//! code that called an interpreted function under one of its prompts.
//!
//! ```text
//!   call_suspending(f, args) ─▶ Returned(results)
//!                            └▶ Suspended { tag, payload, parked }   the call's
//!        frames (all heap frames) wait in the Parked record `parked`
//!   resume_parked(parked, values | exception) ─▶ the same two exits
//!   release_parked(parked)   done with it (ran again, or abandoned)
//!
//! `resume_parked` also runs a continuation the interpreter suspended
//! (a Parked record) when compiled code resumes it.
//! ```
//! The caller switches to its handler natively in between; the
//! interpreter's Rust frames are gone by then (see `exec/outward.rs`).

use crate::cont::{Captured, ContTable};
use crate::exec::{self, Exit, OsrHandoff, Outward, Resumption};
use crate::stack::{ExecStack, copy_slots};
use crate::{Interpreter, RunExit, RunMode, Tiering, store_results, v128_unsupported};
use wasmfx_core::{FuncAddr, RawResults, Store, Trap, Val, raw_results};

/// How a call that may suspend out of the interpreter stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallExit {
    /// Its results, as raw slots.
    Returned(RawResults),
    /// A suspend that none of its own resumes handles.
    Suspended(Outward),
    /// Its only frame is handed to compiled code at a hot loop, whose OSR
    /// entry the caller runs in the call's place (`exec/outward.rs`); boxed,
    /// being rare and the largest (exits pass through several calls).
    Osr(Box<OsrHandoff>),
}

impl Interpreter {
    /// Like [`Interpreter::call`], but a suspend that no resume inside the
    /// call handles stops it with [`CallExit::Suspended`] instead of
    /// trapping; results are raw slots.
    ///
    /// # Errors
    /// As [`Interpreter::call`].
    pub fn call_suspending(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<CallExit, Trap> {
        self.call_raw(store, func, args, true, &mut crate::NoTiering)
    }

    /// [`Interpreter::call_suspending`] in a tiered engine.
    ///
    /// # Errors
    /// As [`Interpreter::call`].
    pub fn call_suspending_tiered(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        self.call_raw(store, func, args, true, tiering)
    }

    /// Runs `func`; see [`Interpreter::run`] for `suspends_out`.
    pub(crate) fn call_raw(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
        suspends_out: bool,
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        let params = match store.funcs.get(func.0 as usize) {
            Some(f) => f.sig.params.len(),
            None => return Err(Trap::Host(format!("no function at address {}", func.0))),
        };
        if args.len() != params {
            return Err(Trap::Host(format!(
                "expected {params} arguments, got {}",
                args.len()
            )));
        }
        let raw_args = args
            .iter()
            .map(|v| v.to_raw().ok_or_else(v128_unsupported))
            .collect::<Result<Vec<u64>, Trap>>()?;
        let mode = RunMode {
            suspends_out,
            ..RunMode::default()
        };
        self.run_to_exit(store, func, &raw_args, mode, tiering)
    }

    /// Runs `func` on a pooled stack (see [`Interpreter::run`]) and
    /// reports its exit, its results copied out.
    fn run_to_exit(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[u64],
        mode: RunMode,
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        let mut stack = self.take_stack();
        let outcome = self.run(store, func, args, &mut stack, mode, tiering);
        self.note_backtrace(&outcome, &stack);
        let exit = outcome.map(|exit| match exit {
            RunExit::Returned(n) => CallExit::Returned(raw_results(&stack.values[..n])),
            RunExit::Suspended(outward) => CallExit::Suspended(outward),
            RunExit::Osr(handoff) => CallExit::Osr(handoff),
        });
        self.put_stack(stack);
        exit
    }

    /// [`Interpreter::call_suspending_tiered`] with the arguments as raw
    /// slots in `values[..params]`: when it returns (`Ok(None)`), its
    /// results are in `values[..results]` (`values` holds max(params,
    /// results) slots). No allocation on that path. Otherwise it stopped
    /// as `Some` says (never `CallExit::Returned`).
    ///
    /// # Errors
    /// As [`Interpreter::call`].
    #[inline]
    pub fn call_in_place(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
        tiering: &mut dyn Tiering,
    ) -> Result<Option<CallExit>, Trap> {
        // The usual callee runs interpreted, its code at hand: no tiering
        // decision to make.
        let interpreted = self.codes.interpreted(func);
        let params = match &interpreted {
            Some(code) => code.num_params as usize,
            None => match store.funcs.get(func.0 as usize) {
                Some(f) => f.sig.params.len(),
                None => return Err(Trap::Host(format!("no function at address {}", func.0))),
            },
        };
        let args = values
            .get(..params)
            .ok_or_else(|| Trap::Host(format!("expected {params} arguments")))?;
        let mut stack = self.take_stack();
        let mode = RunMode {
            suspends_out: true,
            ..RunMode::default()
        };
        let outcome = match interpreted {
            Some(code) => {
                let n = code.num_results as usize;
                let exit =
                    exec::run_entry(self, tiering, &mut stack, store, func, code, args, mode);
                // The usual return first, straight from the executor's
                // exit: converted to a `RunExit` (as `run_wasm` does), the
                // whole exit was copied, its payload part from a stack
                // slot that nothing wrote on this path (the copy waited on
                // older stores there: a quarter of `run_wasm`'s samples in
                // the jit -> interp call, `perf annotate`). The exit owns
                // nothing, but dropping it would still be a call (that
                // checks which it is).
                if let Ok(exec::Exit::Returned) = exit {
                    std::mem::forget(exit);
                    return Ok(self.returned_in_place(values, stack, n));
                }
                exit.map(|exit| RunExit::of(exit, n))
            }
            None => self.run(store, func, args, &mut stack, mode, tiering),
        };
        // The usual return first, moving no exit around (see `run_from`
        // on reading what a call left in memory).
        if let Ok(RunExit::Returned(n)) = outcome {
            std::mem::forget(outcome);
            return Ok(self.returned_in_place(values, stack, n));
        }
        self.note_backtrace(&outcome, &stack);
        let exit = outcome.map(|exit| match exit {
            RunExit::Returned(_) => None,
            RunExit::Suspended(outward) => Some(CallExit::Suspended(outward)),
            RunExit::Osr(handoff) => Some(CallExit::Osr(handoff)),
        });
        self.put_stack(stack);
        exit
    }

    /// [`Interpreter::call_in_place`]'s return: the `n` results into
    /// `values`, the stack back to the pool.
    #[inline(always)]
    fn returned_in_place(
        &mut self,
        values: &mut [u64],
        stack: Box<ExecStack>,
        n: usize,
    ) -> Option<CallExit> {
        self.backtrace.clear();
        let n = n.min(values.len());
        copy_slots(values, &stack.values[..n]);
        self.put_stack(stack);
        None
    }

    /// Starts the continuation of record `record` (fresh, consumed by the
    /// caller, without a stack), a continuation of `func`, in place of a
    /// native one, on the caller's stack (compiled code's resume), with its
    /// arguments as raw slots: interpreted, and every suspension it makes
    /// leaves as [`CallExit::Suspended`] (never a hand-off). Its first
    /// suspension parks it in `record` itself; if it returns or traps
    /// first, the record is the caller's to release. Later resumptions go
    /// through [`Interpreter::resume_parked_in_place`]. The record counts
    /// as running meanwhile: no handle names it, and the collector must
    /// not take it for a forgotten fresh one.
    ///
    /// # Errors
    /// As [`Interpreter::call`].
    pub fn start_in_place(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        record: u32,
        args: &[u64],
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        ContTable::set_running(&mut store.conts, record)?;
        let mode = RunMode {
            suspends_out: true,
            in_place: true,
            park_into: Some(record),
        };
        // The stack of the continuation parked before this one may lend
        // its values' `Vec` (see `ContTable::stack`), when the pooled
        // stack's went with that park.
        if let Some(stack) = &mut self.next_stack
            && stack.values.capacity() == 0
        {
            stack.values = self.conts.stack().values;
        }
        self.run_to_exit(store, func, args, mode, tiering)
    }

    /// Keeps the frames parked in record `parked` as a collection root
    /// until they run again or are released, as a parked call's: whoever
    /// runs them next names them by index.
    pub fn hold_parked(&mut self, parked: u32) {
        self.conts.hold(parked);
    }

    /// How many times the activation parked in record `parked` was resumed
    /// so far (`None`: it holds no parked frames).
    pub fn parked_resumptions(&self, parked: u32) -> Option<u32> {
        self.conts
            .parked(parked)
            .map(|captured| captured.stack.resumptions)
    }

    /// Runs the frames parked in record `parked` again with `resumption`
    /// (values for the suspend, bound values first, or an exception), until
    /// they return, suspend out again (into a new record) or trap. Also runs
    /// a continuation the interpreter suspended that compiled code resumes:
    /// its frames end when its function returns. The record stays
    /// allocated: [`Interpreter::release_parked`] it, or it is the record
    /// of compiled code's running continuation.
    ///
    /// # Errors
    /// The trap that stopped it; `Trap::Host` when `parked` holds no
    /// parked frames.
    pub fn resume_parked(
        &mut self,
        store: &mut Store,
        parked: u32,
        resumption: Resumption<'_>,
    ) -> Result<CallExit, Trap> {
        self.resume_parked_tiered(store, parked, resumption, &mut crate::NoTiering)
    }

    /// [`Interpreter::resume_parked`] in a tiered engine.
    ///
    /// # Errors
    /// As [`Interpreter::resume_parked`].
    pub fn resume_parked_tiered(
        &mut self,
        store: &mut Store,
        parked: u32,
        resumption: Resumption<'_>,
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        self.resume_parked_as(store, parked, resumption, (false, None), tiering)
    }

    /// [`Interpreter::resume_parked_tiered`] in place of a native
    /// continuation (as [`Interpreter::start_in_place`]), giving up record
    /// `parked`: a suspension parks the frames in it again (its resumer
    /// makes the new handle), a return or a hand-off releases it. After a
    /// trap it is the caller's to release.
    ///
    /// # Errors
    /// As [`Interpreter::resume_parked`].
    pub fn resume_parked_in_place(
        &mut self,
        store: &mut Store,
        parked: u32,
        resumption: Resumption<'_>,
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        let exit = self.resume_parked_as(store, parked, resumption, (true, Some(parked)), tiering);
        self.settle_given_up(store, parked, &exit);
        exit
    }

    /// [`Interpreter::resume_parked_tiered`] of a parked call whose record
    /// its caller gives up: a suspension parks the frames in `parked`
    /// again (the exit names it, held as a parked call's), a return or a
    /// hand-off releases it. After a trap it is the caller's to release.
    ///
    /// # Errors
    /// As [`Interpreter::resume_parked`].
    pub fn resume_parked_reusing(
        &mut self,
        store: &mut Store,
        parked: u32,
        resumption: Resumption<'_>,
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        let exit = self.resume_parked_as(store, parked, resumption, (false, Some(parked)), tiering);
        if self.settle_given_up(store, parked, &exit) {
            self.conts.hold(parked);
        }
        exit
    }

    /// After frames given record `parked` to park in again ran (`exit`):
    /// true when they parked there again; a return or a hand-off releases
    /// it; after a trap it is left to the caller.
    fn settle_given_up(
        &mut self,
        store: &mut Store,
        parked: u32,
        exit: &Result<CallExit, Trap>,
    ) -> bool {
        match exit {
            Ok(CallExit::Suspended(outward)) if outward.parked == parked => true,
            Ok(_) => {
                self.conts.release(&mut store.conts, parked);
                false
            }
            Err(_) => false,
        }
    }

    /// Runs the frames parked in `parked`; `(in_place, park_into)` as in
    /// [`RunMode`].
    fn resume_parked_as(
        &mut self,
        store: &mut Store,
        parked: u32,
        resumption: Resumption<'_>,
        (in_place, park_into): (bool, Option<u32>),
        tiering: &mut dyn Tiering,
    ) -> Result<CallExit, Trap> {
        let root = ContTable::func(&store.conts, parked)?;
        let Some(captured) = self.conts.take_parked(&mut store.conts, parked) else {
            return Err(Trap::Host(format!("record {parked} holds no parked call")));
        };
        let mut stack = self.take_stack();
        let mode = RunMode {
            suspends_out: true,
            in_place,
            park_into,
        };
        let outcome = match resumption {
            Resumption::Values(values) if exec::is_plain(&captured, values.len()) => {
                exec::resume_plain(
                    self, tiering, &mut stack, store, root, captured, values, mode,
                )
            }
            _ => exec::Executor::new(self, tiering, &mut stack, store, root, mode)
                .resume_captured(captured, resumption),
        };
        self.note_backtrace(&outcome, &stack);
        let exit = outcome.map(|exit| match exit {
            Exit::Returned => {
                let n = store_results(store, root);
                CallExit::Returned(raw_results(&stack.values[..n]))
            }
            Exit::Suspended(outward) => CallExit::Suspended(outward),
            Exit::Osr(handoff) => CallExit::Osr(handoff),
        });
        self.put_stack(stack);
        exit
    }

    /// Abandons the activation parked in record `parked` (its suspension
    /// found no handler, or a trap ended its caller). Its frames become
    /// [`Interpreter::backtrace`], for the trap its caller raises.
    pub fn release_parked(&mut self, store: &mut Store, parked: u32) {
        if let Some(captured) = self.conts.parked(parked) {
            self.backtrace.frames = parked_backtrace(captured);
        }
        self.conts.release(&mut store.conts, parked);
    }
}

/// The functions of a parked activation, innermost first: its top frame
/// and callers, then each resume it waits in and that resume's callers.
fn parked_backtrace(captured: &Captured) -> Vec<FuncAddr> {
    let callers = |stack: &ExecStack| -> Vec<FuncAddr> {
        stack
            .frames
            .iter()
            .rev()
            .map(|frame| frame.code.func)
            .collect()
    };
    let mut frames = vec![captured.top.code.func];
    frames.extend(callers(&captured.stack));
    for link in captured.links.iter().flat_map(|links| links.iter()).rev() {
        frames.push(link.regs.code.func);
        frames.extend(callers(&link.parent));
    }
    frames
}
