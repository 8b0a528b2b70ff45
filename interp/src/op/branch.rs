//! Branch targets of [`Op`]: reading and patching the target of any
//! branching op, and decoding the fused compare-and-branch ops into an
//! [`I32Cmp`] and their operands.

use super::Op;

/// An i32 comparison carried as a field by fused ops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum I32Cmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

impl I32Cmp {
    /// The comparison that holds exactly when this one does not.
    pub fn negated(self) -> I32Cmp {
        match self {
            I32Cmp::Eq => I32Cmp::Ne,
            I32Cmp::Ne => I32Cmp::Eq,
            I32Cmp::LtS => I32Cmp::GeS,
            I32Cmp::LtU => I32Cmp::GeU,
            I32Cmp::GtS => I32Cmp::LeS,
            I32Cmp::GtU => I32Cmp::LeU,
            I32Cmp::LeS => I32Cmp::GtS,
            I32Cmp::LeU => I32Cmp::GtU,
            I32Cmp::GeS => I32Cmp::LtS,
            I32Cmp::GeU => I32Cmp::LtU,
        }
    }

    /// Whether `a <cmp> b` holds.
    #[inline(always)]
    pub fn holds(self, a: u32, b: u32) -> bool {
        let (sa, sb) = (a as i32, b as i32);
        match self {
            I32Cmp::Eq => a == b,
            I32Cmp::Ne => a != b,
            I32Cmp::LtS => sa < sb,
            I32Cmp::LtU => a < b,
            I32Cmp::GtS => sa > sb,
            I32Cmp::GtU => a > b,
            I32Cmp::LeS => sa <= sb,
            I32Cmp::LeU => a <= b,
            I32Cmp::GeS => sa >= sb,
            I32Cmp::GeU => a >= b,
        }
    }
}

impl Op {
    /// The comparison and target of a fused two-operand i32
    /// compare-and-branch (`BrIfI32LtS(target)` and its kin).
    pub(crate) fn i32_compare_branch(self) -> Option<(I32Cmp, u32)> {
        Some(match self {
            Op::BrIfI32Eq(t) => (I32Cmp::Eq, t),
            Op::BrIfI32Ne(t) => (I32Cmp::Ne, t),
            Op::BrIfI32LtS(t) => (I32Cmp::LtS, t),
            Op::BrIfI32LtU(t) => (I32Cmp::LtU, t),
            Op::BrIfI32GtS(t) => (I32Cmp::GtS, t),
            Op::BrIfI32GtU(t) => (I32Cmp::GtU, t),
            Op::BrIfI32LeS(t) => (I32Cmp::LeS, t),
            Op::BrIfI32LeU(t) => (I32Cmp::LeU, t),
            Op::BrIfI32GeS(t) => (I32Cmp::GeS, t),
            Op::BrIfI32GeU(t) => (I32Cmp::GeU, t),
            _ => return None,
        })
    }

    /// Sets the branch target of a branching op (used to patch forward
    /// branches once their label's pc is known).
    pub(crate) fn set_target(&mut self, pc: u32) {
        if let Some(target) = self.target_mut() {
            *target = pc;
        }
    }

    /// The branch target of a branching op.
    pub(crate) fn target(mut self) -> Option<u32> {
        self.target_mut().map(|target| *target)
    }

    /// The comparison, immediate and target of a fused i32
    /// compare-with-immediate-and-branch (`BrIfI32LtSImm` and its kin).
    pub(crate) fn i32_imm_compare_branch(self) -> Option<(I32Cmp, i32, u32)> {
        let (cmp, imm, target) = match self {
            Op::BrIfI32EqImm { target, imm } => (I32Cmp::Eq, imm, target),
            Op::BrIfI32NeImm { target, imm } => (I32Cmp::Ne, imm, target),
            Op::BrIfI32LtSImm { target, imm } => (I32Cmp::LtS, imm, target),
            Op::BrIfI32LtUImm { target, imm } => (I32Cmp::LtU, imm, target),
            Op::BrIfI32GtSImm { target, imm } => (I32Cmp::GtS, imm, target),
            Op::BrIfI32GtUImm { target, imm } => (I32Cmp::GtU, imm, target),
            Op::BrIfI32LeSImm { target, imm } => (I32Cmp::LeS, imm, target),
            Op::BrIfI32LeUImm { target, imm } => (I32Cmp::LeU, imm, target),
            Op::BrIfI32GeSImm { target, imm } => (I32Cmp::GeS, imm, target),
            Op::BrIfI32GeUImm { target, imm } => (I32Cmp::GeU, imm, target),
            _ => return None,
        };
        Some((cmp, imm, target))
    }

