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
//! The translator (`translate/operands.rs`) emits them for a binary op on
//! locals and constants whose result goes to a local (`local.set`,
//! `local.tee`) or to a `br_if`/`if` (fused into `BrIf<cmp>RR`/`BrIfCmpRI`),
//! and for `a + (b << k)` on two locals whose result goes to a local
//! (`I32AddShlRR`, array indexing).
//! Ops that still work on the stack find it as they expect: a register op
//! never moves `sp` (its operands were never pushed, and its result goes
//! to a local or into the branch it is fused with, never to a temporary
//! left on the stack). Its `sp` field is the height the translator
//! counted, which debug builds check against `sp`.
//!
//! Slots are u16: a function whose locals and operands need more slots keeps
//! the stack forms.

use super::I32Cmp;

/// `slot[dst] = slot[a] <op> slot[b]`; `sp` is the height it leaves. Aligned so
/// that it fills the op's second word (one load) instead of straddling it.
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
            | I64GeSRI(o) | I64GeURI(o) => Some((&mut o.dst, &mut o.sp)),
            I32AddShlRR { dst, sp, .. } => Some((dst, sp)),
            _ => None,
        }
    }
}
