//! Target `bytes`: any input through decode, validation, instantiation and
//! every exported function, in each tier.
//!
//! ```text
//!   bytes ─▶ for mode in interp, jit, dyn (tier-up after 0..=6 events,
//!            on the calling thread, counts drawn from the input's hash):
//!              Engine::compile_binary ─Err─▶ done (every engine validates
//!                                               alike)
//!              Runtime + store_limits(FUEL) + spectest ─▶ instantiate
//!              ─▶ each exported function, in export order, with the zero
//!                 or null value of each parameter
//! ```
//!
//! Every error and trap is an answer; only a panic, an abort, a crash or a
//! hang is a finding.

use crate::limits::{FUEL, store_limits};
use std::hash::{DefaultHasher, Hash, Hasher};
use wasmfx_core::module::ExternKind;
use wasmfx_tier::{Engine, Runtime, TierMode, TierUp, Val};

/// Runs `bytes` as a module in every tier.
pub fn run_everywhere(bytes: &[u8]) {
    for mode in TierMode::ALL {
        let Some(engine) = engine(mode, bytes) else {
            return;
        };
        if !run_in(&engine, bytes) {
            return;
        }
    }
}

/// The engine of `mode`; `dyn` tiers up early and synchronously, so that
/// functions of a short run do change tier, deterministically.
fn engine(mode: TierMode, bytes: &[u8]) -> Option<Engine> {
    let engine = Engine::new(mode).ok()?;
    Some(match mode {
        TierMode::Dyn => {
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            engine.with_tier_up(TierUp {
                after: 3,
                sync: true,
                seed: Some(hasher.finish()),
                // Batches too: a hot function compiles its small callees.
                callees: true,
                ..TierUp::default()
            })
        }
        _ => engine,
    })
}

/// Compiles and runs `bytes` in `engine`; `false` when they do not
/// compile.
fn run_in(engine: &Engine, bytes: &[u8]) -> bool {
    let Ok(module) = engine.compile_binary(bytes) else {
        return false;
    };
    let mut runtime = Runtime::new(engine);
    runtime.set_limits(store_limits(FUEL));
    runtime.define_spectest();
    let Ok(instance) = runtime.instantiate(&module) else {
        return true;
    };
    for export in &module.exports {
        if export.kind != ExternKind::Func {
            continue;
        }
        let Some(sig) = runtime
            .func(instance, &export.name)
            .ok()
            .and_then(|func| runtime.func_type(func))
        else {
            continue;
        };
        let args: Vec<Val> = sig.params.iter().map(|&ty| Val::default_for(ty)).collect();
        // A non-nullable reference parameter gets null and the call is
        // refused; every other outcome is fine too.
        let _ = runtime.call(instance, &export.name, &args);
    }
    true
}
