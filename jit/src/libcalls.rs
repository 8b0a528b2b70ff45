//! Runtime functions compiled code calls (System V convention, `vmctx`
//! first): calls out of compiled code, bulk memory and table operations,
//! and the exception runtime.
//!
//! Indices are the calling instance's (module index spaces); the libcall
//! maps them to store addresses. A libcall that can trap returns a status:
//! 0, or 1 after storing the trap in the running activation; compiled code
//! then traps with `STORED_TRAP` and the host entry picks the trap up.
//!
//! ```text
//!   compiled frame ── call libcall(vmctx, ...) ──▶ Rust: store, activation
//!        ◀── status ──  trapnz status, STORED_TRAP  ─▶ signal ─▶ host entry
//! ```

use crate::entry::{self, Activation, Fallback};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use wasmfx_core::store::Caller;
use wasmfx_core::vm::VmContext;
use wasmfx_core::{
    ExnAddr, FuncAddr, FuncKind, InstanceId, MemAddr, Store, TableAddr, Trap, TypeId, Val,
};

/// Every libcall: its symbol, address and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Libcall {
    CallFunc,
    CallAddr,
    IsSubtype,
    RefFunc,
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    DataDrop,
    TableGrow,
    TableFill,
    TableCopy,
    TableInit,
    ElemDrop,
    Throw,
    CatchMatches,
    TakeException,
}

impl Libcall {
    pub const ALL: [Libcall; 17] = [
        Libcall::CallFunc,
        Libcall::CallAddr,
        Libcall::IsSubtype,
        Libcall::RefFunc,
        Libcall::MemoryGrow,
        Libcall::MemoryFill,
        Libcall::MemoryCopy,
        Libcall::MemoryInit,
        Libcall::DataDrop,
        Libcall::TableGrow,
        Libcall::TableFill,
        Libcall::TableCopy,
        Libcall::TableInit,
        Libcall::ElemDrop,
        Libcall::Throw,
        Libcall::CatchMatches,
        Libcall::TakeException,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Libcall::CallFunc => "wasmfx_call_func",
            Libcall::CallAddr => "wasmfx_call_addr",
            Libcall::IsSubtype => "wasmfx_is_subtype",
            Libcall::RefFunc => "wasmfx_ref_func",
            Libcall::MemoryGrow => "wasmfx_memory_grow",
            Libcall::MemoryFill => "wasmfx_memory_fill",
            Libcall::MemoryCopy => "wasmfx_memory_copy",
            Libcall::MemoryInit => "wasmfx_memory_init",
            Libcall::DataDrop => "wasmfx_data_drop",
            Libcall::TableGrow => "wasmfx_table_grow",
            Libcall::TableFill => "wasmfx_table_fill",
            Libcall::TableCopy => "wasmfx_table_copy",
            Libcall::TableInit => "wasmfx_table_init",
            Libcall::ElemDrop => "wasmfx_elem_drop",
            Libcall::Throw => "wasmfx_throw",
            Libcall::CatchMatches => "wasmfx_catch_matches",
            Libcall::TakeException => "wasmfx_take_exception",
        }
    }

    pub fn address(self) -> *const u8 {
        let f: usize = match self {
            Libcall::CallFunc => call_func as *const () as usize,
            Libcall::CallAddr => call_addr as *const () as usize,
            Libcall::IsSubtype => is_subtype as *const () as usize,
            Libcall::RefFunc => ref_func as *const () as usize,
            Libcall::MemoryGrow => memory_grow as *const () as usize,
            Libcall::MemoryFill => memory_fill as *const () as usize,
            Libcall::MemoryCopy => memory_copy as *const () as usize,
            Libcall::MemoryInit => memory_init as *const () as usize,
            Libcall::DataDrop => data_drop as *const () as usize,
            Libcall::TableGrow => table_grow as *const () as usize,
            Libcall::TableFill => table_fill as *const () as usize,
            Libcall::TableCopy => table_copy as *const () as usize,
            Libcall::TableInit => table_init as *const () as usize,
            Libcall::ElemDrop => elem_drop as *const () as usize,
            Libcall::Throw => throw as *const () as usize,
            Libcall::CatchMatches => catch_matches as *const () as usize,
            Libcall::TakeException => take_exception as *const () as usize,
        };
        f as *const u8
    }

    /// Parameter types after `vmctx`, and the result type.
    fn shape(self) -> (&'static [Type], Option<Type>) {
        match self {
            Libcall::CallFunc | Libcall::CallAddr => (&[I32, I64], Some(I32)),
            Libcall::IsSubtype => (&[I32, I32], Some(I32)),
            Libcall::RefFunc => (&[I32], Some(I64)),
            Libcall::MemoryGrow => (&[I32, I64], Some(I64)),
            Libcall::MemoryFill => (&[I32, I64, I32, I64], Some(I32)),
            Libcall::MemoryCopy | Libcall::MemoryInit | Libcall::TableCopy | Libcall::TableInit => {
                (&[I32, I32, I64, I64, I64], Some(I32))
            }
            Libcall::DataDrop | Libcall::ElemDrop => (&[I32], None),
            Libcall::TableGrow => (&[I32, I64, I64], Some(I64)),
            Libcall::TableFill => (&[I32, I64, I64, I64], Some(I32)),
            Libcall::Throw => (&[I32, I64], None),
            Libcall::CatchMatches => (&[I32], Some(I32)),
            Libcall::TakeException => (&[I64], Some(I64)),
        }
    }

    pub fn signature(self) -> Signature {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(I64));
        let (params, result) = self.shape();
        sig.params.extend(params.iter().map(|&t| AbiParam::new(t)));
        sig.returns.extend(result.map(AbiParam::new));
        sig
    }
}

