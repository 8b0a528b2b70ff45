//! The frame loop: runs the op loop (`dispatch.rs`) and does what it leaves
//! to this loop. The op loop itself calls and returns between Wasm functions
//! (push or pop a heap [`Frame`]); it stops for host calls, tail calls, the
//! call depth limit, the entry function's return, throws and
//! stack-switching ops.
//!
//! ```text
//!   loop { run_ops ─▶ Call      host call, or the depth-limit trap
//!                  ─▶ TailCall  callee takes the caller's frame
//!                  ─▶ Return    finish at entry depth
//!                  ─▶ Throw, Cont  leave the loop (exceptions, stack switching) }
//! ```

use super::calls::call_host;
use super::dispatch::{Exit, Regs, move_down, run_ops};
use super::{Executor, State, Transfer};
use crate::cache::{Callee, CodeCache};
use crate::code::Code;
use crate::stack::{ExecStack, Frame, reserve_slots};
use std::rc::Rc;
use wasmfx_core::Trap;

/// The frame state the op loop calls and returns with: the running stack's
/// two halves, borrowed apart so the op loop can hold the value stack while
/// it pushes frames.
pub(super) struct Frames<'a> {
    pub codes: &'a mut CodeCache,
    pub values: &'a mut Vec<u64>,
    pub frames: &'a mut Vec<Frame>,
    /// The running function.
    pub current: &'a mut Rc<Code>,
    /// Most value slots the stack may hold.
    pub limit: usize,
    /// Most frames the stack may hold.
    pub max_depth: usize,
    /// Frame depth of the entry function: its return leaves the op loop.
    pub entry_depth: usize,
}

impl Executor<'_> {
    /// Runs from `state` until the entry function (at frame depth
    /// `entry_depth`) returns or an exception is thrown.
    ///
    /// # Errors
    /// The trap that stopped execution.
    pub(super) fn dispatch(
        &mut self,
        state: &mut State,
        entry_depth: usize,
    ) -> Result<Transfer, Trap> {
        let store = &mut *self.store;
        let ExecStack { values, frames, .. } = &mut *self.stack;
        // The running function lives in `state.code` (not a local), so that
        // after a trap it still names the function that trapped.
        let mut ctx = Frames {
            codes: &mut *self.codes,
            values,
            frames,
            current: &mut state.code,
            limit: self.config.max_value_stack,
            max_depth: self.config.max_call_depth,
            entry_depth,
        };
        let mut regs = Regs {
            pc: state.pc,
            sp: state.sp,
            base: state.base,
        };
        let transfer = loop {
            let exit = run_ops(store, &mut ctx, &mut regs)?;
            let code = &**ctx.current;

            // Returns the top `num_results` values to the caller.
            macro_rules! return_to_caller {
                () => {{
                    let n = code.num_results as usize;
                    move_down(ctx.values, regs.sp - n, regs.base, n);
                    regs.sp = regs.base + n;
                    if ctx.frames.len() <= entry_depth {
                        break Transfer::Finished;
                    }
                    match ctx.frames.pop() {
                        Some(frame) => {
                            *ctx.current = frame.code;
                            regs.pc = frame.pc as usize;
                            regs.base = frame.base as usize;
                            continue;
                        }
                        None => break Transfer::Finished,
                    }
                }};
            }
            let (func, tail) = match exit {
                Exit::Call(func) => (func, false),
                Exit::TailCall(func) => (func, true),
                Exit::Return => return_to_caller!(),
                Exit::Throw(exn) => {
                    let pc = regs.pc - 1;
                    break Transfer::Throw { exn, pc };
                }
                Exit::Cont => break Transfer::Cont(code.ops[regs.pc - 1]),
            };
            match ctx.codes.get(store, func)? {
                Callee::Host => {
                    let instance = Some(code.instance);
                    regs.sp = call_host(store, instance, func, ctx.values, regs.sp)?;
                    if tail {
                        return_to_caller!();
                    }
                }
                Callee::Wasm(_) if !tail => return Err(Trap::CallStackExhausted),
                Callee::Wasm(callee) => {
                    let n = callee.num_params as usize;
                    move_down(ctx.values, regs.sp - n, regs.base, n);
                    let needed = regs.base + callee.max_height as usize;
                    reserve_slots(ctx.values, needed, ctx.limit)?;
                    let params_end = regs.base + n;
                    let locals_end = regs.base + callee.num_locals as usize;
                    ctx.values[params_end..locals_end].fill(0);
                    *ctx.current = callee;
                    regs.pc = 0;
                    regs.sp = locals_end;
                }
            }
        };
        state.pc = regs.pc;
        state.sp = regs.sp;
        state.base = regs.base;
        Ok(transfer)
    }
}
