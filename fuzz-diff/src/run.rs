//! Runs one module in one tier mix and records what it shows.
//!
//! ```text
//!   Tiering::Interp           every function interpreted
//!   Tiering::Jit              every function compiled
//!   Tiering::Mixed(seed)      each (instance, function) compiled or not by a
//!                             coin flip derived from `seed`
//!   Tiering::Selected(plan)   compiled at instantiation where the plan is not
//!                             Interpreted (After(k) counts as compiled)
//!   Tiering::Planned(plan)    the `dyn` executor: every function starts
//!                             interpreted and follows the plan (compiled at
//!                             once, after k calls and loop back-edges, never)
//!   run(wasm, fuel, tiering, arg_seed)
//!     (run_limited: in a store with given limits, e.g. the engine's fuel)
//!     instantiate ─▶ for each exported function, in export order:
//!                      refill fuel, make arguments from (arg_seed, export
//!                      position), call, record result or trap
//!                 ─▶ record every memory, global and table of the instance
//! ```
//!
//! The arguments depend only on `arg_seed` and the export, never on the
//! tiering, so every mix runs the same calls.

use crate::outcome::{Observation, show};
use crate::rng::{Rng, mix};
use crate::smith::FUEL;
use crate::tiering_plan::TieringPlan;
use std::sync::Arc;
use wasmfx_core::module::ExternKind;
use wasmfx_core::value::Ref;
use wasmfx_core::{InstanceId, StoreLimits, Val, ValType};
use wasmfx_tier::{Engine, FunctionTier, Module, Runtime, TierExecutor, TierMode, TierUp};

/// Which tier runs which function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tiering {
    Interp,
    Jit,
    /// A random per-function choice, fixed by the seed.
    Mixed(u64),
    /// A static choice per function (`TierExecutor::compiler_selecting`):
    /// compiled unless the plan says `Interpreted`.
    Selected(TieringPlan),
    /// Tier-up while running (`TierExecutor::tiered_with_plan`).
    Planned(TieringPlan),
}

impl Tiering {
    /// Whether function `index` of `instance` is compiled under `Mixed(seed)`.
    pub fn mixed_choice(seed: u64, instance: InstanceId, index: u32) -> bool {
        mix(seed ^ mix(u64::from(instance.0) << 32 | u64::from(index))) & 1 == 1
    }

    fn runtime(&self, engine: &Engine) -> Runtime {
        let executor = match self {
            Tiering::Interp | Tiering::Jit => return Runtime::new(engine),
            &Tiering::Mixed(seed) => TierExecutor::compiler_selecting(move |instance, index| {
                Tiering::mixed_choice(seed, instance, index)
            }),
            Tiering::Selected(plan) => {
                let plan = plan.clone();
                TierExecutor::compiler_selecting(move |_, index| {
                    plan.get(index) != FunctionTier::Interpreted
                })
            }
            Tiering::Planned(plan) => {
                let (heap_frames, batches) = (plan.heap_frames(), plan.batches());
                let plan = plan.clone();
                let executor = TierExecutor::tiered(TierUp {
                    callees: batches,
                    ..TierUp::with_plan(move |_, index| plan.get(index))
                });
                match heap_frames {
                    true => executor.heap_frames_after(0),
                    false => executor,
                }
            }
        };
        Runtime::with_executor(engine, executor)
    }

    /// The engine's mode: it picks the default executor, which
    /// [`Tiering::runtime`] replaces for the mixes.
    fn mode(&self) -> TierMode {
        match self {
            Tiering::Interp => TierMode::Interp,
            _ => TierMode::Jit,
        }
    }
}

/// What one run showed, and how much tiered up and was collected while it
/// ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub seen: Vec<Observation>,
    /// Functions compiled by tier-up during the run (`Planned` only).
    pub tiered_up: usize,
    /// Continuation collections made by either tier.
    pub collections: u64,
}

/// Runs `wasm` under `tiering`. `fuel_global` (a mutable `i32` global) is
/// refilled to [`FUEL`] before every call.
///
/// # Errors
/// The engine's message when the module does not compile (the generator
/// promises valid modules, so this is a finding too).
pub fn run(
    wasm: &[u8],
    fuel_global: Option<u32>,
    tiering: &Tiering,
    arg_seed: u64,
) -> Result<Vec<Observation>, String> {
    run_reporting(wasm, fuel_global, tiering, arg_seed).map(|report| report.seen)
}

/// [`run`], and how many functions tiered up.
///
/// # Errors
/// As [`run`].
pub fn run_reporting(
    wasm: &[u8],
    fuel_global: Option<u32>,
    tiering: &Tiering,
    arg_seed: u64,
) -> Result<RunReport, String> {
    run_limited(wasm, fuel_global, tiering, arg_seed, StoreLimits::default())
}

/// [`run_reporting`] in a store with `limits`, set before instantiating
/// (so code made for the store checks the engine's fuel when they ask for
/// it: the libFuzzer targets in `fuzz/`).
///
/// # Errors
/// As [`run`].
pub fn run_limited(
    wasm: &[u8],
    fuel_global: Option<u32>,
    tiering: &Tiering,
    arg_seed: u64,
    limits: StoreLimits,
) -> Result<RunReport, String> {
    let engine = Engine::new(tiering.mode()).map_err(|e| e.to_string())?;
    let module = engine.compile_binary(wasm).map_err(|e| e.to_string())?;
    let mut runtime = tiering.runtime(&engine);
    runtime.set_limits(limits);
    let seen = observe(&mut runtime, &module, fuel_global, arg_seed);
    let tiered_up = match tiering {
        Tiering::Planned(_) => runtime
            .tier_stats()
            .map_or(0, |(stats, _)| stats.tiered_up.len()),
        _ => 0,
    };
    let collections = runtime.store().conts.collections();
    Ok(RunReport {
        seen,
        tiered_up,
        collections,
    })
}

