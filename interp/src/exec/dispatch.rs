//! The dispatch loop: one `match` over [`Op`], with pc, sp and base in
//! locals. It returns to the executor only to change the running function
//! (call, return, tail call, throw). Each arm is one step; numeric and memory
//! work is in `numeric.rs` and `memory.rs`.

use super::calls::{call_host, func_ref, resolve_indirect};
use super::memory::{self, load, store_bytes};
use super::numeric::*;
use super::{Executor, State, Transfer};
use crate::code::Op;
use wasmfx_core::num;
use wasmfx_core::{ExnAddr, Trap};

/// Moves the top `keep` slots down over `drop` slots; returns the new sp.
#[inline(always)]
fn branch(values: &mut [u64], sp: usize, drop: u32, keep: u32) -> usize {
    let (drop, keep) = (drop as usize, keep as usize);
    if drop != 0 {
        values.copy_within(sp - keep..sp, sp - keep - drop);
    }
    sp - drop
}

impl Executor<'_> {
    /// Runs ops of the running function until it transfers control.
    pub(super) fn dispatch(&mut self, state: &mut State) -> Result<Transfer, Trap> {
        let code = &*state.code;
        let ops = &*code.ops;
        let values = &mut self.stack.values[..];
        let store = &mut *self.store;
        let (mut pc, mut sp, base) = (state.pc, state.sp, state.base);
        let v = values;
        let transfer = loop {
            let op = ops[pc];
            pc += 1;
            match op {
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
                Op::Return => break Transfer::Return,

                // --- calls -------------------------------------------------
                Op::Call(func) => break Transfer::Call(func),
                Op::CallHost(func) => sp = call_host(store, Some(code.instance), func, v, sp)?,
                Op::CallIndirect { table, ty } => {
                    sp -= 1;
                    break Transfer::Call(resolve_indirect(store, table, v[sp], ty)?);
                }
                Op::CallRef => {
                    sp -= 1;
                    break Transfer::Call(func_ref(v[sp])?);
                }
                Op::ReturnCall(func) | Op::ReturnCallHost(func) => break Transfer::TailCall(func),
                Op::ReturnCallIndirect { table, ty } => {
                    sp -= 1;
                    break Transfer::TailCall(resolve_indirect(store, table, v[sp], ty)?);
                }
                Op::ReturnCallRef => {
                    sp -= 1;
                    break Transfer::TailCall(func_ref(v[sp])?);
                }

                // --- exceptions ------------------------------------------
                Op::Throw(tag) => {
                    let n = store.tags[tag.0 as usize].sig.params.len();
                    sp -= n;
                    let exn = store.alloc_exn(tag, v[sp..sp + n].into());
                    break Transfer::Throw { exn, pc: pc - 1 };
                }
                Op::ThrowRef => {
                    sp -= 1;
                    match v[sp] {
                        0 => return Err(Trap::NullExceptionReference),
                        r => {
                            break Transfer::Throw {
                                exn: ExnAddr((r - 1) as u32),
                                pc: pc - 1,
                            };
                        }
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

                // --- memory ----------------------------------------------
                Op::I32Load { mem, offset } => {
                    let b = load::<4>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = u32::from_le_bytes(b) as u64;
                }
                Op::I64Load { mem, offset } => {
                    v[sp - 1] = u64::from_le_bytes(load::<8>(store, mem, v[sp - 1], offset)?);
                }
                Op::I32Load8S { mem, offset } => {
                    let b = load::<1>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = from_i32(i8::from_le_bytes(b) as i32);
                }
                Op::I32Load8U { mem, offset } | Op::I64Load8U { mem, offset } => {
                    v[sp - 1] = u8::from_le_bytes(load::<1>(store, mem, v[sp - 1], offset)?) as u64;
                }
                Op::I32Load16S { mem, offset } => {
                    let b = load::<2>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = from_i32(i16::from_le_bytes(b) as i32);
                }
                Op::I32Load16U { mem, offset } | Op::I64Load16U { mem, offset } => {
                    let b = load::<2>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = u16::from_le_bytes(b) as u64;
                }
                Op::I64Load8S { mem, offset } => {
                    let b = load::<1>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = i8::from_le_bytes(b) as i64 as u64;
                }
                Op::I64Load16S { mem, offset } => {
                    let b = load::<2>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = i16::from_le_bytes(b) as i64 as u64;
                }
                Op::I64Load32S { mem, offset } => {
                    let b = load::<4>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = i32::from_le_bytes(b) as i64 as u64;
                }
                Op::I64Load32U { mem, offset } => {
                    let b = load::<4>(store, mem, v[sp - 1], offset)?;
                    v[sp - 1] = u32::from_le_bytes(b) as u64;
                }
                Op::Store32 { mem, offset } => {
                    sp -= 2;
                    store_bytes(store, mem, v[sp], offset, (v[sp + 1] as u32).to_le_bytes())?;
                }
                Op::Store64 { mem, offset } => {
                    sp -= 2;
                    store_bytes(store, mem, v[sp], offset, v[sp + 1].to_le_bytes())?;
                }
                Op::Store8 { mem, offset } => {
                    sp -= 2;
                    store_bytes(store, mem, v[sp], offset, (v[sp + 1] as u8).to_le_bytes())?;
                }
                Op::Store16 { mem, offset } => {
                    sp -= 2;
                    store_bytes(store, mem, v[sp], offset, (v[sp + 1] as u16).to_le_bytes())?;
                }
                Op::MemorySize { mem } => {
                    v[sp] = store.memories[mem as usize].size_pages();
                    sp += 1;
                }
                Op::MemoryGrow { mem, is64 } => {
                    v[sp - 1] = memory::memory_grow(store, mem, v[sp - 1], is64);
                }
                Op::MemoryFill { mem } => {
                    sp -= 3;
                    let (dst, value, len) = (v[sp], v[sp + 1] as u8, v[sp + 2]);
                    store.memories[mem as usize].fill(dst, value, len)?;
                }
                Op::MemoryCopy { dst, src } => {
                    sp -= 3;
                    let (d, s, n) = (v[sp], v[sp + 1], v[sp + 2]);
                    store.memory_copy(
                        wasmfx_core::MemAddr(dst),
                        d,
                        wasmfx_core::MemAddr(src),
                        s,
                        n,
                    )?;
                }
                Op::MemoryInit { mem, seg } => {
                    sp -= 3;
                    let args = [v[sp], v[sp + 1], v[sp + 2]];
                    memory::memory_init(store, code.instance, mem, seg, args)?;
                }
                Op::DataDrop(seg) => memory::data_drop(store, code.instance, seg)?,

                // --- tables ------------------------------------------------
                Op::TableGet(table) => v[sp - 1] = store.tables[table as usize].get(v[sp - 1])?,
                Op::TableSet(table) => {
                    sp -= 2;
                    store.tables[table as usize].set(v[sp], v[sp + 1])?;
                }
                Op::TableSize(table) => {
                    v[sp] = store.tables[table as usize].size();
                    sp += 1;
                }
                Op::TableGrow { table, is64 } => {
                    sp -= 1;
                    v[sp - 1] = memory::table_grow(store, table, v[sp - 1], v[sp], is64);
                }
                Op::TableFill(table) => {
                    sp -= 3;
                    store.tables[table as usize].fill(v[sp], v[sp + 1], v[sp + 2])?;
                }
                Op::TableCopy { dst, src } => {
                    sp -= 3;
                    let (d, s, n) = (v[sp], v[sp + 1], v[sp + 2]);
                    store.table_copy(
                        wasmfx_core::TableAddr(dst),
                        d,
                        wasmfx_core::TableAddr(src),
                        s,
                        n,
                    )?;
                }
                Op::TableInit { table, seg } => {
                    sp -= 3;
                    let args = [v[sp], v[sp + 1], v[sp + 2]];
                    memory::table_init(store, code.instance, table, seg, args)?;
                }
                Op::ElemDrop(seg) => memory::elem_drop(store, code.instance, seg)?,

                // --- i32 -------------------------------------------------
                Op::I32Eqz => unary(v, sp, |a| (a as u32 == 0) as u64),
                Op::I32Eq => u32_compare(v, &mut sp, |a, b| a == b),
                Op::I32Ne => u32_compare(v, &mut sp, |a, b| a != b),
                Op::I32LtS => i32_compare(v, &mut sp, |a, b| a < b),
                Op::I32LtU => u32_compare(v, &mut sp, |a, b| a < b),
                Op::I32GtS => i32_compare(v, &mut sp, |a, b| a > b),
                Op::I32GtU => u32_compare(v, &mut sp, |a, b| a > b),
                Op::I32LeS => i32_compare(v, &mut sp, |a, b| a <= b),
                Op::I32LeU => u32_compare(v, &mut sp, |a, b| a <= b),
                Op::I32GeS => i32_compare(v, &mut sp, |a, b| a >= b),
                Op::I32GeU => u32_compare(v, &mut sp, |a, b| a >= b),
                Op::I32Clz => unary(v, sp, |a| (a as u32).leading_zeros() as u64),
                Op::I32Ctz => unary(v, sp, |a| (a as u32).trailing_zeros() as u64),
                Op::I32Popcnt => unary(v, sp, |a| (a as u32).count_ones() as u64),
                Op::I32Add => i32_binary(v, &mut sp, i32::wrapping_add),
                Op::I32Sub => i32_binary(v, &mut sp, i32::wrapping_sub),
                Op::I32Mul => i32_binary(v, &mut sp, i32::wrapping_mul),
                Op::I32DivS => i32_div(v, &mut sp, num::i32_div_s)?,
                Op::I32DivU => i32_div(v, &mut sp, num::i32_div_u)?,
                Op::I32RemS => i32_div(v, &mut sp, num::i32_rem_s)?,
                Op::I32RemU => i32_div(v, &mut sp, num::i32_rem_u)?,
                Op::I32And => i32_binary(v, &mut sp, |a, b| a & b),
                Op::I32Or => i32_binary(v, &mut sp, |a, b| a | b),
                Op::I32Xor => i32_binary(v, &mut sp, |a, b| a ^ b),
                Op::I32Shl => i32_binary(v, &mut sp, |a, b| a.wrapping_shl(b as u32)),
                Op::I32ShrS => i32_binary(v, &mut sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I32ShrU => {
                    i32_binary(v, &mut sp, |a, b| (a as u32).wrapping_shr(b as u32) as i32)
                }
                Op::I32Rotl => i32_binary(v, &mut sp, |a, b| a.rotate_left(b as u32 & 31)),
                Op::I32Rotr => i32_binary(v, &mut sp, |a, b| a.rotate_right(b as u32 & 31)),
                Op::I32Extend8S => unary(v, sp, |a| from_i32(a as i8 as i32)),
                Op::I32Extend16S => unary(v, sp, |a| from_i32(a as i16 as i32)),

                // --- i64 -------------------------------------------------
                Op::I64Eqz => unary(v, sp, |a| (a == 0) as u64),
                Op::I64Eq => u64_compare(v, &mut sp, |a, b| a == b),
                Op::I64Ne => u64_compare(v, &mut sp, |a, b| a != b),
                Op::I64LtS => i64_compare(v, &mut sp, |a, b| a < b),
                Op::I64LtU => u64_compare(v, &mut sp, |a, b| a < b),
                Op::I64GtS => i64_compare(v, &mut sp, |a, b| a > b),
                Op::I64GtU => u64_compare(v, &mut sp, |a, b| a > b),
                Op::I64LeS => i64_compare(v, &mut sp, |a, b| a <= b),
                Op::I64LeU => u64_compare(v, &mut sp, |a, b| a <= b),
                Op::I64GeS => i64_compare(v, &mut sp, |a, b| a >= b),
                Op::I64GeU => u64_compare(v, &mut sp, |a, b| a >= b),
                Op::I64Clz => unary(v, sp, |a| a.leading_zeros() as u64),
                Op::I64Ctz => unary(v, sp, |a| a.trailing_zeros() as u64),
                Op::I64Popcnt => unary(v, sp, |a| a.count_ones() as u64),
                Op::I64Add => i64_binary(v, &mut sp, i64::wrapping_add),
                Op::I64Sub => i64_binary(v, &mut sp, i64::wrapping_sub),
                Op::I64Mul => i64_binary(v, &mut sp, i64::wrapping_mul),
                Op::I64DivS => i64_div(v, &mut sp, num::i64_div_s)?,
                Op::I64DivU => i64_div(v, &mut sp, num::i64_div_u)?,
                Op::I64RemS => i64_div(v, &mut sp, num::i64_rem_s)?,
                Op::I64RemU => i64_div(v, &mut sp, num::i64_rem_u)?,
                Op::I64And => binary(v, &mut sp, |a, b| a & b),
                Op::I64Or => binary(v, &mut sp, |a, b| a | b),
                Op::I64Xor => binary(v, &mut sp, |a, b| a ^ b),
                Op::I64Shl => binary(v, &mut sp, |a, b| a.wrapping_shl(b as u32)),
                Op::I64ShrS => i64_binary(v, &mut sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I64ShrU => binary(v, &mut sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I64Rotl => binary(v, &mut sp, |a, b| a.rotate_left((b & 63) as u32)),
                Op::I64Rotr => binary(v, &mut sp, |a, b| a.rotate_right((b & 63) as u32)),
                Op::I64Extend8S => unary(v, sp, |a| a as i8 as i64 as u64),
                Op::I64Extend16S => unary(v, sp, |a| a as i16 as i64 as u64),
                Op::I64Extend32S => unary(v, sp, |a| a as i32 as i64 as u64),

                // --- f32 -------------------------------------------------
                Op::F32Eq => f32_compare(v, &mut sp, |a, b| a == b),
                Op::F32Ne => f32_compare(v, &mut sp, |a, b| a != b),
                Op::F32Lt => f32_compare(v, &mut sp, |a, b| a < b),
                Op::F32Gt => f32_compare(v, &mut sp, |a, b| a > b),
                Op::F32Le => f32_compare(v, &mut sp, |a, b| a <= b),
                Op::F32Ge => f32_compare(v, &mut sp, |a, b| a >= b),
                Op::F32Abs => unary(v, sp, |a| a & !(F32_SIGN as u64)),
                Op::F32Neg => unary(v, sp, |a| a ^ F32_SIGN as u64),
                Op::F32Ceil => f32_unary(v, sp, f32::ceil),
                Op::F32Floor => f32_unary(v, sp, f32::floor),
                Op::F32Trunc => f32_unary(v, sp, f32::trunc),
                Op::F32Nearest => unary(v, sp, |a| num::f32_nearest(a as u32) as u64),
                Op::F32Sqrt => f32_unary(v, sp, f32::sqrt),
                Op::F32Add => f32_binary(v, &mut sp, |a, b| a + b),
                Op::F32Sub => f32_binary(v, &mut sp, |a, b| a - b),
                Op::F32Mul => f32_binary(v, &mut sp, |a, b| a * b),
                Op::F32Div => f32_binary(v, &mut sp, |a, b| a / b),
                Op::F32Min => binary(v, &mut sp, |a, b| num::f32_min(a as u32, b as u32) as u64),
                Op::F32Max => binary(v, &mut sp, |a, b| num::f32_max(a as u32, b as u32) as u64),
                Op::F32Copysign => binary(v, &mut sp, f32_copysign),

                // --- f64 -------------------------------------------------
                Op::F64Eq => f64_compare(v, &mut sp, |a, b| a == b),
                Op::F64Ne => f64_compare(v, &mut sp, |a, b| a != b),
                Op::F64Lt => f64_compare(v, &mut sp, |a, b| a < b),
                Op::F64Gt => f64_compare(v, &mut sp, |a, b| a > b),
                Op::F64Le => f64_compare(v, &mut sp, |a, b| a <= b),
                Op::F64Ge => f64_compare(v, &mut sp, |a, b| a >= b),
                Op::F64Abs => unary(v, sp, |a| a & !F64_SIGN),
                Op::F64Neg => unary(v, sp, |a| a ^ F64_SIGN),
                Op::F64Ceil => f64_unary(v, sp, f64::ceil),
                Op::F64Floor => f64_unary(v, sp, f64::floor),
                Op::F64Trunc => f64_unary(v, sp, f64::trunc),
                Op::F64Nearest => unary(v, sp, num::f64_nearest),
                Op::F64Sqrt => f64_unary(v, sp, f64::sqrt),
                Op::F64Add => f64_binary(v, &mut sp, |a, b| a + b),
                Op::F64Sub => f64_binary(v, &mut sp, |a, b| a - b),
                Op::F64Mul => f64_binary(v, &mut sp, |a, b| a * b),
                Op::F64Div => f64_binary(v, &mut sp, |a, b| a / b),
                Op::F64Min => binary(v, &mut sp, num::f64_min),
                Op::F64Max => binary(v, &mut sp, num::f64_max),
                Op::F64Copysign => binary(v, &mut sp, f64_copysign),

                // --- conversions -----------------------------------------
                Op::I32WrapI64 => unary(v, sp, |a| a & 0xffff_ffff),
                Op::I32TruncF32S => {
                    unary_trap(v, sp, |a| num::i32_trunc_f32_s(as_f32(a)).map(from_i32))?
                }
                Op::I32TruncF32U => {
                    unary_trap(v, sp, |a| num::i32_trunc_f32_u(as_f32(a)).map(from_i32))?
                }
                Op::I32TruncF64S => {
                    unary_trap(v, sp, |a| num::i32_trunc_f64_s(as_f64(a)).map(from_i32))?
                }
                Op::I32TruncF64U => {
                    unary_trap(v, sp, |a| num::i32_trunc_f64_u(as_f64(a)).map(from_i32))?
                }
                Op::I64ExtendI32S => unary(v, sp, |a| a as i32 as i64 as u64),
                Op::I64TruncF32S => {
                    unary_trap(v, sp, |a| num::i64_trunc_f32_s(as_f32(a)).map(|r| r as u64))?
                }
                Op::I64TruncF32U => {
                    unary_trap(v, sp, |a| num::i64_trunc_f32_u(as_f32(a)).map(|r| r as u64))?
                }
                Op::I64TruncF64S => {
                    unary_trap(v, sp, |a| num::i64_trunc_f64_s(as_f64(a)).map(|r| r as u64))?
                }
                Op::I64TruncF64U => {
                    unary_trap(v, sp, |a| num::i64_trunc_f64_u(as_f64(a)).map(|r| r as u64))?
                }
                Op::F32ConvertI32S => unary(v, sp, |a| from_f32(a as i32 as f32)),
                Op::F32ConvertI32U => unary(v, sp, |a| from_f32(a as u32 as f32)),
                Op::F32ConvertI64S => unary(v, sp, |a| from_f32(a as i64 as f32)),
                Op::F32ConvertI64U => unary(v, sp, |a| from_f32(a as f32)),
                Op::F32DemoteF64 => unary(v, sp, |a| from_f32(as_f64(a) as f32)),
                Op::F64ConvertI32S => unary(v, sp, |a| (a as i32 as f64).to_bits()),
                Op::F64ConvertI32U => unary(v, sp, |a| (a as u32 as f64).to_bits()),
                Op::F64ConvertI64S => unary(v, sp, |a| (a as i64 as f64).to_bits()),
                Op::F64ConvertI64U => unary(v, sp, |a| (a as f64).to_bits()),
                Op::F64PromoteF32 => unary(v, sp, |a| (as_f32(a) as f64).to_bits()),
                Op::I32TruncSatF32S => {
                    unary(v, sp, |a| from_i32(num::i32_trunc_sat_f32_s(as_f32(a))))
                }
                Op::I32TruncSatF32U => {
                    unary(v, sp, |a| from_i32(num::i32_trunc_sat_f32_u(as_f32(a))))
                }
                Op::I32TruncSatF64S => {
                    unary(v, sp, |a| from_i32(num::i32_trunc_sat_f64_s(as_f64(a))))
                }
                Op::I32TruncSatF64U => {
                    unary(v, sp, |a| from_i32(num::i32_trunc_sat_f64_u(as_f64(a))))
                }
                Op::I64TruncSatF32S => unary(v, sp, |a| num::i64_trunc_sat_f32_s(as_f32(a)) as u64),
                Op::I64TruncSatF32U => unary(v, sp, |a| num::i64_trunc_sat_f32_u(as_f32(a)) as u64),
                Op::I64TruncSatF64S => unary(v, sp, |a| num::i64_trunc_sat_f64_s(as_f64(a)) as u64),
                Op::I64TruncSatF64U => unary(v, sp, |a| num::i64_trunc_sat_f64_u(as_f64(a)) as u64),
            }
        };
        state.pc = pc;
        state.sp = sp;
        Ok(transfer)
    }
}
