//! Peephole fusion: common adjacent op pairs become one op, saving a
//! dispatch each time they run.
//!
//! ```text
//!   Const(c)    + I32Add        ─▶ I32AddImm(c)          (all i32/i64 binary ops)
//!   LocalGet(a) + I32AddImm(c)  ─▶ LocalI32AddImm { a, c }
//!   LocalGet(a) + LocalGet(b)   ─▶ LocalGet2(a, b)
//!   LocalGet(a) + LocalSet(b)   ─▶ LocalCopy { a → b }
//!   Const(c)    + LocalSet(l)   ─▶ LocalSetConst { l, c }
//!   I32Eqz      + BrIf          ─▶ BrIfZero
//!   I32Eqz      + JumpIfZero    ─▶ JumpIfNonZero
//!   I32LtS      + BrIf (drop 0) ─▶ BrIfI32LtS            (all i32/i64 comparisons)
//!   I32LtS      + JumpIfZero    ─▶ BrIfI32GeS            (negated: `if` skips when false)
//!   Const(c)    + LocalGet(l)   ─▶ ConstLocalGet, then + I32Add ─▶ LocalI32AddImm
//!   LocalGet2(a, b) + I32Add    ─▶ LocalsI32Add(a, b)
//!   I32LtSImm(c) + BrIf/JumpIfZero ─▶ BrIfI32LtSImm / BrIfI32GeSImm
//!   LocalTee(a) + LocalGet(b)   ─▶ LocalTeeGet(a, b)
//!   LocalGet(a) + I32SubImm(c)  ─▶ LocalI32AddImm { a, -c }
//!   LocalI32AddImm + LocalSet   ─▶ LocalSetI32AddImm     (i += c)
//!   LocalsI32Add + LocalSet     ─▶ LocalsI32AddSet       (d = a + b)
//!   LocalI32AddImm + LocalTee   ─▶ LocalTeeI32AddImm     (d = s + c, pushed)
//!   Const(c)    + Store8/Store32 ─▶ Store8Imm / Store32Imm (u32 offsets)
//!   LocalGet(a) + I32Add        ─▶ I32AddLocal(a)        (also sub/mul/and/or/xor,
//!                                                       i64 add/sub/mul, f64 add/sub/mul/div)
//!   Const(c)    + F64Add        ─▶ F64AddConst(c)        (also sub/mul/div)
//!   I32AddImm(c) + I64Load/I32Load ─▶ I64LoadAddImm / I32LoadAddImm (load at top + c,
//!                                                       wrapped in i32, + offset)
//!   I32ShlImm(k) + I32Add       ─▶ I32AddShl(k)          (a + (b << k))
//!   LocalGet2(a, b) + BrIfI32GtU ─▶ BrIfLocalsI32 { GtU, a, b } (all ten)
//!   LocalTeeGet(a, b) + BrIfI32LtS ─▶ BrIfTeeLtS { a, b }     (all ten)
//!   LocalGet(l) + BrIfI32GeUImm ─▶ BrIfLocalI32Imm { GeU, l } (all ten)
//!   LocalGet(l) + I32Load/I64Load ─▶ I32LoadLocal / I64LoadLocal (u32 offsets)
//!   I32LoadLocal + LocalSet     ─▶ I32LoadLocalSet       (u16 memory address)
//!   LocalsI32Add + I64Load      ─▶ I64LoadLocals         (load at a + b)
//!   I64LoadLocals + F64Mul      ─▶ F64MulLoadLocals      (top * f64 at a + b)
//!   LocalI32AddImm + Store8Imm  ─▶ Store8ImmAt           (offset 0: store at l + c)
//!   LocalI32AddImm + I32Load8U  ─▶ I32Load8UAt           (load a byte at l + c)
//!   LocalI32AddImm + I64Load    ─▶ I64LoadAt             (i64/f64 at l + c)
//!   F64Add      + LocalSet(l)   ─▶ F64AddSet(l)          (sum = a + b)
//!   I32Eqz      + I32Add        ─▶ I32AddEqz             (n += x == 0)
//!   LocalI32AddImm + Store32Local ─▶ Store32LocalAt      (store local v at a + c)
//!   LocalGet2(a, v) + Store32   ─▶ Store32Locals         (store local v at local a)
//!   LocalGet(v) + Store32       ─▶ Store32Local          (store local v, address popped)
//!   I32AddRI(dst) + LocalCopy { dst → b } ─▶ I32AddRITee (the sum in both locals)
//!   Jump/Br to a Return         ─▶ Return            (after labels resolve)
//! ```
//!
//! The translator fuses only when no label lands between the two ops (a
//! branch to the second op would otherwise skip half of the fused one).

