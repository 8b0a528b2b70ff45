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
//! Every [`TierMode`] is built; `dyn` (the CLI's default) starts every
//! function interpreted and compiles hot ones while the program runs
//! (`tiering.rs` the policy, `tier_up.rs` the interpreter's hook).

mod engine;
mod error;
mod executor;
mod interp_fallback;
mod mode;
mod runtime;
mod suspend_free;
mod tier_up;
mod tiering;

pub use engine::{Engine, text_to_binary};
pub use error::{Error, TextError, type_name};
pub use executor::{FunctionSelection, TierExecutor};
pub use mode::{TierMode, UnknownTier};
pub use runtime::Runtime;
pub use tier_up::TierStats;
pub use tiering::{DEFAULT_TIER_UP_AFTER, FunctionTier, TierPlan, TierUp};
pub use wasmfx_core::{InstanceId, Module, StoreLimits, Trap, Val, ValType};
