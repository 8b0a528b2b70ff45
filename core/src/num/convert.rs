//! Float → integer truncation.
//!
//! Trapping forms (`i32.trunc_f32_s` ...): NaN → [`TrapCode::InvalidConversionToInteger`];
//! a value whose integer part is outside the target range → [`TrapCode::IntegerOverflow`].
//! The range test is on the truncated value against `MIN` and `2^N` (signed) or
//! `0` and `2^N` (unsigned); these bounds are powers of two, hence exact in
//! both float widths, so no value near a boundary is misjudged.
//!
//! Saturating forms (`i32.trunc_sat_f32_s` ...) are exactly Rust's `as` casts:
//! NaN → 0, below range → MIN, above range → MAX. They are named here so that
//! callers read like the instruction they implement.
//!
//! Every function returns the Wasm result type (`i32` or `i64`); the unsigned
//! forms return the unsigned value's bits.

use crate::trap::TrapCode;

macro_rules! truncations {
    ($($trap:ident, $sat:ident: $float:ty => $int:ty as $ret:ty, $low:expr, $high:expr;)*) => {$(
        #[doc = concat!("`", stringify!($ret), ".trunc_", stringify!($float), "` (trapping; `", stringify!($int), "` range).")]
        ///
        /// # Errors
        /// [`TrapCode::InvalidConversionToInteger`] for NaN, [`TrapCode::IntegerOverflow`]
        /// when the integer part does not fit.
        pub fn $trap(x: $float) -> Result<$ret, TrapCode> {
            if x.is_nan() {
                return Err(TrapCode::InvalidConversionToInteger);
            }
            let t = x.trunc();
            if ($low..$high).contains(&t) {
                Ok(t as $int as $ret)
            } else {
                Err(TrapCode::IntegerOverflow)
            }
        }

        #[doc = concat!("`", stringify!($ret), ".trunc_sat_", stringify!($float), "`: Rust's saturating `as` cast to `", stringify!($int), "`.")]
        pub fn $sat(x: $float) -> $ret {
            x as $int as $ret
        }
    )*};
}

/// 2^31 and 2^63: the first values past the signed ranges, exact in f32 and f64.
const P31: f64 = 2147483648.0;
const P32: f64 = 4294967296.0;
const P63: f64 = 9223372036854775808.0;
const P64: f64 = 18446744073709551616.0;

truncations! {
    i32_trunc_f32_s, i32_trunc_sat_f32_s: f32 => i32 as i32, -P31 as f32, P31 as f32;
    i32_trunc_f32_u, i32_trunc_sat_f32_u: f32 => u32 as i32, 0.0, P32 as f32;
    i32_trunc_f64_s, i32_trunc_sat_f64_s: f64 => i32 as i32, -P31, P31;
    i32_trunc_f64_u, i32_trunc_sat_f64_u: f64 => u32 as i32, 0.0, P32;
    i64_trunc_f32_s, i64_trunc_sat_f32_s: f32 => i64 as i64, -P63 as f32, P63 as f32;
    i64_trunc_f32_u, i64_trunc_sat_f32_u: f32 => u64 as i64, 0.0, P64 as f32;
    i64_trunc_f64_s, i64_trunc_sat_f64_s: f64 => i64 as i64, -P63, P63;
    i64_trunc_f64_u, i64_trunc_sat_f64_u: f64 => u64 as i64, 0.0, P64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_is_invalid_whatever_the_payload() {
        let nan32 = [f32::NAN, -f32::NAN, f32::from_bits(0x7f80_0001)];
        for x in nan32 {
            assert_eq!(
                i32_trunc_f32_s(x),
                Err(TrapCode::InvalidConversionToInteger)
            );
            assert_eq!(
                i64_trunc_f32_u(x),
                Err(TrapCode::InvalidConversionToInteger)
            );
            assert_eq!(i32_trunc_sat_f32_s(x), 0);
        }
        assert_eq!(
            i64_trunc_f64_s(f64::NAN),
            Err(TrapCode::InvalidConversionToInteger)
        );
        assert_eq!(
            i32_trunc_f64_u(-f64::NAN),
            Err(TrapCode::InvalidConversionToInteger)
        );
    }

    #[test]
    fn signed_i32_boundaries() {
        assert_eq!(i32_trunc_f32_s(-2147483648.0), Ok(i32::MIN));
        assert_eq!(i32_trunc_f32_s(2147483520.0), Ok(2147483520));
        assert_eq!(
            i32_trunc_f32_s(2147483648.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            i32_trunc_f32_s(-2147483904.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i32_trunc_f64_s(-2147483648.9), Ok(i32::MIN));
        assert_eq!(
            i32_trunc_f64_s(-2147483649.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i32_trunc_f64_s(2147483647.9), Ok(i32::MAX));
        assert_eq!(
            i32_trunc_f64_s(2147483648.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            i32_trunc_f64_s(f64::INFINITY),
            Err(TrapCode::IntegerOverflow)
        );
    }

    #[test]
    fn unsigned_boundaries_and_negative_fractions() {
        assert_eq!(i32_trunc_f32_u(-0.9), Ok(0));
        assert_eq!(i32_trunc_f32_u(-0.0), Ok(0));
        assert_eq!(i32_trunc_f32_u(-1.0), Err(TrapCode::IntegerOverflow));
        assert_eq!(i32_trunc_f32_u(4294967040.0), Ok(4294967040u32 as i32));
        assert_eq!(
            i32_trunc_f32_u(4294967296.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i32_trunc_f64_u(4294967295.9), Ok(-1));
        assert_eq!(
            i32_trunc_f64_u(4294967296.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i32_trunc_f64_u(-0.99999), Ok(0));
        assert_eq!(
            i64_trunc_f64_u(18446744073709549568.0),
            Ok(18446744073709549568u64 as i64)
        );
        assert_eq!(
            i64_trunc_f64_u(18446744073709551616.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i64_trunc_f32_u(-0.5), Ok(0));
    }

    #[test]
    fn signed_i64_boundaries() {
        assert_eq!(i64_trunc_f64_s(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(
            i64_trunc_f64_s(9223372036854774784.0),
            Ok(9223372036854774784)
        );
        assert_eq!(
            i64_trunc_f64_s(9223372036854775808.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(i64_trunc_f32_s(-9223372036854775808.0), Ok(i64::MIN));
        assert_eq!(
            i64_trunc_f32_s(9223372036854775808.0),
            Err(TrapCode::IntegerOverflow)
        );
        assert_eq!(
            i64_trunc_f32_s(9223371487098961920.0),
            Ok(9223371487098961920)
        );
    }

    #[test]
    fn saturating_casts_clamp() {
        assert_eq!(i32_trunc_sat_f32_s(3e9), i32::MAX);
        assert_eq!(i32_trunc_sat_f32_s(-3e9), i32::MIN);
        assert_eq!(i32_trunc_sat_f64_u(-1.0), 0);
        assert_eq!(i64_trunc_sat_f64_u(f64::INFINITY), -1);
        assert_eq!(i32_trunc_sat_f32_u(3e9), 3_000_000_000u32 as i32);
        assert_eq!(i64_trunc_sat_f32_s(f32::NEG_INFINITY), i64::MIN);
    }
}
