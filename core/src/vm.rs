//! `#[repr(C)]` records that compiled code reads at fixed offsets.
//!
//! The interpreter never reads these; it uses the store's safe accessors. The
//! store keeps them in step with its objects: every memory, table and global
//! owns its record in a `Box` (a stable heap address), and a grow rewrites
//! `base`/`length`. Every function owns one [`VmFuncRef`] the same way, so
//! installing compiled code is seen by every instance that imports it. An
//! instance owns a [`VmContext`] that points at arrays of its records'
//! addresses, in index-space order.
//!
//! Addresses are stored as `usize` (not raw pointers) so that the store stays
//! `Send + Sync` and no `unsafe` is needed on the Rust side; only compiled
//! code dereferences them. All fields are 8 bytes unless noted.
//!
//! ```text
//!   VmMemory  (16)        VmTable  (16)          VmGlobal (8)
//!   +0  base   *u8        +0  base   *u64        +0  value  u64 (raw slot)
//!   +8  length u64 bytes  +8  length u64 slots
//!
//!   VmFuncRef (24)
//!   +0  code     entry point of compiled code, 0 = not compiled
//!   +8  vmctx    *VmContext of the defining instance, 0 = host function
//!   +16 type_id  u32 canonical TypeId
//!   +20 addr     u32 its FuncAddr in the store (`ref.func` is addr + 1)
//!
//!   VmContext (80)                         arrays owned by InstanceVm:
//!   +0  memories  ──▶ [*VmMemory; num_memories]   (records live in MemoryInst)
//!   +8  tables    ──▶ [*VmTable;  num_tables]     (records live in TableInst)
//!   +16 globals   ──▶ [*VmGlobal; num_globals]    (records live in GlobalInst)
//!   +24 funcs     ──▶ [*VmFuncRef; num_funcs]     (records live in FuncInst)
//!   +32 num_memories u32   +36 num_tables u32
//!   +40 num_globals  u32   +44 num_funcs  u32
//!   +48 instance_id  u32   +52 padding
//!   +56 store      opaque address of the owning Store, set by the tier (0 until then)
//!   +64 runtime    opaque address of the compiled tier's per-store record (stack
//!                  limit, pending exception), set by that tier (0 until then)
//!   +72 tags      ──▶ [u32; tags in the module]  the tags' store addresses (the
//!                     identities handler tables hold), in index-space order
//! ```

use std::mem::offset_of;

/// A linear memory as compiled code sees it.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VmMemory {
    /// Address of byte 0.
    pub base: usize,
    /// Accessible length in bytes.
    pub length: u64,
}

/// A table as compiled code sees it: raw reference slots (see `value.rs`).
#[repr(C)]
#[derive(Debug, Default)]
pub struct VmTable {
    /// Address of slot 0 (`u64` slots).
    pub base: usize,
    /// Number of slots.
    pub length: u64,
}

/// A global's storage cell: the value as one raw slot.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VmGlobal {
    pub value: u64,
}

/// A callable function: what `call`, `call_indirect` and `call_ref` need.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct VmFuncRef {
    /// Entry of compiled code; 0 while the function is not compiled.
    pub code: usize,
    /// Address of the defining instance's [`VmContext`]; 0 for host functions.
    pub vmctx: usize,
    /// Canonical type id (`TypeId.0`), for signature checks.
    pub type_id: u32,
    /// The function's store address (`FuncAddr.0`), set when the store
    /// adds it: compiled `ref.func` makes its raw funcref from it.
    pub addr: u32,
}

/// Per-instance context: the root compiled code is given.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VmContext {
    pub memories: usize,
    pub tables: usize,
    pub globals: usize,
    pub funcs: usize,
    pub num_memories: u32,
    pub num_tables: u32,
    pub num_globals: u32,
    pub num_funcs: u32,
    pub instance_id: u32,
    /// Opaque address of the owning store, for runtime calls; the tier sets it.
    pub store: usize,
    /// Opaque address of the compiled tier's per-store runtime record; the
    /// tier that compiles code for the instance sets it.
    pub runtime: usize,
    /// Address of the tags' store addresses (`u32` each), in index-space
    /// order.
    pub tags: usize,
}

