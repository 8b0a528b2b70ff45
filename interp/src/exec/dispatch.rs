//! The op loop: one `match` over [`Op`] with the op pointer, sp and the
//! frame's slots in locals. It calls and returns between Wasm functions
//! itself (push or pop a heap [`Frame`], point at the new code's ops and
//! value slots) and leaves to the frame loop (`frames.rs`) what is rarer:
//! host and tail calls, the call depth limit, the entry function's
//! return, throws and stack switching.
//!
//! Keeping that rarer work out of this function keeps its live state small
//! (ops, value slots, pc, sp, store), so the hot registers stay in
//! registers instead of being spilled around the `match`. The slots are
//! the running frame's, indexed from its first local: sp counts from
//! there, and `base` is 0 inside the loop, so a local is one address
//! from the slots pointer and no register holds a frame base (the values'
//! index of the frame, `frame_base`, matters only at frame switches and
//! exits). With the base in a register of its own, LLVM spilled it and
//! reloaded it from the stack in the arms that address locals; and a
//! call or return went through the frame loop's entry, whose checks and
//! register shuffles were most of a call's cost (`bash
//! benches/callgrind.sh interp`: fib(30) 673 to 552 million instructions).
//!
//! Two choices keep the dispatch head short: the
//! loop steps a pointer to the next op (`ip`; the pc index is worked out
//! only where a frame or an exit needs it), and it matches on the op in
//! place (`*op`), so each arm loads the fields it uses. Copying the op out
//! first had LLVM load every field shape in the head and spill pc and sp
//! (`bash benches/callgrind.sh interp`: sort(300000) 1,854 million
//! instructions before, 1,644 million after).
//!
//! ```text
//!   'frames: loop { check pc; Slots for the frame (one length check)
//!                   loop { fetch op (unchecked); match op {
//!                          Call (Wasm)  ─▶ push Frame, enter the callee's
//!                          Return       ─▶ pop Frame, enter the caller's (pc
//!                                          checked), both in this loop
//!                          fast switch  ─▶ enter the frame switched to, with
//!                                          the entry's checks (`reenter!`)
//!                          rarer exits  ─▶ break 'frames Exit::… } } }
//! ```
//!
//! The workspace's `.cargo/config.toml` lets LLVM copy the dispatch head
//! (fetch, jump through the table) into every arm. The shape of the
//! loops above was chosen for that build: without those flags, entering
//! a switched-to frame in the inner loop (instead of `continue 'frames`)
//! makes LLVM spill sp around every op.
//!
//! Arms by family: control, calls, locals and fused control ops here; the
//! rest join the same `match` through a chain of macros, one file each:
//!
//! ```text
//!   dispatch.rs ─▶ memory_ops.rs ─▶ reg_ops.rs ─▶ int_ops.rs ─▶ float_ops.rs
//!                                                          (closes the match)
//! ```

use super::calls::{func_ref, resolve_indirect};
use super::frames::{Action, Frames};
use super::memory_ops::match_op_with_memory_ops;
use super::numeric::*;
use super::slots::Slots;
use crate::code::Code;
use crate::op::{I32Cmp, Op};
use crate::stack::{Frame, push_frame, reserve_slots};
use std::ops::IndexMut;
use wasmfx_core::num;
use wasmfx_core::{ExnAddr, FuncAddr, Store, Trap};

/// Where the op loop stopped.
pub(super) enum Exit {
    /// Calls a host function, or a Wasm function past the call depth limit
    /// (its arguments are on top of the stack).
    Call(FuncAddr),
    /// Replaces the running function by this one (`return_call*`).
    TailCall(FuncAddr),
    /// Returns the top `num_results` values from the entry function.
    Return,
    /// Throws the exception (from the op just before pc).
    Throw(ExnAddr),
    /// Runs the stack-switching op just before pc (kept small: the op is
    /// read again from the code, so `Exit` fits in registers).
    Cont,
    /// The running function's tier-up budget is spent at a loop header.
    HotLoop,
}

/// The running function's registers (indices into the value stack).
pub(super) struct Regs {
    pub pc: usize,
    /// One past the top operand.
    pub sp: usize,
    /// First local.
    pub base: usize,
}

