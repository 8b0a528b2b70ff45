//! The store: arenas of every runtime object, addressed by small typed ids.
//!
//! ```text
//!   Store ─┬─ funcs:     [FuncInst]      FuncAddr(i)   (Wasm or host)
//!          ├─ memories:  [MemoryInst]    MemAddr(i)
//!          ├─ tables:    [TableInst]     TableAddr(i)  (raw reference slots)
//!          ├─ globals:   [GlobalInst]    GlobalAddr(i) (one raw slot each)
//!          ├─ tags:      [TagInst]       TagAddr(i)
//!          ├─ exns:      [ExnInst]       ExnAddr(i)    (thrown exception objects)
//!          └─ instances: [Instance]      InstanceId(i) (index spaces → addresses)
//! ```
//!
//! Files: `memory.rs`, `table.rs`, `global.rs` (the three mutable object
//! kinds), `alloc.rs` (host-side allocation), `const_eval.rs`,
//! `import_check.rs` and `instantiate.rs` (module instantiation),
//! `interrupt.rs` (fuel and the interrupt flag), `roots.rs` (what the store
//! holds, for the continuation collector).
//! Objects live as long as the store; nothing is freed before it.

mod alloc;
mod const_eval;
mod global;
mod import_check;
mod instantiate;
pub mod interrupt;
mod memory;
mod roots;
mod segments;
mod table;

pub use global::GlobalInst;
pub use instantiate::InstantiateError;
pub use interrupt::{InterruptChecks, InterruptHandle, Interruption};
pub use memory::{GUARD_BYTES, MemoryInst, WASM_PAGE_SIZE};
pub use table::TableInst;

use crate::module::Module;
use crate::trap::Trap;
use crate::types::{FuncType, TypeId, TypeRegistry};
use crate::value::Val;
use crate::vm::{InstanceVm, VmFuncRef};
use std::collections::HashMap;
use std::sync::Arc;

macro_rules! addr {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(transparent)]
        pub struct $name(pub u32);
    )*};
}

addr! {
    /// A function in [`Store::funcs`].
    FuncAddr;
    /// A memory in [`Store::memories`].
    MemAddr;
    /// A table in [`Store::tables`].
    TableAddr;
    /// A global in [`Store::globals`].
    GlobalAddr;
    /// A tag in [`Store::tags`].
    TagAddr;
    /// An exception object in [`Store::exns`].
    ExnAddr;
    /// An instance in [`Store::instances`].
    InstanceId;
}

/// A host function: gets its caller (the store, and the calling instance)
/// and the arguments, returns the results.
pub type HostFunc = Arc<dyn Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync>;

/// What a host function sees of its caller.
pub struct Caller<'a> {
    pub store: &'a mut Store,
    /// The instance of the Wasm frame that made the call; `None` when the
    /// host called the function directly.
    pub instance: Option<InstanceId>,
}

impl Caller<'_> {
    /// The calling instance's export `name`, if there is a calling instance
    /// and it exports that name.
    pub fn export(&self, name: &str) -> Option<crate::linker::Extern> {
        self.store.export(self.instance?, name)
    }
}

pub struct FuncInst {
    /// Canonical id of the function's type.
    pub ty: TypeId,
    pub sig: Arc<FuncType>,
    pub kind: FuncKind,
    /// The function's one record for compiled code (every instance that
    /// imports it points here, so installing code is seen by all of them).
    vm: Box<VmFuncRef>,
}

impl FuncInst {
    /// `vmctx`: address of the defining instance's context (0 for host functions).
    pub(crate) fn new(ty: TypeId, sig: Arc<FuncType>, kind: FuncKind, vmctx: usize) -> FuncInst {
        let vm = Box::new(VmFuncRef {
            code: 0,
            vmctx,
            type_id: ty.0,
            addr: 0,
        });
        FuncInst { ty, sig, kind, vm }
    }

    /// The record compiled code reads.
    pub fn vm(&self) -> &VmFuncRef {
        &self.vm
    }

    /// Tells the record the function's store address (`alloc::push_func`).
    pub(crate) fn set_addr(&mut self, addr: FuncAddr) {
        self.vm.addr = addr.0;
    }

    /// Installs (or, with 0, removes) the entry point of compiled code.
    pub fn set_code(&mut self, code: usize) {
        self.vm.code = code;
    }
}

pub enum FuncKind {
    /// Function `index` (module index space) of `instance`.
    Wasm {
        instance: InstanceId,
        index: u32,
    },
    Host(HostFunc),
}

pub struct TagInst {
    /// Canonical id of the tag's function type.
    pub ty: TypeId,
    pub sig: Arc<FuncType>,
}

/// A thrown exception: its tag and payload (raw slots typed by the tag's params).
pub struct ExnInst {
    pub tag: TagAddr,
    pub fields: Box<[u64]>,
}

