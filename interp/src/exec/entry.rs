//! An activation's start: the entry function runs in the op loop before
//! any [`Executor`] exists, so that a call that only computes (the usual
//! call from compiled code or the host) costs the op loop and no more.
//!
//! ```text
//!   run_entry(code, args at stack[0..])   or
//!   run_from(a parked activation's top frame, its suspend's results in
//!            place; outward.rs's resume_plain)
//!     run_ops ─▶ Return at the entry depth ─▶ Exit::Returned
//!                              ─▶ a trap ─▶ Executor::finish (backtrace frame)
//!                              ─▶ a suspend or switch that leaves the
//!                                 activation ─▶ parked at once
//!                                 (Exit::Suspended, `outward.rs`)
//!                              ─▶ anything else (host call, throw, other
//!                                 stack switching, hot loop, ...) ─▶ an
//!                                 Executor starts its frame loop with that
//!                                 exit pending, from the registers run_ops
//!                                 left
//! ```
//!
//! The op loop sees the same [`Frames`] the frame loop's first dispatch
//! would give it: an activation starts with no continuation of its own.

use super::dispatch::{self, Regs, move_down, run_ops};
use super::frames::Frames;
use super::outward::{Outward, Parking};
use super::{Executor, Exit, State};
use crate::cont::LinkChain;
use crate::op::Op;
use crate::stack::{ExecStack, copy_slots};
use crate::{Interpreter, RunMode, Tiering, code::Code};
use std::rc::Rc;
use wasmfx_core::{FuncAddr, Store, TagAddr, Trap, raw_payload};

/// Runs `code`, the function `root` of a new activation stopping as `mode`
/// says, with `args` (copied to the start of `stack`), until it returns
/// (its results then at the start of `stack`), suspends out or hands off.
///
/// # Errors
/// The trap that stopped execution (the stacks are left as they were,
/// with the trapping function pushed as the innermost frame; the caller
/// clears them).
///
/// Inlined into its two callers (`run_wasm`, `call_in_place`): as a call
/// of its own it was one more frame to set up on every jit -> interp call
/// (532 -> 496 instructions per call, `benches/callgrind.sh crossing`).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(crate) fn run_entry(
    interp: &mut Interpreter,
    tiering: &mut dyn Tiering,
    stack: &mut ExecStack,
    store: &mut Store,
    root: FuncAddr,
    code: Rc<Code>,
    args: &[u64],
    mode: RunMode,
) -> Result<Exit, Trap> {
    let entry_depth = stack.frames.len();
    // The frame's slots (its params among them) first, then the arguments.
    let locals = stack.enter(0, &code, interp.config.max_value_stack)?;
    copy_slots(&mut stack.values, args);
    let regs = Regs {
        pc: 0,
        sp: locals,
        base: 0,
    };
    let at = Resumed {
        code,
        regs,
        entry_depth,
    };
    run_from(interp, tiering, stack, store, root, at, mode)
}

/// Where [`run_from`] starts: the running function and its registers, on
/// a stack whose frames below `entry_depth` are not the activation's.
pub(super) struct Resumed {
    pub code: Rc<Code>,
    pub regs: Regs,
    pub entry_depth: usize,
}

