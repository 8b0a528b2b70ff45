//! Memory, table and segment operations on the store.
//!
//! Addresses and lengths arrive as raw slots: i32 operands are zero-extended,
//! so one `u64` path serves 32- and 64-bit memories and tables. The effective
//! address `addr + offset` is checked for overflow (memory64 offsets are u64).
//! Every bulk operation checks its whole range before writing anything.

use wasmfx_core::{InstanceId, Store, Trap, TrapCode};

/// Reads `N` bytes at `addr + offset` of memory `mem`.
#[inline(always)]
pub(super) fn load<const N: usize>(
    store: &Store,
    mem: u32,
    addr: u64,
    offset: u64,
) -> Result<[u8; N], TrapCode> {
    let ea = addr
        .checked_add(offset)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    store.memories[mem as usize].read::<N>(ea)
}

/// Writes `bytes` at `addr + offset` of memory `mem`.
#[inline(always)]
pub(super) fn store_bytes<const N: usize>(
    store: &mut Store,
    mem: u32,
    addr: u64,
    offset: u64,
    bytes: [u8; N],
) -> Result<(), TrapCode> {
    let ea = addr
        .checked_add(offset)
        .ok_or(TrapCode::MemoryOutOfBounds)?;
    store.memories[mem as usize].write(ea, &bytes)
}

/// `memory.grow`: the old size in pages, or -1 (as the memory's index type).
pub(super) fn memory_grow(store: &mut Store, mem: u32, delta: u64, is64: bool) -> u64 {
    let failed = if is64 { u64::MAX } else { u64::from(u32::MAX) };
    store
        .memory_grow(wasmfx_core::MemAddr(mem), delta)
        .unwrap_or(failed)
}

/// `table.grow`: the old size, or -1 (as the table's index type).
pub(super) fn table_grow(store: &mut Store, table: u32, init: u64, delta: u64, is64: bool) -> u64 {
    let failed = if is64 { u64::MAX } else { u64::from(u32::MAX) };
    store
        .table_grow(wasmfx_core::TableAddr(table), delta, init)
        .unwrap_or(failed)
}

/// `memory.init`: copies `len` bytes of data segment `seg` from `src` to `dst`.
pub(super) fn memory_init(
    store: &mut Store,
    instance: InstanceId,
    mem: u32,
    seg: u32,
    [dst, src, len]: [u64; 3],
) -> Result<(), Trap> {
    let data = store
        .instances
        .get(instance.0 as usize)
        .map_or(&[][..], |inst| inst.data_segment(seg));
    store.memories[mem as usize].init(dst, data, src, len)
}

/// `table.init`: copies `len` references of element segment `seg` from `src`
/// to `dst`.
pub(super) fn table_init(
    store: &mut Store,
    instance: InstanceId,
    table: u32,
    seg: u32,
    [dst, src, len]: [u64; 3],
) -> Result<(), Trap> {
    let elems = store
        .instances
        .get(instance.0 as usize)
        .map_or(&[][..], |inst| inst.elem_segment(seg));
    store.tables[table as usize].init(dst, elems, src, len)
}
