//! Target `differential`, its input: fuzzer bytes drawn through `arbitrary`
//! into a wasm-smith module and the choices of one case.
//!
//! ```text
//!   bytes ─Unstructured─▶ variant (traps allowed?, function references?)
//!                         engine fuel: FUEL, or 0..=1000 one time in four
//!                         argument seed, Mixed seed, dyn plan (PLANNED entries)
//!                      ─▶ the rest: wasm_smith::Module::new(fuzz-diff's config)
//!                         ─▶ ensure_termination(fuzz-diff's FUEL)
//! ```
//!
//! The configuration is fuzz-diff's (`smith.rs`): the features every tier
//! runs, every float result canonicalised. The module's own fuel global
//! (refilled before each call) makes each call end the same way in every
//! tier; the engine's fuel, counted per tier and possibly differently, only
//! bounds the run as a whole.

use crate::limits::FUEL;
use arbitrary::{Result, Unstructured};
use wasm_smith::Module;
use wasmfx_fuzz_diff::run::Tiering;
use wasmfx_fuzz_diff::smith::{self, Variant};
use wasmfx_fuzz_diff::tiering_plan::TieringPlan;
use wasmfx_tier::FunctionTier;

/// Plan entries: wasm-smith makes at most 12 functions (fuzz-diff's
/// `max_funcs`); later indices stay interpreted.
const PLANNED: usize = 16;

/// Largest `After(k)` of the dyn plan.
const MAX_AFTER: u32 = 8;

/// One differential case.
#[derive(Debug)]
pub struct SmithCase {
    pub wasm: Vec<u8>,
    /// The module's fuel global (wasm-smith's `ensure_termination`).
    pub fuel_global: u32,
    /// The engine's fuel for each run (`StoreLimits::fuel`).
    pub engine_fuel: u64,
    /// Draws the call arguments (fuzz-diff's `run`).
    pub arg_seed: u64,
    /// The tierings compared with the interpreter.
    pub tierings: Vec<Tiering>,
}

/// The case `u` describes.
///
/// # Errors
/// wasm-smith's error when it cannot build the module from `u`.
pub fn smith_case(u: &mut Unstructured<'_>) -> Result<SmithCase> {
    let variant = Variant {
        disallow_traps: u.arbitrary()?,
        function_references: u.arbitrary()?,
    };
    let engine_fuel = match u.ratio(1, 4)? {
        true => u.int_in_range(0..=1_000)?,
        false => FUEL,
    };
    let arg_seed = u.arbitrary()?;
    let mixed_seed = u.arbitrary()?;
    let plan = dyn_plan(u)?;
    let mut module = Module::new(smith::config(variant), u)?;
    // It fails only on function bodies wasm-smith did not generate.
    let fuel_global = module
        .ensure_termination(smith::FUEL)
        .map_err(|_| arbitrary::Error::IncorrectFormat)?;
    Ok(SmithCase {
        wasm: module.to_bytes(),
        fuel_global,
        engine_fuel,
        arg_seed,
        tierings: vec![
            Tiering::Jit,
            Tiering::Mixed(mixed_seed),
            Tiering::Planned(plan),
        ],
    })
}

/// A tier-up plan: per function interpreted, compiled at its first call,
/// or compiled after `k` calls and loop back-edges; heap frames or not.
fn dyn_plan(u: &mut Unstructured<'_>) -> Result<TieringPlan> {
    let tiers = (0..PLANNED)
        .map(|_| {
            Ok(match u.int_in_range(0..=3)? {
                0 => FunctionTier::Interpreted,
                1 => FunctionTier::Compiled,
                _ => FunctionTier::After(u.int_in_range(0..=MAX_AFTER)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TieringPlan::new(tiers).with_heap_frames(u.arbitrary()?))
}
