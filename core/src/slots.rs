//! Copies of raw slots ([`crate::value`]) of the sizes that cross between
//! frames and tiers: a call's arguments or results, a suspension's
//! payload. Those are one or two slots as a rule, for which a `memcpy`
//! call (what `copy_from_slice` and `SmallVec::from_slice` make of a length
//! not known at compile time) costs more than the copy: these copy such
//! short runs slot by slot and leave longer ones to `memcpy`.

use crate::value::{RawPayload, RawResults};

/// Copies `src` to the start of `dst` (which must be at least as long).
#[inline(always)]
pub fn copy_slots(dst: &mut [u64], src: &[u64]) {
    match (src, dst) {
        ([], _) => {}
        ([a], [x, ..]) => *x = *a,
        ([a, b], [x, y, ..]) => (*x, *y) = (*a, *b),
        (src, dst) => dst[..src.len()].copy_from_slice(src),
    }
}

/// `src` as a [`RawPayload`].
#[inline(always)]
pub fn raw_payload(src: &[u64]) -> RawPayload {
    match *src {
        [] => RawPayload::new(),
        [a] => RawPayload::from_buf_and_len([a, 0], 1),
        [a, b] => RawPayload::from_buf([a, b]),
        _ => RawPayload::from_slice(src),
    }
}

/// `src` as [`RawResults`].
#[inline(always)]
pub fn raw_results(src: &[u64]) -> RawResults {
    match *src {
        [] => RawResults::new(),
        [a] => RawResults::from_buf_and_len([a, 0, 0, 0], 1),
        [a, b] => RawResults::from_buf_and_len([a, b, 0, 0], 2),
        _ => RawResults::from_slice(src),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_runs_copy_alike() {
        for n in 0..7 {
            let src: Vec<u64> = (1..=n).collect();
            let mut dst = vec![0; 8];
            copy_slots(&mut dst, &src);
            assert_eq!(&dst[..src.len()], &src[..]);
            assert!(dst[src.len()..].iter().all(|&slot| slot == 0));
            assert_eq!(&raw_payload(&src)[..], &src[..]);
            assert_eq!(&raw_results(&src)[..], &src[..]);
        }
    }
}
