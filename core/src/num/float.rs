//! Float operations whose Wasm semantics differ from Rust's `f32::min` and
//! friends.
//!
//! NaN rule: an operation given a NaN returns a NaN with the quiet bit set and
//! the input's payload (an "arithmetic" NaN; a canonical NaN stays canonical).
//! Signed zeros are ordered: `min(-0, +0) = -0`, `max(-0, +0) = +0`.

macro_rules! float_ops {
    ($float:ty, $bits:ty, $quiet:expr, $min:ident, $max:ident, $nearest:ident) => {
        #[doc = concat!("`", stringify!($float), ".min` on bit patterns.")]
        pub fn $min(a: $bits, b: $bits) -> $bits {
            let (x, y) = (<$float>::from_bits(a), <$float>::from_bits(b));
            if x.is_nan() {
                a | $quiet
            } else if y.is_nan() {
                b | $quiet
            } else if x == y {
                // Equal values differ only in the sign of zero: -0 wins.
                a | b
            } else {
                x.min(y).to_bits()
            }
        }

        #[doc = concat!("`", stringify!($float), ".max` on bit patterns.")]
        pub fn $max(a: $bits, b: $bits) -> $bits {
            let (x, y) = (<$float>::from_bits(a), <$float>::from_bits(b));
            if x.is_nan() {
                a | $quiet
            } else if y.is_nan() {
                b | $quiet
            } else if x == y {
                // Equal values differ only in the sign of zero: +0 wins.
                a & b
            } else {
                x.max(y).to_bits()
            }
        }

        #[doc = concat!("`", stringify!($float), ".nearest`: round to integer, ties to even, sign of zero kept.")]
        pub fn $nearest(a: $bits) -> $bits {
            let x = <$float>::from_bits(a);
            if x.is_nan() { a | $quiet } else { x.round_ties_even().to_bits() }
        }
    };
}

/// The quiet bit of an `f32` NaN (top bit of the significand).
pub const F32_QUIET_BIT: u32 = 1 << 22;
/// The quiet bit of an `f64` NaN.
pub const F64_QUIET_BIT: u64 = 1 << 51;

float_ops!(f32, u32, F32_QUIET_BIT, f32_min, f32_max, f32_nearest);
float_ops!(f64, u64, F64_QUIET_BIT, f64_min, f64_max, f64_nearest);

#[cfg(test)]
mod tests {
    use super::*;

    const NEG_ZERO32: u32 = 0x8000_0000;
    const SIGNALING_NAN32: u32 = 0x7f80_0001;

    fn f(x: f32) -> u32 {
        x.to_bits()
    }

    #[test]
    fn signed_zeros_are_ordered() {
        assert_eq!(f32_min(0, NEG_ZERO32), NEG_ZERO32);
        assert_eq!(f32_min(NEG_ZERO32, 0), NEG_ZERO32);
        assert_eq!(f32_max(0, NEG_ZERO32), 0);
        assert_eq!(f32_max(NEG_ZERO32, 0), 0);
        assert_eq!(f64_min(0, 1 << 63), 1 << 63);
        assert_eq!(f64_max(1 << 63, 0), 0);
    }

    #[test]
    fn nan_inputs_give_quiet_nans_with_payload() {
        assert_eq!(f32_min(SIGNALING_NAN32, f(1.0)), 0x7fc0_0001);
        assert_eq!(f32_max(f(1.0), SIGNALING_NAN32), 0x7fc0_0001);
        let canonical = f32::NAN.to_bits();
        assert_eq!(f32_min(canonical, f(1.0)), canonical);
        assert_eq!(f32_max(f(-1.0), 0xffc0_0000), 0xffc0_0000);
        assert_eq!(f64_min(0x7ff0_0000_0000_0001, 0), 0x7ff8_0000_0000_0001);
        assert_eq!(f32_nearest(SIGNALING_NAN32), 0x7fc0_0001);
    }

    #[test]
    fn ordinary_min_max() {
        assert_eq!(f32_min(f(1.0), f(-2.0)), f(-2.0));
        assert_eq!(f32_max(f(1.0), f(-2.0)), f(1.0));
        assert_eq!(f32_max(f(f32::NEG_INFINITY), f(f32::MIN)), f(f32::MIN));
        assert_eq!(
            f64_max(2.5f64.to_bits(), 3.0f64.to_bits()),
            3.0f64.to_bits()
        );
    }

    #[test]
    fn nearest_ties_to_even_and_keeps_zero_sign() {
        assert_eq!(f32_nearest(f(0.5)), f(0.0));
        assert_eq!(f32_nearest(f(1.5)), f(2.0));
        assert_eq!(f32_nearest(f(2.5)), f(2.0));
        assert_eq!(f32_nearest(f(-0.5)), NEG_ZERO32);
        assert_eq!(f32_nearest(f(-3.5)), f(-4.0));
        assert_eq!(f32_nearest(f(8388609.0)), f(8388609.0));
        assert_eq!(f64_nearest(4.5f64.to_bits()), 4.0f64.to_bits());
        assert_eq!(f64_nearest((-0.0f64).to_bits()), (-0.0f64).to_bits());
        assert_eq!(
            f64_nearest(f64::INFINITY.to_bits()),
            f64::INFINITY.to_bits()
        );
    }
}
