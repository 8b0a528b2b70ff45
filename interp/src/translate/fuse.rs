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
//!                                                       i64 add/sub/mul, f64 add/mul)
//!   I32ShlImm(k) + I32Add       ─▶ I32AddShl(k)          (a + (b << k))
//!   LocalGet2(a, b) + BrIfI32GtU ─▶ BrIfLocalsI32 { GtU, a, b } (all ten)
//!   LocalTeeGet(a, b) + BrIfI32LtS ─▶ BrIfTeeI32 { LtS, a, b }  (all ten)
//!   LocalGet(l) + BrIfI32GeUImm ─▶ BrIfLocalI32Imm { GeU, l } (all ten)
//!   LocalGet(l) + I32Load/I64Load ─▶ I32LoadLocal / I64LoadLocal (u32 offsets)
//!   I32LoadLocal + LocalSet     ─▶ I32LoadLocalSet       (u16 memory address)
//!   LocalsI32Add + I64Load      ─▶ I64LoadLocals         (load at a + b)
//!   I64LoadLocals + F64Mul      ─▶ F64MulLoadLocals      (top * f64 at a + b)
//!   LocalI32AddImm + Store8Imm  ─▶ Store8ImmAt           (offset 0: store at l + c)
//!   Jump/Br to a Return         ─▶ Return            (after labels resolve)
//! ```
//!
//! The translator fuses only when no label lands between the two ops (a
//! branch to the second op would otherwise skip half of the fused one).

use crate::op::Op;

/// Whether a raw i64 constant survives the round trip through i32.
fn fits_i32(raw: u64) -> bool {
    i32::try_from(raw as i64).is_ok()
}

