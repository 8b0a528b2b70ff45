//! Runs the cases on one worker thread per core, with a watchdog: a case
//! that runs past [`CASE_TIME_LIMIT`] (an engine that loops forever) is
//! reported by `on_hang`, which ends the run, instead of stalling CI.
//!
//! ```text
//!   workers ──next case (atomic index)──▶ run(case) ──▶ finish(case, result)
//!   watchdog ──every 200 ms──▶ running[worker] = (case, started) ──too long──▶ on_hang
//! ```

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Longest time one script may run; the slowest take about a second.
pub const CASE_TIME_LIMIT: Duration = Duration::from_secs(300);
/// Worker stack size: the text parser recurses on deeply nested scripts.
const WORKER_STACK: usize = 32 << 20;
const WATCHDOG_PERIOD: Duration = Duration::from_millis(200);

/// Runs every case once; `finish` gets each result as it completes.
///
/// # Errors
/// A message when a worker thread could not be started (the cases it would
/// have run are taken by the others).
pub fn run_parallel<C: Sync, R>(
    cases: &[C],
    run: impl Fn(&C) -> R + Sync,
    finish: impl Fn(&C, R) + Sync,
    on_hang: impl Fn(&C, Duration) + Sync,
) -> Result<(), String> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(cases.len().max(1));
    let next = AtomicUsize::new(0);
    let active = AtomicUsize::new(workers);
    // Per worker: the case it runs and since when.
    let running: Mutex<Vec<Option<(usize, Instant)>>> = Mutex::new(vec![None; workers]);
    let set_running = |worker: usize, state: Option<(usize, Instant)>| {
        let mut running = running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        running[worker] = state;
    };
    let mut problem = Ok(());
    std::thread::scope(|scope| {
        for worker in 0..workers {
            let (run, finish, next, active, set_running) =
                (&run, &finish, &next, &active, &set_running);
            let spawned = std::thread::Builder::new()
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(index) else { break };
                        set_running(worker, Some((index, Instant::now())));
                        let result = run(case);
                        set_running(worker, None);
                        finish(case, result);
                    }
                    active.fetch_sub(1, Ordering::Relaxed);
                });
            if let Err(e) = spawned {
                active.fetch_sub(1, Ordering::Relaxed);
                problem = Err(format!("cannot start a worker thread: {e}"));
            }
        }
        while active.load(Ordering::Relaxed) > 0 {
            std::thread::sleep(WATCHDOG_PERIOD);
            let running = running
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            for (index, started) in running.iter().flatten() {
                if started.elapsed() > CASE_TIME_LIMIT {
                    on_hang(&cases[*index], started.elapsed());
                }
            }
        }
    });
    problem
}
