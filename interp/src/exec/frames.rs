//! The frame loop: runs the op loop (`dispatch.rs`) for the running
//! function and does what it stops for. Calls, returns and tail calls switch
//! the running function here (push or pop a heap [`Frame`]); only a throw, a
//! stack-switching op or the entry function's return leave the loop.
//!
//! ```text
//!   loop { check pc; run_ops ─▶ Call      push Frame(caller), start callee
//!                             ─▶ TailCall  callee takes the caller's frame
//!                             ─▶ Return    pop Frame, or finish at entry depth
//!                             ─▶ Throw, Cont  leave the loop (exceptions,
//!                                             stack switching) }
//! ```

use super::calls::call_host;
use super::dispatch::{Exit, Regs, move_down, run_ops};
use super::{Executor, State, Transfer};
use crate::cache::Callee;
use crate::stack::Frame;
use wasmfx_core::Trap;

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
        let (limit, max_depth) = (self.config.max_value_stack, self.config.max_call_depth);
        let codes = &mut *self.codes;
        let stack = &mut *self.stack;
        let store = &mut *self.store;
        // The running function lives in `state.code` (not a local), so that
        // after a trap it still names the function that trapped.
        let current = &mut state.code;
        let mut regs = Regs {
            pc: state.pc,
            sp: state.sp,
            base: state.base,
        };

        // Starts the function now in `current` with its frame at `$new_base`
        // (arguments already there): reserves its slots and zeroes its
        // declared locals.
        macro_rules! start_frame {
            ($new_base:expr) => {{
                let new_base = $new_base;
                let callee = &**current;
                let needed = new_base + callee.max_height as usize;
                let locals_end = new_base + callee.num_locals as usize;
                let params_end = new_base + callee.num_params as usize;
                stack.reserve(needed, limit)?;
                stack.values[params_end..locals_end].fill(0);
                regs = Regs {
                    pc: 0,
                    sp: locals_end,
                    base: new_base,
                };
            }};
        }

        let transfer = loop {
            let code = &**current;
            // The one pc check: on entering a function or resuming a frame.
            // Inside the function pc stays in range by `Code`'s invariant.
            if regs.pc >= code.ops.len() {
                return Err(Trap::Host(format!("pc {} out of range", regs.pc)));
            }
            // Returns the top `num_results` values to the caller.
            macro_rules! return_to_caller {
                () => {{
                    let n = code.num_results as usize;
                    move_down(&mut stack.values, regs.sp - n, regs.base, n);
                    regs.sp = regs.base + n;
                    if stack.frames.len() <= entry_depth {
                        break Transfer::Finished;
                    }
                    match stack.frames.pop() {
                        Some(frame) => {
                            *current = frame.code;
                            regs.pc = frame.pc as usize;
                            regs.base = frame.base as usize;
                            continue;
                        }
                        None => break Transfer::Finished,
                    }
                }};
            }
            let (func, tail) = match run_ops(store, code, &mut stack.values, &mut regs)? {
                Exit::Call(func) => (func, false),
                Exit::TailCall(func) => (func, true),
                Exit::Return => return_to_caller!(),
                Exit::Throw(exn) => {
                    let pc = regs.pc - 1;
                    break Transfer::Throw { exn, pc };
                }
                Exit::Cont => break Transfer::Cont(code.ops[regs.pc - 1]),
            };
            match codes.get(store, func)? {
                Callee::Host => {
                    let (values, instance) = (&mut stack.values[..], Some(code.instance));
                    regs.sp = call_host(store, instance, func, values, regs.sp)?;
                    if tail {
                        return_to_caller!();
                    }
                }
                Callee::Wasm(callee) if tail => {
                    let n = callee.num_params as usize;
                    move_down(&mut stack.values, regs.sp - n, regs.base, n);
                    *current = callee;
                    start_frame!(regs.base);
                }
                Callee::Wasm(callee) => {
                    if stack.frames.len() >= max_depth {
                        return Err(Trap::CallStackExhausted);
                    }
                    let new_base = regs.sp - callee.num_params as usize;
                    let caller = std::mem::replace(current, callee);
                    stack.frames.push(Frame {
                        code: caller,
                        pc: regs.pc as u32,
                        base: regs.base as u32,
                    });
                    start_frame!(new_base);
                }
            }
        };
        state.pc = regs.pc;
        state.sp = regs.sp;
        state.base = regs.base;
        Ok(transfer)
    }
}
