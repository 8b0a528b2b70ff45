//! Bulk memory and table operations, growth and segment drops: thin
//! wrappers over the store's operations, with the calling instance's indices
//! mapped to store addresses.

use super::with_call;

pub(super) extern "C" fn memory_grow(vmctx: usize, mem: u32, delta: u64) -> u64 {
    with_call(vmctx, |call| match call.memory(mem) {
        Ok(addr) => call.store().memory_grow(addr, delta).unwrap_or(u64::MAX),
        Err(_) => u64::MAX,
    })
}

pub(super) extern "C" fn memory_fill(
    vmctx: usize,
    mem: u32,
    dst: u64,
    value: u32,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let r = call
            .memory(mem)
            .and_then(|addr| call.store().memory_mut(addr).fill(dst, value as u8, len));
        call.status(r)
    })
}

pub(super) extern "C" fn memory_copy(
    vmctx: usize,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let r = (|| {
            let (d, s) = (call.memory(dst_mem)?, call.memory(src_mem)?);
            call.store().memory_copy(d, dst, s, src, len)
        })();
        call.status(r)
    })
}

pub(super) extern "C" fn memory_init(
    vmctx: usize,
    mem: u32,
    seg: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        let r = call.store().memory_init(id, mem, seg, dst, src, len);
        call.status(r)
    })
}

pub(super) extern "C" fn data_drop(vmctx: usize, seg: u32) {
    with_call(vmctx, |call| {
        let id = call.instance;
        call.store().data_drop(id, seg);
    })
}

pub(super) extern "C" fn table_grow(vmctx: usize, table: u32, init: u64, delta: u64) -> u64 {
    with_call(vmctx, |call| match call.table(table) {
        Ok(addr) => call
            .store()
            .table_grow(addr, delta, init)
            .unwrap_or(u64::MAX),
        Err(_) => u64::MAX,
    })
}

pub(super) extern "C" fn table_fill(
    vmctx: usize,
    table: u32,
    dst: u64,
    value: u64,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let r = call
            .table(table)
            .and_then(|addr| call.store().table_mut(addr).fill(dst, value, len));
        call.status(r)
    })
}

pub(super) extern "C" fn table_copy(
    vmctx: usize,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let r = (|| {
            let (d, s) = (call.table(dst_table)?, call.table(src_table)?);
            call.store().table_copy(d, dst, s, src, len)
        })();
        call.status(r)
    })
}

pub(super) extern "C" fn table_init(
    vmctx: usize,
    table: u32,
    seg: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        let r = call.store().table_init(id, table, seg, dst, src, len);
        call.status(r)
    })
}

pub(super) extern "C" fn elem_drop(vmctx: usize, seg: u32) {
    with_call(vmctx, |call| {
        let id = call.instance;
        call.store().elem_drop(id, seg);
    })
}
