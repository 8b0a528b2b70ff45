//! Differential testing of wasmfx-tier: random programs must give the same
//! results, traps and final state in the interpreter, fully compiled, and
//! with a random per-function choice of tier.
//!
//! ```text
//!   smith.rs   seed ─▶ random valid module (wasm-smith), fuel-bounded
//!   run.rs     module × Tiering ─▶ Vec<Observation>
//!   outcome.rs Observation, value text, first difference
//!   case.rs    one seed checked under every tiering; failing .wasm saved
//!   rng.rs     deterministic SplitMix64
//!
//!   cont_gen.rs   structured programs with continuations + their model
//!   cont_wat.rs   such a program as Wasm text
//!   cont_case.rs  program × Tiering checked against the model; shrinking
//! ```
//!
//! `tests/differential.rs` and `tests/continuations.rs` drive them over a
//! fixed range of seeds (`WASMFX_DIFF_CASES` raises the count,
//! `WASMFX_DIFF_SEED` replays one).

pub mod case;
pub mod cont_case;
pub mod cont_gen;
pub mod cont_wat;
pub mod outcome;
pub mod rng;
pub mod run;
pub mod smith;
