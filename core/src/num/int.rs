//! Integer division and remainder with Wasm's traps.
//!
//! | op      | `b == 0`            | `a == MIN, b == -1` |
//! |---------|---------------------|---------------------|
//! | `div_s` | IntegerDivideByZero | IntegerOverflow     |
//! | `rem_s` | IntegerDivideByZero | result 0            |
//! | `div_u`, `rem_u` | IntegerDivideByZero | (no special case) |

use crate::trap::TrapCode;

macro_rules! int_div_rem {
    ($signed:ty, $unsigned:ty, $div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident) => {
        #[doc = concat!("`", stringify!($signed), ".div_s`.")]
        ///
        /// # Errors
        /// [`TrapCode::IntegerDivideByZero`] when `b == 0`; [`TrapCode::IntegerOverflow`]
        /// when the quotient does not fit (`MIN / -1`).
        pub fn $div_s(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            a.checked_div(b).ok_or(TrapCode::IntegerOverflow)
        }

        #[doc = concat!("`", stringify!($signed), ".div_u`: operands read as unsigned.")]
        ///
        /// # Errors
        /// [`TrapCode::IntegerDivideByZero`] when `b == 0`.
        pub fn $div_u(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            Ok(((a as $unsigned) / (b as $unsigned)) as $signed)
        }

        #[doc = concat!("`", stringify!($signed), ".rem_s`: the sign follows the dividend; `MIN % -1` is 0.")]
        ///
        /// # Errors
        /// [`TrapCode::IntegerDivideByZero`] when `b == 0`.
        pub fn $rem_s(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            Ok(a.wrapping_rem(b))
        }

        #[doc = concat!("`", stringify!($signed), ".rem_u`: operands read as unsigned.")]
        ///
        /// # Errors
        /// [`TrapCode::IntegerDivideByZero`] when `b == 0`.
        pub fn $rem_u(a: $signed, b: $signed) -> Result<$signed, TrapCode> {
            if b == 0 {
                return Err(TrapCode::IntegerDivideByZero);
            }
            Ok(((a as $unsigned) % (b as $unsigned)) as $signed)
        }
    };
}

int_div_rem!(i32, u32, i32_div_s, i32_div_u, i32_rem_s, i32_rem_u);
int_div_rem!(i64, u64, i64_div_s, i64_div_u, i64_rem_s, i64_rem_u);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_traps() {
        assert_eq!(i32_div_s(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i32_div_u(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i32_rem_s(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i32_rem_u(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i64_div_s(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i64_rem_u(1, 0), Err(TrapCode::IntegerDivideByZero));
        assert_eq!(i32_div_s(i32::MIN, -1), Err(TrapCode::IntegerOverflow));
        assert_eq!(i64_div_s(i64::MIN, -1), Err(TrapCode::IntegerOverflow));
    }

    #[test]
    fn signed_remainder_of_min_by_minus_one_is_zero() {
        assert_eq!(i32_rem_s(i32::MIN, -1), Ok(0));
        assert_eq!(i64_rem_s(i64::MIN, -1), Ok(0));
    }

    #[test]
    fn signed_and_unsigned_differ() {
        assert_eq!(i32_div_s(-7, 2), Ok(-3));
        assert_eq!(i32_rem_s(-7, 2), Ok(-1));
        assert_eq!(i32_rem_s(7, -2), Ok(1));
        assert_eq!(i32_div_u(-1, 2), Ok(0x7fff_ffff));
        assert_eq!(i32_rem_u(-1, 2), Ok(1));
        assert_eq!(i64_div_u(-2, 3), Ok(0x5555_5555_5555_5554));
        assert_eq!(i64_rem_u(-1, 10), Ok(5));
        assert_eq!(i64_div_s(i64::MIN, 2), Ok(i64::MIN / 2));
    }
}
