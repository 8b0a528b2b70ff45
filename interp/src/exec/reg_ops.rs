//! The register-form arms of the dispatch loop (`op/reg.rs`): i32 and i64
//! arithmetic and comparisons with slot or immediate operands, f32 and f64
//! arithmetic with slot or constant operands, and the compare-and-branch ops built on
//! them (see `int_ops.rs` for how the arms join the single dispatch
//! `match`). Each writes its destination slot; the `…Sp` twins then set
//! `sp` from their field (the temporaries they read popped, a temporary
//! they wrote pushed), the others leave it as it is.

/// Expands to the dispatch `match` over `$op`: the caller's arms, then the
/// register-form arms here (the binary ops from tables, through
/// `with_register_arms!`), then the integer and float arms. `$base` is the
/// running function's frame base.
macro_rules! match_op_with_reg_ops {
    ($op:expr, $v:ident, $sp:ident, $base:ident, $pc:ident, $start:ident, { $($arms:tt)* }) => {{
        // A compare-and-branch on slots `a` and `b` (`BrIf<cmp>RR`); the
        // comparison is a constant, so `holds` folds to one compare.
        macro_rules! br_rr {
            ($a:ident, $b:ident, $height:ident, $target:ident, $cmp:expr) => {{
                debug_assert_eq!($sp, $base + $height as usize, "a register op moved sp");
                $pc = super::dispatch::branch_to($cmp.holds($v[$base + $a as usize] as u32, $v[$base + $b as usize] as u32), $start, $target, $pc);
            }};
        }
        super::reg_ops::with_register_arms!(($op, $v, $sp, $base, $pc, $start), {
            $($arms)*
                Op::I32AddRITee(o) => {
                    let sum = from_i32(($v[$base + o.a as usize] as i32).wrapping_add(o.imm));
                    $v[$base + o.dst as usize] = sum;
                    $v[$base + o.also as usize] = sum;
                }
                Op::I32AddShlRR { k, dst, a, b, sp: height } => {
                    let o = crate::op::Bin { dst, a, b, sp: height };
                    rr($v, &mut $sp, $base, &o, |a, b| from_i32((a as i32).wrapping_add((b as i32).wrapping_shl(k as u32))));
                }
                Op::I32AddRRI { imm, dst, a, b, sp: height } => {
                    let o = crate::op::Bin { dst, a, b, sp: height };
                    rr($v, &mut $sp, $base, &o, |a, b| from_i32((a as i32).wrapping_add(imm).wrapping_add(b as i32)));
                }
                Op::I32AddRRISp { imm, dst, a, b, sp: height } => {
                    let o = crate::op::Bin { dst, a, b, sp: height };
                    rr_sp($v, &mut $sp, $base, &o, |a, b| from_i32((a as i32).wrapping_add(imm).wrapping_add(b as i32)));
                }
                Op::I32AddShlRRSp { k, dst, a, b, sp: height } => {
                    let o = crate::op::Bin { dst, a, b, sp: height };
                    rr_sp($v, &mut $sp, $base, &o, |a, b| from_i32((a as i32).wrapping_add((b as i32).wrapping_shl(k as u32))));
                }
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
                    $pc = super::dispatch::branch_to(cmp.holds($v[$base + a as usize] as u32, imm as u32), $start, target, $pc);
                }
        },
            bits32: [
                I32Add: I32AddRR I32AddRRSp I32AddRI I32AddRISp |a, b| from_i32((a as i32).wrapping_add(b as i32));
                I32Sub: I32SubRR I32SubRRSp I32SubRI I32SubRISp |a, b| from_i32((a as i32).wrapping_sub(b as i32));
                I32Mul: I32MulRR I32MulRRSp I32MulRI I32MulRISp |a, b| from_i32((a as i32).wrapping_mul(b as i32));
                I32And: I32AndRR I32AndRRSp I32AndRI I32AndRISp |a, b| from_i32((a as i32) & (b as i32));
                I32Or: I32OrRR I32OrRRSp I32OrRI I32OrRISp |a, b| from_i32((a as i32) | (b as i32));
                I32Xor: I32XorRR I32XorRRSp I32XorRI I32XorRISp |a, b| from_i32((a as i32) ^ (b as i32));
                I32Shl: I32ShlRR I32ShlRRSp I32ShlRI I32ShlRISp |a, b| from_i32((a as i32).wrapping_shl(b as u32));
                I32ShrS: I32ShrSRR I32ShrSRRSp I32ShrSRI I32ShrSRISp |a, b| from_i32((a as i32).wrapping_shr(b as u32));
                I32ShrU: I32ShrURR I32ShrURRSp I32ShrURI I32ShrURISp |a, b| from_i32((a as u32).wrapping_shr(b as u32) as i32);
                I32Rotl: I32RotlRR I32RotlRRSp I32RotlRI I32RotlRISp |a, b| from_i32((a as i32).rotate_left(b as u32 & 31));
                I32Rotr: I32RotrRR I32RotrRRSp I32RotrRI I32RotrRISp |a, b| from_i32((a as i32).rotate_right(b as u32 & 31));
                I32Eq: I32EqRR I32EqRRSp I32EqRI I32EqRISp |a, b| ((a as u32) == (b as u32)) as u64;
                I32Ne: I32NeRR I32NeRRSp I32NeRI I32NeRISp |a, b| ((a as u32) != (b as u32)) as u64;
                I32LtS: I32LtSRR I32LtSRRSp I32LtSRI I32LtSRISp |a, b| ((a as i32) < (b as i32)) as u64;
                I32LtU: I32LtURR I32LtURRSp I32LtURI I32LtURISp |a, b| ((a as u32) < (b as u32)) as u64;
                I32GtS: I32GtSRR I32GtSRRSp I32GtSRI I32GtSRISp |a, b| ((a as i32) > (b as i32)) as u64;
                I32GtU: I32GtURR I32GtURRSp I32GtURI I32GtURISp |a, b| ((a as u32) > (b as u32)) as u64;
                I32LeS: I32LeSRR I32LeSRRSp I32LeSRI I32LeSRISp |a, b| ((a as i32) <= (b as i32)) as u64;
                I32LeU: I32LeURR I32LeURRSp I32LeURI I32LeURISp |a, b| ((a as u32) <= (b as u32)) as u64;
                I32GeS: I32GeSRR I32GeSRRSp I32GeSRI I32GeSRISp |a, b| ((a as i32) >= (b as i32)) as u64;
                I32GeU: I32GeURR I32GeURRSp I32GeURI I32GeURISp |a, b| ((a as u32) >= (b as u32)) as u64;
                F32Add: F32AddRR F32AddRRSp F32AddRI F32AddRISp |a, b| from_f32(f32::from_bits(a as u32) + f32::from_bits(b as u32));
                F32Sub: F32SubRR F32SubRRSp F32SubRI F32SubRISp |a, b| from_f32(f32::from_bits(a as u32) - f32::from_bits(b as u32));
                F32Mul: F32MulRR F32MulRRSp F32MulRI F32MulRISp |a, b| from_f32(f32::from_bits(a as u32) * f32::from_bits(b as u32));
                F32Div: F32DivRR F32DivRRSp F32DivRI F32DivRISp |a, b| from_f32(f32::from_bits(a as u32) / f32::from_bits(b as u32));
            ]
            i64: [
                I64Add: I64AddRR I64AddRRSp I64AddRI I64AddRISp |a, b| (a as i64).wrapping_add(b as i64) as u64;
                I64Sub: I64SubRR I64SubRRSp I64SubRI I64SubRISp |a, b| (a as i64).wrapping_sub(b as i64) as u64;
                I64Mul: I64MulRR I64MulRRSp I64MulRI I64MulRISp |a, b| (a as i64).wrapping_mul(b as i64) as u64;
                I64And: I64AndRR I64AndRRSp I64AndRI I64AndRISp |a, b| a & b;
                I64Or: I64OrRR I64OrRRSp I64OrRI I64OrRISp |a, b| a | b;
                I64Xor: I64XorRR I64XorRRSp I64XorRI I64XorRISp |a, b| a ^ b;
                I64Shl: I64ShlRR I64ShlRRSp I64ShlRI I64ShlRISp |a, b| a.wrapping_shl(b as u32);
                I64ShrS: I64ShrSRR I64ShrSRRSp I64ShrSRI I64ShrSRISp |a, b| (a as i64).wrapping_shr(b as u32) as u64;
                I64ShrU: I64ShrURR I64ShrURRSp I64ShrURI I64ShrURISp |a, b| a.wrapping_shr(b as u32);
                I64Rotl: I64RotlRR I64RotlRRSp I64RotlRI I64RotlRISp |a, b| a.rotate_left((b & 63) as u32);
                I64Rotr: I64RotrRR I64RotrRRSp I64RotrRI I64RotrRISp |a, b| a.rotate_right((b & 63) as u32);
                I64Eq: I64EqRR I64EqRRSp I64EqRI I64EqRISp |a, b| (a == b) as u64;
                I64Ne: I64NeRR I64NeRRSp I64NeRI I64NeRISp |a, b| (a != b) as u64;
                I64LtS: I64LtSRR I64LtSRRSp I64LtSRI I64LtSRISp |a, b| ((a as i64) < (b as i64)) as u64;
                I64LtU: I64LtURR I64LtURRSp I64LtURI I64LtURISp |a, b| (a < b) as u64;
                I64GtS: I64GtSRR I64GtSRRSp I64GtSRI I64GtSRISp |a, b| ((a as i64) > (b as i64)) as u64;
                I64GtU: I64GtURR I64GtURRSp I64GtURI I64GtURISp |a, b| (a > b) as u64;
                I64LeS: I64LeSRR I64LeSRRSp I64LeSRI I64LeSRISp |a, b| ((a as i64) <= (b as i64)) as u64;
                I64LeU: I64LeURR I64LeURRSp I64LeURI I64LeURISp |a, b| (a <= b) as u64;
                I64GeS: I64GeSRR I64GeSRRSp I64GeSRI I64GeSRISp |a, b| ((a as i64) >= (b as i64)) as u64;
                I64GeU: I64GeURR I64GeURRSp I64GeURI I64GeURISp |a, b| (a >= b) as u64;
            ]
            f64: [
                F64Add: F64AddRR F64AddRRSp F64AddRC F64AddRCSp F64AddRRTee |a, b| f64::to_bits(f64::from_bits(a) + f64::from_bits(b));
                F64Sub: F64SubRR F64SubRRSp F64SubRC F64SubRCSp F64SubRRTee |a, b| f64::to_bits(f64::from_bits(a) - f64::from_bits(b));
                F64Mul: F64MulRR F64MulRRSp F64MulRC F64MulRCSp F64MulRRTee |a, b| f64::to_bits(f64::from_bits(a) * f64::from_bits(b));
                F64Div: F64DivRR F64DivRRSp F64DivRC F64DivRCSp F64DivRRTee |a, b| f64::to_bits(f64::from_bits(a) / f64::from_bits(b));
            ]
        )
    }};
}

