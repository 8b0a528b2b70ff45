//! The dispatch loop: one `match` over [`Op`] with pc, sp and base in
//! locals. Calls, returns and tail calls switch the running function inside
//! the loop (push or pop a heap [`Frame`], re-borrow the new code's ops);
//! only a throw or the entry function's return leave it.
//!
//! Arms by family: control, calls, locals and fused control ops here; the
//! rest join the same `match` through a chain of macros, one file each:
//!
//! ```text
//!   dispatch.rs ─▶ memory_ops.rs ─▶ int_ops.rs ─▶ float_ops.rs (closes the match)
//! ```

use super::calls::{call_host, func_ref, resolve_indirect};
use super::memory_ops::match_op_with_memory_ops;
use super::numeric::*;
use super::{Executor, State, Transfer};
use crate::cache::Callee;
use crate::op::Op;
use crate::stack::Frame;
use wasmfx_core::num;
use wasmfx_core::{ExnAddr, Trap};

/// Moves the top `keep` slots down over `drop` slots; returns the new sp.
#[inline(always)]
fn branch(values: &mut [u64], sp: usize, drop: u32, keep: u32) -> usize {
    let (drop, keep) = (drop as usize, keep as usize);
    if drop != 0 {
        move_down(values, sp - keep, sp - keep - drop, keep);
    }
    sp - drop
}

