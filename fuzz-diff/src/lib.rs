//! Differential testing of wasmfx-tier: random programs must give the same
//! results, traps and final state in the interpreter, fully compiled, and
//! with a random per-function choice of tier.
//!
//! ```text
//!   smith.rs   seed ─▶ random valid module (wasm-smith), fuel-bounded
//!   run.rs     module × Tiering ─▶ Vec<Observation>
//!   outcome.rs Observation, value text, first difference
//!   case.rs    one seed checked under every tiering; failing .wasm saved
//!   rng.rs     deterministic SplitMix64 (seeds of the wasm-smith test)
//!
//!   cont_gen.rs        structured programs with continuations + their model
//!   cont_arbitrary.rs  such programs for quickcheck: generation, shrinking
//!   cont_wat.rs        such a program as Wasm text
//!   tiering_plan.rs    per-function tier choices for quickcheck
//!   cont_case.rs       program × Tiering checked against the model; report
//!   cont_property.rs   the quickcheck properties and their runner
//! ```
//!
//! `tests/differential.rs` drives wasm-smith modules over a fixed range of
//! seeds (`WASMFX_DIFF_CASES` raises the count, `WASMFX_DIFF_SEED` replays
//! one). `tests/continuations.rs` runs the continuation properties with
//! quickcheck (`QUICKCHECK_TESTS` raises the count); a failure is shrunk
//! and printed as Wasm text with its tiering plan.

pub mod case;
pub mod cont_arbitrary;
pub mod cont_case;
pub mod cont_gen;
pub mod cont_property;
pub mod cont_wat;
pub mod outcome;
pub mod rng;
pub mod run;
pub mod smith;
pub mod tiering_plan;