/// Owner of an instance's [`VmContext`] and of the arrays it points to.
/// Every part is boxed, so the addresses survive moves of this struct.
///
/// Built in two steps: [`InstanceVm::new`] fixes the context's address (the
/// instance's own function records need it), [`InstanceVm::set_arrays`] fills
/// in the record addresses once every object is allocated.
#[derive(Debug)]
pub struct InstanceVm {
    ctx: Box<VmContext>,
    arrays: VmArrays,
}

/// Record addresses, in index-space order (imports first).
#[derive(Debug, Default)]
pub struct VmArrays {
    pub memories: Box<[usize]>,
    pub tables: Box<[usize]>,
    pub globals: Box<[usize]>,
    /// Addresses of [`VmFuncRef`] records (each owned by its function).
    pub funcs: Box<[usize]>,
    /// The tags' store addresses (`TagAddr`), not records: a tag is its
    /// address.
    pub tags: Box<[u32]>,
}

impl InstanceVm {
    /// A context for instance `instance_id`, with empty arrays.
    pub fn new(instance_id: u32) -> InstanceVm {
        let ctx = Box::new(VmContext {
            instance_id,
            ..VmContext::default()
        });
        InstanceVm {
            ctx,
            arrays: VmArrays::default(),
        }
    }

    /// Points the context at `arrays`.
    pub fn set_arrays(&mut self, arrays: VmArrays) {
        self.arrays = arrays;
        let a = &self.arrays;
        let ctx = &mut self.ctx;
        ctx.memories = a.memories.as_ptr() as usize;
        ctx.tables = a.tables.as_ptr() as usize;
        ctx.globals = a.globals.as_ptr() as usize;
        ctx.funcs = a.funcs.as_ptr() as usize;
        ctx.tags = a.tags.as_ptr() as usize;
        ctx.num_memories = len_u32(a.memories.len());
        ctx.num_tables = len_u32(a.tables.len());
        ctx.num_globals = len_u32(a.globals.len());
        ctx.num_funcs = len_u32(a.funcs.len());
    }

    pub fn ctx(&self) -> &VmContext {
        &self.ctx
    }

    /// Address of the context, as compiled code receives it.
    pub fn ctx_addr(&self) -> usize {
        record_addr::<VmContext>(&self.ctx)
    }

    pub fn arrays(&self) -> &VmArrays {
        &self.arrays
    }

    /// Records the owning store's address (see [`VmContext::store`]).
    pub fn set_store(&mut self, store: usize) {
        self.ctx.store = store;
    }

    /// Records the compiled tier's runtime record (see [`VmContext::runtime`]).
    pub fn set_runtime(&mut self, runtime: usize) {
        self.ctx.runtime = runtime;
    }
}

/// Index spaces are bounded far below `u32::MAX` by validation.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The address of a boxed record, as the context arrays hold it.
pub fn record_addr<T>(record: &T) -> usize {
    std::ptr::from_ref(record) as usize
}

/// Offsets compiled code uses; the tests pin them to the drawing above.
pub mod offsets {
    use super::*;