/// Moves the top `keep` slots down over `drop` slots; returns the new sp.
#[inline(always)]
pub(super) fn branch(values: &mut Slots, sp: usize, drop: u32, keep: u32) -> usize {
    let (drop, keep) = (drop as usize, keep as usize);
    if drop != 0 {
        move_down(values, sp - keep, sp - keep - drop, keep);
    }
    sp - drop
}

/// Copies `n` slots from `from` down to `to` (`to <= from`). A plain loop
/// after a test for the one-slot case: `n` is almost always 0 or 1, where a
/// `memmove` call, or the loop's own setup, costs more.
#[inline(always)]
pub(super) fn move_down<V>(values: &mut V, from: usize, to: usize, n: usize)
where
    V: IndexMut<usize, Output = u64> + ?Sized,
{
    if n == 1 {
        values[to] = values[from];
        return;
    }
    move_down_many(values, from, to, n);
}

/// [`move_down`] of other counts, out of line: inlined at each branch of
/// the op loop, the loop's pointers into the frame were worked out ahead at
/// every frame entry (one stack slot each, stored on every call and
/// return).
#[cold]
#[inline(never)]
fn move_down_many<V>(values: &mut V, from: usize, to: usize, n: usize)
where
    V: IndexMut<usize, Output = u64> + ?Sized,
{
    for i in 0..n {
        values[to + i] = values[from + i];
    }
}

