//! The integer arms of the dispatch loop: i32/i64 arithmetic, comparisons,
//! their fused-immediate forms and fused compare-and-branch ops.
//!
//! Macros let these arms join the single `match` in `dispatch.rs` (one jump
//! table for every op) while living in files of their own: `dispatch.rs`
//! hands its arms to `match_op_with_memory_ops!` (`memory_ops.rs`), which
//! adds its own and calls `match_op_with_reg_ops!` (`reg_ops.rs`), which
//! adds the register forms and calls `match_op_with_int_ops!` here, which
//! adds these and calls `match_op_with_float_ops!` (`float_ops.rs`), which closes the
//! `match`. `$v` is the value stack slice, `$sp` and `$pc` the loop's registers (`$pc`
//! points at the next op; `$start` at the function's first).

/// Expands to the dispatch `match` over `$op`: the caller's arms, then the
/// integer arms here, then the float arms.
macro_rules! match_op_with_int_ops {
    ($op:expr, $v:ident, $sp:ident, $pc:ident, $start:ident, { $($arms:tt)* }) => {
        super::float_ops::match_op_with_float_ops!($op, $v, $sp, {
            $($arms)*
                // --- i32 -------------------------------------------------
                Op::I32Eqz => unary($v, $sp, |a| (a as u32 == 0) as u64),
                Op::I32AddEqz => {
                    $sp -= 1;
                    let zero = ($v[$sp] as u32 == 0) as u32;
                    $v[$sp - 1] = u64::from(($v[$sp - 1] as u32).wrapping_add(zero));
                }
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
                // --- compare and branch (fused) ----------------------------
                Op::BrIfI32Eq(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) == ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32Ne(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) != ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32LtS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) < ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32LtU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) < ($v[$sp + 1] as u32), $start, target, $pc);
                }
                Op::BrIfI32GtS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) > ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32GtU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) > ($v[$sp + 1] as u32), $start, target, $pc);
                }
                Op::BrIfI32LeS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) <= ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32LeU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) <= ($v[$sp + 1] as u32), $start, target, $pc);
                }
                Op::BrIfI32GeS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) >= ($v[$sp + 1] as i32), $start, target, $pc);
                }
                Op::BrIfI32GeU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) >= ($v[$sp + 1] as u32), $start, target, $pc);
                }
                Op::BrIfI64Eq(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) == ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64Ne(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) != ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64LtS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) < ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64LtU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u64) < ($v[$sp + 1] as u64), $start, target, $pc);
                }
                Op::BrIfI64GtS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) > ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64GtU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u64) > ($v[$sp + 1] as u64), $start, target, $pc);
                }
                Op::BrIfI64LeS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) <= ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64LeU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u64) <= ($v[$sp + 1] as u64), $start, target, $pc);
                }
                Op::BrIfI64GeS(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as i64) >= ($v[$sp + 1] as i64), $start, target, $pc);
                }
                Op::BrIfI64GeU(target) => {
                    $sp -= 2;
                    $pc = super::dispatch::branch_to(($v[$sp] as u64) >= ($v[$sp + 1] as u64), $start, target, $pc);
                }
                Op::BrIfI32EqImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) == (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32NeImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) != (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32LtSImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) < (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32LtUImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) < (imm as u32), $start, target, $pc);
                }
                Op::BrIfI32GtSImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) > (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32GtUImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) > (imm as u32), $start, target, $pc);
                }
                Op::BrIfI32LeSImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) <= (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32LeUImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) <= (imm as u32), $start, target, $pc);
                }
                Op::BrIfI32GeSImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as i32) >= (imm as i32), $start, target, $pc);
                }
                Op::BrIfI32GeUImm { target, imm } => {
                    $sp -= 1;
                    $pc = super::dispatch::branch_to(($v[$sp] as u32) >= (imm as u32), $start, target, $pc);
                }
        })
    };
}

pub(super) use match_op_with_int_ops;