/// An instance: the module's index spaces resolved to store addresses.
pub struct Instance {
    pub module: Arc<Module>,
    pub funcs: Vec<FuncAddr>,
    pub tables: Vec<TableAddr>,
    pub memories: Vec<MemAddr>,
    pub globals: Vec<GlobalAddr>,
    pub tags: Vec<TagAddr>,
    /// Element segments as raw reference slots; emptied by `elem.drop` (and
    /// after active/declared initialization).
    pub elems: Vec<Box<[u64]>>,
    /// Whether each data segment was dropped (`data.drop`, or active after init).
    pub data_dropped: Vec<bool>,
    pub exports: HashMap<String, crate::linker::Extern>,
    /// The records compiled code reads ([`crate::vm`]); the interpreter does
    /// not use them.
    pub vm: InstanceVm,
}

impl Instance {
    /// The bytes of data segment `index`, or an empty slice once dropped.
    pub fn data_segment(&self, index: u32) -> &[u8] {
        let i = index as usize;
        match (self.data_dropped.get(i), self.module.datas.get(i)) {
            (Some(false), Some(seg)) => self.module.bytes.get(seg.range.clone()).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The raw references of element segment `index` (empty once dropped).
    pub fn elem_segment(&self, index: u32) -> &[u64] {
        self.elems.get(index as usize).map_or(&[], |seg| seg)
    }
}

/// Resource limits a store enforces.
#[derive(Debug, Clone)]
pub struct StoreLimits {
    /// `memory.grow` beyond this many bytes fails (returns -1).
    pub max_memory_bytes: u64,
    /// `table.grow` beyond this many elements fails (returns -1).
    pub max_table_elems: u64,
    /// `cont.new` (and every other way to make a continuation) traps while
    /// this many continuations are live. The default leaves room under a
    /// lowered address-space limit ([`default_max_continuations`]).
    pub max_continuations: u64,
    /// Bytes of native stack that continuations of compiled code may have
    /// mapped at once (each stack's whole size counts, committed or not):
    /// making one more traps. No limit by default, unless under a lowered
    /// address-space limit ([`default_max_stack_memory`]).
    pub max_stack_memory: u64,
    /// 32-bit memories reserve their whole address range plus a guard
    /// region, so compiled code needs no bounds checks (see `memory.rs`);
    /// `false` makes every memory a movable allocation, and so does a
    /// build without the `native` feature, whatever this says.
    pub memory_guard_regions: bool,
    /// Fuel: function entries plus loop iterations the store may run
    /// (across calls) before it traps with "all fuel consumed". `None`:
    /// no fuel, and no fuel checks in code made for the store.
    pub fuel: Option<u64>,
    /// Code made for the store checks its interrupt flag
    /// ([`Store::interrupt_handle`]) at function entries and loop headers.
    pub interruptible: bool,
    /// Live continuations at which the first collection of unreachable
    /// ones starts, and the least the next may wait for (fibre's
    /// `table/collect.rs`); 0 collects at every `cont.new` (for tests).
    pub collection_minimum: usize,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits {
            max_memory_bytes: 4 << 30,
            max_table_elems: 10_000_000,
            max_continuations: default_max_continuations(),
            max_stack_memory: default_max_stack_memory(),
            memory_guard_regions: true,
            fuel: None,
            interruptible: false,
            collection_minimum: wasmfx_fibre::DEFAULT_COLLECTION_MINIMUM,
        }
    }
}

/// Bytes of address space a live continuation is reckoned to take, for
/// [`default_max_continuations`]: an interpreted one takes about 350 (its
/// record, value stack and frames), so this leaves the rest of its share
/// to everything else.
#[cfg(feature = "native")]
const CONTINUATION_BUDGET_BYTES: u64 = 2048;

/// The share of a lowered address-space limit (`ulimit -v`, RLIMIT_AS)
/// that each of the two kinds of continuation memory may take by default:
/// records and heap frames ([`default_max_continuations`]), and native
/// stacks ([`default_max_stack_memory`]; each maps 256 KiB, a hundred
/// times a heap continuation). The other half is for everything else:
/// memories, tables, compiled code (its arena alone reserves 256 MiB) and
/// the host. So running out is a trap that names its limit, before a
/// mapping or the allocator fails.
#[cfg(feature = "native")]
const SHARE_DIVISOR: u64 = 4;

/// No limit, unless the process runs under an address-space limit: then
/// as many as fit in a quarter of it at `CONTINUATION_BUDGET_BYTES`
/// each, past which making one traps ("too many live continuations"). The
/// limit is read (getrlimit) only with the `native` feature; without it,
/// no limit.
pub fn default_max_continuations() -> u64 {
    #[cfg(feature = "native")]
    if let Some(bytes) = wasmfx_fibre::address_space_limit() {
        return bytes / SHARE_DIVISOR / CONTINUATION_BUDGET_BYTES;
    }
    u64::MAX
}

/// No limit, unless the process runs under an address-space limit: then a
/// quarter of it, past which a continuation of compiled code that needs a
/// native stack traps ("continuation stacks over the limit"). Without the
/// `native` feature there are no native stacks: no limit.
pub fn default_max_stack_memory() -> u64 {
    #[cfg(feature = "native")]
    if let Some(bytes) = wasmfx_fibre::address_space_limit() {
        return bytes / SHARE_DIVISOR;
    }
    u64::MAX
}

pub struct Store {
    pub registry: Arc<TypeRegistry>,
    pub limits: StoreLimits,
    pub funcs: Vec<FuncInst>,
    pub memories: Vec<MemoryInst>,
    pub tables: Vec<TableInst>,
    pub globals: Vec<GlobalInst>,
    pub tags: Vec<TagInst>,
    pub exns: Vec<ExnInst>,
    pub instances: Vec<Instance>,
    /// The store's continuations, shared by both tiers: records, index
    /// handles (a contref's raw slot, see `value.rs`) and the stack chain.
    pub conts: wasmfx_fibre::ContTable,
    /// Fuel and the interrupt flag (`interrupt.rs`).
    pub interruption: Arc<Interruption>,
}

impl Store {
    /// Replaces the store's limits (before instantiating, typically: a
    /// memory or table already larger keeps its size).
    pub fn set_limits(&mut self, limits: StoreLimits) {
        let max = usize::try_from(limits.max_continuations).unwrap_or(usize::MAX);
        self.conts.set_max_live(max);
        self.interruption.set_fuel(limits.fuel.unwrap_or(u64::MAX));
        self.conts.set_collection_minimum(limits.collection_minimum);
        self.limits = limits;
    }

