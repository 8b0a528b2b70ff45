//! Fuzz target `continuations`: a continuation program of fuzz-diff's
//! generator and a tiering plan, drawn from the input
//! (`src/cont_input.rs`), run interpreted, compiled, statically mixed by the
//! plan and tiered up by the plan; each run must give the program's model
//! result and log (fuzz-diff's `cont_case.rs`).

#![no_main]

use arbitrary::Unstructured;
use libfuzzer_sys::{Corpus, fuzz_target};
use wasmfx_fuzz::cont_input::{plan, program};
use wasmfx_fuzz_diff::cont_case::{check_program, failure_report};
use wasmfx_fuzz_diff::run::Tiering;

fuzz_target!(|bytes: &[u8]| -> Corpus {
    let mut u = Unstructured::new(bytes);
    let Ok(program) = program(&mut u) else {
        return Corpus::Reject;
    };
    let Ok(plan) = plan(&mut u, &program) else {
        return Corpus::Reject;
    };
    let tierings = [
        Tiering::Interp,
        Tiering::Jit,
        Tiering::Selected(plan.clone()),
        Tiering::Planned(plan),
    ];
    for tiering in &tierings {
        if let Err(why) = check_program(&program, tiering) {
            panic!(
                "a continuation program is off its model:\n{}",
                failure_report(&program, tiering, &why)
            );
        }
    }
    Corpus::Keep
});
