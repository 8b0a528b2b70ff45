//! Operand-stack helpers for numeric ops: pop operands as typed values,
//! compute, push the result as a raw slot.
//!
//! Slot conventions: i32 results are zero-extended (`x as u32 as u64`), f32
//! results are their bits zero-extended, booleans are i32 0/1. Float abs, neg
//! and copysign are bit operations (they keep NaN payloads); the exact
//! Wasm semantics of min/max/nearest, division and truncation come from
//! `wasmfx_core::num`.

use super::slots::Slots;
use crate::op::{Bin, BinImm, BinTee};
use wasmfx_core::TrapCode;
use wasmfx_core::num::{F32_QUIET_BIT, F64_QUIET_BIT};

pub(super) const F32_SIGN: u32 = 0x8000_0000;
pub(super) const F64_SIGN: u64 = 0x8000_0000_0000_0000;

#[inline(always)]
pub(super) fn from_i32(x: i32) -> u64 {
    x as u32 as u64
}

#[inline(always)]
pub(super) fn from_f32(x: f32) -> u64 {
    x.to_bits() as u64
}

#[inline(always)]
pub(super) fn as_f32(raw: u64) -> f32 {
    f32::from_bits(raw as u32)
}

#[inline(always)]
pub(super) fn as_f64(raw: u64) -> f64 {
    f64::from_bits(raw)
}

/// Replaces the top slot with `f(top)`.
#[inline(always)]
pub(super) fn unary(values: &mut Slots, sp: usize, f: impl FnOnce(u64) -> u64) {
    let top = &mut values[sp - 1];
    *top = f(*top);
}

/// Replaces the top slot with `f(top)`, or traps.
#[inline(always)]
pub(super) fn unary_trap(
    values: &mut Slots,
    sp: usize,
    f: impl FnOnce(u64) -> Result<u64, TrapCode>,
) -> Result<(), TrapCode> {
    let top = &mut values[sp - 1];
    *top = f(*top)?;
    Ok(())
}

/// Pops `b`, replaces `a` with `f(a, b)`.
#[inline(always)]
pub(super) fn binary(values: &mut Slots, sp: &mut usize, f: impl FnOnce(u64, u64) -> u64) {
    *sp -= 1;
    let b = values[*sp];
    let a = &mut values[*sp - 1];
    *a = f(*a, b);
}

/// Pops `b`, replaces `a` with `f(a, b)`, or traps.
#[inline(always)]
pub(super) fn binary_trap(
    values: &mut Slots,
    sp: &mut usize,
    f: impl FnOnce(u64, u64) -> Result<u64, TrapCode>,
) -> Result<(), TrapCode> {
    *sp -= 1;
    let b = values[*sp];
    let a = &mut values[*sp - 1];
    *a = f(*a, b)?;
    Ok(())
}

#[inline(always)]
pub(super) fn i32_binary(values: &mut Slots, sp: &mut usize, f: impl FnOnce(i32, i32) -> i32) {
    binary(values, sp, |a, b| from_i32(f(a as i32, b as i32)));
}

#[inline(always)]
pub(super) fn i64_binary(values: &mut Slots, sp: &mut usize, f: impl FnOnce(i64, i64) -> i64) {
    binary(values, sp, |a, b| f(a as i64, b as i64) as u64);
}

#[inline(always)]
pub(super) fn i32_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(i32, i32) -> bool) {
    binary(values, sp, |a, b| f(a as i32, b as i32) as u64);
}

#[inline(always)]
pub(super) fn u32_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(u32, u32) -> bool) {
    binary(values, sp, |a, b| f(a as u32, b as u32) as u64);
}

#[inline(always)]
pub(super) fn i64_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(i64, i64) -> bool) {
    binary(values, sp, |a, b| f(a as i64, b as i64) as u64);
}

#[inline(always)]
pub(super) fn u64_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(u64, u64) -> bool) {
    binary(values, sp, |a, b| f(a, b) as u64);
}

#[inline(always)]
pub(super) fn i32_div(
    values: &mut Slots,
    sp: &mut usize,
    f: impl FnOnce(i32, i32) -> Result<i32, TrapCode>,
) -> Result<(), TrapCode> {
    binary_trap(values, sp, |a, b| f(a as i32, b as i32).map(from_i32))
}

#[inline(always)]
pub(super) fn i64_div(
    values: &mut Slots,
    sp: &mut usize,
    f: impl FnOnce(i64, i64) -> Result<i64, TrapCode>,
) -> Result<(), TrapCode> {
    binary_trap(values, sp, |a, b| f(a as i64, b as i64).map(|r| r as u64))
}

#[inline(always)]
pub(super) fn f32_binary(values: &mut Slots, sp: &mut usize, f: impl FnOnce(f32, f32) -> f32) {
    binary(values, sp, |a, b| from_f32(f(as_f32(a), as_f32(b))));
}

#[inline(always)]
pub(super) fn f64_binary(values: &mut Slots, sp: &mut usize, f: impl FnOnce(f64, f64) -> f64) {
    binary(values, sp, |a, b| f(as_f64(a), as_f64(b)).to_bits());
}

#[inline(always)]
pub(super) fn f32_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(f32, f32) -> bool) {
    binary(values, sp, |a, b| f(as_f32(a), as_f32(b)) as u64);
}

#[inline(always)]
pub(super) fn f64_compare(values: &mut Slots, sp: &mut usize, f: impl FnOnce(f64, f64) -> bool) {
    binary(values, sp, |a, b| f(as_f64(a), as_f64(b)) as u64);
}