/// Runs the ops of the running function (`frames.current`) from `regs`,
/// calling and returning between Wasm functions itself, until a host call,
/// a tail call, a throw, a stack-switching op or the return at the entry
/// depth (or a frame limit) needs the frame loop; `regs` then holds pc (past
/// the op that stopped), sp and base.
///
/// # Errors
/// The trap that stopped execution (`regs` is then left as it was).
#[inline(never)]
pub(super) fn run_ops(
    store: &mut Store,
    frames: &mut Frames<'_>,
    regs: &mut Regs,
) -> Result<Exit, Trap> {
    // The running frame's first slot (an index into the values), and its
    // top operand's end relative to it: ops address their frame's slots
    // from 0 (`base` is 0 in the op loop), so only frame switches and
    // exits add `frame_base`.
    let (mut pc, mut frame_base) = (regs.pc, regs.base);
    let mut sp = regs.sp - frame_base;
    // The running function's first op and the next op to run: the op loop
    // steps a pointer (pc is `ip - start`, worked out where it is needed).
    let mut start: *const Op;
    let mut ip: *const Op;
    // The registers as the frame loop and the fast paths count them: pc
    // past the running op, sp and base as value indices.
    macro_rules! here {
        () => {
            Regs {
                pc: pc_of(start, ip),
                sp: frame_base + sp,
                base: frame_base,
            }
        };
    }
    // `BrIfTee<cmp>`: pops the top into local `tee`, then branches when
    // `top <cmp> local b` (`$v` indexes from the frame's first local: the
    // loop's `base` is 0; the comparison is a constant, as in `br_rr`).
    macro_rules! br_tee {
        ($v:ident, $tee:ident, $b:ident, $target:ident, $cmp:expr) => {{
            sp -= 1;
            let top = $v[sp];
            $v[$tee as usize] = top;
            ip = branch_to(
                $cmp.holds(top as u32, $v[$b as usize] as u32),
                start,
                $target,
                ip,
            );
        }};
    }
    let exit = 'frames: loop {
        let code = &**frames.current;
        let ops = &*code.ops;
        start = ops.as_ptr();
        ip = op_at(start, pc);
        // The one pc check: on entering a function or resuming a frame.
        // Inside the function pc stays in range by `Code`'s invariant.
        if pc >= ops.len() {
            return Err(Trap::Host(format!("pc {pc} out of range")));
        }
        // The one check of the value stack's length for this function
        // (calls reserved it; returns and resumed continuations come back
        // to frames reserved before, but the check costs one compare).
        // The slots' indices below are frame-relative and under
        // `code.max_height`: local indices are under `num_locals` and
        // operand heights under `max_height` (translator), and pc stays in
        // `code` (checked above); the frame must fit in the values.
        if !Slots::fits(frames.values, frame_base, code.max_height) {
            let needed = frame_base.saturating_add(code.max_height as usize);
            reserve_slots(frames.values, needed, frames.limit)?;
            continue 'frames;
        }
        // SAFETY: checked just above. Calls and returns between Wasm
        // functions switch frames below without coming back here: each
        // makes the slots of the frame it enters anew, after any growth of
        // the values (`enter!`).
        let mut slots = unsafe { Slots::unchecked(frames.values, frame_base, code.max_height) };
        let mut code: *const Code = code;

        // Enters the frame of `frames.current` at `$pc` with `frame_base`
        // set: its op pointers and slots, without the length check above.
        // The entered code's op `$pc` exists (a call enters at 0, and
        // translated code ends with a `Return`; a return checks the pc its
        // caller's frame saved), and its slots were reserved (by the call
        // that entered it: the values never shrink while ops run).
        macro_rules! enter {
            ($pc:expr) => {{
                code = &**frames.current;
                // SAFETY: `code` is the running code (see `Code` above).
                let entered = unsafe { &*code };
                start = entered.ops.as_ptr();
                ip = op_at(start, $pc);
                // SAFETY: reserved, as said above.
                slots = unsafe { Slots::unchecked(frames.values, frame_base, entered.max_height) };
                continue;
            }};
        }

        // Enters `frames.current`'s frame at `pc` after work done outside
        // this loop (a stack switch), with the checks of the frame loop's
        // entry, which takes over when they fail.
        macro_rules! reenter {
            () => {{
                let entered = &**frames.current;
                if pc < entered.ops.len()
                    && Slots::fits(frames.values, frame_base, entered.max_height)
                {
                    enter!(pc);
                }
                continue 'frames;
            }};
        }

        // Calls `$func` (arguments on top of the stack): a Wasm callee
        // starts here; a host callee, or a call past the depth limit, goes
        // to the frame loop.
        macro_rules! call {
            ($func:expr) => {{
                let func = $func;
                match frames.interp.codes.interpreted(func) {
                    Some(callee) if frames.frames.len() < frames.max_depth => {
                        let new_base = frame_base + sp - callee.num_params as usize;
                        let needed = new_base + callee.max_height as usize;
                        if needed > frames.values.len() {
                            reserve_slots(frames.values, needed, frames.limit)?;
                        }
                        let params_end = new_base + callee.num_params as usize;
                        let callee_locals = callee.num_locals as usize;
                        let locals_end = new_base + callee_locals;
                        if locals_end > params_end {
                            frames.values[params_end..locals_end].fill(0);
                        }
                        let caller = std::mem::replace(frames.current, callee);
                        let frame = Frame {
                            code: caller,
                            pc: pc_of(start, ip) as u32,
                            base: frame_base as u32,
                        };
                        push_frame(frames.frames, frame);
                        (sp, frame_base) = (callee_locals, new_base);
                        enter!(0);
                    }
                    // Compiled code, called from here with the arguments in
                    // place (the frame loop would only come back here).
                    None if frames.interp.codes.is_compiled(func) && frames.native_calls() => {
                        let mut regs = here!();
                        match frames.call_compiled(store, &mut regs, func, false)? {
                            Action::Continue => {
                                (pc, sp) = (regs.pc, regs.sp - frame_base);
                                continue 'frames;
                            }
                            Action::Throw(exn) => {
                                sp = regs.sp - frame_base;
                                break 'frames Exit::Throw(exn);
                            }
                            _ => return Err(Trap::Host("a call left its frame".into())),
                        }
                    }
                    _ => break 'frames Exit::Call(func),
                }
            }};
        }

        // Runs a stack-switching op through its fast path (`cont_fast.rs`)
        // when that applies, else through the frame loop.
        macro_rules! fast_cont {
            ($fast:ident, $operand:expr) => {{
                let mut at = here!();
                match frames.$fast(store, &mut at, $operand) {
                    Ok(true) => {
                        (pc, sp, frame_base) = (at.pc, at.sp - at.base, at.base);
                        reenter!();
                    }
                    Ok(false) => break 'frames std::hint::black_box(Exit::Cont),
                    Err(trap) => {
                        *regs = at;
                        return Err(trap);
                    }
                }
            }};
        }

        loop {
            // SAFETY: `pc < ops.len()`: checked above on entry; after that
            // pc is either a branch target (an op index, checked by the
            // translator's `check_pcs`) or one past an op that is not the
            // last (the last op is a `Return`, which leaves this loop).
            // SAFETY: `code` is `frames.current`'s, which keeps it alive.
            let code = unsafe { &*code };
            let v = &mut slots;
            let base = 0usize;
            let op: &Op = unsafe { &*ip };
            ip = ip.wrapping_add(1);
            #[cfg(feature = "op-counts")]
            crate::op_counts::count();
            match_op_with_memory_ops!(*op, v, sp, base, ip, start, store, code, {
            // --- control ---------------------------------------------
            Op::Unreachable => return Err(Trap::Unreachable),
            Op::Unsupported(i) => {
                let name = code.unsupported.get(i as usize).map_or("?", |n| n);
                return Err(Trap::Host(format!("unsupported instruction: {name}")));
            }
            Op::Jump(target) => ip = op_at(start, target as usize),
            Op::JumpIfZero(target) => {
                sp -= 1;
                ip = branch_to(v[sp] as u32 == 0, start, target, ip);
            }
            Op::Br { target, drop, keep } => {
                sp = branch(v, sp, drop, keep);
                ip = op_at(start, target as usize);
            }
            Op::BrIf { target, drop, keep } => {
                sp -= 1;
                if v[sp] as u32 != 0 {
                    sp = branch(v, sp, drop, keep);
                    ip = op_at(start, target as usize);
                } else {
                    ip = not_taken(ip);
                }
            }
            Op::BrTable { len } => {
                sp -= 1;
                let entry = pc_of(start, ip) + (v[sp] as u32).min(len) as usize;
                match code.ops.get(entry) {
                    Some(&Op::Br { target, drop, keep }) => {
                        sp = branch(v, sp, drop, keep);
                        ip = op_at(start, target as usize);
                    }
                    _ => return Err(Trap::Host("malformed br_table".into())),
                }
            }
            Op::BrOnNull { target, drop, keep } => {
                if v[sp - 1] == 0 {
                    sp = branch(v, sp - 1, drop, keep);
                    ip = op_at(start, target as usize);
                } else {
                    ip = not_taken(ip);
                }
            }
            Op::BrOnNonNull { target, drop, keep } => {
                if v[sp - 1] != 0 {
                    sp = branch(v, sp, drop, keep);
                    ip = op_at(start, target as usize);
                } else {
                    ip = not_taken(ip);
                    sp -= 1;
                }
            }
            Op::Return => {
                if frames.frames.len() <= frames.entry_depth {
                    break 'frames Exit::Return;
                }
                let n = code.num_results as usize;
                move_down(v, sp - n, base, n);
                sp = base + n;
                match frames.frames.pop() {
                    Some(frame) => {
                        *frames.current = frame.code;
                        let caller_base = frame.base as usize;
                        sp = frame_base + n - caller_base;
                        frame_base = caller_base;
                        // Where its call stopped; checked all the same, as
                        // the frame loop's entry would.
                        let caller_pc = frame.pc as usize;
                        if caller_pc >= frames.current.ops.len() {
                            return Err(Trap::Host(format!("pc {caller_pc} out of range")));
                        }
                        enter!(caller_pc);
                    }
                    None => break 'frames Exit::Return,
                }
            }

            // --- calls -------------------------------------------------
            Op::Call(func) => call!(func),
            Op::CallHost(func) => break 'frames Exit::Call(func),
            Op::CallIndirect { table, ty } => {
                sp -= 1;
                call!(resolve_indirect(store, table, v[sp], ty)?);
            }
            Op::CallRef => {
                sp -= 1;
                call!(func_ref(v[sp])?);
            }
            Op::ReturnCall(func) | Op::ReturnCallHost(func) => break 'frames Exit::TailCall(func),
            Op::ReturnCallIndirect { table, ty } => {
                sp -= 1;
                break 'frames Exit::TailCall(resolve_indirect(store, table, v[sp], ty)?);
            }
            Op::ReturnCallRef => {
                sp -= 1;
                break 'frames Exit::TailCall(func_ref(v[sp])?);
            }

            Op::LoopHeader(_) => {
                if frames.interp.codes.tick(code.func) {
                    break 'frames Exit::HotLoop;
                }
            }
            Op::Check => store.interruption.check()?,

            // --- exceptions ------------------------------------------
            Op::Throw(tag) => {
                let n = store.tags[tag.0 as usize].sig.params.len();
                sp -= n;
                let exn = store.alloc_exn(tag, v.to_vec(sp, sp + n).into());
                break 'frames Exit::Throw(exn);
            }
            // The common switches here (`cont_fast.rs`); the rest, and
            // these where the common case does not hold, in `cont.rs`.
            // `Exit::Cont` goes through `black_box`: as a constant, LLVM
            // loaded it into a register in the dispatch head, once per op
            // of every kind, for these arms to share (and took a register
            // from the loop).
            Op::Resume(site) if frames.switches => fast_cont!(fast_resume, site),
            Op::Suspend(tag) if frames.switches => fast_cont!(fast_suspend, tag),
            Op::Switch(site) if frames.switches => fast_cont!(fast_switch, site),
            Op::ContNew if frames.switches => {
                // `sp - 1` holds the function reference, then the handle.
                let mut at = here!();
                match frames.fast_cont_new(store, &mut at) {
                    Ok(true) => {
                        pc = at.pc;
                        continue 'frames;
                    }
                    Ok(false) => break 'frames std::hint::black_box(Exit::Cont),
                    Err(trap) => {
                        *regs = at;
                        return Err(trap);
                    }
                }
            }
            Op::ContNew
            | Op::ContBind(_)
            | Op::Suspend(_)
            | Op::Resume(_)
            | Op::ResumeThrow(_)
            | Op::ResumeThrowRef(_)
            | Op::Switch(_) => break 'frames std::hint::black_box(Exit::Cont),
            Op::ThrowRef => {
                sp -= 1;
                match v[sp] {
                    0 => return Err(Trap::NullExceptionReference),
                    r => break 'frames Exit::Throw(ExnAddr((r - 1) as u32)),
                }
            }

            // --- stack, locals, globals, references --------------------
            Op::Drop => sp -= 1,
            Op::Select => {
                sp -= 2;
                if v[sp + 1] as u32 == 0 {
                    v[sp - 1] = v[sp];
                }
            }
            Op::LocalGet(i) => {
                v[sp] = v[base + i as usize];
                sp += 1;
            }
            Op::LocalSet(i) => {
                sp -= 1;
                v[base + i as usize] = v[sp];
            }
            Op::LocalTee(i) => v[base + i as usize] = v[sp - 1],
            Op::GlobalGet(g) => {
                v[sp] = store.globals[g.0 as usize].get();
                sp += 1;
            }
            Op::GlobalSet(g) => {
                sp -= 1;
                store.globals[g.0 as usize].set(v[sp]);
            }
            Op::Const(raw) => {
                v[sp] = raw;
                sp += 1;
            }
            Op::RefFunc(func) => {
                v[sp] = func.0 as u64 + 1;
                sp += 1;
            }
            Op::RefIsNull => unary(v, sp, |r| (r == 0) as u64),
            Op::RefAsNonNull => {
                if v[sp - 1] == 0 {
                    return Err(Trap::NullReference);
                }
            }
            Op::RefEq => u64_compare(v, &mut sp, |a, b| a == b),

            // --- fused ---------------------------------------------------
            Op::BrIfZero { target, drop, keep } => {
                sp -= 1;
                if v[sp] as u32 == 0 {
                    sp = branch(v, sp, drop, keep);
                    ip = op_at(start, target as usize);
                } else {
                    ip = not_taken(ip);
                }
            }
            Op::JumpIfNonZero(target) => {
                sp -= 1;
                ip = branch_to(v[sp] as u32 != 0, start, target, ip);
            }
            Op::LocalGet2(a, b) => {
                v[sp] = v[base + a as usize];
                v[sp + 1] = v[base + b as usize];
                sp += 2;
            }
            Op::LocalCopy { from, to } => v[base + to as usize] = v[base + from as usize],
            Op::LocalSetConst { local, value } => v[base + local as usize] = value,
            Op::ConstLocalGet { local, value } => {
                v[sp] = value;
                v[sp + 1] = v[base + local as usize];
                sp += 2;
            }
            Op::LocalsI32Add(a, b) => {
                let sum = (v[base + a as usize] as i32).wrapping_add(v[base + b as usize] as i32);
                v[sp] = from_i32(sum);
                sp += 1;
            }
            Op::LocalTeeGet(a, b) => {
                v[base + a as usize] = v[sp - 1];
                v[sp] = v[base + b as usize];
                sp += 1;
            }
            Op::LocalSetI32AddImm { dst, src, imm } => {
                let sum = (v[base + src as usize] as i32).wrapping_add(imm);
                v[base + dst as usize] = from_i32(sum);
            }
            Op::BrIfLocalsI32 { cmp, a, b, target } => {
                ip = branch_to(cmp.holds(v[base + a as usize] as u32, v[base + b as usize] as u32), start, target, ip);
            }
            Op::BrIfLocalI32Imm { cmp, local, imm, target } => {
                ip = branch_to(cmp.holds(v[base + local as usize] as u32, imm as u32), start, target, ip);
            }
            Op::BrIfTeeEq { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::Eq),
            Op::BrIfTeeNe { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::Ne),
            Op::BrIfTeeLtS { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::LtS),
            Op::BrIfTeeLtU { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::LtU),
            Op::BrIfTeeGtS { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::GtS),
            Op::BrIfTeeGtU { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::GtU),
            Op::BrIfTeeLeS { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::LeS),
            Op::BrIfTeeLeU { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::LeU),
            Op::BrIfTeeGeS { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::GeS),
            Op::BrIfTeeGeU { tee, b, target } => br_tee!(v, tee, b, target, I32Cmp::GeU),
            Op::LocalTeeI32AddImm { dst, src, imm } => {
                let sum = from_i32((v[base + src as usize] as i32).wrapping_add(imm));
                v[base + dst as usize] = sum;
                v[sp] = sum;
                sp += 1;
            }
            Op::LocalsI32AddSet { a, b, dst } => {
                let sum = (v[base + a as usize] as i32).wrapping_add(v[base + b as usize] as i32);
                v[base + dst as usize] = from_i32(sum);
            }
            Op::I32AddLocal(local) => {
                let sum = (v[sp - 1] as i32).wrapping_add(v[base + local as usize] as i32);
                v[sp - 1] = from_i32(sum);
            }
            Op::I32SubLocal(local) => v[sp - 1] = from_i32((v[sp - 1] as i32).wrapping_sub(v[base + local as usize] as i32)),
            Op::I32MulLocal(local) => v[sp - 1] = from_i32((v[sp - 1] as i32).wrapping_mul(v[base + local as usize] as i32)),
            Op::I32AndLocal(local) => v[sp - 1] = from_i32((v[sp - 1] as i32) & (v[base + local as usize] as i32)),
            Op::I32OrLocal(local) => v[sp - 1] = from_i32((v[sp - 1] as i32) | (v[base + local as usize] as i32)),
            Op::I32XorLocal(local) => v[sp - 1] = from_i32((v[sp - 1] as i32) ^ (v[base + local as usize] as i32)),
            Op::I64AddLocal(local) => v[sp - 1] = (v[sp - 1] as i64).wrapping_add(v[base + local as usize] as i64) as u64,
            Op::I64SubLocal(local) => v[sp - 1] = (v[sp - 1] as i64).wrapping_sub(v[base + local as usize] as i64) as u64,
            Op::I64MulLocal(local) => v[sp - 1] = (v[sp - 1] as i64).wrapping_mul(v[base + local as usize] as i64) as u64,
            Op::F64AddLocal(local) => v[sp - 1] = (f64::from_bits(v[sp - 1]) + f64::from_bits(v[base + local as usize])).to_bits(),
            Op::F64AddSet(local) => {
                sp -= 2;
                v[base + local as usize] = (f64::from_bits(v[sp]) + f64::from_bits(v[sp + 1])).to_bits();
            }
            Op::F64MulLocal(local) => v[sp - 1] = (f64::from_bits(v[sp - 1]) * f64::from_bits(v[base + local as usize])).to_bits(),
            Op::F64SubLocal(local) => v[sp - 1] = (f64::from_bits(v[sp - 1]) - f64::from_bits(v[base + local as usize])).to_bits(),
            Op::F64DivLocal(local) => v[sp - 1] = (f64::from_bits(v[sp - 1]) / f64::from_bits(v[base + local as usize])).to_bits(),
            Op::F64AddConst(c) => v[sp - 1] = (f64::from_bits(v[sp - 1]) + f64::from_bits(c)).to_bits(),
            Op::F64SubConst(c) => v[sp - 1] = (f64::from_bits(v[sp - 1]) - f64::from_bits(c)).to_bits(),
            Op::F64MulConst(c) => v[sp - 1] = (f64::from_bits(v[sp - 1]) * f64::from_bits(c)).to_bits(),
            Op::F64DivConst(c) => v[sp - 1] = (f64::from_bits(v[sp - 1]) / f64::from_bits(c)).to_bits(),
            Op::I32AddShl(k) => {
                sp -= 1;
                let shifted = (v[sp] as i32).wrapping_shl(k as u32);
                v[sp - 1] = from_i32((v[sp - 1] as i32).wrapping_add(shifted));
            }
            Op::LocalI32AddImm { local, imm } => {
                v[sp] = from_i32((v[base + local as usize] as i32).wrapping_add(imm));
                sp += 1;
            }

            })
        }
    };
    *regs = here!();
    Ok(exit)
}

