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
//!
//! # The `native` feature
//! Everything that needs x86-64 System V on Unix is behind the `native`
//! cargo feature (on by default, enabled by the jit): stacks, slabs and
//! the pool (mmap, guard pages), the `global_asm!` switch routine and
//! [`Context::fresh`], `native`, the warm list, and the address-space
//! limit (getrlimit). Without it the crate is plain Rust that builds for
//! any target: records, arena, table, chain and collector, which is all
//! the interpreter uses. The record layout is the same either way; a
//! record simply never has a stack.

#[cfg(all(
    feature = "native",
    not(all(target_arch = "x86_64", target_os = "linux"))
))]
compile_error!(
    "wasmfx-fibre's `native` feature supports x86-64 Linux only (System V \
     calls, ELF assembly, Linux mmap and madvise flags); build without it \
     (the interpreter-only configuration) elsewhere"
);

#[cfg(feature = "native")]
mod address_space;
mod arena;
mod chain;
mod context;
#[cfg(feature = "native")]
pub mod native;
#[cfg(feature = "native")]
mod pool;
mod record;
mod reference;
mod skip;
#[cfg(feature = "native")]
mod slab;
#[cfg(feature = "native")]
mod stack;
mod table;

#[cfg(feature = "native")]
pub use address_space::address_space_limit;
#[cfg(not(feature = "native"))]
pub use arena::NoStack;
pub use arena::{ContArena, ReleasedStack};
pub use chain::{ChainIter, FORWARD_SWITCH, HandlerKind, HandlerMatch, StackChain};
pub use context::Context;
#[cfg(feature = "native")]
pub use context::{switch, switch_to_compiled};
#[cfg(feature = "native")]
pub use pool::{DEFAULT_MAX_KEPT, PoolStats, StackPool};
pub use record::{
    ContRecord, ContState, FibreEntry, HandlerTable, NO_INDEX, PAYLOAD_INLINE, ParentLink,
    PayloadTooLong, offsets,
};
pub use reference::{ContError, ContRef};
pub use skip::{MIN_SKIPPED, SkipEntry, tag_bit};
#[cfg(feature = "native")]
pub use slab::{DECOMMIT_BATCH, SLAB_STACKS, SlabStats, decommit_released, slab_stats};
#[cfg(feature = "native")]
pub use stack::{
    DEFAULT_STACK_SIZE, FibreStack, MAX_STACK_RESERVE, MIN_STACK_SIZE, page_size, start_sp,
    usable_size,
};
pub use table::{
    ContTable, DEFAULT_COLLECTION_MINIMUM, HandleError, MAX_WARM, Marker, RETIRED, TableHeader,
    raw_handle, table_offsets,
};
