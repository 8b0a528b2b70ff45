//! Fuzz target `differential`: a wasm-smith module drawn from the input
//! runs under the interpreter, under jit, under a random per-function mix
//! and under dyn tier-up by plan, with fuel (`src/smith_input.rs`); every
//! run must agree with the interpreter's (`src/agreement.rs`) until either
//! runs out of fuel.

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::{Corpus, fuzz_target};
use wasmfx_fuzz::agreement::check;
use wasmfx_fuzz::smith_input::smith_case;

fuzz_target!(|bytes: &[u8]| -> Corpus {
    let Ok(case) = smith_case(&mut Unstructured::new(bytes)) else {
        return Corpus::Reject;
    };
    if let Err(report) = check(&case) {
        panic!("tiers disagree on a generated module:\n{report}");
    }
    Corpus::Keep
});
