//! The `dyn` mode's policy: when a function leaves the interpreter.
//!
//! ```text
//!   per function: counter = plan(instance, index)
//!       Interpreted    never compiled
//!       Compiled       compiled at its first call (a count of 0)
//!       After(k)       k events first: each call and each loop back-edge
//!                      in the interpreter spends one
//!   counter spent ─▶ compile (background thread, or on the caller with
//!                    `sync`) ─▶ installed: every later call runs the code
//! ```
//!
//! The CLI's `--tier-up-after N`, `--tier-up-sync` and `--tier-up-seed S`
//! build a [`TierUp`]; tests give a [`TierPlan`] per function instead.
//! The settings are plain data, built with or without the `jit` feature;
//! only the `dyn` mode (with it) reads them.

#[cfg(feature = "jit")]
use crate::executor::TierExecutor;
use std::sync::Arc;
use std::time::Duration;
use wasmfx_core::InstanceId;

/// The count `--tier-up-after` defaults to: calls plus loop back-edges a
/// function spends in the interpreter before it is compiled.
pub const DEFAULT_TIER_UP_AFTER: u32 = 1000;

/// How long a `dyn` run interprets before the compile thread takes its
/// first job ([`TierUp::start_delay`]).
pub const DEFAULT_START_DELAY: Duration = Duration::from_millis(4);

/// What the tiering does with one function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FunctionTier {
    /// Never compiled: every call is interpreted.
    Interpreted,
    /// Compiled at its first call.
    Compiled,
    /// Compiled once it has spent this many events (calls and loop
    /// back-edges) in the interpreter; `After(0)` is `Compiled`.
    After(u32),
}

impl FunctionTier {
    /// The interpreter's counter for this choice (`None`: never compiled).
    pub fn count(self) -> Option<u32> {
        match self {
            FunctionTier::Interpreted => None,
            FunctionTier::Compiled => Some(0),
            FunctionTier::After(k) => Some(k),
        }
    }
}

/// A per-function choice, by instance and function index.
pub type TierPlan = Arc<dyn Fn(InstanceId, u32) -> FunctionTier + Send + Sync>;

/// Settings of the `dyn` mode.
#[derive(Clone)]
pub struct TierUp {
    /// Events before a function is compiled (0: at its first call).
    pub after: u32,
    /// Compile on the thread that runs the program, at once, instead of on
    /// the background thread (deterministic: for tests).
    pub sync: bool,
    /// Draw each function's count from this seed, uniformly in
    /// `0..=2 * after`, instead of `after` for all.
    pub seed: Option<u64>,
    /// An explicit choice per function; replaces `after` and `seed`.
    pub plan: Option<TierPlan>,
    /// Compile a hot function's small direct callees with it (those that
    /// would be compiled at all, perhaps before their own count), so that
    /// it calls them directly. The CLI turns it off under
    /// `--tier-up-seed`, whose point is each function's own moment.
    pub callees: bool,
    /// Until the executor has run this long, only frames that run long
    /// get compiled code on the background thread (their loops' OSR
    /// entries): a function hot sooner waits, and a program that ends
    /// sooner and has no such frame never starts the thread. A function's
    /// compile then pays only in a program that runs much longer, and the
    /// first one costs the program's thread the compiler's start: 0.24-0.36
    /// ms on a 2-CPU VM (the code module, the ISA, the thread; hand-run), so
    /// `examples/fibers/generator.wasm` (3.4-3.9 ms there) was 6-11% slower
    /// under the seeds that made it compile a function near its end, with
    /// 2 ms. A long frame's entry is not held back: held back 2 ms,
    /// `matmul(300)` took 16% longer (its kernel loop's entry came after
    /// the loop before it had ended, and had to be made again). Synchronous
    /// compiles do not wait.
    pub start_delay: Duration,
}

impl Default for TierUp {
    fn default() -> Self {
        TierUp {
            after: DEFAULT_TIER_UP_AFTER,
            sync: false,
            seed: None,
            plan: None,
            callees: true,
            start_delay: DEFAULT_START_DELAY,
        }
    }
}

impl std::fmt::Debug for TierUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TierUp")
            .field("after", &self.after)
            .field("sync", &self.sync)
            .field("seed", &self.seed)
            .field("plan", &self.plan.as_ref().map(|_| "<fn>"))
            .field("callees", &self.callees)
            .field("start_delay", &self.start_delay)
            .finish()
    }
}

impl TierUp {
    /// The choice for function `index` of `instance`.
    pub fn choice(&self, instance: InstanceId, index: u32) -> FunctionTier {
        if let Some(plan) = &self.plan {
            return plan(instance, index);
        }
        let count = match self.seed {
            None => self.after,
            Some(seed) => {
                let key = (u64::from(instance.0) << 32) | u64::from(index);
                let span = u64::from(self.after) * 2 + 1;
                (splitmix(seed ^ splitmix(key)) % span) as u32
            }
        };
        FunctionTier::After(count)
    }

    /// Settings that follow `plan`, compiling synchronously and each
    /// function alone (for tests).
    pub fn with_plan(
        plan: impl Fn(InstanceId, u32) -> FunctionTier + Send + Sync + 'static,
    ) -> TierUp {
        TierUp {
            sync: true,
            plan: Some(Arc::new(plan)),
            callees: false,
            ..TierUp::default()
        }
    }
}

/// SplitMix64's finalizer: a well-mixed 64-bit hash.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(feature = "jit")]
impl TierExecutor {
    /// A `dyn` executor that follows `plan` per function, compiling on the
    /// calling thread (deterministic).
    pub fn tiered_with_plan(
        plan: impl Fn(InstanceId, u32) -> FunctionTier + Send + Sync + 'static,
    ) -> TierExecutor {
        TierExecutor::tiered(TierUp::with_plan(plan))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_counts_stay_in_range_and_vary() {
        let up = TierUp {
            after: 4,
            seed: Some(7),
            ..TierUp::default()
        };
        let counts: Vec<u32> = (0..64)
            .map(|i| up.choice(InstanceId(0), i).count().unwrap_or(u32::MAX))
            .collect();
        assert!(counts.iter().all(|&c| c <= 8), "{counts:?}");
        assert!(counts.iter().any(|&c| c != counts[0]), "{counts:?}");
    }

    #[test]
    fn a_plan_overrides_the_count() {
        let up = TierUp::with_plan(|_, i| match i {
            0 => FunctionTier::Interpreted,
            _ => FunctionTier::Compiled,
        });
        assert_eq!(up.choice(InstanceId(0), 0).count(), None);
        assert_eq!(up.choice(InstanceId(0), 1).count(), Some(0));
        assert!(up.sync);
    }
}
