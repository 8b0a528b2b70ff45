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

use crate::module::{GlobalType, MemoryType, Module, TableType};
use crate::trap::Trap;
use crate::types::{FuncType, TypeId, TypeRegistry};
use crate::value::Val;
use std::collections::HashMap;
use std::sync::Arc;

macro_rules! addr {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

/// A host function: gets the store and the arguments, returns the results.
pub type HostFunc = Arc<dyn Fn(&mut Store, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync>;

pub struct FuncInst {
    /// Canonical id of the function's type.
    pub ty: TypeId,
    pub sig: Arc<FuncType>,
    pub kind: FuncKind,
}

pub enum FuncKind {
    /// Function `index` (module index space) of `instance`.
    Wasm { instance: InstanceId, index: u32 },
    Host(HostFunc),
}

pub struct MemoryInst {
    pub ty: MemoryType,
    pub data: Vec<u8>,
}

pub struct TableInst {
    pub ty: TableType,
    /// Raw reference slots (see `value.rs` for the encoding).
    pub elems: Vec<u64>,
}

pub struct GlobalInst {
    pub ty: GlobalType,
    /// The value as a raw slot.
    pub value: u64,
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
}

/// Resource limits a store enforces.
#[derive(Debug, Clone)]
pub struct StoreLimits {
    /// `memory.grow` beyond this many bytes fails (returns -1).
    pub max_memory_bytes: u64,
    /// `table.grow` beyond this many elements fails (returns -1).
    pub max_table_elems: u64,
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits { max_memory_bytes: 4 << 30, max_table_elems: 10_000_000 }
    }
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
}
