//! Trap handling: the signal handler and the map from code addresses to
//! trap sites.
//!
//! Every compiled function registers its code range with its trap sites
//! (offset → Cranelift trap code, from the compiled code's metadata). On
//! SIGILL, SIGFPE, SIGSEGV or SIGBUS the handler looks the faulting pc up.
//! Loads and stores without bounds checks (memories with guard regions,
//! `translate/memory.rs`) are trap sites too: their SIGSEGV past the
//! accessible bytes is the `HEAP_OUT_OF_BOUNDS` trap.
//!
//! ```text
//!   pc in a registered range, at a trap site, while an activation runs
//!       ├─▶ walk the frame-pointer chain (and the continuation chain) into
//!       │   the runtime's preallocated TrapFrames (backtrace.rs)
//!       └─▶ resume at wasmfx_jit_unwind(&activation.jump, code)  (see entry.rs)
//!   anything else
//!       └─▶ the previous handler (default: the process dies as it would
//!           without us)
//! ```
//!
//! The handler runs on the faulting thread's stack: compiled code checks its
//! stack limit in every prologue, with a margin below it, so a trap never
//! happens with the stack already exhausted.
//!
//! The map of code is behind a `RwLock`, which the handler never waits on
//! in the kernel (that is not async-signal-safe): it spins on `try_read`
//! while another thread registers code (a short insert or remove), and a
//! fault on the thread that holds the write lock is not compiled code's, so
//! it goes to the previous handler. Nothing takes the read side twice on
//! one thread (a waiting writer would make the second wait forever).

use crate::{backtrace, entry};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::ffi::{c_int, c_void};
use std::sync::{OnceLock, PoisonError, RwLock, RwLockReadGuard, TryLockError};

/// A registered function: its code range and sorted trap sites.
struct CodeRegion {
    end: usize,
    /// (offset from start, raw trap code), sorted by offset.
    traps: Box<[(u32, u8)]>,
}

/// Code start → region (registered Wasm functions only: trampolines and
/// host code are not in it, which is where a backtrace walk stops). Written
/// when code is installed or freed, read by the handler (a faulting thread
/// never holds the lock: it is inside compiled code).
static REGIONS: RwLock<BTreeMap<usize, CodeRegion>> = RwLock::new(BTreeMap::new());

thread_local! {
    /// Whether this thread holds REGIONS' write lock (const-initialized
    /// and without a destructor: the handler may read it).
    static WRITING: Cell<bool> = const { Cell::new(false) };
}

/// Changes the map of code under its write lock.
fn write_regions<R>(change: impl FnOnce(&mut BTreeMap<usize, CodeRegion>) -> R) -> R {
    let mut map = REGIONS.write().unwrap_or_else(PoisonError::into_inner);
    WRITING.set(true);
    let result = change(&mut map);
    WRITING.set(false);
    result
}

/// The map of code, read without blocking in the kernel (see the module
/// doc): `None` on the thread that is writing it.
fn read_regions() -> Option<RwLockReadGuard<'static, BTreeMap<usize, CodeRegion>>> {
    if WRITING.get() {
        return None;
    }
    loop {
        match REGIONS.try_read() {
            Ok(map) => return Some(map),
            Err(TryLockError::Poisoned(map)) => return Some(map.into_inner()),
            Err(TryLockError::WouldBlock) => std::hint::spin_loop(),
        }
    }
}

/// Registers the trap sites of the function at `[start, start + len)`.
pub(crate) fn register(start: usize, len: usize, mut traps: Vec<(u32, u8)>) {
    traps.sort_unstable();
    let region = CodeRegion {
        end: start + len,
        traps: traps.into(),
    };
    write_regions(|map| {
        map.insert(start, region);
    });
}

/// Forgets the function at `start` (its code is about to be freed).
pub(crate) fn unregister(start: usize) {
    write_regions(|map| {
        map.remove(&start);
    });
}

/// The raw trap code at `pc`, if `pc` is a trap site of compiled code.
fn trap_code_at(pc: usize) -> Option<u8> {
    let map = read_regions()?;
    let (&start, region) = map.range(..=pc).next_back()?;
    if pc >= region.end {
        return None;
    }
    let offset = u32::try_from(pc - start).ok()?;
    let i = region
        .traps
        .binary_search_by_key(&offset, |&(o, _)| o)
        .ok()?;
    Some(region.traps[i].1)
}

