//! Fuzz target `bytes`: any input is decoded, validated, instantiated and
//! has every export called in interp, jit and dyn, with fuel
//! (`src/any_module.rs`). Nothing may panic, abort, crash or hang.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmfx_fuzz::any_module::run_everywhere;

fuzz_target!(|bytes: &[u8]| run_everywhere(bytes));
