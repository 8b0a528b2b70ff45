//! A tiering plan for quickcheck: per function index, interpreted,
//! compiled, or compiled after `k` events (`wasmfx_tier::FunctionTier`),
//! given to the `dyn` executor with `TierExecutor::tiered_with_plan`.
//!
//! ```text
//!   index   0            1         2        ...  63        64 and up
//!   tier    After(3)     Compiled  Interp.  ...  After(0)  Interpreted
//!
//!   generate   each of the first PLANNED_FUNCTIONS indices: Interpreted 1/3,
//!              Compiled 1/6, After(k) 1/2 with k in 0..=MAX_AFTER
//!   shrink     all Interpreted; the first or second half Interpreted; one
//!              entry Interpreted; After(k) to After(0), After(k/2), After(k-1)
//!   heap frames  1/2 of plans run continuations that compiled code resumes
//!              as heap frames from the start (shrinks to off)
//!   batches    1/2 of plans compile a hot function's small direct callees
//!              with it (`TierUp::callees`; those the plan does not keep
//!              interpreted, perhaps before their count), so that it calls
//!              them directly (shrinks to off)
//! ```
//!
//! Shrinking goes toward all-Interpreted and smaller counts, so a shrunk
//! plan names only the functions whose tier matters.

use quickcheck::{Arbitrary, Gen};
use std::fmt;
use wasmfx_tier::FunctionTier;

/// Function indices the plan chooses for; later ones stay interpreted.
/// Generated programs rarely have more functions than this.
pub const PLANNED_FUNCTIONS: usize = 64;

/// Largest `k` of `After(k)`: small enough that functions called a few
/// times, and driver loops, tier up in the middle of a run.
pub const MAX_AFTER: u32 = 8;

/// The tier of each function index (see the module docs).
#[derive(Clone, PartialEq, Eq)]
pub struct TieringPlan {
    tiers: Vec<FunctionTier>,
    /// Run fresh continuations that compiled code resumes as heap frames
    /// from the start (`TierExecutor::heap_frames_after(0)`), not only
    /// once many native stacks are in use.
    heap_frames: bool,
    /// Compile a hot function's small callees with it.
    batches: bool,
}

impl TieringPlan {
    /// A plan from explicit choices; indices past the end are interpreted.
    pub fn new(tiers: Vec<FunctionTier>) -> TieringPlan {
        TieringPlan {
            tiers,
            heap_frames: false,
            batches: false,
        }
    }

    /// This plan, running fresh continuations as heap frames from the start
    /// or not (for generators other than quickcheck's: `fuzz/`).
    pub fn with_heap_frames(self, heap_frames: bool) -> TieringPlan {
        TieringPlan {
            heap_frames,
            ..self
        }
    }

    /// Whether the plan runs continuations as heap frames from the start.
    pub fn heap_frames(&self) -> bool {
        self.heap_frames
    }

    /// Whether a hot function compiles with its small callees.
    pub fn batches(&self) -> bool {
        self.batches
    }

    /// The choice for function `index`.
    pub fn get(&self, index: u32) -> FunctionTier {
        self.tiers
            .get(index as usize)
            .copied()
            .unwrap_or(FunctionTier::Interpreted)
    }

    /// Indices and choices that are not `Interpreted`.
    pub fn planned(&self) -> impl Iterator<Item = (usize, FunctionTier)> + '_ {
        self.tiers
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, tier)| tier != FunctionTier::Interpreted)
    }

    /// This plan with `index` set to `tier`.
    fn with(&self, index: usize, tier: FunctionTier) -> TieringPlan {
        let mut tiers = self.tiers.clone();
        tiers[index] = tier;
        TieringPlan { tiers, ..*self }
    }

    /// This plan with `range` interpreted.
    fn interpreted_in(&self, range: std::ops::Range<usize>) -> TieringPlan {
        let mut tiers = self.tiers.clone();
        tiers[range].fill(FunctionTier::Interpreted);
        TieringPlan { tiers, ..*self }
    }
}

/// Only the entries that are not `Interpreted`, e.g.
/// `{2: Compiled, 5: After(3)}` (all others interpreted), then
/// ` with heap frames` and ` with batches` when the plan says so.
impl fmt::Debug for TieringPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.planned()).finish()?;
        if self.heap_frames {
            write!(f, " with heap frames")?;
        }
        if self.batches {
            write!(f, " with batches")?;
        }
        Ok(())
    }
}

