//! The executor: runs [`Code`] on an [`ExecStack`].
//!
//! ```text
//!   run ─▶ loop { dispatch (dispatch.rs) until a control transfer,
//!                 then handle it:  Call / TailCall (calls.rs)
//!                                  Return          (here)
//!                                  Throw           (exceptions.rs) }
//! ```
//!
//! The dispatch loop keeps pc, sp and base in locals and only returns to
//! this outer loop when the running function changes, so straight-line code
//! never touches the [`State`] record. Calls push a [`Frame`] on the heap
//! frame stack: Wasm-to-Wasm calls never recurse on the Rust stack.

mod calls;
mod dispatch;
mod exceptions;
mod memory;
mod numeric;

pub(crate) use calls::call_host;

use crate::Config;
use crate::cache::CodeCache;
use crate::code::Code;
use crate::stack::{ExecStack, Frame};
use std::rc::Rc;
use wasmfx_core::{ExnAddr, FuncAddr, Store, Trap};

/// One activation of the interpreter over a store.
pub(crate) struct Executor<'a> {
    pub codes: &'a mut CodeCache,
    pub config: &'a Config,
    pub stack: &'a mut ExecStack,
    pub store: &'a mut Store,
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
    Call(FuncAddr),
    TailCall(FuncAddr),
    Return,
    /// An exception thrown by the op at `pc`.
    Throw {
        exn: ExnAddr,
        pc: usize,
    },
}

/// Whether the entry function has returned.
#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Finished,
}

impl Executor<'_> {
    /// Runs `code` with its arguments at `values[base..]` until it returns;
    /// its results are then at `values[base..]`.
    ///
    /// # Errors
    /// The trap that stopped execution (the stacks are left as they were;
    /// the caller clears them).
    pub fn run(mut self, code: Rc<Code>, base: usize) -> Result<(), Trap> {
        let entry_depth = self.stack.frames.len();
        let mut state = State {
            sp: base + code.num_params as usize,
            code,
            pc: 0,
            base,
        };
        self.enter(&mut state)?;
        loop {
            let flow = match self.dispatch(&mut state)? {
                Transfer::Call(func) => self.call(&mut state, func)?,
                Transfer::TailCall(func) => self.tail_call(&mut state, func, entry_depth)?,
                Transfer::Return => self.ret(&mut state, entry_depth),
                Transfer::Throw { exn, pc } => self.throw(&mut state, exn, pc, entry_depth)?,
            };
            if flow == Flow::Finished {
                return Ok(());
            }
        }
    }

    /// Prepares the frame of `state.code`, whose arguments are in place at
    /// `state.base`: reserves its slots and zeroes its declared locals.
    fn enter(&mut self, state: &mut State) -> Result<(), Trap> {
        let code = &state.code;
        let needed = state.base + code.max_height as usize;
        self.stack.reserve(needed, self.config.max_value_stack)?;
        let params_end = state.base + code.num_params as usize;
        let locals_end = state.base + code.num_locals as usize;
        self.stack.values[params_end..locals_end].fill(0);
        state.sp = locals_end;
        state.pc = 0;
        Ok(())
    }

    /// Returns from the running function: moves its results to its base and
    /// resumes the caller, or finishes at the entry frame.
    fn ret(&mut self, state: &mut State, entry_depth: usize) -> Flow {
        let n = state.code.num_results as usize;
        self.stack
            .values
            .copy_within(state.sp - n..state.sp, state.base);
        state.sp = state.base + n;
        if self.stack.frames.len() <= entry_depth {
            return Flow::Finished;
        }
        match self.stack.frames.pop() {
            Some(Frame { code, pc, base }) => {
                state.code = code;
                state.pc = pc as usize;
                state.base = base as usize;
                Flow::Continue
            }
            None => Flow::Finished,
        }
    }
}
