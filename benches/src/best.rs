//! An engine's fastest runs on one row, and whether they settle its time.
//!
//! The best of N is the row's time, but on a noisy machine the fastest run
//! can be a lucky one: in five runs of the bench command within one hour,
//! its best of 3 for fiber:c10m under `jit` ranged from 0.67 s to 1.75 s
//! (README, "dyn against the better of interp and jit"). So a row goes on
//! past its rounds, up to twice as many, while some engine's two fastest
//! runs differ by more than [`AGREEMENT_PERCENT`]: a best time that a
//! second run comes close to is one the machine can give again.
//!
//! ```text
//!   runs  1.40 1.31 1.52 1.29 1.33   fastest two 1.29, 1.31: settled (1.6%)
//!   runs  0.98 0.67 1.20 0.85 0.99   fastest two 0.67, 0.85: one more round
//! ```

use std::time::Duration;

/// How far apart (in per cent of the fastest) the two fastest runs may be.
pub(crate) const AGREEMENT_PERCENT: u32 = 3;

/// The two fastest runs so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct FastestTwo {
    first: Duration,
    second: Duration,
}

impl FastestTwo {
    pub fn new() -> FastestTwo {
        FastestTwo {
            first: Duration::MAX,
            second: Duration::MAX,
        }
    }

    pub fn add(&mut self, time: Duration) {
        if time < self.first {
            self.second = self.first;
            self.first = time;
        } else if time < self.second {
            self.second = time;
        }
    }

    /// The fastest run (`Duration::MAX` before any).
    pub fn best(&self) -> Duration {
        self.first
    }

    /// Whether there are two runs and they agree within [`AGREEMENT_PERCENT`].
    pub fn settled(&self) -> bool {
        self.second != Duration::MAX
            && self.second.as_nanos() * 100
                <= self.first.as_nanos() * u128::from(100 + AGREEMENT_PERCENT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(millis: &[u64]) -> FastestTwo {
        let mut fastest = FastestTwo::new();
        millis
            .iter()
            .for_each(|&ms| fastest.add(Duration::from_millis(ms)));
        fastest
    }

    #[test]
    fn keeps_the_two_fastest_in_any_order() {
        let fastest = runs(&[1400, 1310, 1520, 1290, 1330]);
        assert_eq!(fastest.best(), Duration::from_millis(1290));
        assert!(fastest.settled(), "1290 and 1310 are 1.6% apart");
    }

    #[test]
    fn a_lone_fast_run_does_not_settle() {
        assert!(!runs(&[980, 670, 1200, 850, 990]).settled());
        assert!(!runs(&[670]).settled(), "one run");
        assert!(!FastestTwo::new().settled());
    }

    #[test]
    fn two_equal_runs_settle() {
        assert!(runs(&[500, 500]).settled());
        assert!(runs(&[1000, 1030]).settled());
        assert!(!runs(&[1000, 1031]).settled());
    }
}
