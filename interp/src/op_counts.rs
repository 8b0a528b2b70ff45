//! With the `op-counts` feature: how many ops the op loop dispatched, for
//! instructions per op (`bash benches/callgrind.sh ops`). Without it this
//! module is not built and the op loop counts nothing.

use std::sync::atomic::{AtomicU64, Ordering};

static DISPATCHED: AtomicU64 = AtomicU64::new(0);

/// Counts one dispatched op.
#[inline(always)]
pub(crate) fn count() {
    DISPATCHED.fetch_add(1, Ordering::Relaxed);
}

/// Ops dispatched by every op loop of the process so far.
pub fn dispatched() -> u64 {
    DISPATCHED.load(Ordering::Relaxed)
}