    pub const MEMORY_BASE: usize = offset_of!(VmMemory, base);
    pub const MEMORY_LENGTH: usize = offset_of!(VmMemory, length);
    pub const TABLE_BASE: usize = offset_of!(VmTable, base);
    pub const TABLE_LENGTH: usize = offset_of!(VmTable, length);
    pub const GLOBAL_VALUE: usize = offset_of!(VmGlobal, value);
    pub const FUNC_REF_CODE: usize = offset_of!(VmFuncRef, code);
    pub const FUNC_REF_VMCTX: usize = offset_of!(VmFuncRef, vmctx);
    pub const FUNC_REF_TYPE_ID: usize = offset_of!(VmFuncRef, type_id);
    pub const FUNC_REF_ADDR: usize = offset_of!(VmFuncRef, addr);
    pub const CTX_MEMORIES: usize = offset_of!(VmContext, memories);
    pub const CTX_TABLES: usize = offset_of!(VmContext, tables);
    pub const CTX_GLOBALS: usize = offset_of!(VmContext, globals);
    pub const CTX_FUNCS: usize = offset_of!(VmContext, funcs);
    pub const CTX_NUM_MEMORIES: usize = offset_of!(VmContext, num_memories);
    pub const CTX_NUM_TABLES: usize = offset_of!(VmContext, num_tables);
    pub const CTX_NUM_GLOBALS: usize = offset_of!(VmContext, num_globals);
    pub const CTX_NUM_FUNCS: usize = offset_of!(VmContext, num_funcs);
    pub const CTX_INSTANCE_ID: usize = offset_of!(VmContext, instance_id);
    pub const CTX_STORE: usize = offset_of!(VmContext, store);
    pub const CTX_RUNTIME: usize = offset_of!(VmContext, runtime);
    pub const CTX_TAGS: usize = offset_of!(VmContext, tags);
}

#[cfg(test)]
mod tests {
    use super::offsets::*;
    use super::*;
    use std::mem::size_of;

    #[test]
    fn record_layouts_match_the_drawing() {
        assert_eq!(
            (MEMORY_BASE, MEMORY_LENGTH, size_of::<VmMemory>()),
            (0, 8, 16)
        );
        assert_eq!((TABLE_BASE, TABLE_LENGTH, size_of::<VmTable>()), (0, 8, 16));
        assert_eq!((GLOBAL_VALUE, size_of::<VmGlobal>()), (0, 8));
        assert_eq!(
            (
                FUNC_REF_CODE,
                FUNC_REF_VMCTX,
                FUNC_REF_TYPE_ID,
                FUNC_REF_ADDR,
                size_of::<VmFuncRef>()
            ),
            (0, 8, 16, 20, 24)
        );
    }

    #[test]
    fn context_layout_matches_the_drawing() {
        assert_eq!(
            (CTX_MEMORIES, CTX_TABLES, CTX_GLOBALS, CTX_FUNCS),
            (0, 8, 16, 24)
        );
        assert_eq!(
            (
                CTX_NUM_MEMORIES,
                CTX_NUM_TABLES,
                CTX_NUM_GLOBALS,
                CTX_NUM_FUNCS
            ),
            (32, 36, 40, 44)
        );
        assert_eq!(
            (
                CTX_INSTANCE_ID,
                CTX_STORE,
                CTX_RUNTIME,
                CTX_TAGS,
                size_of::<VmContext>()
            ),
            (48, 56, 64, 72, 80)
        );
    }

    #[test]
    fn context_points_at_its_arrays_and_survives_moves() {
        let mut vm = InstanceVm::new(3);
        let before = vm.ctx_addr();
        vm.set_arrays(VmArrays {
            memories: Box::new([0x10, 0x20]),
            tables: Box::new([0x30]),
            globals: Box::new([]),
            funcs: Box::new([0x40, 0x50]),
            tags: Box::new([7]),
        });
        let ctx = vm.ctx();
        assert_eq!(ctx.memories, vm.arrays().memories.as_ptr() as usize);
        assert_eq!(ctx.tags, vm.arrays().tags.as_ptr() as usize);
        assert_eq!(ctx.funcs, vm.arrays().funcs.as_ptr() as usize);
        assert_eq!(
            (
                ctx.num_memories,
                ctx.num_tables,
                ctx.num_globals,
                ctx.num_funcs
            ),
            (2, 1, 0, 2)
        );
        assert_eq!(ctx.instance_id, 3);
        assert_eq!(
            vm.ctx_addr(),
            before,
            "filling the arrays keeps the context"
        );
        let moved = Box::new(vm);
        assert_eq!(
            moved.ctx_addr(),
            before,
            "moving the owner keeps the context"
        );
    }
}
