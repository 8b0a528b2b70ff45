//! wasmfx-tier: the engine that ties the tiers together, and the embedding
//! API.
//!
//! ```text
//!   Engine (type registry + TierMode) ──compile(bytes | .wat)──▶ Arc<Module>
//!     └─ executor() ──▶ TierExecutor (one per store: interp, jit, or dyn)
//!   Runtime (Store + Linker + TierExecutor)
//!     instantiate(&module) → InstanceId, call(id, "name", &[Val]) → Vec<Val>
//! ```
//!
//! With the `jit` feature (the default) every [`TierMode`] is built; `dyn`
//! (the CLI's default) starts every function interpreted and compiles hot
//! ones while the program runs (`tiering.rs` the policy, `tier_up.rs` the
//! interpreter's hook). Without it only `interp` is: the modules marked
//! `jit` below are left out, and `Engine::new` refuses the other modes
//! ([`Error::TierUnavailable`]). The tier-up settings ([`TierUp`]) stay,
//! as plain data that only `dyn` reads.

#[cfg(feature = "jit")]
mod compiled;
mod engine;
mod error;
mod executor;
#[cfg(feature = "jit")]
mod interp_fallback;
mod mode;
mod runtime;
#[cfg(feature = "jit")]
mod suspend_free;
#[cfg(feature = "jit")]
mod tier_up;
mod tiering;

#[cfg(feature = "jit")]
pub use compiled::FunctionSelection;
pub use engine::{Engine, text_to_binary};
pub use error::{Error, TextError, type_name};
pub use executor::TierExecutor;
pub use mode::{TierMode, UnknownTier};
pub use runtime::Runtime;
#[cfg(feature = "jit")]
pub use tier_up::TierStats;
pub use tiering::{DEFAULT_START_DELAY, DEFAULT_TIER_UP_AFTER, FunctionTier, TierPlan, TierUp};
pub use wasmfx_core::{InstanceId, Module, StoreLimits, Trap, Val, ValType};