use crate::op::{BinImmTee, Op};

mod branch;

/// Whether a raw i64 constant survives the round trip through i32.
fn fits_i32(raw: u64) -> bool {
    i32::try_from(raw as i64).is_ok()
}

/// A memory address and static offset narrowed to the fields of the fused
/// memory ops that carry three more operands, if they fit.
fn narrow(mem: u32, offset: u64) -> Option<(u16, u32)> {
    Some((u16::try_from(mem).ok()?, u32::try_from(offset).ok()?))
}

/// The fused form of `prev` followed by `next`, if there is one.
pub(super) fn fuse(prev: Op, next: Op) -> Option<Op> {
    use Op::*;
    if let Some(fused) = branch::fuse_branch(prev, next) {
        return Some(fused);
    }
    Some(match (prev, next) {
        (Const(c), I32Add) => I32AddImm(c as u32 as i32),
        (Const(c), I32Sub) => I32SubImm(c as u32 as i32),
        (Const(c), I32Mul) => I32MulImm(c as u32 as i32),
        (Const(c), I32And) => I32AndImm(c as u32 as i32),
        (Const(c), I32Or) => I32OrImm(c as u32 as i32),
        (Const(c), I32Xor) => I32XorImm(c as u32 as i32),
        (Const(c), I32Shl) => I32ShlImm(c as u32 as i32),
        (Const(c), I32ShrS) => I32ShrSImm(c as u32 as i32),
        (Const(c), I32ShrU) => I32ShrUImm(c as u32 as i32),
        (Const(c), I32Eq) => I32EqImm(c as u32 as i32),
        (Const(c), I32Ne) => I32NeImm(c as u32 as i32),
        (Const(c), I32LtS) => I32LtSImm(c as u32 as i32),
        (Const(c), I32LtU) => I32LtUImm(c as u32 as i32),
        (Const(c), I32GtS) => I32GtSImm(c as u32 as i32),
        (Const(c), I32GtU) => I32GtUImm(c as u32 as i32),
        (Const(c), I32LeS) => I32LeSImm(c as u32 as i32),
        (Const(c), I32LeU) => I32LeUImm(c as u32 as i32),
        (Const(c), I32GeS) => I32GeSImm(c as u32 as i32),
        (Const(c), I32GeU) => I32GeUImm(c as u32 as i32),
        (Const(c), I64Add) if fits_i32(c) => I64AddImm(c as i64 as i32),
        (Const(c), I64Sub) if fits_i32(c) => I64SubImm(c as i64 as i32),
        (Const(c), I64Mul) if fits_i32(c) => I64MulImm(c as i64 as i32),
        (Const(c), I64And) if fits_i32(c) => I64AndImm(c as i64 as i32),
        (Const(c), I64Or) if fits_i32(c) => I64OrImm(c as i64 as i32),
        (Const(c), I64Xor) if fits_i32(c) => I64XorImm(c as i64 as i32),
        (Const(c), I64Shl) if fits_i32(c) => I64ShlImm(c as i64 as i32),
        (Const(c), I64ShrS) if fits_i32(c) => I64ShrSImm(c as i64 as i32),
        (Const(c), I64ShrU) if fits_i32(c) => I64ShrUImm(c as i64 as i32),
        (Const(c), I64Eq) if fits_i32(c) => I64EqImm(c as i64 as i32),
        (Const(c), I64Ne) if fits_i32(c) => I64NeImm(c as i64 as i32),
        (Const(c), I64LtS) if fits_i32(c) => I64LtSImm(c as i64 as i32),
        (Const(c), I64LtU) if fits_i32(c) => I64LtUImm(c as i64 as i32),
        (Const(c), I64GtS) if fits_i32(c) => I64GtSImm(c as i64 as i32),
        (Const(c), I64GtU) if fits_i32(c) => I64GtUImm(c as i64 as i32),
        (Const(c), I64LeS) if fits_i32(c) => I64LeSImm(c as i64 as i32),
        (Const(c), I64LeU) if fits_i32(c) => I64LeUImm(c as i64 as i32),
        (Const(c), I64GeS) if fits_i32(c) => I64GeSImm(c as i64 as i32),
        (Const(c), I64GeU) if fits_i32(c) => I64GeUImm(c as i64 as i32),
        (LocalGet(local), I32AddImm(imm)) => LocalI32AddImm { local, imm },
        (LocalGet(local), I32SubImm(imm)) => LocalI32AddImm {
            local,
            imm: imm.wrapping_neg(),
        },
        (LocalGet(a), LocalGet(b)) => LocalGet2(a, b),
        (LocalGet(from), LocalSet(to)) => LocalCopy { from, to },
        (Const(value), LocalSet(local)) => LocalSetConst { local, value },
        (Const(value), LocalGet(local)) => ConstLocalGet { local, value },
        (ConstLocalGet { local, value }, I32Add) => LocalI32AddImm {
            local,
            imm: value as u32 as i32,
        },
        (LocalGet2(a, b), I32Add) => LocalsI32Add(a, b),
        (LocalTee(a), LocalGet(b)) => LocalTeeGet(a, b),
        (LocalI32AddImm { local, imm }, LocalSet(dst)) => LocalSetI32AddImm {
            dst,
            src: local,
            imm,
        },
        (LocalsI32Add(a, b), LocalSet(dst)) => LocalsI32AddSet { a, b, dst },
        (LocalGet(local), I32Load { mem, offset }) if offset <= u32::MAX as u64 => I32LoadLocal {
            local,
            mem,
            offset: offset as u32,
        },
        (LocalGet(local), I64Load { mem, offset }) if offset <= u32::MAX as u64 => I64LoadLocal {
            local,
            mem,
            offset: offset as u32,
        },
        (I32LoadLocal { local, mem, offset }, LocalSet(dst)) if mem <= u16::MAX as u32 => {
            I32LoadLocalSet {
                mem: mem as u16,
                local,
                dst,
                offset,
            }
        }
        (LocalsI32Add(a, b), I64Load { mem, offset })
            if mem <= u16::MAX as u32 && offset <= u32::MAX as u64 =>
        {
            I64LoadLocals {
                mem: mem as u16,
                a,
                b,
                offset: offset as u32,
            }
        }
        (
            LocalI32AddImm { local, imm },
            Store8Imm {
                mem,
                offset: 0,
                value,
            },
        ) if mem <= u16::MAX as u32 => Store8ImmAt {
            mem: mem as u16,
            local,
            imm,
            value,
        },
        (
            LocalI32AddImm { local, imm },
            load @ (I32Load8U { mem, offset } | I64Load { mem, offset }),
        ) => {
            let (mem, offset) = narrow(mem, offset)?;
            match load {
                I32Load8U { .. } => I32Load8UAt {
                    mem,
                    local,
                    imm,
                    offset,
                },
                _ => I64LoadAt {
                    mem,
                    local,
                    imm,
                    offset,
                },
            }
        }
        (I64LoadLocals { mem, a, b, offset }, F64Mul) => F64MulLoadLocals { mem, a, b, offset },
        (F64Add, LocalSet(local)) => F64AddSet(local),
        (I32Eqz, I32Add) => I32AddEqz,
        (LocalI32AddImm { local, imm }, Store32Local { mem, val, offset }) => Store32LocalAt {
            mem: u16::try_from(mem).ok()?,
            addr: u16::try_from(local).ok()?,
            val: u16::try_from(val).ok()?,
            imm,
            offset,
        },
        (LocalI32AddImm { local, imm }, LocalTee(dst)) => LocalTeeI32AddImm {
            dst,
            src: local,
            imm,
        },
        (Const(value), Store8 { mem, offset }) if offset <= u32::MAX as u64 => Store8Imm {
            mem,
            offset: offset as u32,
            value: value as u32,
        },
        (Const(value), Store32 { mem, offset }) if offset <= u32::MAX as u64 => Store32Imm {
            mem,
            offset: offset as u32,
            value: value as u32,
        },
        (LocalGet2(addr, val), Store32 { mem, offset }) => {
            let (mem, offset) = narrow(mem, offset)?;
            Store32Locals {
                mem,
                addr,
                val,
                offset,
            }
        }
        (LocalGet(val), Store32 { mem, offset }) if offset <= u32::MAX as u64 => Store32Local {
            mem,
            val,
            offset: offset as u32,
        },
        (I32AddRI(o), LocalCopy { from, to }) if from == u32::from(o.dst) => {
            I32AddRITee(BinImmTee {
                imm: o.imm,
                dst: o.dst,
                a: o.a,
                also: u16::try_from(to).ok()?,
            })
        }
        (LocalGet(local), I32Add) => I32AddLocal(local),
        (LocalGet(local), I32Sub) => I32SubLocal(local),
        (LocalGet(local), I32Mul) => I32MulLocal(local),
        (LocalGet(local), I32And) => I32AndLocal(local),
        (LocalGet(local), I32Or) => I32OrLocal(local),
        (LocalGet(local), I32Xor) => I32XorLocal(local),
        (LocalGet(local), I64Add) => I64AddLocal(local),
        (LocalGet(local), I64Sub) => I64SubLocal(local),
        (LocalGet(local), I64Mul) => I64MulLocal(local),
        (LocalGet(local), F64Add) => F64AddLocal(local),
        (LocalGet(local), F64Mul) => F64MulLocal(local),
        (LocalGet(local), F64Sub) => F64SubLocal(local),
        (LocalGet(local), F64Div) => F64DivLocal(local),
        (Const(c), F64Add) => F64AddConst(c),
        (Const(c), F64Sub) => F64SubConst(c),
        (Const(c), F64Mul) => F64MulConst(c),
        (Const(c), F64Div) => F64DivConst(c),
        (I32AddImm(imm), I64Load { mem, offset }) => {
            let (mem, offset) = narrow(mem, offset)?;
            I64LoadAddImm { mem, imm, offset }
        }
        (I32AddImm(imm), I32Load { mem, offset }) => {
            let (mem, offset) = narrow(mem, offset)?;
            I32LoadAddImm { mem, imm, offset }
        }
        (I32ShlImm(k), I32Add) => I32AddShl(k),
        _ => return None,
    })
}

/// Jump threading into returns: a `Jump` to a `Return`, or a `Br` to a
/// `Return` that keeps exactly the function's results, is a `Return`
/// itself (`Return` takes the top `num_results` slots wherever they are).
/// The `Br` entries of a `BrTable` stay as they are (the table reads them).
pub(super) fn thread_returns(ops: &mut [Op], num_results: u32) {
    let mut i = 0;
    while i < ops.len() {
        let target = match ops[i] {
            Op::Jump(target) => target,
            Op::Br { target, keep, .. } if keep == num_results => target,
            Op::BrTable { len } => {
                i += len as usize + 2;
                continue;
            }
            _ => {
                i += 1;
                continue;
            }
        };
        if ops.get(target as usize) == Some(&Op::Return) {
            ops[i] = Op::Return;
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests;
