//! The `.wast` spec-script runner, shared by the `wasmfx-tier wast` command
//! and the spec harness (`tests/spec`).
//!
//! ```text
//!   wasmfx-tier (binary)  ─┐                      ┌─ tier: impl Executor
//!   tests/spec (harness)  ─┴─▶ run_script(name, text, executor) ──▶ FileReport
//! ```
//!
//! The runner knows nothing about tiers: it drives a store through the
//! [`Executor`] trait, which the `wasmfx-tier` crate implements once per
//! tier. (This crate cannot depend on `wasmfx-tier`, whose binary uses it.)

pub mod report;
pub mod runner;

pub use report::{Counts, Failure, FileReport};
pub use runner::{run_script, run_script_with_features};

use wasmfx_core::{FuncAddr, Store, Trap, Val};

/// Runs functions of one store. A fresh executor is made for every script
/// (every script gets a fresh store).
pub trait Executor {
    /// Runs `func` (Wasm or host) to completion with `args`, which the runner
    /// has already checked against the function's parameter types.
    ///
    /// # Errors
    /// The [`Trap`] that stopped execution; an exception that nothing caught
    /// is `Trap::UncaughtException`.
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap>;
}