/// Instantiates `module`, calls every exported function and records the
/// final state.
fn observe(
    runtime: &mut Runtime,
    module: &Arc<Module>,
    fuel_global: Option<u32>,
    arg_seed: u64,
) -> Vec<Observation> {
    let instance = match runtime.instantiate(module) {
        Ok(instance) => instance,
        Err(e) => return vec![Observation::Instantiated(Err(e.to_string()))],
    };
    let mut seen = vec![Observation::Instantiated(Ok(()))];
    for (position, export) in module.exports.iter().enumerate() {
        if export.kind != ExternKind::Func {
            continue;
        }
        if let Some(fuel) = fuel_global {
            set_global(runtime, instance, fuel, FUEL);
        }
        let mut rng = Rng::new(mix(arg_seed ^ position as u64));
        seen.push(call(runtime, instance, &export.name, &mut rng));
    }
    record_state(runtime, instance, &mut seen);
    seen
}

/// Calls export `name` with arguments drawn from `rng`.
fn call(runtime: &mut Runtime, instance: InstanceId, name: &str, rng: &mut Rng) -> Observation {
    let export = name.to_string();
    let params = runtime
        .func(instance, name)
        .ok()
        .and_then(|f| runtime.func_type(f))
        .map(|sig| sig.params.to_vec())
        .unwrap_or_default();
    let Some(args) = params
        .iter()
        .map(|&ty| argument(ty, rng))
        .collect::<Option<Vec<_>>>()
    else {
        return Observation::Skipped { export };
    };
    let result = runtime
        .call(instance, name, &args)
        .map(|vals| vals.iter().map(show).collect())
        .map_err(|e| e.to_string());
    Observation::Call {
        export,
        args: args.iter().map(show).collect(),
        result,
    }
}

/// Integers that find edge cases: zero, ones, sign boundaries, shift amounts.
const INTERESTING: [i64; 10] = [0, 1, -1, 2, 31, 32, 63, 64, i64::MIN, i64::MAX];

/// A value of type `ty`; `None` for a non-nullable reference.
fn argument(ty: ValType, rng: &mut Rng) -> Option<Val> {
    let integer = |rng: &mut Rng| -> i64 {
        match rng.below(3) {
            0 => INTERESTING[rng.below(INTERESTING.len() as u64) as usize],
            1 => rng.below(200) as i64 - 100,
            _ => rng.next_u64() as i64,
        }
    };
    Some(match ty {
        ValType::I32 => Val::I32(integer(rng) as i32),
        ValType::I64 => Val::I64(integer(rng)),
        ValType::F32 => Val::F32((integer(rng) as f32).to_bits()),
        ValType::F64 => Val::F64((integer(rng) as f64 / 3.0).to_bits()),
        ValType::V128 => Val::V128(u128::from(rng.next_u64())),
        ValType::Ref(rt) if rt.nullable => Val::Ref(Ref::Null(rt.heap)),
        ValType::Ref(_) => return None,
    })
}

/// Sets global `index` of `instance` to the `i32` `value`.
fn set_global(runtime: &mut Runtime, instance: InstanceId, index: u32, value: u32) {
    let store = runtime.store_mut();
    let addr = store
        .instances
        .get(instance.0 as usize)
        .and_then(|i| i.globals.get(index as usize).copied());
    if let Some(global) = addr.and_then(|a| store.globals.get_mut(a.0 as usize)) {
        global.set(u64::from(value));
    }
}

/// Appends every memory, global and table of `instance`.
fn record_state(runtime: &Runtime, instance: InstanceId, seen: &mut Vec<Observation>) {
    let store = runtime.store();
    let Some(inst) = store.instances.get(instance.0 as usize) else {
        return;
    };
    for (index, addr) in inst.memories.iter().enumerate() {
        if let Some(memory) = store.memories.get(addr.0 as usize) {
            let bytes = memory.data().to_vec();
            seen.push(Observation::Memory {
                index: index as u32,
                bytes,
            });
        }
    }
    for (index, addr) in inst.globals.iter().enumerate() {
        if let Some(global) = store.globals.get(addr.0 as usize) {
            let value = Val::from_raw_in(global.get(), global.ty.content, &store.registry)
                .map_or_else(|| format!("raw:{:#x}", global.get()), |v| show(&v));
            seen.push(Observation::Global {
                index: index as u32,
                value,
            });
        }
    }
    for (index, addr) in inst.tables.iter().enumerate() {
        if let Some(table) = store.tables.get(addr.0 as usize) {
            let elems = table
                .elems()
                .iter()
                .map(|&raw| {
                    show(
                        &Val::from_raw_in(raw, ValType::Ref(table.ty.elem), &store.registry)
                            .unwrap_or(Val::I64(raw as i64)),
                    )
                })
                .collect();
            seen.push(Observation::Table {
                index: index as u32,
                elems,
            });
        }
    }
}