/// A rounding or root op; a NaN result gets its quiet bit set (software
/// `floor` and friends may return a signaling NaN input unchanged).
#[inline(always)]
pub(super) fn f32_unary(values: &mut Slots, sp: usize, f: impl FnOnce(f32) -> f32) {
    unary(values, sp, |a| {
        let r = f(as_f32(a));
        if r.is_nan() {
            from_f32(r) | F32_QUIET_BIT as u64
        } else {
            from_f32(r)
        }
    });
}

/// `f64` version of [`f32_unary`].
#[inline(always)]
pub(super) fn f64_unary(values: &mut Slots, sp: usize, f: impl FnOnce(f64) -> f64) {
    unary(values, sp, |a| {
        let r = f(as_f64(a));
        if r.is_nan() {
            r.to_bits() | F64_QUIET_BIT
        } else {
            r.to_bits()
        }
    });
}

/// `f32.copysign` on bits: magnitude of `a`, sign of `b`.
#[inline(always)]
pub(super) fn f32_copysign(a: u64, b: u64) -> u64 {
    let (a, b) = (a as u32, b as u32);
    ((a & !F32_SIGN) | (b & F32_SIGN)) as u64
}

/// `f64.copysign` on bits.
#[inline(always)]
pub(super) fn f64_copysign(a: u64, b: u64) -> u64 {
    (a & !F64_SIGN) | (b & F64_SIGN)
}

/// A register-form binary op: `slot[dst] = f(slot[a], slot[b])`; `sp`
/// stays where the op's field says (`op/reg.rs`; checked in debug builds).
/// The op is borrowed, not copied: a copy had LLVM load its word and shift
/// the four fields out of it, four instructions more than a load each.
#[inline(always)]
pub(super) fn rr(
    values: &mut Slots,
    sp: &mut usize,
    base: usize,
    o: &Bin,
    f: impl FnOnce(u64, u64) -> u64,
) {
    values[base + o.dst as usize] = f(values[base + o.a as usize], values[base + o.b as usize]);
    debug_assert_eq!(*sp, base + o.sp as usize, "a register op moved sp");
}

/// [`rr`] that then sets `sp` from the op's field (a `…Sp` op: the
/// temporaries it read popped, a temporary it wrote pushed). Debug builds
/// check that it reads written slots.
#[inline(always)]
pub(super) fn rr_sp(
    values: &mut Slots,
    sp: &mut usize,
    base: usize,
    o: &Bin,
    f: impl FnOnce(u64, u64) -> u64,
) {
    debug_assert!(reads_below(*sp, base, o.a) && reads_below(*sp, base, o.b));
    let mut moved = base + o.sp as usize;
    rr(values, &mut moved, base, o, f);
    *sp = moved;
}

/// Whether slot `at` is under `sp` (a local or a written temporary).
#[inline(always)]
fn reads_below(sp: usize, base: usize, at: u16) -> bool {
    base + (at as usize) < sp
}

/// [`rr`] with an immediate right operand (`imm`, widened by the caller).
#[inline(always)]
pub(super) fn ri(
    values: &mut Slots,
    sp: &mut usize,
    base: usize,
    o: &BinImm,
    imm: u64,
    f: impl FnOnce(u64, u64) -> u64,
) {
    values[base + o.dst as usize] = f(values[base + o.a as usize], imm);
    debug_assert_eq!(*sp, base + o.sp as usize, "a register op moved sp");
}

/// A register op's tee form: `slot[dst] = slot[also] = f(slot[a],
/// slot[b])`, then `sp` from the field, as [`rr_sp`].
#[inline(always)]
pub(super) fn rr_tee(
    values: &mut Slots,
    sp: &mut usize,
    base: usize,
    o: &BinTee,
    f: impl FnOnce(u64, u64) -> u64,
) {
    let (dst, a, b, sp_field) = (o.dst, o.a, o.b, o.sp);
    rr_sp(
        values,
        sp,
        base,
        &Bin {
            dst,
            a,
            b,
            sp: sp_field,
        },
        f,
    );
    values[base + o.also as usize] = values[base + dst as usize];
}

/// [`rr_sp`] with an immediate right operand.
#[inline(always)]
pub(super) fn ri_sp(
    values: &mut Slots,
    sp: &mut usize,
    base: usize,
    o: &BinImm,
    imm: u64,
    f: impl FnOnce(u64, u64) -> u64,
) {
    debug_assert!(reads_below(*sp, base, o.a));
    let mut moved = base + o.sp as usize;
    ri(values, &mut moved, base, o, imm, f);
    *sp = moved;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copysign_keeps_nan_payloads() {
        let nan = 0x7fa0_0001u64;
        assert_eq!(f32_copysign(nan, F32_SIGN as u64), 0xffa0_0001);
        assert_eq!(
            f64_copysign(0x7ff0_0000_0000_0001, F64_SIGN),
            0xfff0_0000_0000_0001
        );
    }

    #[test]
    fn i32_results_are_zero_extended() {
        let mut values = [(-1i32) as u32 as u64, 1, 0];
        let mut sp = 2;
        // SAFETY: 3 slots fit; the helper touches slots 0 and 1.
        let mut slots = unsafe { Slots::unchecked(&mut values, 0, 3) };
        i32_binary(&mut slots, &mut sp, |a, b| a - b);
        assert_eq!((sp, slots[0]), (1, 0xffff_fffe));
    }
}