/// The running activation, the store and the calling instance.
struct Call<'a> {
    act: &'a mut Activation,
    instance: InstanceId,
}

impl Call<'_> {
    fn store(&mut self) -> &mut Store {
        // SAFETY: the activation's store is the `&mut Store` its entry
        // borrowed for the whole activation; compiled code (our caller) does
        // not touch it while a libcall runs.
        unsafe { &mut *self.act.store }
    }

    /// Store address of the instance's memory `index`.
    fn memory(&mut self, index: u32) -> Result<MemAddr, Trap> {
        let id = self.instance;
        self.store().instances[id.0 as usize]
            .memories
            .get(index as usize)
            .copied()
            .ok_or_else(|| missing("memory", index))
    }

    fn table(&mut self, index: u32) -> Result<TableAddr, Trap> {
        let id = self.instance;
        self.store().instances[id.0 as usize]
            .tables
            .get(index as usize)
            .copied()
            .ok_or_else(|| missing("table", index))
    }

    /// 0, or 1 with the trap stored for the entry.
    fn status(&mut self, result: Result<(), Trap>) -> u32 {
        match result {
            Ok(()) => 0,
            Err(trap) => {
                self.act.trap = Some(trap);
                1
            }
        }
    }

    fn set_pending(&mut self, raw_exn: u64) {
        // SAFETY: the activation's state is the Jit's boxed runtime state,
        // alive for the whole activation.
        unsafe { (*self.act.state).vm.pending_exn = raw_exn };
    }

    fn pending(&mut self) -> u64 {
        // SAFETY: as in `set_pending`.
        unsafe { (*self.act.state).vm.pending_exn }
    }
}

fn missing(what: &str, index: u32) -> Trap {
    Trap::Host(format!("instance has no {what} {index}"))
}

/// Runs `f` with the current activation and the instance of `vmctx`.
fn with_call<R>(vmctx: usize, f: impl FnOnce(&mut Call<'_>) -> R) -> R {
    // SAFETY: libcalls run only from compiled code, inside an activation
    // (entry.rs sets CURRENT before entering and clears it after); `vmctx`
    // is the caller's live context.
    let (act, instance) = unsafe {
        (
            &mut *entry::current(),
            (*(vmctx as *const VmContext)).instance_id,
        )
    };
    f(&mut Call {
        act,
        instance: InstanceId(instance),
    })
}

extern "C" fn call_func(vmctx: usize, index: u32, values: *mut u64) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        match call.store().instances[id.0 as usize]
            .funcs
            .get(index as usize)
            .copied()
        {
            Some(func) => call_out(call, func, values),
            None => call.status(Err(missing("function", index))),
        }
    })
}

