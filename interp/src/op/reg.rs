//! Register forms: ops that name their operands by slot instead of popping
//! them. A slot is an index from the frame base; locals and operand-stack
//! temporaries share the numbering, so one op covers both:
//!
//! ```text
//!   values:  | base: locals 0 … num_locals-1 | temps: num_locals + height … |
//!   I32AddRR(Bin { dst, a, b, sp })   slot[dst] = slot[a] + slot[b]
//!   I32AddRI(BinImm { dst, a, sp, imm }) slot[dst] = slot[a] + imm
//! ```
//!
//! The translator (`translate/operands.rs`) emits them for binary ops whose
//! operands are locals, constants or temporaries (values on the stack),
//! with the result in a local (`local.set`, `local.tee`), in the temporary
//! where the stack forms would push it, or in a `br_if`/`if` (fused into
//! `BrIf<cmp>RR`/`BrIfCmpRI`), and for `a + (b << k)` on two locals
//! (`I32AddShlRR`, array indexing).
//! Ops that still work on the stack find it as they expect: where the
//! register op leaves the stack's top as it was (operands and result in
//! locals and constants, or a temporary replaced in place), it leaves `sp`
//! alone, and its `sp` field is the height the translator counted, which
//! debug builds check against `sp`. Where it moves the top (it reads
//! temporaries and writes a local, or writes a temporary that was not
//! there), its `…Sp` twin sets `sp` from the field, and debug builds check
//! that its operands are under the old `sp` (written slots). The twins
//! cost a load in the op; in a loop that steps locals, where most register
//! ops run, the plain forms do not pay it (`bash benches/callgrind.sh
//! interp` and matmul's wall time, in the commit that split them).
//!
//! Float constants are operands too: f32 ones as `BinImm` immediates (their
//! bits), f64 ones in `BinConst` (`F64AddRC`, ...). The f64 ops also have a
//! tee form (`BinTee`: the result in a local and a temporary).
//!
//! Slots are u16: a function whose locals and operands need more slots keeps
//! the stack forms.

use super::I32Cmp;

/// `slot[dst] = slot[a] <op> slot[b]`; `sp` is the height it leaves. Aligned so
/// that it fills the op's second word instead of straddling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Bin {
    pub dst: u16,
    pub a: u16,
    pub b: u16,
    pub sp: u16,
}

/// `slot[dst] = slot[a] <op> imm`; `sp` as in [`Bin`]. For i64 ops `imm`
/// is sign-extended; for i32 ops it is the operand's bits. Aligned to end
/// the op, as [`Bin`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(4))]
pub struct BinImm {
    pub imm: i32,
    pub dst: u16,
    pub a: u16,
    pub sp: u16,
}

/// `slot[dst] = slot[a] <op> imm` with an f64 constant's bits (little
/// endian: bytes, so that the op stays 16 bytes); `sp` as in [`Bin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct BinConst {
    pub dst: u16,
    pub a: u16,
    pub sp: u16,
    pub imm: [u8; 8],
}

/// `slot[dst] = slot[also] = slot[a] <op> slot[b]`, then `sp` from the
/// field: a register op whose result a `local.tee` kept (`also`) and that
/// a stack op then wanted on the stack (`dst`, a temporary), instead of a
/// `LocalGet` of the local after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
pub struct BinTee {
    pub dst: u16,
    pub a: u16,
    pub b: u16,
    pub sp: u16,
    pub also: u16,
}

impl BinConst {
    /// Its slots as a [`BinImm`]'s (whose immediate is left 0).
    #[inline(always)]
    pub fn slots(&self) -> BinImm {
        BinImm {
            imm: 0,
            dst: self.dst,
            a: self.a,
            sp: self.sp,
        }
    }
}

/// `slot[dst] = slot[also] = slot[a] + imm` (i32): an `I32AddRI` whose
/// result is copied on to a second local at once (`local.tee dst;
/// local.set also`, a pointer stepped in a loop and kept in two locals).
/// Laid out as [`BinImm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(4))]
pub struct BinImmTee {
    pub imm: i32,
    pub dst: u16,
    pub a: u16,
    pub also: u16,
}

