//! The runtime of wasmfx-tier: everything both execution tiers share.
//!
//! ```text
//!   bytes ──parse+validate──▶ Module ──instantiate(imports)──▶ Instance (in a Store)
//!                               │                                 │
//!                   canonical types (TypeRegistry)     addresses of funcs, memories,
//!                                                      tables, globals, tags (Store arenas)
//! ```
//!
//! A [`Store`] owns every runtime object in arenas indexed by small typed
//! addresses ([`FuncAddr`], [`MemAddr`], ...). Values cross the API as [`Val`];
//! inside the engines every value is one untyped 64-bit slot ([`Val::to_raw`]).

pub mod backtrace;
pub mod const_expr;
pub mod linker;
pub mod module;
pub mod num;
pub mod reserve;
pub mod slots;
pub mod spectest;
pub mod store;
pub mod trap;
pub mod types;
pub mod value;
pub mod vm;
pub mod wasi;

pub use linker::{Extern, LinkError, Linker};
pub use module::{Module, ModuleError};
pub use slots::{copy_slots, raw_payload, raw_results};
pub use store::{
    Caller, ExnAddr, FuncAddr, FuncInst, FuncKind, GlobalAddr, HostFunc, InstanceId,
    InterruptChecks, InterruptHandle, MemAddr, Store, StoreLimits, TableAddr, TagAddr,
};
pub use trap::{Trap, TrapCode};
pub use types::{FuncType, HeapType, RefType, TypeId, TypeRegistry, ValType};
pub use value::{RawPayload, RawResults, Val};
/// The continuation collector's marker (fibre's `table/collect.rs`).
pub use wasmfx_fibre::Marker as ContMarker;
pub use wasmparser::WasmFeatures;
