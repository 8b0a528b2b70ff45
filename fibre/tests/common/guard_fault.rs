//! The fault handler of a child that touches a guard page: it tells a
//! fault inside the watched guard from any other by the exit code it
//! ends the process with (install it with `child::install_handler`).

use std::sync::atomic::{AtomicUsize, Ordering};

/// (start, end) of the guard the child touches.
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// The child's exit code when the fault hit the watched guard.
pub const GUARD_HIT: i32 = 71;
/// The child's exit code for any other fault.
const OTHER_FAULT: i32 = 72;

/// Makes `[start, end)` the guard [`on_segv`] recognises.
pub fn watch_guard(start: usize, end: usize) {
    GUARD_START.store(start, Ordering::Relaxed);
    GUARD_END.store(end, Ordering::Relaxed);
}

/// Ends the process with [`GUARD_HIT`] for a fault in the watched guard,
/// with `OTHER_FAULT` for any other.
pub extern "C" fn on_segv(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let guard = GUARD_START.load(Ordering::Relaxed)..GUARD_END.load(Ordering::Relaxed);
    let code = if guard.contains(&addr) {
        GUARD_HIT
    } else {
        OTHER_FAULT
    };
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(code) };
}