/// [`run_entry`] from registers already set up on `stack`: a new
/// activation's entry frame, or a parked activation's top frame with its
/// suspend's results in place (`outward.rs`), whose root returns at
/// `entry_depth` with its results at the start of `stack`.
///
/// # Errors
/// As [`run_entry`].
#[inline(always)]
pub(super) fn run_from(
    interp: &mut Interpreter,
    tiering: &mut dyn Tiering,
    stack: &mut ExecStack,
    store: &mut Store,
    root: FuncAddr,
    at: Resumed,
    mode: RunMode,
) -> Result<Exit, Trap> {
    let Resumed {
        code,
        mut regs,
        entry_depth,
    } = at;
    let start = (regs.pc, regs.sp, regs.base);
    let mut current = code;
    // Counted as an activation while it runs (the collector asks).
    interp.activations += 1;
    let ran = {
        // With `switches` off the op loop makes no links: the chain stays
        // empty, owns no allocation and is not dropped (a drop is two
        // calls per crossing from compiled code).
        let mut no_links = std::mem::ManuallyDrop::new(LinkChain::new());
        let mut ctx = Frames::new(
            &mut *interp,
            &mut *tiering,
            &mut *stack,
            &mut no_links,
            &mut current,
            entry_depth,
            mode,
        );
        ctx.switches = false;
        let ran = run_ops(store, &mut ctx, &mut regs);
        debug_assert!(
            ctx.chain.is_empty(),
            "the op loop made links without switches"
        );
        // The exit's two tags are read apart (the opaque reference keeps
        // the compiler from merging them into one wide load), each from
        // the store that wrote it: a load wider than the stores before it
        // waits for them to reach the cache, on every call.
        let returned = match &ran {
            Ok(exit) => matches!(std::hint::black_box(exit), dispatch::Exit::Return),
            Err(_) => false,
        };
        if returned && ctx.frames.len() <= entry_depth {
            let n = ctx.current.num_results as usize;
            move_down(ctx.values, regs.sp - n, regs.base, n);
        }
        ran
    };
    interp.activations -= 1;
    let (outcome, state) = match ran {
        Ok(dispatch::Exit::Return) if stack.frames.len() <= entry_depth => {
            return Ok(Exit::Returned);
        }
        Ok(exit) => {
            // A suspend or a switch: no resume of this activation can handle
            // it, so it goes outward (or traps) at once, without the
            // executor's loop; a switch takes its target with it.
            let op = match &exit {
                dispatch::Exit::Cont => current.ops.get(regs.pc.wrapping_sub(1)),
                _ => None,
            };
            let suspend = match op {
                Some(&Op::Suspend(tag)) => Some(tag),
                _ => None,
            };
            let switch = match op {
                Some(&Op::Switch(site)) if mode.suspends_out => current
                    .cont_sites
                    .get(site as usize)
                    .and_then(|s| Some((s.tag?, s.args as usize))),
                _ => None,
            };
            if let Some(tag) = suspend
                && mode.suspends_out
            {
                let n = store.tags[tag.0 as usize].sig.params.len();
                let out = Leaving {
                    tag,
                    end: regs.sp,
                    n,
                    switch_target: None,
                };
                match out.park(interp, store, stack, root, mode, &current, &regs) {
                    Ok(outward) => return Ok(Exit::Suspended(outward)),
                    Err(trap) => (Err(trap), state_at(current, &regs)),
                }
            } else if let Some((tag, n)) = switch {
                let top = regs.sp - 1;
                let parked = (interp.conts)
                    .consume(&mut store.conts, stack.values[top])
                    .and_then(|target| {
                        let out = Leaving {
                            tag,
                            end: top,
                            n,
                            switch_target: Some(target),
                        };
                        out.park(interp, store, stack, root, mode, &current, &regs)
                    });
                match parked {
                    Ok(outward) => return Ok(Exit::Suspended(outward)),
                    Err(trap) => (Err(trap), state_at(current, &regs)),
                }
            } else {
                let mut state = state_at(current, &regs);
                let mut executor = Executor::new(interp, tiering, stack, store, root, mode);
                executor.entry_depth = entry_depth;
                if let Some(tag) = suspend {
                    let outcome = executor.suspend(&mut state, tag, 0);
                    return executor.finish(outcome, state);
                }
                executor.pending = Some(exit);
                let outcome = executor.run_loop(&mut state);
                return executor.finish(outcome, state);
            }
        }
        // The frame loop's state when the op loop trapped: its registers
        // as they were before it ran.
        Err(trap) => (
            Err(trap),
            State {
                code: current,
                pc: start.0,
                sp: start.1,
                base: start.2,
            },
        ),
    };
    let mut executor = Executor::new(interp, tiering, stack, store, root, mode);
    executor.entry_depth = entry_depth;
    executor.finish(outcome, state)
}

/// A suspend or switch of the op loop's frame that leaves the activation:
/// its `n` values end at `end` (a switch's target is above them, consumed).
struct Leaving {
    tag: TagAddr,
    end: usize,
    n: usize,
    switch_target: Option<u32>,
}

impl Leaving {
    /// Parks the activation (see `outward.rs`), the frame to go on after
    /// the instruction with its results where the values start.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn park(
        self,
        interp: &mut Interpreter,
        store: &mut Store,
        stack: &mut ExecStack,
        root: FuncAddr,
        mode: RunMode,
        current: &Rc<Code>,
        regs: &Regs,
    ) -> Result<Outward, Trap> {
        let payload = raw_payload(&stack.values[self.end - self.n..self.end]);
        let parking = Parking {
            root,
            into: mode.park_into,
            top: crate::cont::Regs {
                code: current.clone(),
                pc: regs.pc as u32,
                sp: (self.end - self.n) as u32,
                base: regs.base as u32,
                native: 0,
            },
            links: None,
        };
        parking.park(interp, store, stack, self.tag, payload, self.switch_target)
    }
}

fn state_at(code: Rc<Code>, regs: &Regs) -> State {
    State {
        code,
        pc: regs.pc,
        sp: regs.sp,
        base: regs.base,
    }
}
