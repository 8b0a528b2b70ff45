//! [`StackPool`]: fibre stacks of one size, kept warm for reuse.
//!
//! ```text
//!   take() ──▶ kept stack? ── yes ─▶ pop it            (no system call)
//!                  └──────── no ──▶ FibreStack::new    (a released slab stack,
//!                                                       still warm, else a slot)
//!   give_back(stack) ──▶ fewer than max_kept kept? ── yes ─▶ push it (warm)
//!                               └──────────────────── no ──▶ drop: released to
//!                                                       its slab, decommitted with
//!                                                       its batch (or unmapped)
//! ```
//!
//! In steady state (continuations created and finished at a steady rate) a
//! new continuation's stack comes from the pool: no system call. A kept
//! stack keeps the pages it touched, so the memory held by idle stacks is at
//! most `max_kept` × the stack size, plus a slab batch of released ones
//! (slab.rs); the rest are decommitted, so the memory of many held
//! continuations goes away with them. [`StackPool::has_warm`] tells whether
//! a take would find memory already there (`in_place.rs` of the jit asks). Stacks are handed out last-in first-out: the most recently used
//! one is the likeliest to be warm in the caches.

use crate::stack::{DEFAULT_STACK_SIZE, FibreStack, usable_size};
use std::io;

/// How many idle stacks a pool keeps unless configured otherwise: enough
/// for a program with a few dozen generators alive at once, at most 8 MiB
/// of warm memory at the default size.
pub const DEFAULT_MAX_KEPT: usize = 32;

/// What a pool did since it was made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// Stacks made ([`FibreStack::new`]: carved from a slab, or mapped).
    pub mapped: u64,
    /// Takes served by a kept stack.
    pub reused: u64,
    /// Stacks dropped because the pool was full or they were of another
    /// size (decommitted into their slab, or unmapped).
    pub unmapped: u64,
}

/// A pool of fibre stacks of one size.
#[derive(Debug)]
pub struct StackPool {
    stack_size: usize,
    /// Guard page + usable part of each stack (`None`: the size overflows,
    /// so no stack of it exists).
    mapped_len: Option<usize>,
    max_kept: usize,
    kept: Vec<FibreStack>,
    stats: PoolStats,
}

impl Default for StackPool {
    fn default() -> Self {
        StackPool::new(DEFAULT_STACK_SIZE, DEFAULT_MAX_KEPT)
    }
}

impl StackPool {
    /// A pool of stacks with `stack_size` usable bytes (rounded up to
    /// pages) that keeps at most `max_kept` idle stacks.
    pub fn new(stack_size: usize, max_kept: usize) -> StackPool {
        let stack_size = usable_size(stack_size);
        StackPool {
            stack_size,
            mapped_len: crate::stack::stack_len(stack_size).ok(),
            max_kept,
            kept: Vec::new(),
            stats: PoolStats::default(),
        }
    }

    /// Usable bytes of every stack of this pool.
    pub fn stack_size(&self) -> usize {
        self.stack_size
    }

    /// A stack: a kept one, else a new one.
    ///
    /// # Errors
    /// The failure of [`FibreStack::new`] when no stack is kept.
    pub fn take(&mut self) -> io::Result<FibreStack> {
        if let Some(stack) = self.kept.pop() {
            self.stats.reused += 1;
            return Ok(stack);
        }
        let stack = FibreStack::new(self.stack_size)?;
        self.stats.mapped += 1;
        Ok(stack)
    }

    /// Returns a stack nothing runs on any more: kept, or dropped
    /// (decommitted) when the pool is full or the stack is of another size.
    pub fn give_back(&mut self, stack: FibreStack) {
        if self.kept.len() < self.max_kept && stack.size() == self.stack_size {
            self.kept.push(stack);
        } else {
            self.stats.unmapped += 1;
            drop(stack);
        }
    }

    /// Idle stacks kept now.
    pub fn kept(&self) -> usize {
        self.kept.len()
    }

    /// Stacks taken from this pool and not given back.
    pub fn in_use(&self) -> u64 {
        (self.stats.mapped)
            .saturating_sub(self.stats.unmapped)
            .saturating_sub(self.kept.len() as u64)
    }

    /// Whether [`StackPool::take`] would find a stack whose memory is
    /// already there: one kept, or one released to its slab and not
    /// decommitted yet (slab.rs).
    pub fn has_warm(&self) -> bool {
        !self.kept.is_empty() || self.mapped_len.is_some_and(crate::slab::has_released)
    }

    pub fn stats(&self) -> PoolStats {
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_returned_stack_is_reused() {
        let mut pool = StackPool::new(64 << 10, 4);
        let stack = pool.take().expect("map");
        let top = stack.top();
        pool.give_back(stack);
        let again = pool.take().expect("reuse");
        assert_eq!(again.top(), top);
        assert_eq!(
            pool.stats(),
            PoolStats {
                mapped: 1,
                reused: 1,
                unmapped: 0
            }
        );
    }

    #[test]
    fn stacks_in_use_and_warm_ones_are_counted() {
        let mut pool = StackPool::new(72 << 10, 1);
        assert!(!pool.has_warm());
        let stacks: Vec<_> = (0..3).map(|_| pool.take().expect("map")).collect();
        assert_eq!(pool.in_use(), 3);
        for stack in stacks {
            pool.give_back(stack);
        }
        assert_eq!((pool.in_use(), pool.kept()), (0, 1));
        assert!(pool.has_warm());
        drop(pool.take().expect("kept"));
        // The two dropped ones wait warm in their slab (when slabs are used).
        assert_eq!(pool.has_warm(), crate::slab_stats().guard_markers);
    }

    #[test]
    fn excess_stacks_are_unmapped() {
        let mut pool = StackPool::new(64 << 10, 2);
        let stacks: Vec<_> = (0..5).map(|_| pool.take().expect("map")).collect();
        for stack in stacks {
            pool.give_back(stack);
        }
        assert_eq!(pool.kept(), 2);
        assert_eq!(pool.stats().mapped, 5);
        assert_eq!(pool.stats().unmapped, 3);
    }

    #[test]
    fn a_stack_of_another_size_is_not_kept() {
        let mut pool = StackPool::new(64 << 10, 2);
        pool.give_back(FibreStack::new(128 << 10).expect("map"));
        assert_eq!((pool.kept(), pool.stats().unmapped), (0, 1));
    }
}