extern "C" fn call_addr(vmctx: usize, func: u32, values: *mut u64) -> u32 {
    with_call(vmctx, |call| call_out(call, FuncAddr(func), values))
}

/// Calls a host function, or a Wasm function without compiled code through
/// the tier's fallback, with arguments in `values`; writes the results there.
/// An exception it raises becomes the pending exception.
fn call_out(call: &mut Call<'_>, func: FuncAddr, values: *mut u64) -> u32 {
    let Some(inst) = call.store().funcs.get(func.0 as usize) else {
        return call.status(Err(Trap::Host(format!(
            "no function at address {}",
            func.0
        ))));
    };
    let sig = inst.sig.clone();
    let host = match &inst.kind {
        FuncKind::Host(h) => Some(h.clone()),
        FuncKind::Wasm { .. } => None,
    };
    let slots = sig.params.len().max(sig.results.len());
    // SAFETY: compiled code passes a buffer of max(params, results) slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, slots) };
    let args: Option<Vec<Val>> = values
        .iter()
        .zip(sig.params.iter())
        .map(|(&raw, &ty)| Val::from_raw(raw, ty))
        .collect();
    let Some(args) = args else {
        return call.status(Err(Trap::Host("unsupported value type: v128".into())));
    };
    // A panic must not cross this `extern "C"` frame (that aborts): it
    // becomes a trap.
    let run = std::panic::AssertUnwindSafe(|| match host {
        Some(host) => {
            let instance = Some(call.instance);
            host(
                &mut Caller {
                    store: call.store(),
                    instance,
                },
                &args,
            )
        }
        None => {
            let fallback = call.act.fallback.cast::<&mut Fallback<'_>>();
            // SAFETY: `fallback` points at the `&mut Fallback` that `enter`
            // keeps alive for the activation.
            let fallback = unsafe { &mut **fallback };
            // SAFETY: as in `Call::store`.
            fallback(unsafe { &mut *call.act.store }, func, &args)
        }
    });
    let result = std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err(Trap::Host(format!("function {} panicked", func.0))));
    // SAFETY: as in `Call::set_pending`.
    unsafe { (*call.act.state).sync_funcs(&*call.act.store) };
    match result {
        Ok(results) if results.len() == sig.results.len() => {
            for (slot, val) in values.iter_mut().zip(&results) {
                match val.to_raw() {
                    Some(raw) => *slot = raw,
                    None => {
                        return call.status(Err(Trap::Host("unsupported value type: v128".into())));
                    }
                }
            }
            0
        }
        Ok(results) => call.status(Err(Trap::Host(format!(
            "host function returned {} values, expected {}",
            results.len(),
            sig.results.len()
        )))),
        Err(Trap::UncaughtException(exn)) => {
            call.set_pending(u64::from(exn.0) + 1);
            0
        }
        Err(trap) => call.status(Err(trap)),
    }
}

extern "C" fn is_subtype(vmctx: usize, actual: u32, expected: u32) -> u32 {
    with_call(vmctx, |call| {
        u32::from(
            call.store()
                .registry
                .is_subtype(TypeId(actual), TypeId(expected)),
        )
    })
}

extern "C" fn ref_func(vmctx: usize, index: u32) -> u64 {
    with_call(vmctx, |call| {
        let id = call.instance;
        call.store().instances[id.0 as usize]
            .funcs
            .get(index as usize)
            .map_or(0, |f| u64::from(f.0) + 1)
    })
}

extern "C" fn memory_grow(vmctx: usize, mem: u32, delta: u64) -> u64 {
    with_call(vmctx, |call| match call.memory(mem) {
        Ok(addr) => call.store().memory_grow(addr, delta).unwrap_or(u64::MAX),
        Err(_) => u64::MAX,
    })
}

