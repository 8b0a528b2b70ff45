//! The store limits every target runs under: fuel, so that no input runs
//! long, and memory, table and continuation bounds, so that no input
//! exhausts the fuzzing process.
//!
//! Limits must be set before instantiating: fuel checks are compiled into
//! a store's code only when its limits ask for fuel at instantiation.

use wasmfx_core::StoreLimits;

/// Fuel of one store (function entries plus loop iterations, across all of
/// its calls): a few milliseconds of interpretation.
pub const FUEL: u64 = 100_000;

/// The limits for a store with `fuel`.
pub fn store_limits(fuel: u64) -> StoreLimits {
    StoreLimits {
        fuel: Some(fuel),
        max_memory_bytes: 64 << 20,
        max_table_elems: 100_000,
        max_continuations: 10_000,
        ..StoreLimits::default()
    }
}
