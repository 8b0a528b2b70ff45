//! Host-side allocation: objects created by the embedder (host functions,
//! the `spectest` module, exceptions thrown by the tiers) rather than by
//! instantiating a module.

use super::{
    ExnAddr, ExnInst, FuncAddr, FuncInst, FuncKind, GlobalAddr, GlobalInst, HostFunc, MemAddr,
    MemoryInst, Store, TableAddr, TableInst, TagAddr, TagInst,
};
use crate::module::{GlobalType, MemoryType, TableType};
use crate::trap::Trap;
use crate::types::{FuncType, TypeId};
use crate::value::Val;
use std::sync::Arc;

impl Store {
    /// Adds a host function of type `ty`; the type is registered as a
    /// singleton recursion group, so it matches equal module-declared types.
    pub fn alloc_host_func(&mut self, ty: FuncType, f: HostFunc) -> FuncAddr {
        let id = self.registry.register_func_type(&ty);
        let sig = self.registry.func_type(id).unwrap_or_else(|| Arc::new(ty));
        let func = FuncInst::new(id, sig, FuncKind::Host(f), 0);
        push_func(&mut self.funcs, func)
    }

    /// Adds a memory of `ty.limits.min` zeroed pages.
    ///
    /// # Errors
    /// A [`Trap::ResourceLimit`] if the size is beyond the index range or
    /// the store's limits, or the host has not that much memory.
    pub fn alloc_memory(&mut self, ty: MemoryType) -> Result<MemAddr, Trap> {
        let pages = ty.limits.min;
        let bytes = pages.saturating_mul(crate::store::memory::WASM_PAGE_SIZE);
        let mem = MemoryInst::new(ty, &self.limits).ok_or_else(|| {
            Trap::ResourceLimit(match bytes > self.limits.max_memory_bytes {
                true => format!(
                    "a memory of {pages} pages ({bytes} bytes) is over the limit of {} bytes \
                     (-W max-memory-size)",
                    self.limits.max_memory_bytes
                ),
                false => format!(
                    "out of memory: cannot allocate a memory of {pages} pages ({bytes} bytes)"
                ),
            })
        })?;
        Ok(push(&mut self.memories, mem, MemAddr))
    }

    /// Adds a table of `ty.limits.min` slots, each the raw reference `init`.
    ///
    /// # Errors
    /// A [`Trap::ResourceLimit`] if the size is beyond the index range or
    /// the store's limits, or the host has not that much memory.
    pub fn alloc_table(&mut self, ty: TableType, init: u64) -> Result<TableAddr, Trap> {
        let elems = ty.limits.min;
        let table = TableInst::new(ty, init, &self.limits).ok_or_else(|| {
            Trap::ResourceLimit(match elems > self.limits.max_table_elems {
                true => format!(
                    "a table of {elems} elements is over the limit of {} \
                     (-W max-table-elements)",
                    self.limits.max_table_elems
                ),
                false => format!("out of memory: cannot allocate a table of {elems} elements"),
            })
        })?;
        Ok(push(&mut self.tables, table, TableAddr))
    }

    /// Adds a global holding `value`.
    ///
    /// # Errors
    /// A [`Trap::Host`] for a `v128` value (no raw slot form yet).
    pub fn alloc_global(&mut self, ty: GlobalType, value: Val) -> Result<GlobalAddr, Trap> {
        let raw = value
            .to_raw()
            .ok_or_else(|| Trap::Host("v128 globals are not supported".into()))?;
        Ok(self.alloc_global_raw(ty, raw))
    }

    /// Adds a global holding the raw slot `raw`.
    pub fn alloc_global_raw(&mut self, ty: GlobalType, raw: u64) -> GlobalAddr {
        push(&mut self.globals, GlobalInst::new(ty, raw), GlobalAddr)
    }

    /// Adds a tag of function type `ty` (registered like a host function's).
    pub fn alloc_tag(&mut self, ty: FuncType) -> TagAddr {
        let id = self.registry.register_func_type(&ty);
        self.alloc_tag_with_id(id, Arc::new(ty))
    }

    pub(super) fn alloc_tag_with_id(&mut self, ty: TypeId, sig: Arc<FuncType>) -> TagAddr {
        push(&mut self.tags, TagInst { ty, sig }, TagAddr)
    }

    /// Records a thrown exception: its tag and payload (raw slots).
    /// Exception objects live as long as the store.
    pub fn alloc_exn(&mut self, tag: TagAddr, fields: Box<[u64]>) -> ExnAddr {
        push(&mut self.exns, ExnInst { tag, fields }, ExnAddr)
    }
}

/// Appends to an arena and returns the new object's address.
///
/// # Panics
/// When an arena outgrows 32-bit addresses (4 billion objects), like a `Vec`
/// that outgrows memory.
/// [`push`] for a function, whose record learns its address.
pub(super) fn push_func(funcs: &mut Vec<FuncInst>, func: FuncInst) -> FuncAddr {
    let addr = push(funcs, func, FuncAddr);
    if let Some(func) = funcs.last_mut() {
        func.set_addr(addr);
    }
    addr
}

pub(super) fn push<T, A>(arena: &mut Vec<T>, item: T, addr: fn(u32) -> A) -> A {
    let index = match u32::try_from(arena.len()) {
        Ok(index) => index,
        Err(_) => panic!("store arena exhausted its 32-bit addresses"),
    };
    arena.push(item);
    addr(index)
}