extern "C" fn memory_fill(vmctx: usize, mem: u32, dst: u64, value: u32, len: u64) -> u32 {
    with_call(vmctx, |call| {
        let r = call
            .memory(mem)
            .and_then(|addr| call.store().memory_mut(addr).fill(dst, value as u8, len));
        call.status(r)
    })
}

extern "C" fn memory_copy(
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

extern "C" fn memory_init(vmctx: usize, mem: u32, seg: u32, dst: u64, src: u64, len: u64) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        let r = call.store().memory_init(id, mem, seg, dst, src, len);
        call.status(r)
    })
}

extern "C" fn data_drop(vmctx: usize, seg: u32) {
    with_call(vmctx, |call| {
        let id = call.instance;
        call.store().data_drop(id, seg);
    })
}

extern "C" fn table_grow(vmctx: usize, table: u32, init: u64, delta: u64) -> u64 {
    with_call(vmctx, |call| match call.table(table) {
        Ok(addr) => call
            .store()
            .table_grow(addr, delta, init)
            .unwrap_or(u64::MAX),
        Err(_) => u64::MAX,
    })
}

extern "C" fn table_fill(vmctx: usize, table: u32, dst: u64, value: u64, len: u64) -> u32 {
    with_call(vmctx, |call| {
        let r = call
            .table(table)
            .and_then(|addr| call.store().table_mut(addr).fill(dst, value, len));
        call.status(r)
    })
}

extern "C" fn table_copy(
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

extern "C" fn table_init(vmctx: usize, table: u32, seg: u32, dst: u64, src: u64, len: u64) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        let r = call.store().table_init(id, table, seg, dst, src, len);
        call.status(r)
    })
}

extern "C" fn elem_drop(vmctx: usize, seg: u32) {
    with_call(vmctx, |call| {
        let id = call.instance;
        call.store().elem_drop(id, seg);
    })
}

/// `throw $tag`: allocates the exception from the payload in `values` and
/// makes it pending.
extern "C" fn throw(vmctx: usize, tag: u32, values: *const u64) {
    with_call(vmctx, |call| {
        let id = call.instance;
        let store = call.store();
        let Some(&tag_addr) = store.instances[id.0 as usize].tags.get(tag as usize) else {
            return;
        };
        let n = store.tag(tag_addr).sig.params.len();
        // SAFETY: compiled code passes a buffer holding the tag's n params.
        let fields: Box<[u64]> = unsafe { std::slice::from_raw_parts(values, n) }.into();
        let exn = store.alloc_exn(tag_addr, fields);
        call.set_pending(u64::from(exn.0) + 1);
    })
}

/// Whether the pending exception's tag is the instance's tag `tag`.
extern "C" fn catch_matches(vmctx: usize, tag: u32) -> u32 {
    with_call(vmctx, |call| {
        let id = call.instance;
        let raw = call.pending();
        let store = call.store();
        let Some(&tag_addr) = store.instances[id.0 as usize].tags.get(tag as usize) else {
            return 0;
        };
        match raw.checked_sub(1).and_then(|i| store.exns.get(i as usize)) {
            Some(exn) => u32::from(exn.tag == tag_addr),
            None => 0,
        }
    })
}

/// Clears the pending exception, copies its payload into `values` and
/// returns it (raw exnref).
extern "C" fn take_exception(vmctx: usize, values: *mut u64) -> u64 {
    with_call(vmctx, |call| {
        let raw = call.pending();
        call.set_pending(0);
        if let Some(exn) = raw
            .checked_sub(1)
            .and_then(|i| call.store().exns.get(i as usize))
        {
            // SAFETY: compiled code passes a buffer for the caught tag's
            // params, which are this exception's fields.
            let out = unsafe { std::slice::from_raw_parts_mut(values, exn.fields.len()) };
            out.copy_from_slice(&exn.fields);
        }
        raw
    })
}

/// Turns a raw pending exnref left at the host entry into its trap.
pub(crate) fn uncaught(raw: u64) -> Trap {
    Trap::UncaughtException(ExnAddr(raw.saturating_sub(1) as u32))
}
