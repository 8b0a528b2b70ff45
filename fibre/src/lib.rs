//! wasmfx-fibre: native stacks and the continuation record shared by the
//! interpreter and the Cranelift tier.
//!
//! ```text
//!   StackPool ──take/give_back──▶ FibreStack   slab-carved stack, guard below   stack.rs, slab.rs, pool.rs
//!   ContArena ──alloc/release──▶ ContRecord   #[repr(C)] continuation record   arena.rs, record.rs
//!                                  │ ContRef = (record, revision), one-shot   reference.rs
//!                                  └─ context: Context {sp, fp, ip}             context.rs
//!   switch(store_ctx, load_ctx, payload)   Rust twin of Cranelift's stack_switch context.rs
//!   ContTable    index → record, raw handles (index, revision), warm records  table.rs
//!                marking for the continuation collector                     table/collect.rs
//!   StackChain   active records innermost-first, handler search                chain.rs
//!                shortcuts past prompts that do not handle a tag             skip.rs
//!   native::{start, resume, suspend}   records on native stacks, from Rust     native.rs
//! ```
//!
//! A continuation that only ever runs interpreted needs a record but no
//! stack; one that holds compiled frames gets a [`FibreStack`] and is
//! switched to natively, by compiled code or by [`native::resume`].
//! x86-64 System V (Linux) only, like the jit.

#[cfg(not(all(target_arch = "x86_64", unix)))]
compile_error!("wasmfx-fibre supports x86-64 System V (Linux) only");

mod address_space;
mod arena;
mod chain;
mod context;
pub mod native;
mod pool;
mod record;
mod reference;
mod skip;
mod slab;
mod stack;
mod table;

pub use address_space::address_space_limit;
pub use arena::ContArena;
pub use chain::{ChainIter, FORWARD_SWITCH, HandlerKind, HandlerMatch, StackChain};
pub use context::{Context, switch};
pub use pool::{DEFAULT_MAX_KEPT, PoolStats, StackPool};
pub use record::{
    ContRecord, ContState, FibreEntry, HandlerTable, NO_INDEX, PAYLOAD_INLINE, ParentLink,
    PayloadTooLong, offsets,
};
pub use reference::{ContError, ContRef};
pub use skip::{MIN_SKIPPED, SkipEntry, tag_bit};
pub use slab::{DECOMMIT_BATCH, SLAB_STACKS, SlabStats, decommit_released, slab_stats};
pub use stack::{
    DEFAULT_STACK_SIZE, FibreStack, MAX_STACK_RESERVE, MIN_STACK_SIZE, page_size, usable_size,
};
pub use table::{
    ContTable, DEFAULT_COLLECTION_MINIMUM, HandleError, MAX_WARM, Marker, RETIRED, TableHeader,
    raw_handle, table_offsets,
};
