//! The jobs waiting for the compile thread, and which goes next.
//!
//! The thread takes one job at a time; the others wait here, on the
//! owner's side, until it is free. Then the job with the most demand for
//! its cost goes: demand is how often its function asked for code since
//! the last pick (a function whose compile is pending asks at every 64th
//! event of its own: calls and loop passes), cost the bytes of Wasm code it
//! compiles plus [`JOB_COST`]. Ties go first come, first served.
//!
//! ```text
//!   hot f (at loop L), compile pending ─▶ note_demand: demand + 1 of f's
//!                  batch and of its OSR entry at L
//!   thread free ─▶ pick: most demand / cost (an OSR entry's batch before
//!                  it), every demand back to 0
//! ```
//!
//! First come, first served compiled whatever got hot first, whether or not
//! it still ran: `examples/fibers/round_robin.wasm` queued its start-up's
//! functions (`dlmalloc`, 5.7 ms of compiling, called only while the
//! threads are made) in its first half millisecond, and the scheduler's
//! loop, hot from 6.5 ms on, waited behind them until 17 ms.
//!
//! Demand alone still let one large job hold up small ones asked for
//! almost as often: in the same program, `dlmalloc` (6.5 KB of code, 10 ms
//! of compiling) went first with a demand of 53 against the threads'
//! `green_thread` batch's 48 (0.5 KB), and the threads ran interpreted
//! meanwhile. Demand over cost is Smith's rule for one machine: with
//! compile time about in proportion to code size, it is the order that
//! gets the most demand served soonest.

use wasmfx_core::FuncAddr;

/// What the queue needs to know of a job.
pub(crate) trait QueuedJob {
    /// Whether a hot event of `func` (at the loop at `at_loop`) asks for
    /// it: a batch of `func` at any event, an OSR entry at its own loop.
    fn asked_by(&self, func: FuncAddr, at_loop: Option<u32>) -> bool;
    /// Whether it must be compiled after `other` (an OSR entry that calls
    /// functions of batch `other` directly).
    fn comes_after(&self, other: &Self) -> bool;
    /// The bytes of Wasm code it compiles (function bodies).
    fn code_bytes(&self) -> usize;
}

/// What a job costs besides its code, in bytes of code: the fixed part of
/// a compile (setting up, installing), about a small function's worth.
pub(crate) const JOB_COST: u64 = 256;

/// A job, the demand for it since the last pick, and its cost.
struct Waiting<J> {
    job: J,
    demand: u32,
    cost: u64,
}

impl<J> Waiting<J> {
    /// Whether it has less demand for its cost than `other`.
    fn ranks_below(&self, other: &Waiting<J>) -> bool {
        u64::from(self.demand) * other.cost < u64::from(other.demand) * self.cost
    }
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
        let cost = job.code_bytes() as u64 + JOB_COST;
        self.waiting.push(Waiting {
            job,
            demand: 0,
            cost,
        });
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
        if self.waiting.is_empty() {
            return None;
        }
        let mut best = 0;
        for (i, waiting) in self.waiting.iter().enumerate().skip(1) {
            // Of equals, the earliest.
            if self.waiting[best].ranks_below(waiting) {
                best = i;
            }
        }
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

    /// A job of function `func` with `bytes` of code that comes after the
    /// jobs of `after`.
    #[derive(Debug, PartialEq)]
    struct Fake {
        func: u32,
        after: Option<u32>,
        bytes: usize,
    }

    impl QueuedJob for Fake {
        fn asked_by(&self, func: FuncAddr, _: Option<u32>) -> bool {
            FuncAddr(self.func) == func
        }
        fn comes_after(&self, other: &Self) -> bool {
            self.after == Some(other.func)
        }
        fn code_bytes(&self) -> usize {
            self.bytes
        }
    }

    fn job(func: u32) -> Fake {
        sized(func, 100)
    }

    fn sized(func: u32, bytes: usize) -> Fake {
        Fake {
            func,
            after: None,
            bytes,
        }
    }

    fn ask(queue: &mut CompileQueue<Fake>, func: u32, times: u32) {
        (0..times).for_each(|_| queue.note_demand(FuncAddr(func), None));
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
            bytes: 100,
        };
        queue.push(osr);
        queue.note_demand(FuncAddr(3), None);
        assert_eq!(queue.pick(), Some(job(2)));
        // Its frame asks again meanwhile.
        queue.note_demand(FuncAddr(3), None);
        assert_eq!(queue.pick().map(|j| j.func), Some(3));
        assert_eq!(queue.pick(), Some(job(1)));
    }

    #[test]
    fn demand_counts_for_its_cost() {
        let mut queue = CompileQueue::default();
        // round_robin.wasm's third pick: dlmalloc (6,565 bytes) asked 53
        // times, the threads' batch (456 bytes) 48 times.
        queue.push(sized(1, 6565));
        queue.push(sized(2, 456));
        ask(&mut queue, 1, 53);
        ask(&mut queue, 2, 48);
        assert_eq!(queue.pick().map(|j| j.func), Some(2));
        // A large job asked for far more still goes first.
        queue.push(sized(3, 100));
        ask(&mut queue, 1, 200);
        ask(&mut queue, 3, 5);
        assert_eq!(queue.pick().map(|j| j.func), Some(1));
        assert_eq!(queue.pick().map(|j| j.func), Some(3));
    }

    #[test]
    fn of_jobs_without_demand_the_first_queued_goes_whatever_its_size() {
        let mut queue = CompileQueue::default();
        queue.push(sized(1, 5000));
        queue.push(sized(2, 10));
        assert_eq!(queue.pick().map(|j| j.func), Some(1));
    }
}
