//! The register-form arms of the dispatch loop (`op/reg.rs`): i32 and i64
//! arithmetic and comparisons with slot or immediate operands, f32 and f64
//! arithmetic with slot operands, and the compare-and-branch ops built on
//! them (see `int_ops.rs` for how the arms join the single dispatch
//! `match`). Each writes its destination slot and leaves `sp` as it is.

/// Expands to the dispatch `match` over `$op`: the caller's arms, then the
/// register-form arms here, then the integer and float arms. `$base` is the
/// running function's frame base.
macro_rules! match_op_with_reg_ops {
    ($op:expr, $v:ident, $sp:ident, $base:ident, $pc:ident, $start:ident, { $($arms:tt)* }) => {{
        // A compare-and-branch on slots `a` and `b` (`BrIf<cmp>RR`); the
        // comparison is a constant, so `holds` folds to one compare.
        macro_rules! br_rr {
            ($a:ident, $b:ident, $height:ident, $target:ident, $cmp:expr) => {{
                debug_assert_eq!($sp, $base + $height as usize, "a register op moved sp");
                if $cmp.holds($v[$base + $a as usize] as u32, $v[$base + $b as usize] as u32) {
                    $pc = super::dispatch::op_at($start, $target as usize);
                }
            }};
        }
        super::int_ops::match_op_with_int_ops!($op, $v, $sp, $pc, $start, {
            $($arms)*
                // --- i32 ---
                Op::I32AddRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_add(b as i32))),
                Op::I32SubRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_sub(b as i32))),
                Op::I32MulRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_mul(b as i32))),
                Op::I32AndRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32) & (b as i32))),
                Op::I32OrRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32) | (b as i32))),
                Op::I32XorRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32) ^ (b as i32))),
                Op::I32ShlRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_shl(b as u32))),
                Op::I32ShrSRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_shr(b as u32))),
                Op::I32ShrURR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as u32).wrapping_shr(b as u32) as i32)),
                Op::I32RotlRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).rotate_left(b as u32 & 31))),
                Op::I32RotrRR(o) => rr($v, $sp, $base, o, |a, b| from_i32((a as i32).rotate_right(b as u32 & 31))),
                Op::I32EqRR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) == (b as u32)) as u64),
                Op::I32NeRR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) != (b as u32)) as u64),
                Op::I32LtSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i32) < (b as i32)) as u64),
                Op::I32LtURR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) < (b as u32)) as u64),
                Op::I32GtSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i32) > (b as i32)) as u64),
                Op::I32GtURR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) > (b as u32)) as u64),
                Op::I32LeSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i32) <= (b as i32)) as u64),
                Op::I32LeURR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) <= (b as u32)) as u64),
                Op::I32GeSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i32) >= (b as i32)) as u64),
                Op::I32GeURR(o) => rr($v, $sp, $base, o, |a, b| ((a as u32) >= (b as u32)) as u64),
                Op::I32AddRITee(o) => {
                    let sum = from_i32(($v[$base + o.a as usize] as i32).wrapping_add(o.imm));
                    $v[$base + o.dst as usize] = sum;
                    $v[$base + o.also as usize] = sum;
                }
                Op::I32AddShlRR { k, dst, a, b, sp: height } => {
                    let o = crate::op::Bin { dst, a, b, sp: height };
                    rr($v, $sp, $base, o, |a, b| from_i32((a as i32).wrapping_add((b as i32).wrapping_shl(k as u32))));
                }
                Op::I32AddRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).wrapping_add(b as i32))),
                Op::I32SubRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).wrapping_sub(b as i32))),
                Op::I32MulRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).wrapping_mul(b as i32))),
                Op::I32AndRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32) & (b as i32))),
                Op::I32OrRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32) | (b as i32))),
                Op::I32XorRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32) ^ (b as i32))),
                Op::I32ShlRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).wrapping_shl(b as u32))),
                Op::I32ShrSRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).wrapping_shr(b as u32))),
                Op::I32ShrURI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as u32).wrapping_shr(b as u32) as i32)),
                Op::I32RotlRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).rotate_left(b as u32 & 31))),
                Op::I32RotrRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| from_i32((a as i32).rotate_right(b as u32 & 31))),
                Op::I32EqRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) == (b as u32)) as u64),
                Op::I32NeRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) != (b as u32)) as u64),
                Op::I32LtSRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as i32) < (b as i32)) as u64),
                Op::I32LtURI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) < (b as u32)) as u64),
                Op::I32GtSRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as i32) > (b as i32)) as u64),
                Op::I32GtURI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) > (b as u32)) as u64),
                Op::I32LeSRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as i32) <= (b as i32)) as u64),
                Op::I32LeURI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) <= (b as u32)) as u64),
                Op::I32GeSRI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as i32) >= (b as i32)) as u64),
                Op::I32GeURI(o) => ri($v, $sp, $base, o, o.imm as u32 as u64, |a, b| ((a as u32) >= (b as u32)) as u64),
                // --- i64 ---
                Op::I64AddRR(o) => rr($v, $sp, $base, o, |a, b| (a as i64).wrapping_add(b as i64) as u64),
                Op::I64SubRR(o) => rr($v, $sp, $base, o, |a, b| (a as i64).wrapping_sub(b as i64) as u64),
                Op::I64MulRR(o) => rr($v, $sp, $base, o, |a, b| (a as i64).wrapping_mul(b as i64) as u64),
                Op::I64AndRR(o) => rr($v, $sp, $base, o, |a, b| a & b),
                Op::I64OrRR(o) => rr($v, $sp, $base, o, |a, b| a | b),
                Op::I64XorRR(o) => rr($v, $sp, $base, o, |a, b| a ^ b),
                Op::I64ShlRR(o) => rr($v, $sp, $base, o, |a, b| a.wrapping_shl(b as u32)),
                Op::I64ShrSRR(o) => rr($v, $sp, $base, o, |a, b| (a as i64).wrapping_shr(b as u32) as u64),
                Op::I64ShrURR(o) => rr($v, $sp, $base, o, |a, b| a.wrapping_shr(b as u32)),
                Op::I64RotlRR(o) => rr($v, $sp, $base, o, |a, b| a.rotate_left((b & 63) as u32)),
                Op::I64RotrRR(o) => rr($v, $sp, $base, o, |a, b| a.rotate_right((b & 63) as u32)),
                Op::I64EqRR(o) => rr($v, $sp, $base, o, |a, b| (a == b) as u64),
                Op::I64NeRR(o) => rr($v, $sp, $base, o, |a, b| (a != b) as u64),
                Op::I64LtSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i64) < (b as i64)) as u64),
                Op::I64LtURR(o) => rr($v, $sp, $base, o, |a, b| (a < b) as u64),
                Op::I64GtSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i64) > (b as i64)) as u64),
                Op::I64GtURR(o) => rr($v, $sp, $base, o, |a, b| (a > b) as u64),
                Op::I64LeSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i64) <= (b as i64)) as u64),
                Op::I64LeURR(o) => rr($v, $sp, $base, o, |a, b| (a <= b) as u64),
                Op::I64GeSRR(o) => rr($v, $sp, $base, o, |a, b| ((a as i64) >= (b as i64)) as u64),
                Op::I64GeURR(o) => rr($v, $sp, $base, o, |a, b| (a >= b) as u64),
                Op::I64AddRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a as i64).wrapping_add(b as i64) as u64),
                Op::I64SubRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a as i64).wrapping_sub(b as i64) as u64),
                Op::I64MulRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a as i64).wrapping_mul(b as i64) as u64),
                Op::I64AndRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a & b),
                Op::I64OrRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a | b),
                Op::I64XorRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a ^ b),
                Op::I64ShlRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a.wrapping_shl(b as u32)),
                Op::I64ShrSRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a as i64).wrapping_shr(b as u32) as u64),
                Op::I64ShrURI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a.wrapping_shr(b as u32)),
                Op::I64RotlRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a.rotate_left((b & 63) as u32)),
                Op::I64RotrRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| a.rotate_right((b & 63) as u32)),
                Op::I64EqRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a == b) as u64),
                Op::I64NeRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a != b) as u64),
                Op::I64LtSRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| ((a as i64) < (b as i64)) as u64),
                Op::I64LtURI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a < b) as u64),
                Op::I64GtSRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| ((a as i64) > (b as i64)) as u64),
                Op::I64GtURI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a > b) as u64),
                Op::I64LeSRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| ((a as i64) <= (b as i64)) as u64),
                Op::I64LeURI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a <= b) as u64),
                Op::I64GeSRI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| ((a as i64) >= (b as i64)) as u64),
                Op::I64GeURI(o) => ri($v, $sp, $base, o, o.imm as i64 as u64, |a, b| (a >= b) as u64),
                // --- f32 ---
                Op::F32AddRR(o) => rr($v, $sp, $base, o, |a, b| from_f32(f32::from_bits(a as u32) + f32::from_bits(b as u32))),
                Op::F32SubRR(o) => rr($v, $sp, $base, o, |a, b| from_f32(f32::from_bits(a as u32) - f32::from_bits(b as u32))),
                Op::F32MulRR(o) => rr($v, $sp, $base, o, |a, b| from_f32(f32::from_bits(a as u32) * f32::from_bits(b as u32))),
                Op::F32DivRR(o) => rr($v, $sp, $base, o, |a, b| from_f32(f32::from_bits(a as u32) / f32::from_bits(b as u32))),
                // --- f64 ---
                Op::F64AddRR(o) => rr($v, $sp, $base, o, |a, b| f64::to_bits(f64::from_bits(a) + f64::from_bits(b))),
                Op::F64SubRR(o) => rr($v, $sp, $base, o, |a, b| f64::to_bits(f64::from_bits(a) - f64::from_bits(b))),
                Op::F64MulRR(o) => rr($v, $sp, $base, o, |a, b| f64::to_bits(f64::from_bits(a) * f64::from_bits(b))),
                Op::F64DivRR(o) => rr($v, $sp, $base, o, |a, b| f64::to_bits(f64::from_bits(a) / f64::from_bits(b))),
                // --- compare and branch ---
                Op::BrIfEqRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::Eq),
                Op::BrIfNeRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::Ne),
                Op::BrIfLtSRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::LtS),
                Op::BrIfLtURR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::LtU),
                Op::BrIfGtSRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::GtS),
                Op::BrIfGtURR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::GtU),
                Op::BrIfLeSRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::LeS),
                Op::BrIfLeURR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::LeU),
                Op::BrIfGeSRR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::GeS),
                Op::BrIfGeURR { a, b, sp: height, target } => br_rr!(a, b, height, target, I32Cmp::GeU),
                Op::BrIfCmpRI { cmp, a, sp: height, imm, target } => {
                    debug_assert_eq!($sp, $base + height as usize, "a register op moved sp");
                    if cmp.holds($v[$base + a as usize] as u32, imm as u32) {
                        $pc = super::dispatch::op_at($start, target as usize);
                    }
                }
        })
    }};
}

pub(super) use match_op_with_reg_ops;
