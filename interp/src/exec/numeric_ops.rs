//! The numeric arms of the dispatch loop, one per op (plain and
//! fused-immediate), written with the helpers of `numeric.rs`.
//!
//! A macro lets these arms join the single `match` in `dispatch.rs` (one jump
//! table for every op) while living in their own file.

/// Expands to `match $op { <the caller's arms> <every numeric arm> }`: the
/// dispatch loop writes its control, call and memory arms, and the numeric
/// ones (plain and fused-immediate) live here. `$v` is the value stack slice
/// and `$sp` the stack pointer variable.
macro_rules! match_op_with_numeric {
    ($op:expr, $v:ident, $sp:ident, { $($arms:tt)* }) => {
        match $op {
            $($arms)*
                // --- i32 -------------------------------------------------
                Op::I32Eqz => unary($v, $sp, |a| (a as u32 == 0) as u64),
                Op::I32Eq => u32_compare($v, &mut $sp, |a, b| a == b),
                Op::I32Ne => u32_compare($v, &mut $sp, |a, b| a != b),
                Op::I32LtS => i32_compare($v, &mut $sp, |a, b| a < b),
                Op::I32LtU => u32_compare($v, &mut $sp, |a, b| a < b),
                Op::I32GtS => i32_compare($v, &mut $sp, |a, b| a > b),
                Op::I32GtU => u32_compare($v, &mut $sp, |a, b| a > b),
                Op::I32LeS => i32_compare($v, &mut $sp, |a, b| a <= b),
                Op::I32LeU => u32_compare($v, &mut $sp, |a, b| a <= b),
                Op::I32GeS => i32_compare($v, &mut $sp, |a, b| a >= b),
                Op::I32GeU => u32_compare($v, &mut $sp, |a, b| a >= b),
                Op::I32Clz => unary($v, $sp, |a| (a as u32).leading_zeros() as u64),
                Op::I32Ctz => unary($v, $sp, |a| (a as u32).trailing_zeros() as u64),
                Op::I32Popcnt => unary($v, $sp, |a| (a as u32).count_ones() as u64),
                Op::I32Add => i32_binary($v, &mut $sp, i32::wrapping_add),
                Op::I32Sub => i32_binary($v, &mut $sp, i32::wrapping_sub),
                Op::I32Mul => i32_binary($v, &mut $sp, i32::wrapping_mul),
                Op::I32DivS => i32_div($v, &mut $sp, num::i32_div_s)?,
                Op::I32DivU => i32_div($v, &mut $sp, num::i32_div_u)?,
                Op::I32RemS => i32_div($v, &mut $sp, num::i32_rem_s)?,
                Op::I32RemU => i32_div($v, &mut $sp, num::i32_rem_u)?,
                Op::I32And => i32_binary($v, &mut $sp, |a, b| a & b),
                Op::I32Or => i32_binary($v, &mut $sp, |a, b| a | b),
                Op::I32Xor => i32_binary($v, &mut $sp, |a, b| a ^ b),
                Op::I32Shl => i32_binary($v, &mut $sp, |a, b| a.wrapping_shl(b as u32)),
                Op::I32ShrS => i32_binary($v, &mut $sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I32ShrU => {
                    i32_binary($v, &mut $sp, |a, b| (a as u32).wrapping_shr(b as u32) as i32)
                }
                Op::I32Rotl => i32_binary($v, &mut $sp, |a, b| a.rotate_left(b as u32 & 31)),
                Op::I32Rotr => i32_binary($v, &mut $sp, |a, b| a.rotate_right(b as u32 & 31)),
                Op::I32Extend8S => unary($v, $sp, |a| from_i32(a as i8 as i32)),
                Op::I32Extend16S => unary($v, $sp, |a| from_i32(a as i16 as i32)),

                // --- i64 -------------------------------------------------
                Op::I64Eqz => unary($v, $sp, |a| (a == 0) as u64),
                Op::I64Eq => u64_compare($v, &mut $sp, |a, b| a == b),
                Op::I64Ne => u64_compare($v, &mut $sp, |a, b| a != b),
                Op::I64LtS => i64_compare($v, &mut $sp, |a, b| a < b),
                Op::I64LtU => u64_compare($v, &mut $sp, |a, b| a < b),
                Op::I64GtS => i64_compare($v, &mut $sp, |a, b| a > b),
                Op::I64GtU => u64_compare($v, &mut $sp, |a, b| a > b),
                Op::I64LeS => i64_compare($v, &mut $sp, |a, b| a <= b),
                Op::I64LeU => u64_compare($v, &mut $sp, |a, b| a <= b),
                Op::I64GeS => i64_compare($v, &mut $sp, |a, b| a >= b),
                Op::I64GeU => u64_compare($v, &mut $sp, |a, b| a >= b),
                Op::I64Clz => unary($v, $sp, |a| a.leading_zeros() as u64),
                Op::I64Ctz => unary($v, $sp, |a| a.trailing_zeros() as u64),
                Op::I64Popcnt => unary($v, $sp, |a| a.count_ones() as u64),
                Op::I64Add => i64_binary($v, &mut $sp, i64::wrapping_add),
                Op::I64Sub => i64_binary($v, &mut $sp, i64::wrapping_sub),
                Op::I64Mul => i64_binary($v, &mut $sp, i64::wrapping_mul),
                Op::I64DivS => i64_div($v, &mut $sp, num::i64_div_s)?,
                Op::I64DivU => i64_div($v, &mut $sp, num::i64_div_u)?,
                Op::I64RemS => i64_div($v, &mut $sp, num::i64_rem_s)?,
                Op::I64RemU => i64_div($v, &mut $sp, num::i64_rem_u)?,
                Op::I64And => binary($v, &mut $sp, |a, b| a & b),
                Op::I64Or => binary($v, &mut $sp, |a, b| a | b),
                Op::I64Xor => binary($v, &mut $sp, |a, b| a ^ b),
                Op::I64Shl => binary($v, &mut $sp, |a, b| a.wrapping_shl(b as u32)),
                Op::I64ShrS => i64_binary($v, &mut $sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I64ShrU => binary($v, &mut $sp, |a, b| a.wrapping_shr(b as u32)),
                Op::I64Rotl => binary($v, &mut $sp, |a, b| a.rotate_left((b & 63) as u32)),
                Op::I64Rotr => binary($v, &mut $sp, |a, b| a.rotate_right((b & 63) as u32)),
                Op::I64Extend8S => unary($v, $sp, |a| a as i8 as i64 as u64),
                Op::I64Extend16S => unary($v, $sp, |a| a as i16 as i64 as u64),
                Op::I64Extend32S => unary($v, $sp, |a| a as i32 as i64 as u64),

                // --- f32 -------------------------------------------------
                Op::F32Eq => f32_compare($v, &mut $sp, |a, b| a == b),
                Op::F32Ne => f32_compare($v, &mut $sp, |a, b| a != b),
                Op::F32Lt => f32_compare($v, &mut $sp, |a, b| a < b),
                Op::F32Gt => f32_compare($v, &mut $sp, |a, b| a > b),
                Op::F32Le => f32_compare($v, &mut $sp, |a, b| a <= b),
                Op::F32Ge => f32_compare($v, &mut $sp, |a, b| a >= b),
                Op::F32Abs => unary($v, $sp, |a| a & !(F32_SIGN as u64)),
                Op::F32Neg => unary($v, $sp, |a| a ^ F32_SIGN as u64),
                Op::F32Ceil => f32_unary($v, $sp, f32::ceil),
                Op::F32Floor => f32_unary($v, $sp, f32::floor),
                Op::F32Trunc => f32_unary($v, $sp, f32::trunc),
                Op::F32Nearest => unary($v, $sp, |a| num::f32_nearest(a as u32) as u64),
                Op::F32Sqrt => f32_unary($v, $sp, f32::sqrt),
                Op::F32Add => f32_binary($v, &mut $sp, |a, b| a + b),
                Op::F32Sub => f32_binary($v, &mut $sp, |a, b| a - b),
                Op::F32Mul => f32_binary($v, &mut $sp, |a, b| a * b),
                Op::F32Div => f32_binary($v, &mut $sp, |a, b| a / b),
                Op::F32Min => binary($v, &mut $sp, |a, b| num::f32_min(a as u32, b as u32) as u64),
                Op::F32Max => binary($v, &mut $sp, |a, b| num::f32_max(a as u32, b as u32) as u64),
                Op::F32Copysign => binary($v, &mut $sp, f32_copysign),

                // --- f64 -------------------------------------------------
                Op::F64Eq => f64_compare($v, &mut $sp, |a, b| a == b),
                Op::F64Ne => f64_compare($v, &mut $sp, |a, b| a != b),
                Op::F64Lt => f64_compare($v, &mut $sp, |a, b| a < b),
                Op::F64Gt => f64_compare($v, &mut $sp, |a, b| a > b),
                Op::F64Le => f64_compare($v, &mut $sp, |a, b| a <= b),
                Op::F64Ge => f64_compare($v, &mut $sp, |a, b| a >= b),
                Op::F64Abs => unary($v, $sp, |a| a & !F64_SIGN),
                Op::F64Neg => unary($v, $sp, |a| a ^ F64_SIGN),
                Op::F64Ceil => f64_unary($v, $sp, f64::ceil),
                Op::F64Floor => f64_unary($v, $sp, f64::floor),
                Op::F64Trunc => f64_unary($v, $sp, f64::trunc),
                Op::F64Nearest => unary($v, $sp, num::f64_nearest),
                Op::F64Sqrt => f64_unary($v, $sp, f64::sqrt),
                Op::F64Add => f64_binary($v, &mut $sp, |a, b| a + b),
                Op::F64Sub => f64_binary($v, &mut $sp, |a, b| a - b),
                Op::F64Mul => f64_binary($v, &mut $sp, |a, b| a * b),
                Op::F64Div => f64_binary($v, &mut $sp, |a, b| a / b),
                Op::F64Min => binary($v, &mut $sp, num::f64_min),
                Op::F64Max => binary($v, &mut $sp, num::f64_max),
                Op::F64Copysign => binary($v, &mut $sp, f64_copysign),

                // --- conversions -----------------------------------------
                Op::I32WrapI64 => unary($v, $sp, |a| a & 0xffff_ffff),
                Op::I32TruncF32S => {
                    unary_trap($v, $sp, |a| num::i32_trunc_f32_s(as_f32(a)).map(from_i32))?
                }
                Op::I32TruncF32U => {
                    unary_trap($v, $sp, |a| num::i32_trunc_f32_u(as_f32(a)).map(from_i32))?
                }
                Op::I32TruncF64S => {
                    unary_trap($v, $sp, |a| num::i32_trunc_f64_s(as_f64(a)).map(from_i32))?
                }
                Op::I32TruncF64U => {
                    unary_trap($v, $sp, |a| num::i32_trunc_f64_u(as_f64(a)).map(from_i32))?
                }
                Op::I64ExtendI32S => unary($v, $sp, |a| a as i32 as i64 as u64),
                Op::I64TruncF32S => {
                    unary_trap($v, $sp, |a| num::i64_trunc_f32_s(as_f32(a)).map(|r| r as u64))?
                }
                Op::I64TruncF32U => {
                    unary_trap($v, $sp, |a| num::i64_trunc_f32_u(as_f32(a)).map(|r| r as u64))?
                }
                Op::I64TruncF64S => {
                    unary_trap($v, $sp, |a| num::i64_trunc_f64_s(as_f64(a)).map(|r| r as u64))?
                }
                Op::I64TruncF64U => {
                    unary_trap($v, $sp, |a| num::i64_trunc_f64_u(as_f64(a)).map(|r| r as u64))?
                }
                Op::F32ConvertI32S => unary($v, $sp, |a| from_f32(a as i32 as f32)),
                Op::F32ConvertI32U => unary($v, $sp, |a| from_f32(a as u32 as f32)),
                Op::F32ConvertI64S => unary($v, $sp, |a| from_f32(a as i64 as f32)),
                Op::F32ConvertI64U => unary($v, $sp, |a| from_f32(a as f32)),
                Op::F32DemoteF64 => unary($v, $sp, |a| from_f32(as_f64(a) as f32)),
                Op::F64ConvertI32S => unary($v, $sp, |a| (a as i32 as f64).to_bits()),
                Op::F64ConvertI32U => unary($v, $sp, |a| (a as u32 as f64).to_bits()),
                Op::F64ConvertI64S => unary($v, $sp, |a| (a as i64 as f64).to_bits()),
                Op::F64ConvertI64U => unary($v, $sp, |a| (a as f64).to_bits()),
                Op::F64PromoteF32 => unary($v, $sp, |a| (as_f32(a) as f64).to_bits()),
                Op::I32TruncSatF32S => {
                    unary($v, $sp, |a| from_i32(num::i32_trunc_sat_f32_s(as_f32(a))))
                }
                Op::I32TruncSatF32U => {
                    unary($v, $sp, |a| from_i32(num::i32_trunc_sat_f32_u(as_f32(a))))
                }
                Op::I32TruncSatF64S => {
                    unary($v, $sp, |a| from_i32(num::i32_trunc_sat_f64_s(as_f64(a))))
                }
                Op::I32TruncSatF64U => {
                    unary($v, $sp, |a| from_i32(num::i32_trunc_sat_f64_u(as_f64(a))))
                }
                Op::I64TruncSatF32S => unary($v, $sp, |a| num::i64_trunc_sat_f32_s(as_f32(a)) as u64),
                Op::I64TruncSatF32U => unary($v, $sp, |a| num::i64_trunc_sat_f32_u(as_f32(a)) as u64),
                Op::I64TruncSatF64S => unary($v, $sp, |a| num::i64_trunc_sat_f64_s(as_f64(a)) as u64),
                Op::I64TruncSatF64U => unary($v, $sp, |a| num::i64_trunc_sat_f64_u(as_f64(a)) as u64),

                // --- fused immediates ---------------------------------------
                Op::I32AddImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a.wrapping_add(imm))
                }),
                Op::I32SubImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a.wrapping_sub(imm))
                }),
                Op::I32MulImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a.wrapping_mul(imm))
                }),
                Op::I32AndImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a & imm)
                }),
                Op::I32OrImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a | imm)
                }),
                Op::I32XorImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a ^ imm)
                }),
                Op::I32ShlImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a.wrapping_shl(imm as u32))
                }),
                Op::I32ShrSImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32(a.wrapping_shr(imm as u32))
                }),
                Op::I32ShrUImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    from_i32((a as u32).wrapping_shr(imm as u32) as i32)
                }),
                Op::I32EqImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a == imm) as u64
                }),
                Op::I32NeImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a != imm) as u64
                }),
                Op::I32LtSImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a < imm) as u64
                }),
                Op::I32LtUImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    ((a as u32) < imm as u32) as u64
                }),
                Op::I32GtSImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a > imm) as u64
                }),
                Op::I32GtUImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    ((a as u32) > imm as u32) as u64
                }),
                Op::I32LeSImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a <= imm) as u64
                }),
                Op::I32LeUImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    ((a as u32) <= imm as u32) as u64
                }),
                Op::I32GeSImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    (a >= imm) as u64
                }),
                Op::I32GeUImm(imm) => unary($v, $sp, |a| {
                    let a = a as i32;
                    ((a as u32) >= imm as u32) as u64
                }),
                Op::I64AddImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a.wrapping_add(imm)) as u64
                }),
                Op::I64SubImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a.wrapping_sub(imm)) as u64
                }),
                Op::I64MulImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a.wrapping_mul(imm)) as u64
                }),
                Op::I64AndImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a & imm) as u64
                }),
                Op::I64OrImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a | imm) as u64
                }),
                Op::I64XorImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a ^ imm) as u64
                }),
                Op::I64ShlImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a.wrapping_shl(imm as u32)) as u64
                }),
                Op::I64ShrSImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a.wrapping_shr(imm as u32)) as u64
                }),
                Op::I64ShrUImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    ((a as u64).wrapping_shr(imm as u32) as i64) as u64
                }),
                Op::I64EqImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a == imm) as u64
                }),
                Op::I64NeImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a != imm) as u64
                }),
                Op::I64LtSImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a < imm) as u64
                }),
                Op::I64LtUImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    ((a as u64) < imm as u64) as u64
                }),
                Op::I64GtSImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a > imm) as u64
                }),
                Op::I64GtUImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    ((a as u64) > imm as u64) as u64
                }),
                Op::I64LeSImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a <= imm) as u64
                }),
                Op::I64LeUImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    ((a as u64) <= imm as u64) as u64
                }),
                Op::I64GeSImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    (a >= imm) as u64
                }),
                Op::I64GeUImm(imm) => unary($v, $sp, |a| {
                    let (a, imm) = (a as i64, imm as i64);
                    ((a as u64) >= imm as u64) as u64
                }),
        }
    };
}

pub(super) use match_op_with_numeric;