/// Adds to the caller's arms, for every binary op of the tables, its
/// register forms: slot-slot (`rr`) and slot-immediate (`ri`: `bits32`
/// ops, i32 and f32, take the immediate as the operand's bits, `i64` ones
/// sign-extend it; for f64, an f64 constant, through `ri`), each
/// plain (`sp` left alone) and as its `…Sp` twin, and for f64 the tee form
/// (`rr_tee`); then expands to the integer and float arms' `match`.
macro_rules! with_register_arms {
    (
        ($op:expr, $v:ident, $sp:ident, $base:ident, $pc:ident, $start:ident),
        { $($arms:tt)* },
        bits32: [$($i:ident: $i_rr:ident $i_rr_sp:ident $i_ri:ident $i_ri_sp:ident |$ia:ident, $ib:ident| $i_f:expr;)*]
        i64: [$($w:ident: $w_rr:ident $w_rr_sp:ident $w_ri:ident $w_ri_sp:ident |$wa:ident, $wb:ident| $w_f:expr;)*]
        f64: [$($f:ident: $f_rr:ident $f_rr_sp:ident $f_rc:ident $f_rc_sp:ident $f_tee:ident |$fa:ident, $fb:ident| $f_f:expr;)*]
    ) => {
        super::int_ops::match_op_with_int_ops!($op, $v, $sp, $pc, $start, {
            $($arms)*
            $(
                Op::$i_rr(ref o) => rr($v, &mut $sp, $base, o, |$ia, $ib| $i_f),
                Op::$i_rr_sp(ref o) => rr_sp($v, &mut $sp, $base, o, |$ia, $ib| $i_f),
                Op::$i_ri(ref o) => ri($v, &mut $sp, $base, o, o.imm as u32 as u64, |$ia, $ib| $i_f),
                Op::$i_ri_sp(ref o) => ri_sp($v, &mut $sp, $base, o, o.imm as u32 as u64, |$ia, $ib| $i_f),
            )*
            $(
                Op::$w_rr(ref o) => rr($v, &mut $sp, $base, o, |$wa, $wb| $w_f),
                Op::$w_rr_sp(ref o) => rr_sp($v, &mut $sp, $base, o, |$wa, $wb| $w_f),
                Op::$w_ri(ref o) => ri($v, &mut $sp, $base, o, o.imm as i64 as u64, |$wa, $wb| $w_f),
                Op::$w_ri_sp(ref o) => ri_sp($v, &mut $sp, $base, o, o.imm as i64 as u64, |$wa, $wb| $w_f),
            )*
            $(
                Op::$f_rr(ref o) => rr($v, &mut $sp, $base, o, |$fa, $fb| $f_f),
                Op::$f_rr_sp(ref o) => rr_sp($v, &mut $sp, $base, o, |$fa, $fb| $f_f),
                Op::$f_rc(ref o) => ri($v, &mut $sp, $base, &o.slots(), u64::from_le_bytes(o.imm), |$fa, $fb| $f_f),
                Op::$f_rc_sp(ref o) => ri_sp($v, &mut $sp, $base, &o.slots(), u64::from_le_bytes(o.imm), |$fa, $fb| $f_f),
                Op::$f_tee(ref o) => rr_tee($v, &mut $sp, $base, o, |$fa, $fb| $f_f),
            )*
        })
    };
}

pub(super) use match_op_with_reg_ops;
pub(super) use with_register_arms;
