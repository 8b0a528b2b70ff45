//! The float and conversion arms of the dispatch loop (see `int_ops.rs` for
//! how the arms join the single dispatch `match`).

/// Expands to `match $op { <the caller's arms> <float and conversion arms> }`.
macro_rules! match_op_with_float_ops {
    ($op:expr, $v:ident, $sp:ident, { $($arms:tt)* }) => {
        match $op {
            $($arms)*
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

        }
    };
}

pub(super) use match_op_with_float_ops;