impl super::Op {
    /// The comparison and operands of a register-form i32 comparison.
    pub(crate) fn i32_compare_rr(self) -> Option<(I32Cmp, Bin)> {
        use super::Op::*;
        Some(match self {
            I32EqRR(o) => (I32Cmp::Eq, o),
            I32NeRR(o) => (I32Cmp::Ne, o),
            I32LtSRR(o) => (I32Cmp::LtS, o),
            I32LtURR(o) => (I32Cmp::LtU, o),
            I32GtSRR(o) => (I32Cmp::GtS, o),
            I32GtURR(o) => (I32Cmp::GtU, o),
            I32LeSRR(o) => (I32Cmp::LeS, o),
            I32LeURR(o) => (I32Cmp::LeU, o),
            I32GeSRR(o) => (I32Cmp::GeS, o),
            I32GeURR(o) => (I32Cmp::GeU, o),
            _ => return None,
        })
    }

    /// The comparison and operands of a register-form i32 comparison with
    /// an immediate.
    pub(crate) fn i32_compare_ri(self) -> Option<(I32Cmp, BinImm)> {
        use super::Op::*;
        Some(match self {
            I32EqRI(o) => (I32Cmp::Eq, o),
            I32NeRI(o) => (I32Cmp::Ne, o),
            I32LtSRI(o) => (I32Cmp::LtS, o),
            I32LtURI(o) => (I32Cmp::LtU, o),
            I32GtSRI(o) => (I32Cmp::GtS, o),
            I32GtURI(o) => (I32Cmp::GtU, o),
            I32LeSRI(o) => (I32Cmp::LeS, o),
            I32LeURI(o) => (I32Cmp::LeU, o),
            I32GeSRI(o) => (I32Cmp::GeS, o),
            I32GeURI(o) => (I32Cmp::GeU, o),
            _ => return None,
        })
    }