/// Copies `n` slots from `from` down to `to` (`to <= from`). A plain loop:
/// `n` is almost always 0 or 1, where a `memmove` call costs more.
#[inline(always)]
fn move_down(values: &mut [u64], from: usize, to: usize, n: usize) {
    for i in 0..n {
        values[to + i] = values[from + i];
    }
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
        let (limit, max_depth) = (self.config.max_value_stack, self.config.max_call_depth);
        let codes = &mut *self.codes;
        let stack = &mut *self.stack;
        let store = &mut *self.store;
        // The running function lives in `state.code` (not a local), so that
        // after a trap it still names the function that trapped.
        let current = &mut state.code;
        let (mut pc, mut sp, mut base) = (state.pc, state.sp, state.base);
        let mut v = &mut stack.values[..];
        let transfer = 'frames: loop {
            let code = &**current;
            let ops = &*code.ops;

            // Starts the function now in `current` with its frame at
            // `$new_base` (arguments already there): reserves its slots and
            // zeroes its declared locals.
            macro_rules! start_frame {
                ($new_base:expr) => {{
                    let new_base = $new_base;
                    let callee = &**current;
                    let needed = new_base + callee.max_height as usize;
                    let locals_end = new_base + callee.num_locals as usize;
                    let params_end = new_base + callee.num_params as usize;
                    if needed > v.len() {
                        stack.reserve(needed, limit)?;
                        v = &mut stack.values[..];
                    }
                    for slot in &mut v[params_end..locals_end] {
                        *slot = 0;
                    }
                    base = new_base;
                    sp = locals_end;
                    pc = 0;
                    continue 'frames;
                }};
            }

            // Returns the top `num_results` values to the caller.
            macro_rules! return_to_caller {
                () => {{
                    let n = code.num_results as usize;
                    move_down(v, sp - n, base, n);
                    sp = base + n;
                    if stack.frames.len() <= entry_depth {
                        break 'frames Transfer::Finished;
                    }
                    match stack.frames.pop() {
                        Some(frame) => {
                            *current = frame.code;
                            pc = frame.pc as usize;
                            base = frame.base as usize;
                            continue 'frames;
                        }
                        None => break 'frames Transfer::Finished,
                    }
                }};
            }

            // Calls `$func`, whose arguments are on top of the stack.
            macro_rules! call {
                ($func:expr) => {{
                    let func = $func;
                    match codes.get(store, func)? {
                        Callee::Host => sp = call_host(store, Some(code.instance), func, v, sp)?,
                        Callee::Wasm(callee) => {
                            if stack.frames.len() >= max_depth {
                                return Err(Trap::CallStackExhausted);
                            }
                            let new_base = sp - callee.num_params as usize;
                            let caller = std::mem::replace(current, callee);
                            stack.frames.push(Frame {
                                code: caller,
                                pc: pc as u32,
                                base: base as u32,
                            });
                            start_frame!(new_base);
                        }
                    }
                }};
            }

            // Replaces the running function by `$func` (`return_call*`).
            macro_rules! tail_call {
                ($func:expr) => {{
                    let func = $func;
                    match codes.get(store, func)? {
                        Callee::Host => {
                            sp = call_host(store, Some(code.instance), func, v, sp)?;
                            return_to_caller!();
                        }
                        Callee::Wasm(callee) => {
                            let n = callee.num_params as usize;
                            move_down(v, sp - n, base, n);
                            *current = callee;
                            start_frame!(base);
                        }
                    }
                }};
            }

            loop {
                let op = ops[pc];
                pc += 1;
                match_op_with_memory_ops!(op, v, sp, pc, store, code, {
                // --- control ---------------------------------------------
                Op::Unreachable => return Err(Trap::Unreachable),
                Op::Unsupported(i) => {
                    let name = code.unsupported.get(i as usize).map_or("?", |n| n);
                    return Err(Trap::Host(format!("unsupported instruction: {name}")));
                }
                Op::Jump(target) => pc = target as usize,
                Op::JumpIfZero(target) => {
                    sp -= 1;
                    if v[sp] as u32 == 0 {
                        pc = target as usize;
                    }
                }
                Op::Br { target, drop, keep } => {
                    sp = branch(v, sp, drop, keep);
                    pc = target as usize;
                }
                Op::BrIf { target, drop, keep } => {
                    sp -= 1;
                    if v[sp] as u32 != 0 {
                        sp = branch(v, sp, drop, keep);
                        pc = target as usize;
                    }
                }
                Op::BrTable { len } => {
                    sp -= 1;
                    let entry = pc + (v[sp] as u32).min(len) as usize;
                    match ops.get(entry) {
                        Some(&Op::Br { target, drop, keep }) => {
                            sp = branch(v, sp, drop, keep);
                            pc = target as usize;
                        }
                        _ => return Err(Trap::Host("malformed br_table".into())),
                    }
                }
                Op::BrOnNull { target, drop, keep } => {
                    if v[sp - 1] == 0 {
                        sp = branch(v, sp - 1, drop, keep);
                        pc = target as usize;
                    }
                }
                Op::BrOnNonNull { target, drop, keep } => {
                    if v[sp - 1] != 0 {
                        sp = branch(v, sp, drop, keep);
                        pc = target as usize;
                    } else {
                        sp -= 1;
                    }
                }
                Op::Return => return_to_caller!(),

                // --- calls -------------------------------------------------
                Op::Call(func) | Op::CallHost(func) => call!(func),
                Op::CallIndirect { table, ty } => {
                    sp -= 1;
                    call!(resolve_indirect(store, table, v[sp], ty)?);
                }
                Op::CallRef => {
                    sp -= 1;
                    call!(func_ref(v[sp])?);
                }
                Op::ReturnCall(func) | Op::ReturnCallHost(func) => tail_call!(func),
                Op::ReturnCallIndirect { table, ty } => {
                    sp -= 1;
                    tail_call!(resolve_indirect(store, table, v[sp], ty)?);
                }
                Op::ReturnCallRef => {
                    sp -= 1;
                    tail_call!(func_ref(v[sp])?);
                }

                // --- exceptions ------------------------------------------
                Op::Throw(tag) => {
                    let n = store.tags[tag.0 as usize].sig.params.len();
                    sp -= n;
                    let exn = store.alloc_exn(tag, v[sp..sp + n].into());
                    break 'frames Transfer::Throw { exn, pc: pc - 1 };
                }
                Op::ContNew
                | Op::ContBind(_)
                | Op::Suspend(_)
                | Op::Resume(_)
                | Op::ResumeThrow(_)
                | Op::ResumeThrowRef(_)
                | Op::Switch(_) => break 'frames Transfer::Cont(op),
                Op::ThrowRef => {
                    sp -= 1;
                    match v[sp] {
                        0 => return Err(Trap::NullExceptionReference),
                        r => break 'frames Transfer::Throw { exn: ExnAddr((r - 1) as u32), pc: pc - 1 },
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
                        pc = target as usize;
                    }
                }
                Op::JumpIfNonZero(target) => {
                    sp -= 1;
                    if v[sp] as u32 != 0 {
                        pc = target as usize;
                    }
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
                Op::F64MulLocal(local) => v[sp - 1] = (f64::from_bits(v[sp - 1]) * f64::from_bits(v[base + local as usize])).to_bits(),
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
        state.pc = pc;
        state.sp = sp;
        state.base = base;
        Ok(transfer)
    }
}
