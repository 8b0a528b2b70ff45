//! The executor: runs [`Code`] on an [`ExecStack`].
//!
//! ```text
//!   run ─▶ loop { dispatch (frames.rs): calls, returns, tail calls around
//!                 the op loop (dispatch.rs),
//!                 until the entry function returns, something throws, or a
//!                 stack-switching op runs;
//!                 a throw unwinds (exceptions.rs), a stack-switching op
//!                 moves stacks between the executor and continuation
//!                 records (cont.rs), and dispatch resumes }
//! ```
//!
//! The dispatch loop keeps pc, sp and base in locals; [`State`] holds them
//! only across a throw. Calls push a [`Frame`] on the heap frame stack:
//! Wasm-to-Wasm calls never recurse on the Rust stack.

mod calls;
mod collect;
mod cont;
mod cont_fast;
mod cont_transfer;
mod dispatch;
mod entry;
mod exceptions;
mod float_ops;
mod frames;
mod int_ops;
mod memory;
mod memory_ops;
mod native;
mod numeric;
mod outward;
mod reg_ops;
mod slots;

pub(crate) use calls::call_host;
pub(crate) use collect::Exposed;
pub(crate) use entry::run_entry;
pub use outward::{Exit, OsrHandoff, Outward, Resumption};
pub(crate) use outward::{is_plain, resume_plain};

use crate::Interpreter;
use crate::code::Code;
use crate::cont::LinkChain;
use crate::op::Op;
use crate::stack::ExecStack;
use crate::tiering::Tiering;
use std::rc::Rc;
use wasmfx_core::{ExnAddr, FuncAddr, Store, Trap};

/// One activation of the interpreter over a store.
pub(crate) struct Executor<'a> {
    /// Code cache, limits and continuation frames (the interpreter minus
    /// the running stack, which this activation took from its pool).
    pub interp: &'a mut Interpreter,
    /// The tiered engine, or `NoTiering`.
    pub tiering: &'a mut dyn Tiering,
    /// The running stack: the root's, or the innermost continuation's.
    pub stack: &'a mut ExecStack,
    pub store: &'a mut Store,
    /// Resumers of the running continuations, outermost first (empty while
    /// the root stack runs).
    pub chain: LinkChain,
    /// Frame depth of the root stack at entry: returning below it finishes.
    pub entry_depth: usize,
    /// The function the activation was called for.
    pub root: FuncAddr,
    /// How the activation may stop (which record its outward suspension
    /// parks in is used once, taken from here).
    pub mode: crate::RunMode,
    /// The suspension that stopped the activation, if one did.
    pub outward: Option<Outward>,
    /// The frame handed to compiled code, if the activation ended so
    /// (only when `mode.suspends_out`: its caller is compiled code's
    /// runtime).
    pub handoff: Option<Box<OsrHandoff>>,
    /// Where the op loop stopped before this executor took over (see
    /// `entry.rs`): the frame loop's first step, instead of running ops.
    pending: Option<dispatch::Exit>,
}

impl<'a> Executor<'a> {
    /// An activation of `root` on `stack`, stopping as `mode` says.
    #[inline]
    pub(crate) fn new(
        interp: &'a mut Interpreter,
        tiering: &'a mut dyn Tiering,
        stack: &'a mut ExecStack,
        store: &'a mut Store,
        root: FuncAddr,
        mode: crate::RunMode,
    ) -> Executor<'a> {
        interp.activations += 1;
        Executor {
            interp,
            tiering,
            stack,
            store,
            chain: LinkChain::default(),
            entry_depth: 0,
            root,
            mode,
            outward: None,
            handoff: None,
            pending: None,
        }
    }
}

/// An activation ends: the interpreter counts its activations (the
/// continuation collector runs only when one is active, `collect.rs`).
impl Drop for Executor<'_> {
    fn drop(&mut self) {
        self.interp.activations -= 1;
    }
}

/// The running function: its code and registers (indices into the value stack).
struct State {
    code: Rc<Code>,
    pc: usize,
    /// One past the top operand.
    sp: usize,
    /// First local.
    base: usize,
}

/// Why the dispatch loop stopped.
enum Transfer {
    /// The entry function returned; its results are at its base.
    Finished,
    /// An exception thrown by the op at `pc`.
    Throw { exn: ExnAddr, pc: usize },
    /// A stack-switching op (`state.pc` is just past it).
    Cont(Op),
    /// A call of compiled `func` to run as a native continuation
    /// (`native.rs`), its arguments on top of the stack.
    NativeCall(FuncAddr),
    /// The running frame is at the hot loop whose operator is at this
    /// offset, with an OSR entry: handed off (`outward.rs`).
    OsrHandoff(u32),
    /// A call of compiled `func`, its arguments on top of the stack, to
    /// hand off (`outward.rs`).
    CallHandoff(FuncAddr),
    /// The running frame is at a hot loop with an OSR entry, inside a
    /// continuation: the continuation goes to compiled code (`native.rs`).
    ContOsr,
}

impl Executor<'_> {
    /// Dispatches until the activation returns or suspends outward.
    fn run_loop(&mut self, state: &mut State) -> Result<(), Trap> {
        loop {
            match self.dispatch(state)? {
                Transfer::Finished if self.chain.is_empty() => return Ok(()),
                Transfer::Finished => self.cont_returned(state)?,
                Transfer::Throw { exn, pc } => self.throw_through_chain(state, exn, pc)?,
                Transfer::NativeCall(func) => {
                    self.native_call(state, func)?;
                    if self.left() {
                        return Ok(());
                    }
                }
                Transfer::Cont(op) => {
                    self.cont_op(state, op)?;
                    if self.left() {
                        return Ok(());
                    }
                }
                Transfer::ContOsr => {
                    self.cont_to_native(state)?;
                    if self.left() {
                        return Ok(());
                    }
                }
                Transfer::OsrHandoff(offset) => return self.hand_off(state, offset),
                Transfer::CallHandoff(func) => return self.hand_off_call(state, func),
            }
        }
    }

    /// Prepares the frame of `state.code`, whose arguments are in place at
    /// `state.base`: reserves its slots and zeroes its declared locals.
    #[inline]
    fn enter(&mut self, state: &mut State) -> Result<(), Trap> {
        let limit = self.interp.config.max_value_stack;
        state.sp = self.stack.enter(state.base, &state.code, limit)?;
        state.pc = 0;
        Ok(())
    }
}
