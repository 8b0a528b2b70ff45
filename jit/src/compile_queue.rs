//! The jobs waiting for the compile thread, and which goes next.
//!
//! The thread takes one job at a time; the others wait here, on the
//! owner's side, until it is free. Then the job whose function asked for
//! code most often since the last pick goes (a function whose compile is
//! pending asks at every 64th event of its own: calls and loop passes);
//! ties go first come, first served.
//!
//! ```text
//!   hot f (at loop L), compile pending ─▶ note_demand: demand + 1 of f's
//!                  batch and of its OSR entry at L
//!   thread free ─▶ pick: most demand (an OSR entry's batch before it),
//!                  every demand back to 0
//! ```
//!
//! First come, first served compiled whatever got hot first, whether or not
//! it still ran: `examples/fibers/round_robin.wasm` queued its start-up's
//! functions (`dlmalloc`, 5.7 ms of compiling, called only while the
//! threads are made) in its first half millisecond, and the scheduler's
//! loop, hot from 6.5 ms on, waited behind them until 17 ms.

use wasmfx_core::FuncAddr;

/// What the queue needs to know of a job.
pub(crate) trait QueuedJob {
    /// Whether a hot event of `func` (at the loop at `at_loop`) asks for
    /// it: a batch of `func` at any event, an OSR entry at its own loop.
    fn asked_by(&self, func: FuncAddr, at_loop: Option<u32>) -> bool;
    /// Whether it must be compiled after `other` (an OSR entry that calls
    /// functions of batch `other` directly).
    fn comes_after(&self, other: &Self) -> bool;
}

/// A job and the demand for it since the last pick.
struct Waiting<J> {
    job: J,
    demand: u32,
}

pub(crate) struct CompileQueue<J> {
    /// In the order queued.
    waiting: Vec<Waiting<J>>,
}

impl<J> Default for CompileQueue<J> {
    fn default() -> Self {
        CompileQueue {
            waiting: Vec::new(),
        }
    }
}

impl<J: QueuedJob> CompileQueue<J> {
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn push(&mut self, job: J) {
        self.waiting.push(Waiting { job, demand: 0 });
    }

    /// Counts a hot event of `func` (at the loop at `at_loop`).
    pub fn note_demand(&mut self, func: FuncAddr, at_loop: Option<u32>) {
        for waiting in &mut self.waiting {
            if waiting.job.asked_by(func, at_loop) {
                waiting.demand = waiting.demand.saturating_add(1);
            }
        }
    }

    /// Takes the job to compile next (see the module doc).
    pub fn pick(&mut self) -> Option<J> {
        let mut best = (0..self.waiting.len()).max_by_key(|&i| {
            // Of equals, the earliest (the highest reversed position).
            (self.waiting[i].demand, std::cmp::Reverse(i))
        })?;
        // An OSR entry that calls functions of a waiting batch directly
        // goes after that batch.
        while let Some(first) = self.first_needed_by(best) {
            best = first;
        }
        for waiting in &mut self.waiting {
            waiting.demand = 0;
        }
        Some(self.waiting.remove(best).job)
    }

    /// The first waiting job that the one at `at` must come after.
    fn first_needed_by(&self, at: usize) -> Option<usize> {
        let job = &self.waiting[at].job;
        (self.waiting[..at].iter()).position(|other| job.comes_after(&other.job))
    }

    /// Drops every waiting job.
    pub fn clear(&mut self) {
        self.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job of function `func` that comes after the jobs of `after`.
    #[derive(Debug, PartialEq)]
    struct Fake {
        func: u32,
        after: Option<u32>,
    }

    impl QueuedJob for Fake {
        fn asked_by(&self, func: FuncAddr, _: Option<u32>) -> bool {
            FuncAddr(self.func) == func
        }
        fn comes_after(&self, other: &Self) -> bool {
            self.after == Some(other.func)
        }
    }

    fn job(func: u32) -> Fake {
        Fake { func, after: None }
    }

    #[test]
    fn first_come_first_served_without_demand() {
        let mut queue = CompileQueue::default();
        (1..=3).for_each(|f| queue.push(job(f)));
        assert_eq!(queue.pick(), Some(job(1)));
        assert_eq!(queue.pick(), Some(job(2)));
        assert_eq!(queue.len(), 1);
    }

    #[test]
    fn the_most_demanded_goes_first_and_demand_starts_again() {
        let mut queue = CompileQueue::default();
        (1..=3).for_each(|f| queue.push(job(f)));
        for f in [3, 3, 2] {
            queue.note_demand(FuncAddr(f), None);
        }
        assert_eq!(queue.pick(), Some(job(3)));
        // Demand counts since the last pick only: 2's is gone.
        queue.note_demand(FuncAddr(1), None);
        assert_eq!(queue.pick(), Some(job(1)));
        assert_eq!(queue.pick(), Some(job(2)));
        assert_eq!(queue.pick(), None);
    }

    #[test]
    fn an_osr_entry_waits_for_the_batch_it_calls() {
        let mut queue = CompileQueue::default();
        queue.push(job(1));
        queue.push(job(2));
        let osr = Fake {
            func: 3,
            after: Some(2),
        };
        queue.push(osr);
        queue.note_demand(FuncAddr(3), None);
        assert_eq!(queue.pick(), Some(job(2)));
        // Its frame asks again meanwhile.
        queue.note_demand(FuncAddr(3), None);
        assert_eq!(queue.pick().map(|j| j.func), Some(3));
        assert_eq!(queue.pick(), Some(job(1)));
    }
}