/// The op at index `pc` of the code starting at `start` (a pointer
/// computation only: the op loop reads through it where the translator's
/// `check_pcs` and the entry check keep it in range).
#[inline(always)]
pub(super) fn op_at(start: *const Op, pc: usize) -> *const Op {
    start.wrapping_add(pc)
}

/// The op to run after a conditional branch at `next` (the op after it):
/// `target` when `taken`, else `next` through [`not_taken`].
#[inline(always)]
pub(super) fn branch_to(taken: bool, start: *const Op, target: u32, next: *const Op) -> *const Op {
    if taken {
        op_at(start, target as usize)
    } else {
        not_taken(next)
    }
}

/// The op after a conditional branch that is not taken (`next`, unchanged),
/// through an empty `asm!` that LLVM cannot see through, so that the path
/// not taken is a block of its own. Without it every such path of the op
/// loop's branch arms jumps to the loop's shared head, which tail
/// duplication does not copy into a block with two successors, and which
/// moves registers in and out of spill slots on the way (18 instructions
/// more per branch not taken). With it each path dispatches in place, as
/// the path taken does. Elsewhere (wasm32 has no stable `asm!`) `next`
/// comes back as it is, and the path goes through the shared head.
#[inline(always)]
pub(super) fn not_taken(next: *const Op) -> *const Op {
    #[cfg(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    ))]
    {
        let mut next = next;
        // SAFETY: the template is a comment: no instruction runs, no memory
        // or flag is touched, and `next` leaves in the register it came in.
        #[allow(
            clippy::pointers_in_nomem_asm_block,
            reason = "the pointer passes through; nothing is read through it"
        )]
        unsafe {
            std::arch::asm!("/* {0} */", inout(reg) next, options(pure, nomem, nostack, preserves_flags));
        }
        next
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64"
    )))]
    next
}

/// The index of the op at `ip` in the code starting at `start`.
#[inline(always)]
fn pc_of(start: *const Op, ip: *const Op) -> usize {
    (ip as usize - start as usize) / std::mem::size_of::<Op>()
}