    /// The `…Sp` twin of a register form (it sets `sp` from its field);
    /// `self` for other ops.
    pub(crate) fn with_sp(self) -> Self {
        use super::Op::*;
        match self {
            I32AddRR(o) => I32AddRRSp(o),
            I32SubRR(o) => I32SubRRSp(o),
            I32MulRR(o) => I32MulRRSp(o),
            I32AndRR(o) => I32AndRRSp(o),
            I32OrRR(o) => I32OrRRSp(o),
            I32XorRR(o) => I32XorRRSp(o),
            I32ShlRR(o) => I32ShlRRSp(o),
            I32ShrSRR(o) => I32ShrSRRSp(o),
            I32ShrURR(o) => I32ShrURRSp(o),
            I32RotlRR(o) => I32RotlRRSp(o),
            I32RotrRR(o) => I32RotrRRSp(o),
            I32EqRR(o) => I32EqRRSp(o),
            I32NeRR(o) => I32NeRRSp(o),
            I32LtSRR(o) => I32LtSRRSp(o),
            I32LtURR(o) => I32LtURRSp(o),
            I32GtSRR(o) => I32GtSRRSp(o),
            I32GtURR(o) => I32GtURRSp(o),
            I32LeSRR(o) => I32LeSRRSp(o),
            I32LeURR(o) => I32LeURRSp(o),
            I32GeSRR(o) => I32GeSRRSp(o),
            I32GeURR(o) => I32GeURRSp(o),
            I32AddRI(o) => I32AddRISp(o),
            I32SubRI(o) => I32SubRISp(o),
            I32MulRI(o) => I32MulRISp(o),
            I32AndRI(o) => I32AndRISp(o),
            I32OrRI(o) => I32OrRISp(o),
            I32XorRI(o) => I32XorRISp(o),
            I32ShlRI(o) => I32ShlRISp(o),
            I32ShrSRI(o) => I32ShrSRISp(o),
            I32ShrURI(o) => I32ShrURISp(o),
            I32RotlRI(o) => I32RotlRISp(o),
            I32RotrRI(o) => I32RotrRISp(o),
            I32EqRI(o) => I32EqRISp(o),
            I32NeRI(o) => I32NeRISp(o),
            I32LtSRI(o) => I32LtSRISp(o),
            I32LtURI(o) => I32LtURISp(o),
            I32GtSRI(o) => I32GtSRISp(o),
            I32GtURI(o) => I32GtURISp(o),
            I32LeSRI(o) => I32LeSRISp(o),
            I32LeURI(o) => I32LeURISp(o),
            I32GeSRI(o) => I32GeSRISp(o),
            I32GeURI(o) => I32GeURISp(o),
            I64AddRR(o) => I64AddRRSp(o),
            I64SubRR(o) => I64SubRRSp(o),
            I64MulRR(o) => I64MulRRSp(o),
            I64AndRR(o) => I64AndRRSp(o),
            I64OrRR(o) => I64OrRRSp(o),
            I64XorRR(o) => I64XorRRSp(o),
            I64ShlRR(o) => I64ShlRRSp(o),
            I64ShrSRR(o) => I64ShrSRRSp(o),
            I64ShrURR(o) => I64ShrURRSp(o),
            I64RotlRR(o) => I64RotlRRSp(o),
            I64RotrRR(o) => I64RotrRRSp(o),
            I64EqRR(o) => I64EqRRSp(o),
            I64NeRR(o) => I64NeRRSp(o),
            I64LtSRR(o) => I64LtSRRSp(o),
            I64LtURR(o) => I64LtURRSp(o),
            I64GtSRR(o) => I64GtSRRSp(o),
            I64GtURR(o) => I64GtURRSp(o),
            I64LeSRR(o) => I64LeSRRSp(o),
            I64LeURR(o) => I64LeURRSp(o),
            I64GeSRR(o) => I64GeSRRSp(o),
            I64GeURR(o) => I64GeURRSp(o),
            I64AddRI(o) => I64AddRISp(o),
            I64SubRI(o) => I64SubRISp(o),
            I64MulRI(o) => I64MulRISp(o),
            I64AndRI(o) => I64AndRISp(o),
            I64OrRI(o) => I64OrRISp(o),
            I64XorRI(o) => I64XorRISp(o),
            I64ShlRI(o) => I64ShlRISp(o),
            I64ShrSRI(o) => I64ShrSRISp(o),
            I64ShrURI(o) => I64ShrURISp(o),
            I64RotlRI(o) => I64RotlRISp(o),
            I64RotrRI(o) => I64RotrRISp(o),
            I64EqRI(o) => I64EqRISp(o),
            I64NeRI(o) => I64NeRISp(o),
            I64LtSRI(o) => I64LtSRISp(o),
            I64LtURI(o) => I64LtURISp(o),
            I64GtSRI(o) => I64GtSRISp(o),
            I64GtURI(o) => I64GtURISp(o),
            I64LeSRI(o) => I64LeSRISp(o),
            I64LeURI(o) => I64LeURISp(o),
            I64GeSRI(o) => I64GeSRISp(o),
            I64GeURI(o) => I64GeURISp(o),
            F32AddRR(o) => F32AddRRSp(o),
            F32SubRR(o) => F32SubRRSp(o),
            F32MulRR(o) => F32MulRRSp(o),
            F32DivRR(o) => F32DivRRSp(o),
            F64AddRR(o) => F64AddRRSp(o),
            F64SubRR(o) => F64SubRRSp(o),
            F64MulRR(o) => F64MulRRSp(o),
            F64DivRR(o) => F64DivRRSp(o),
            F32AddRI(o) => F32AddRISp(o),
            F32SubRI(o) => F32SubRISp(o),
            F32MulRI(o) => F32MulRISp(o),
            F32DivRI(o) => F32DivRISp(o),
            F64AddRC(o) => F64AddRCSp(o),
            F64SubRC(o) => F64SubRCSp(o),
            F64MulRC(o) => F64MulRCSp(o),
            F64DivRC(o) => F64DivRCSp(o),
            I32AddShlRR { k, dst, a, b, sp } => I32AddShlRRSp { k, dst, a, b, sp },
            I32AddRRI { imm, dst, a, b, sp } => I32AddRRISp { imm, dst, a, b, sp },
            other => other,
        }
    }

