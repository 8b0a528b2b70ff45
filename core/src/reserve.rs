//! Address space held back for the way out of an out-of-memory trap.
//!
//! Under an address-space limit (`ulimit -v`) the allocation that fails is
//! rarely the last one the process needs: the trap's message and backtrace
//! are formatted after it, and a compile thread may be mid-job. Each of
//! those failing would abort the process (Rust's allocation-error handler)
//! instead of exiting with the trap. So every store holds this block
//! ([`hold`]; allocated, never touched, so it costs address space and no
//! memory), and the traps for memory the host refused release it first
//! ([`release`]).
//!
//! ```text
//!   Store::new ── hold ──▶ [ 16 MiB reserved, untouched ]
//!   a continuation, value stack or native stack refused
//!        └── release ──▶ freed; the trap is built and reported
//! ```

use std::sync::Mutex;

/// Enough for a trap's report and a compile job's allocations.
const RESERVE_BYTES: usize = 16 << 20;

static RESERVE: Mutex<Option<Vec<u8>>> = Mutex::new(None);

/// Holds the reserve, unless it is held already or the host refuses it.
pub fn hold() {
    let mut reserve = RESERVE.lock().unwrap_or_else(|e| e.into_inner());
    if reserve.is_none() {
        let mut block = Vec::new();
        if block.try_reserve_exact(RESERVE_BYTES).is_ok() {
            *reserve = Some(block);
        }
    }
}

/// Frees the reserve (for what an out-of-memory trap needs next).
pub fn release() {
    let block = RESERVE.lock().unwrap_or_else(|e| e.into_inner()).take();
    drop(block);
}

/// Whether the reserve is held.
pub fn is_held() -> bool {
    RESERVE.lock().unwrap_or_else(|e| e.into_inner()).is_some()
}
