//! Compare-and-branch fusions (the rows of the table in `fuse.rs` whose
//! second op branches): a comparison, or `i32.eqz`, followed by `BrIf`
//! or an `if`'s `JumpIfZero` becomes one branching op; a `JumpIfZero`
//! takes the negated comparison (the `if` skips its body when false).
//! Two-operand i32 compare-branches also absorb the locals before them.
//!
//! No pair handled here is also handled by [`super::fuse`]'s other
//! arms, so the order in which the two are tried does not matter.

use crate::op::Op;

/// The fused form of `prev` followed by the branching `next`, if there is one.
pub(super) fn fuse_branch(prev: Op, next: Op) -> Option<Op> {
    use Op::*;
    if let Some(fused) = register_compare_branch(prev, next) {
        return Some(fused);
    }
    if let Some((cmp, target)) = next.i32_compare_branch() {
        match prev {
            LocalGet2(a, b) => return Some(BrIfLocalsI32 { cmp, a, b, target }),
            LocalTeeGet(tee, b) => return Some(Op::br_if_tee(cmp, tee, b, target)),
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
        _ => return None,
    })
}

/// A register-form i32 comparison whose result would be the new top, then
/// `br_if` (dropping nothing) or an `if`: one op that branches on the
/// operands and leaves `sp` below the result it no longer pushes. The
/// translator marks such a comparison with `sp == dst` (`sp` at the
/// result's slot when it runs: its operands are not temporaries).
fn register_compare_branch(prev: Op, next: Op) -> Option<Op> {
    let (cmp, target) = match next {
        Op::BrIf {
            target, drop: 0, ..
        } => (false, target),
        Op::JumpIfZero(target) => (true, target),
        _ => return None,
    };
    let pick = |c: crate::op::I32Cmp| if cmp { c.negated() } else { c };
    if let Some((c, o)) = prev.i32_compare_rr()
        && o.sp == o.dst
    {
        return Some(Op::br_if_rr(pick(c), o.a, o.b, o.dst, target));
    }
    if let Some((c, o)) = prev.i32_compare_ri()
        && o.sp == o.dst
    {
        return Some(Op::BrIfCmpRI {
            cmp: pick(c),
            a: o.a,
            sp: o.dst,
            imm: o.imm,
            target,
        });
    }
    None
}
