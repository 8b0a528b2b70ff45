//! Keeping the compile thread off the CPU of the thread it compiles for.
//!
//! The owner wakes the compile thread when it sends a job, and Linux tends
//! to start a woken thread on the waker's CPU. Where the two CPUs share no
//! cache level the scheduler sees, the thread can stay there for whole
//! ticks, time-slicing with the program in 4 ms turns while the other CPU
//! idles: on a 2-CPU VM, `examples/fibers/round_robin.wasm` (35 ms
//! interpreted) waited 4-13 ms for its CPU under `dyn`
//! (`/proc/self/task/*/schedstat`, hand-run). So each job says which CPU
//! its owner was on, and the thread allows itself every CPU its owner was
//! allowed but that one. With a single allowed CPU nothing changes.
//!
//! The owner places the new thread so before it first runs
//! ([`spawn_beside`]): left to the scheduler, it waited up to 2.5 ms on
//! the owner's CPU for its first instruction (1 run in 5 of
//! `round_robin.wasm`, whose first job then took twice as long to arrive).
//!
//! ```text
//!   allowed at start {0, 1, 2, 3}, owner on 2  ──▶  thread on {0, 1, 3}
//!   allowed at start {0},          owner on 0  ──▶  thread on {0}
//! ```

use std::mem::size_of;
use std::os::unix::thread::JoinHandleExt;
use std::thread::{Builder, JoinHandle};

/// The CPU the calling thread runs on (or `None` when the kernel does not
/// say).
pub(crate) fn current_cpu() -> Option<usize> {
    // SAFETY: sched_getcpu reads the calling thread's CPU and touches no memory.
    let cpu = unsafe { libc::sched_getcpu() };
    usize::try_from(cpu).ok()
}

/// The compile thread's own CPU set, as it was when the thread started.
pub(crate) struct Beside {
    allowed: Option<libc::cpu_set_t>,
    /// The CPU excluded now.
    avoiding: Option<usize>,
}

impl Beside {
    /// Reads the calling thread's allowed CPUs.
    pub fn new() -> Beside {
        // SAFETY: cpu_set_t is a plain bit array; all zeroes is the empty set.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: fills `set`, a live local of the size passed, for the calling thread.
        let read = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
        Beside {
            allowed: (read == 0).then_some(set),
            avoiding: None,
        }
    }

    /// The allowed CPUs but `cpu`, if that changes the thread's set and
    /// leaves any.
    fn others(&self, cpu: Option<usize>) -> Option<libc::cpu_set_t> {
        let (Some(allowed), Some(cpu)) = (self.allowed, cpu) else {
            return None;
        };
        if self.avoiding == Some(cpu) || cpu >= libc::CPU_SETSIZE as usize {
            return None;
        }
        let mut others = allowed;
        // SAFETY: `cpu` is below CPU_SETSIZE (checked), so within the set;
        // CPU_COUNT reads the whole (initialized) set.
        let left = unsafe {
            libc::CPU_CLR(cpu, &mut others);
            libc::CPU_COUNT(&others)
        };
        (left > 0).then_some(others)
    }

    /// Runs the calling thread on its allowed CPUs but `cpu`, if any are
    /// left; best effort (a refused change leaves the set as it was).
    pub fn avoid(&mut self, cpu: Option<usize>) {
        let Some(others) = self.others(cpu) else {
            return;
        };
        // SAFETY: `others` is a live, initialized set of the size passed;
        // the call only changes the calling thread's scheduling.
        let set = unsafe { libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &others) };
        if set == 0 {
            self.avoiding = cpu;
        }
    }
}

/// Spawns a thread that runs `f` with the calling thread's allowed CPUs,
/// placed off the calling thread's CPU from the start (best effort).
///
/// # Errors
/// When the thread cannot be spawned.
pub(crate) fn spawn_beside(
    builder: Builder,
    f: impl FnOnce(Beside) + Send + 'static,
) -> std::io::Result<JoinHandle<()>> {
    let beside = Beside::new();
    let others = beside.others(current_cpu());
    // The thread's first `avoid` asks for the same set again (once).
    let handle = builder.spawn(move || f(beside))?;
    if let Some(others) = others {
        // SAFETY: the handle's thread is not joined or detached yet, so its
        // pthread_t is valid; `others` is a live, initialized set of the
        // size passed; the call only changes that thread's scheduling.
        unsafe {
            libc::pthread_setaffinity_np(
                handle.as_pthread_t(),
                size_of::<libc::cpu_set_t>(),
                &others,
            );
        }
    }
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed_cpus() -> Vec<usize> {
        // SAFETY: as in `Beside::new`.
        let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
        // SAFETY: as in `Beside::new`.
        let read = unsafe { libc::sched_getaffinity(0, size_of::<libc::cpu_set_t>(), &mut set) };
        assert_eq!(read, 0);
        let size = libc::CPU_SETSIZE as usize;
        // SAFETY: every index is below CPU_SETSIZE.
        (0..size)
            .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
            .collect()
    }

    #[test]
    fn avoids_the_owners_cpu_while_another_is_allowed() {
        // On a thread of its own: the test harness's threads keep their sets.
        std::thread::spawn(|| {
            let before = allowed_cpus();
            let mut beside = Beside::new();
            beside.avoid(Some(before[0]));
            let after = allowed_cpus();
            if before.len() > 1 {
                assert_eq!(after, before[1..].to_vec());
                // Another owner CPU: back to all allowed but that one.
                beside.avoid(Some(before[1]));
                let mut expected = before.clone();
                expected.remove(1);
                assert_eq!(allowed_cpus(), expected);
            } else {
                assert_eq!(after, before);
            }
            assert!(current_cpu().is_some());
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_thread_spawned_beside_starts_off_the_callers_cpu() {
        std::thread::spawn(|| {
            let before = allowed_cpus();
            let (go, wait) = std::sync::mpsc::channel();
            let (report, read) = std::sync::mpsc::channel();
            let handle = spawn_beside(Builder::new(), move |_| {
                wait.recv().unwrap();
                report.send(allowed_cpus()).unwrap();
            })
            .unwrap();
            go.send(()).unwrap();
            let theirs = read.recv().unwrap();
            handle.join().unwrap();
            assert!(theirs.iter().all(|c| before.contains(c)));
            let expected = before.len() - usize::from(before.len() > 1);
            assert_eq!(theirs.len(), expected, "{before:?} -> {theirs:?}");
        })
        .join()
        .unwrap();
    }
}