    /// The register-form compare-and-branch on two slots for `cmp`.
    pub(crate) fn br_if_rr(cmp: I32Cmp, a: u16, b: u16, sp: u16, target: u32) -> Op {
        match cmp {
            I32Cmp::Eq => Op::BrIfEqRR { a, b, sp, target },
            I32Cmp::Ne => Op::BrIfNeRR { a, b, sp, target },
            I32Cmp::LtS => Op::BrIfLtSRR { a, b, sp, target },
            I32Cmp::LtU => Op::BrIfLtURR { a, b, sp, target },
            I32Cmp::GtS => Op::BrIfGtSRR { a, b, sp, target },
            I32Cmp::GtU => Op::BrIfGtURR { a, b, sp, target },
            I32Cmp::LeS => Op::BrIfLeSRR { a, b, sp, target },
            I32Cmp::LeU => Op::BrIfLeURR { a, b, sp, target },
            I32Cmp::GeS => Op::BrIfGeSRR { a, b, sp, target },
            I32Cmp::GeU => Op::BrIfGeURR { a, b, sp, target },
        }
    }

    /// `BrIfTee<cmp>` for `cmp`.
    pub(crate) fn br_if_tee(cmp: I32Cmp, tee: u32, b: u32, target: u32) -> Op {
        match cmp {
            I32Cmp::Eq => Op::BrIfTeeEq { tee, b, target },
            I32Cmp::Ne => Op::BrIfTeeNe { tee, b, target },
            I32Cmp::LtS => Op::BrIfTeeLtS { tee, b, target },
            I32Cmp::LtU => Op::BrIfTeeLtU { tee, b, target },
            I32Cmp::GtS => Op::BrIfTeeGtS { tee, b, target },
            I32Cmp::GtU => Op::BrIfTeeGtU { tee, b, target },
            I32Cmp::LeS => Op::BrIfTeeLeS { tee, b, target },
            I32Cmp::LeU => Op::BrIfTeeLeU { tee, b, target },
            I32Cmp::GeS => Op::BrIfTeeGeS { tee, b, target },
            I32Cmp::GeU => Op::BrIfTeeGeU { tee, b, target },
        }
    }

    fn target_mut(&mut self) -> Option<&mut u32> {
        match self {
            Op::Jump(t) | Op::JumpIfZero(t) | Op::JumpIfNonZero(t) => Some(t),
            Op::BrIfI32EqImm { target: t, .. }
            | Op::BrIfI32NeImm { target: t, .. }
            | Op::BrIfI32LtSImm { target: t, .. }
            | Op::BrIfI32LtUImm { target: t, .. }
            | Op::BrIfI32GtSImm { target: t, .. }
            | Op::BrIfI32GtUImm { target: t, .. }
            | Op::BrIfI32LeSImm { target: t, .. }
            | Op::BrIfI32LeUImm { target: t, .. }
            | Op::BrIfI32GeSImm { target: t, .. }
            | Op::BrIfI32GeUImm { target: t, .. } => Some(t),
            Op::BrIfI32Eq(t)
            | Op::BrIfI32Ne(t)
            | Op::BrIfI32LtS(t)
            | Op::BrIfI32LtU(t)
            | Op::BrIfI32GtS(t)
            | Op::BrIfI32GtU(t)
            | Op::BrIfI32LeS(t)
            | Op::BrIfI32LeU(t)
            | Op::BrIfI32GeS(t)
            | Op::BrIfI32GeU(t)
            | Op::BrIfI64Eq(t)
            | Op::BrIfI64Ne(t)
            | Op::BrIfI64LtS(t)
            | Op::BrIfI64LtU(t)
            | Op::BrIfI64GtS(t)
            | Op::BrIfI64GtU(t)
            | Op::BrIfI64LeS(t)
            | Op::BrIfI64LeU(t)
            | Op::BrIfI64GeS(t)
            | Op::BrIfI64GeU(t) => Some(t),
            Op::Br { target, .. }
            | Op::BrIfZero { target, .. }
            | Op::BrIf { target, .. }
            | Op::BrOnNull { target, .. }
            | Op::BrOnNonNull { target, .. }
            | Op::BrIfLocalsI32 { target, .. }
            | Op::BrIfLocalI32Imm { target, .. }
            | Op::BrIfTeeEq { target, .. }
            | Op::BrIfTeeNe { target, .. }
            | Op::BrIfTeeLtS { target, .. }
            | Op::BrIfTeeLtU { target, .. }
            | Op::BrIfTeeGtS { target, .. }
            | Op::BrIfTeeGtU { target, .. }
            | Op::BrIfTeeLeS { target, .. }
            | Op::BrIfTeeLeU { target, .. }
            | Op::BrIfTeeGeS { target, .. }
            | Op::BrIfTeeGeU { target, .. }
            | Op::BrIfEqRR { target, .. }
            | Op::BrIfNeRR { target, .. }
            | Op::BrIfLtSRR { target, .. }
            | Op::BrIfLtURR { target, .. }
            | Op::BrIfGtSRR { target, .. }
            | Op::BrIfGtURR { target, .. }
            | Op::BrIfLeSRR { target, .. }
            | Op::BrIfLeURR { target, .. }
            | Op::BrIfGeSRR { target, .. }
            | Op::BrIfGeURR { target, .. }
            | Op::BrIfCmpRI { target, .. } => Some(target),
            _ => None,
        }
    }
}
