//! Random valid modules from `wasm-smith`, restricted to what every tier
//! executes, each made to terminate quickly.
//!
//! ```text
//!   seed ─▶ Rng ─▶ random bytes ─▶ wasm_smith::Module::new(config(variant), ..)
//!        ─▶ ensure_termination(FUEL) ─▶ .wasm bytes + index of the fuel global
//! ```
//!
//! The feature set is core Wasm 3.0 without SIMD, GC heap instructions and
//! threads: exceptions, tail calls, multi-memory, memory64, reference types,
//! bulk memory, multi-value, extended constants. wasm-smith ties typed
//! function references to its GC switch, so half of the seeds turn GC types
//! on with the aggregate (struct, array, i31) and vector instructions left
//! out: they get `call_ref`, `br_on_null`, `ref.as_non_null`, casts and GC
//! types in signatures, but no GC heap instruction. Every float result is
//! canonicalised (`canonicalize_nans`), so NaN payloads are deterministic and
//! results compare bit for bit.

use crate::rng::Rng;
use arbitrary::Unstructured;
use wasm_smith::{Config, InstructionKind, InstructionKinds, Module};

/// Fuel per exported call: loop iterations plus function entries. It also
/// bounds recursion depth, far below either tier's stack limit.
pub const FUEL: u32 = 1_000;

/// Size of the random input wasm-smith draws its choices from.
const INPUT_BYTES: usize = 8 * 1024;

/// Largest memory (either index type): 16 pages keep state comparison and
/// bulk memory operations cheap.
const MAX_MEMORY_BYTES: u64 = 16 * 65_536;

/// A generated module.
pub struct SmithModule {
    pub wasm: Vec<u8>,
    /// Index of the mutable `i32` global holding the remaining fuel; the
    /// harness refills it before each call.
    pub fuel_global: u32,
}

/// Which kind of module a seed makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variant {
    /// wasm-smith guards every trapping instruction (masked addresses,
    /// checked divisors), so calls run long instead of trapping early.
    pub disallow_traps: bool,
    /// GC types on (for typed function references), GC heap instructions off.
    pub function_references: bool,
}

impl Variant {
    /// Seeds cycle through the four variants.
    pub fn of_seed(seed: u64) -> Variant {
        Variant {
            disallow_traps: seed.is_multiple_of(2),
            function_references: seed % 4 >= 2,
        }
    }
}

/// Instruction families generated: all but vector (SIMD) and aggregate
/// (struct, array, i31: GC heap instructions).
const INSTRUCTIONS: [InstructionKind; 7] = [
    InstructionKind::Numeric,
    InstructionKind::Reference,
    InstructionKind::Parametric,
    InstructionKind::Variable,
    InstructionKind::Table,
    InstructionKind::Memory,
    InstructionKind::Control,
];

/// The wasm-smith configuration both tiers must run identically.
pub fn config(variant: Variant) -> Config {
    Config {
        disallow_traps: variant.disallow_traps,
        gc_enabled: variant.function_references,
        allowed_instructions: InstructionKinds::new(&INSTRUCTIONS),
        // Off: outside this milestone, or not in both tiers.
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        wide_arithmetic_enabled: false,
        custom_page_sizes_enabled: false,
        custom_descriptors_enabled: false,
        // On: core Wasm 3.0.
        exceptions_enabled: true,
        tail_call_enabled: true,
        memory64_enabled: true,
        reference_types_enabled: true,
        bulk_memory_enabled: true,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        extended_const_enabled: true,
        // Shape: everything observable, nothing imported, small and bounded.
        max_imports: 0,
        export_everything: true,
        canonicalize_nans: true,
        max_memories: 2,
        max_tables: 2,
        min_types: 2,
        min_funcs: 3,
        max_funcs: 12,
        min_memories: 1,
        max_instructions: 150,
        max_memory32_bytes: MAX_MEMORY_BYTES,
        max_memory64_bytes: MAX_MEMORY_BYTES as u128,
        max_table_elements: 1_000,
        // A declared maximum bounds `memory.grow` and `table.grow` too.
        memory_max_size_required: true,
        table_max_size_required: true,
        ..Config::default()
    }
}

/// The module for `seed` (of [`Variant::of_seed`]).
///
/// # Errors
/// wasm-smith's message when it cannot build or instrument a module from the
/// seed's input (rare; callers count such seeds as skipped).
pub fn generate(seed: u64) -> Result<SmithModule, String> {
    let input = Rng::new(seed).bytes(INPUT_BYTES);
    let mut unstructured = Unstructured::new(&input);
    let mut module = Module::new(config(Variant::of_seed(seed)), &mut unstructured)
        .map_err(|e| e.to_string())?;
    let fuel_global = module.ensure_termination(FUEL).map_err(|e| e.to_string())?;
    Ok(SmithModule {
        wasm: module.to_bytes(),
        fuel_global,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let a = generate(3).map(|m| m.wasm);
        let b = generate(3).map(|m| m.wasm);
        assert!(a.is_ok());
        assert_eq!(a, b);
    }
}