/// A read view of the registered code, for frame walks (`backtrace.rs`).
pub(crate) struct CodeMap<'a>(RwLockReadGuard<'a, BTreeMap<usize, CodeRegion>>);

impl CodeMap<'_> {
    pub fn read() -> Option<CodeMap<'static>> {
        read_regions().map(CodeMap)
    }

    /// Whether `addr` lies in the code of a compiled Wasm function.
    pub fn contains(&self, addr: usize) -> bool {
        self.function_start(addr).is_some()
    }

    /// The start of the compiled function whose code contains `pc`.
    pub fn function_start(&self, pc: usize) -> Option<usize> {
        let (&start, region) = self.0.range(..=pc).next_back()?;
        (pc < region.end).then_some(start)
    }
}

const SIGNALS: [c_int; 4] = [libc::SIGILL, libc::SIGFPE, libc::SIGSEGV, libc::SIGBUS];

/// The handlers that were installed before ours, per signal of [`SIGNALS`].
static PREVIOUS: OnceLock<Vec<(c_int, libc::sigaction)>> = OnceLock::new();

/// Installs the handler for [`SIGNALS`] once per process.
pub(crate) fn install_handlers() {
    PREVIOUS.get_or_init(|| {
        let mut previous = Vec::new();
        for signal in SIGNALS {
            // SAFETY: a zeroed sigaction is a valid "no handler" value; we
            // fill in the handler, flags and an empty mask before passing it.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_trap_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
            // SAFETY: as above; the kernel overwrites it with the old handler.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: both pointers are to live, initialized sigactions, and
            // `on_trap_signal` has the SA_SIGINFO handler signature.
            let ok = unsafe {
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, &mut old) == 0
            };
            if ok {
                previous.push((signal, old));
            }
        }
        previous
    });
}

/// The signal handler: unwinds a trap of compiled code to its host entry,
/// or passes the signal on.
extern "C" fn on_trap_signal(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let uc = context.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    let pc = gregs[libc::REG_RIP as usize] as usize;
    let activation = entry::current();
    if !activation.is_null()
        && let Some(code) = trap_code_at(pc)
    {
        // SAFETY: `activation` is the live innermost activation of this
        // thread (entry.rs keeps CURRENT pointing at a local of `enter`).
        let jump = unsafe { &raw const (*activation).jump }.cast::<entry::JumpBuffer>();
        let fp = gregs[libc::REG_RBP as usize] as usize;
        // SAFETY: compiled code, interrupted here at a trap site, is the
        // innermost of the activation; its frame pointer is live.
        unsafe { backtrace::record_frames(activation, Some((pc, fp))) };
        gregs[libc::REG_RIP as usize] = entry::unwind_routine() as i64;
        gregs[libc::REG_RDI as usize] = jump as i64;
        gregs[libc::REG_RSI as usize] = i64::from(code);
        return;
    }
    chain(signal, info, context);
}

/// Runs the handler that was there before ours. A default or ignored
/// disposition is restored, so the faulting instruction faults again on
/// return and the process ends as it would have without us.
fn chain(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let previous = PREVIOUS
        .get()
        .and_then(|p| p.iter().find(|(s, _)| *s == signal));
    let Some((_, old)) = previous else { return };
    let handler = old.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // SAFETY: `old` is the disposition the kernel gave us.
        unsafe { libc::sigaction(signal, old, std::ptr::null_mut()) };
    } else if old.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO handler has this signature.
        let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { std::mem::transmute(handler) };
        f(signal, info, context);
    } else {
        // SAFETY: a plain handler takes the signal number only.
        let f: extern "C" fn(c_int) = unsafe { std::mem::transmute(handler) };
        f(signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_writing_thread_gets_no_read_view_and_others_wait_their_turn() {
        write_regions(|_| {
            assert!(
                read_regions().is_none(),
                "a fault while writing is not ours"
            );
            let other = std::thread::spawn(|| read_regions().is_some());
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert!(!other.is_finished(), "another thread spins while we write");
            other
        })
        .join()
        .map_or_else(|_| panic!("reader"), |read| assert!(read));
    }
}