    /// A register op writing local `local` (plain or `…Sp`) as its tee
    /// form writing the temporary `slot` too, if it has one.
    pub(crate) fn with_tee(self, local: u32, slot: u16) -> Option<Self> {
        use super::Op::*;
        let tee = |o: Bin| {
            (u32::from(o.dst) == local).then_some(BinTee {
                dst: slot,
                a: o.a,
                b: o.b,
                sp: slot.checked_add(1)?,
                also: o.dst,
            })
        };
        Some(match self {
            F64AddRR(o) | F64AddRRSp(o) => F64AddRRTee(tee(o)?),
            F64SubRR(o) | F64SubRRSp(o) => F64SubRRTee(tee(o)?),
            F64MulRR(o) | F64MulRRSp(o) => F64MulRRTee(tee(o)?),
            F64DivRR(o) | F64DivRRSp(o) => F64DivRRTee(tee(o)?),
            _ => return None,
        })
    }

    /// The `sp` field of a register form that leaves `sp` alone.
    pub(crate) fn register_sp(mut self) -> Option<u16> {
        self.register_dst_mut().map(|(_, sp)| *sp)
    }

    /// Where a register-form op writes and the `sp` it leaves, as
    /// `(dst, sp)` (the translator retargets `dst` to a local).
    pub(crate) fn register_dst_mut(&mut self) -> Option<(&mut u16, &mut u16)> {
        use super::Op::*;
        match self {
            I32AddRR(o) | I32SubRR(o) | I32MulRR(o) | I32AndRR(o) | I32OrRR(o) | I32XorRR(o)
            | I32ShlRR(o) | I32ShrSRR(o) | I32ShrURR(o) | I32RotlRR(o) | I32RotrRR(o)
            | I32EqRR(o) | I32NeRR(o) | I32LtSRR(o) | I32LtURR(o) | I32GtSRR(o) | I32GtURR(o)
            | I32LeSRR(o) | I32LeURR(o) | I32GeSRR(o) | I32GeURR(o) | I64AddRR(o) | I64SubRR(o)
            | I64MulRR(o) | I64AndRR(o) | I64OrRR(o) | I64XorRR(o) | I64ShlRR(o) | I64ShrSRR(o)
            | I64ShrURR(o) | I64RotlRR(o) | I64RotrRR(o) | I64EqRR(o) | I64NeRR(o)
            | I64LtSRR(o) | I64LtURR(o) | I64GtSRR(o) | I64GtURR(o) | I64LeSRR(o) | I64LeURR(o)
            | I64GeSRR(o) | I64GeURR(o) | F32AddRR(o) | F32SubRR(o) | F32MulRR(o) | F32DivRR(o)
            | F64AddRR(o) | F64SubRR(o) | F64MulRR(o) | F64DivRR(o) => {
                Some((&mut o.dst, &mut o.sp))
            }
            I32AddRI(o) | I32SubRI(o) | I32MulRI(o) | I32AndRI(o) | I32OrRI(o) | I32XorRI(o)
            | I32ShlRI(o) | I32ShrSRI(o) | I32ShrURI(o) | I32RotlRI(o) | I32RotrRI(o)
            | I32EqRI(o) | I32NeRI(o) | I32LtSRI(o) | I32LtURI(o) | I32GtSRI(o) | I32GtURI(o)
            | I32LeSRI(o) | I32LeURI(o) | I32GeSRI(o) | I32GeURI(o) | I64AddRI(o) | I64SubRI(o)
            | I64MulRI(o) | I64AndRI(o) | I64OrRI(o) | I64XorRI(o) | I64ShlRI(o) | I64ShrSRI(o)
            | I64ShrURI(o) | I64RotlRI(o) | I64RotrRI(o) | I64EqRI(o) | I64NeRI(o)
            | I64LtSRI(o) | I64LtURI(o) | I64GtSRI(o) | I64GtURI(o) | I64LeSRI(o) | I64LeURI(o)
            | I64GeSRI(o) | I64GeURI(o) | F32AddRI(o) | F32SubRI(o) | F32MulRI(o) | F32DivRI(o) => {
                Some((&mut o.dst, &mut o.sp))
            }
            F64AddRC(o) | F64SubRC(o) | F64MulRC(o) | F64DivRC(o) => Some((&mut o.dst, &mut o.sp)),
            I32AddShlRR { dst, sp, .. } | I32AddRRI { dst, sp, .. } => Some((dst, sp)),
            _ => None,
        }
    }
}