/// The fused form of `prev` followed by `next`, if there is one.
pub(super) fn fuse(prev: Op, next: Op) -> Option<Op> {
    use Op::*;
    if let Some((cmp, target)) = next.i32_compare_branch() {
        match prev {
            LocalGet2(a, b) => return Some(BrIfLocalsI32 { cmp, a, b, target }),
            LocalTeeGet(tee, b) => {
                return Some(BrIfTeeI32 {
                    cmp,
                    tee,
                    b,
                    target,
                });
            }
            _ => {}
        }
    }
    if let (LocalGet(local), Some((cmp, imm, target))) = (prev, next.i32_imm_compare_branch()) {
        return Some(BrIfLocalI32Imm {
            cmp,
            local,
            imm,
            target,
        });
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
        (I32Eqz, BrIf { target, drop, keep }) => BrIfZero { target, drop, keep },
        (I32Eqz, JumpIfZero(target)) => JumpIfNonZero(target),
        (
            I32Eq,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32Eq(target),
        (I32Eq, JumpIfZero(target)) => BrIfI32Ne(target),
        (
            I32Ne,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32Ne(target),
        (I32Ne, JumpIfZero(target)) => BrIfI32Eq(target),
        (
            I32LtS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LtS(target),
        (I32LtS, JumpIfZero(target)) => BrIfI32GeS(target),
        (
            I32LtU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LtU(target),
        (I32LtU, JumpIfZero(target)) => BrIfI32GeU(target),
        (
            I32GtS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GtS(target),
        (I32GtS, JumpIfZero(target)) => BrIfI32LeS(target),
        (
            I32GtU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GtU(target),
        (I32GtU, JumpIfZero(target)) => BrIfI32LeU(target),
        (
            I32LeS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LeS(target),
        (I32LeS, JumpIfZero(target)) => BrIfI32GtS(target),
        (
            I32LeU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LeU(target),
        (I32LeU, JumpIfZero(target)) => BrIfI32GtU(target),
        (
            I32GeS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GeS(target),
        (I32GeS, JumpIfZero(target)) => BrIfI32LtS(target),
        (
            I32GeU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GeU(target),
        (I32GeU, JumpIfZero(target)) => BrIfI32LtU(target),
        (
            I64Eq,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64Eq(target),
        (I64Eq, JumpIfZero(target)) => BrIfI64Ne(target),
        (
            I64Ne,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64Ne(target),
        (I64Ne, JumpIfZero(target)) => BrIfI64Eq(target),
        (
            I64LtS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64LtS(target),
        (I64LtS, JumpIfZero(target)) => BrIfI64GeS(target),
        (
            I64LtU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64LtU(target),
        (I64LtU, JumpIfZero(target)) => BrIfI64GeU(target),
        (
            I64GtS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64GtS(target),
        (I64GtS, JumpIfZero(target)) => BrIfI64LeS(target),
        (
            I64GtU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64GtU(target),
        (I64GtU, JumpIfZero(target)) => BrIfI64LeU(target),
        (
            I64LeS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64LeS(target),
        (I64LeS, JumpIfZero(target)) => BrIfI64GtS(target),
        (
            I64LeU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64LeU(target),
        (I64LeU, JumpIfZero(target)) => BrIfI64GtU(target),
        (
            I64GeS,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64GeS(target),
        (I64GeS, JumpIfZero(target)) => BrIfI64LtS(target),
        (
            I64GeU,
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI64GeU(target),
        (I64GeU, JumpIfZero(target)) => BrIfI64LtU(target),
        (Const(value), LocalGet(local)) => ConstLocalGet { local, value },
        (ConstLocalGet { local, value }, I32Add) => LocalI32AddImm {
            local,
            imm: value as u32 as i32,
        },
        (LocalGet2(a, b), I32Add) => LocalsI32Add(a, b),
        (
            I32EqImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32EqImm { target, imm },
        (I32EqImm(imm), JumpIfZero(target)) => BrIfI32NeImm { target, imm },
        (
            I32NeImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32NeImm { target, imm },
        (I32NeImm(imm), JumpIfZero(target)) => BrIfI32EqImm { target, imm },
        (
            I32LtSImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LtSImm { target, imm },
        (I32LtSImm(imm), JumpIfZero(target)) => BrIfI32GeSImm { target, imm },
        (
            I32LtUImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LtUImm { target, imm },
        (I32LtUImm(imm), JumpIfZero(target)) => BrIfI32GeUImm { target, imm },
        (
            I32GtSImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GtSImm { target, imm },
        (I32GtSImm(imm), JumpIfZero(target)) => BrIfI32LeSImm { target, imm },
        (
            I32GtUImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GtUImm { target, imm },
        (I32GtUImm(imm), JumpIfZero(target)) => BrIfI32LeUImm { target, imm },
        (
            I32LeSImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LeSImm { target, imm },
        (I32LeSImm(imm), JumpIfZero(target)) => BrIfI32GtSImm { target, imm },
        (
            I32LeUImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32LeUImm { target, imm },
        (I32LeUImm(imm), JumpIfZero(target)) => BrIfI32GtUImm { target, imm },
        (
            I32GeSImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GeSImm { target, imm },
        (I32GeSImm(imm), JumpIfZero(target)) => BrIfI32LtSImm { target, imm },
        (
            I32GeUImm(imm),
            BrIf {
                target, drop: 0, ..
            },
        ) => BrIfI32GeUImm { target, imm },
        (I32GeUImm(imm), JumpIfZero(target)) => BrIfI32LtUImm { target, imm },
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
        (I64LoadLocals { mem, a, b, offset }, F64Mul) => F64MulLoadLocals { mem, a, b, offset },
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
mod tests {
    use super::*;

    #[test]
    fn constants_fold_into_binary_ops() {
        assert_eq!(
            fuse(Op::Const(0xffff_ffff), Op::I32Add),
            Some(Op::I32AddImm(-1))
        );
        assert_eq!(
            fuse(Op::Const(u64::MAX), Op::I64Sub),
            Some(Op::I64SubImm(-1))
        );
        assert_eq!(
            fuse(Op::Const(1 << 40), Op::I64Add),
            None,
            "too wide for an immediate"
        );
        assert_eq!(fuse(Op::Const(1), Op::F64Add), None);
    }

    #[test]
    fn local_updates_fuse_into_one_op() {
        let add = fuse(Op::LocalGet(3), Op::I32AddImm(8)).expect("fuses");
        assert_eq!(
            fuse(add, Op::LocalSet(3)),
            Some(Op::LocalSetI32AddImm {
                dst: 3,
                src: 3,
                imm: 8
            })
        );
        let sum = fuse(Op::LocalGet2(1, 2), Op::I32Add).expect("fuses");
        assert_eq!(
            fuse(sum, Op::LocalSet(0)),
            Some(Op::LocalsI32AddSet { a: 1, b: 2, dst: 0 })
        );
    }

    #[test]
    fn constant_stores_and_tees_fuse() {
        let store = Op::Store8 { mem: 1, offset: 7 };
        assert_eq!(
            fuse(Op::Const(0x101), store),
            Some(Op::Store8Imm {
                mem: 1,
                offset: 7,
                value: 0x101
            })
        );
        let far = Op::Store32 {
            mem: 0,
            offset: 1 << 33,
        };
        assert_eq!(fuse(Op::Const(1), far), None, "memory64 offset too wide");
        let add = Op::LocalI32AddImm { local: 2, imm: 4 };
        assert_eq!(
            fuse(add, Op::LocalTee(5)),
            Some(Op::LocalTeeI32AddImm {
                dst: 5,
                src: 2,
                imm: 4
            })
        );
    }

    #[test]
    fn local_comparisons_fuse_into_the_branch() {
        let branch = fuse(
            Op::I32GtU,
            Op::BrIf {
                target: 9,
                drop: 0,
                keep: 0,
            },
        )
        .expect("fuses");
        assert_eq!(
            fuse(Op::LocalGet2(1, 2), branch),
            Some(Op::BrIfLocalsI32 {
                cmp: crate::op::I32Cmp::GtU,
                a: 1,
                b: 2,
                target: 9
            })
        );
        assert!(crate::op::I32Cmp::LtS.holds(-1i32 as u32, 0));
        assert!(!crate::op::I32Cmp::LtU.holds(-1i32 as u32, 0));
    }

    #[test]
    fn locals_fuse_into_branches_and_loads() {
        use crate::op::I32Cmp;
        let lt = Op::BrIfI32LtS(4);
        assert_eq!(
            fuse(Op::LocalTeeGet(1, 2), lt),
            Some(Op::BrIfTeeI32 {
                cmp: I32Cmp::LtS,
                tee: 1,
                b: 2,
                target: 4
            })
        );
        let ge = Op::BrIfI32GeUImm { target: 6, imm: 2 };
        assert_eq!(
            fuse(Op::LocalGet(0), ge),
            Some(Op::BrIfLocalI32Imm {
                cmp: I32Cmp::GeU,
                local: 0,
                imm: 2,
                target: 6
            })
        );
        let load = Op::I64Load { mem: 3, offset: 8 };
        assert_eq!(
            fuse(Op::LocalGet(5), load),
            Some(Op::I64LoadLocal {
                local: 5,
                mem: 3,
                offset: 8
            })
        );
    }

    #[test]
    fn addresses_from_locals_fuse_into_memory_ops() {
        let load = fuse(Op::LocalGet(2), Op::I32Load { mem: 1, offset: 4 }).expect("fuses");
        assert_eq!(
            fuse(load, Op::LocalSet(3)),
            Some(Op::I32LoadLocalSet {
                mem: 1,
                local: 2,
                dst: 3,
                offset: 4
            })
        );
        let far = Op::I32LoadLocal {
            local: 2,
            mem: 1 << 16,
            offset: 0,
        };
        assert_eq!(fuse(far, Op::LocalSet(3)), None, "memory address too wide");
        let sum = Op::LocalsI32Add(5, 6);
        let load = Op::I64Load { mem: 0, offset: 8 };
        assert_eq!(
            fuse(sum, load),
            Some(Op::I64LoadLocals {
                mem: 0,
                a: 5,
                b: 6,
                offset: 8
            })
        );
        let load = fuse(sum, load).expect("fuses");
        assert_eq!(
            fuse(load, Op::F64Mul),
            Some(Op::F64MulLoadLocals {
                mem: 0,
                a: 5,
                b: 6,
                offset: 8
            })
        );
        let addr = Op::LocalI32AddImm { local: 1, imm: 64 };
        let store = |offset| Op::Store8Imm {
            mem: 0,
            offset,
            value: 1,
        };
        assert_eq!(
            fuse(addr, store(0)),
            Some(Op::Store8ImmAt {
                mem: 0,
                local: 1,
                imm: 64,
                value: 1
            })
        );
        assert_eq!(fuse(addr, store(1)), None, "a static offset stays apart");
    }

    #[test]
    fn jumps_to_returns_become_returns() {
        let table_entry = Op::Br {
            target: 5,
            drop: 0,
            keep: 1,
        };
        let mut ops = [
            Op::Jump(5),
            Op::Br {
                target: 5,
                drop: 2,
                keep: 1,
            },
            Op::Br {
                target: 5,
                drop: 1,
                keep: 0,
            },
            Op::BrTable { len: 0 },
            table_entry,
            Op::Return,
        ];
        thread_returns(&mut ops, 1);
        assert_eq!(ops[..2], [Op::Return, Op::Return]);
        assert_eq!(
            ops[2],
            Op::Br {
                target: 5,
                drop: 1,
                keep: 0
            },
            "keeps fewer than the results"
        );
        assert_eq!(ops[4], table_entry, "br_table entries stay branches");
    }

    #[test]
    fn branches_keep_their_shape() {
        let br = Op::BrIf {
            target: 7,
            drop: 1,
            keep: 2,
        };
        assert_eq!(
            fuse(Op::I32Eqz, br),
            Some(Op::BrIfZero {
                target: 7,
                drop: 1,
                keep: 2
            })
        );
        assert_eq!(
            fuse(
                Op::BrTable { len: 1 },
                Op::Br {
                    target: 0,
                    drop: 0,
                    keep: 0
                }
            ),
            None
        );
    }
}