impl Arbitrary for TieringPlan {
    fn arbitrary(g: &mut Gen) -> TieringPlan {
        let tiers = (0..PLANNED_FUNCTIONS)
            .map(|_| match u32::arbitrary(g) % 6 {
                0 | 1 => FunctionTier::Interpreted,
                2 => FunctionTier::Compiled,
                _ => FunctionTier::After(u32::arbitrary(g) % (MAX_AFTER + 1)),
            })
            .collect();
        TieringPlan {
            tiers,
            heap_frames: bool::arbitrary(g),
            batches: bool::arbitrary(g),
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = TieringPlan>> {
        let planned: Vec<usize> = self.planned().map(|(index, _)| index).collect();
        let mut out = Vec::new();
        if self.heap_frames {
            out.push(TieringPlan {
                heap_frames: false,
                ..self.clone()
            });
        }
        if self.batches {
            out.push(TieringPlan {
                batches: false,
                ..self.clone()
            });
        }
        if planned.is_empty() {
            return Box::new(out.into_iter());
        }
        out.push(self.interpreted_in(0..self.tiers.len()));
        if planned.len() > 2 {
            let middle = planned[planned.len() / 2];
            out.push(self.interpreted_in(0..middle));
            out.push(self.interpreted_in(middle..self.tiers.len()));
        }
        if planned.len() > 1 {
            out.extend(
                planned
                    .iter()
                    .map(|&i| self.with(i, FunctionTier::Interpreted)),
            );
        }
        for &i in &planned {
            if let FunctionTier::After(k) = self.tiers[i] {
                let mut counts = vec![0, k / 2, k.saturating_sub(1)];
                counts.dedup();
                counts.retain(|&c| c < k);
                out.extend(
                    counts
                        .into_iter()
                        .map(|c| self.with(i, FunctionTier::After(c))),
                );
            }
        }
        Box::new(out.into_iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::{QuickCheck, TestResult};

    /// How far a plan is from all-interpreted without heap frames:
    /// shrinking lowers it.
    fn weight(plan: &TieringPlan) -> u64 {
        plan.planned()
            .map(|(_, tier)| match tier {
                FunctionTier::After(k) => 2 + u64::from(k),
                _ => 1,
            })
            .sum::<u64>()
            + u64::from(plan.heap_frames())
            + u64::from(plan.batches())
    }

    #[test]
    fn shrinking_moves_toward_all_interpreted() {
        let mut g = Gen::new(100);
        let mut checked = 0;
        for _ in 0..100 {
            let plan = TieringPlan::arbitrary(&mut g);
            for smaller in plan.shrink() {
                assert!(
                    weight(&smaller) < weight(&plan),
                    "{smaller:?} from {plan:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} candidates");
        let all = TieringPlan::new(vec![FunctionTier::Interpreted; 4]);
        assert_eq!(all.shrink().count(), 0);
    }

    #[test]
    fn generated_plans_use_every_choice() {
        let mut g = Gen::new(100);
        let plan = TieringPlan::arbitrary(&mut g);
        let tiers: Vec<FunctionTier> = (0..PLANNED_FUNCTIONS as u32).map(|i| plan.get(i)).collect();
        assert!(tiers.contains(&FunctionTier::Interpreted));
        assert!(tiers.contains(&FunctionTier::Compiled));
        assert!(tiers.iter().any(|t| matches!(t, FunctionTier::After(1..))));
        assert!(
            tiers
                .iter()
                .all(|t| t.count().is_none_or(|k| k <= MAX_AFTER))
        );
        assert_eq!(
            plan.get(PLANNED_FUNCTIONS as u32),
            FunctionTier::Interpreted
        );
    }

    /// A property that fails when function 5 tiers up after 3 or more
    /// events: quickcheck shrinks any failing plan to exactly that entry.
    #[test]
    fn a_failing_plan_shrinks_to_the_entry_that_matters() {
        fn late_tier_up_of_5_fails(plan: TieringPlan) -> TestResult {
            let bad = matches!(plan.get(5), FunctionTier::After(3..));
            TestResult::from_bool(!bad)
        }
        // Plans fail with probability 1/2 * 6/9: 200 cases find one.
        let failure = QuickCheck::new()
            .tests(200)
            .quicktest(late_tier_up_of_5_fails as fn(TieringPlan) -> TestResult);
        assert!(failure.is_err(), "no failing plan among 200");
        let mut plan = TieringPlan::arbitrary(&mut Gen::new(100));
        plan.tiers[5] = FunctionTier::After(8);
        let mut current = plan;
        while let Some(smaller) = current
            .shrink()
            .find(|p| late_tier_up_of_5_fails(p.clone()).is_failure())
        {
            current = smaller;
        }
        assert_eq!(format!("{current:?}"), "{5: After(3)}");
    }
}
