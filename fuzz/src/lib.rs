//! Shared code of the libFuzzer targets (`fuzz_targets/`, one binary each;
//! `scripts/fuzz.sh` builds and runs them).
//!
//! ```text
//!   target         input bytes ─▶ what runs                      finding
//!   bytes          any bytes ─▶ decode, validate, instantiate,    a panic or crash
//!                  call every export, in interp, jit and dyn
//!                  (any_module.rs), with fuel
//!   differential   bytes ─arbitrary─▶ wasm-smith module ─▶        a panic, or tiers
//!                  interp vs jit, a mix, dyn tier-up by plan      that disagree
//!                  (smith_input.rs, agreement.rs), with fuel
//!   continuations  bytes ─arbitrary─▶ continuation program and    a panic, or a run
//!                  tiering plan (cont_input.rs) ─▶ every tiering  off its model
//! ```
//!
//! `limits.rs` holds the store limits all three use. Each target must never
//! panic, abort or hang on any input: a finding is a bug of the engine (or
//! of these harnesses), kept as a test in `tier/tests/fuzz_regressions.rs`.

pub mod agreement;
pub mod any_module;
pub mod cont_input;
pub mod limits;
pub mod smith_input;