    /// The checks that code made for this store carries (set by its limits
    /// before the code is made).
    pub fn interrupt_checks(&self) -> InterruptChecks {
        InterruptChecks {
            fuel: self.limits.fuel.is_some(),
            flag: self.limits.interruptible,
        }
    }

    /// A handle that interrupts this store's code from any thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.interruption.clone())
    }

    /// An empty store with default [`StoreLimits`].
    pub fn new(registry: Arc<TypeRegistry>) -> Store {
        Store::with_limits(registry, StoreLimits::default())
    }

    /// An empty store with the given limits.
    pub fn with_limits(registry: Arc<TypeRegistry>, limits: StoreLimits) -> Store {
        crate::reserve::hold();
        let mut conts = wasmfx_fibre::ContTable::default();
        conts.set_max_live(usize::try_from(limits.max_continuations).unwrap_or(usize::MAX));
        conts.set_collection_minimum(limits.collection_minimum);
        let interruption = Arc::new(Interruption::default());
        interruption.set_fuel(limits.fuel.unwrap_or(u64::MAX));
        Store {
            registry,
            limits,
            funcs: Vec::new(),
            memories: Vec::new(),
            tables: Vec::new(),
            globals: Vec::new(),
            tags: Vec::new(),
            exns: Vec::new(),
            instances: Vec::new(),
            conts,
            interruption,
        }
    }

    /// Continuations of the store not yet released (fresh, suspended or
    /// running): one that returned, trapped or was consumed without running
    /// is released at once.
    pub fn live_continuations(&self) -> usize {
        self.conts.live()
    }

    // Accessors by address. Addresses come from this store, so indexing
    // cannot fail for them; an address from another store panics.

    pub fn func(&self, addr: FuncAddr) -> &FuncInst {
        &self.funcs[addr.0 as usize]
    }

    pub fn memory(&self, addr: MemAddr) -> &MemoryInst {
        &self.memories[addr.0 as usize]
    }

    pub fn memory_mut(&mut self, addr: MemAddr) -> &mut MemoryInst {
        &mut self.memories[addr.0 as usize]
    }

    pub fn table(&self, addr: TableAddr) -> &TableInst {
        &self.tables[addr.0 as usize]
    }

    pub fn table_mut(&mut self, addr: TableAddr) -> &mut TableInst {
        &mut self.tables[addr.0 as usize]
    }

    pub fn global(&self, addr: GlobalAddr) -> &GlobalInst {
        &self.globals[addr.0 as usize]
    }

    pub fn global_mut(&mut self, addr: GlobalAddr) -> &mut GlobalInst {
        &mut self.globals[addr.0 as usize]
    }

    pub fn tag(&self, addr: TagAddr) -> &TagInst {
        &self.tags[addr.0 as usize]
    }

    pub fn exn(&self, addr: ExnAddr) -> &ExnInst {
        &self.exns[addr.0 as usize]
    }

    pub fn instance(&self, id: InstanceId) -> &Instance {
        &self.instances[id.0 as usize]
    }
}
#[cfg(test)]
mod tests;
