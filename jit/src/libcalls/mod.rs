//! Runtime functions compiled code calls (System V convention, `vmctx`
//! first): calls out of compiled code, bulk memory and table operations,
//! the exception runtime and stack switching.
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
//!
//! Files: this one holds the table of libcalls (symbol, address,
//! signature) and the access to the activation; `calls.rs`, `bulk.rs`,
//! `exceptions.rs`, `conts.rs`, `suspend.rs` and `interrupt.rs` hold the
//! functions; `collect.rs` is compiled code's continuation collector.

mod bulk;
mod calls;
mod collect;
mod conts;
mod exceptions;
mod host_resume;
mod in_place;
mod interrupt;
mod mixed;
mod start;
mod suspend;

pub(crate) use exceptions::uncaught;
pub use host_resume::{HostOutcome, HostResumption};
pub(crate) use in_place::STACK_DEAR;

/// The most resumes of native continuations that may be nested (counted
/// by the chain's prompt depths, fibre's `chain.rs`); one more traps "call
/// stack exhausted", as the interpreter's nested resumes do past its call
/// depth limit (the same number). Each costs a native stack, so this also
/// bounds what a nest of them takes: at about 8 KiB of stack each that is
/// under a gigabyte.
pub const MAX_RESUME_DEPTH: u32 = 100_000;

/// Refuses a resume nested past [`MAX_RESUME_DEPTH`].
///
/// # Errors
/// [`Trap::CallStackExhausted`].
pub(super) fn check_depth(conts: &crate::conts::Conts) -> Result<(), Trap> {
    match conts.chain.next_depth() > MAX_RESUME_DEPTH {
        true => Err(Trap::CallStackExhausted),
        false => Ok(()),
    }
}

use crate::entry::{self, Activation};
use bulk::*;
use calls::*;
use conts::*;
pub(crate) use conts::{RESUME_THROW_REF, RESUME_THROW_TAG, RESUME_VALUES, STATUS_SUSPENDED};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{AbiParam, Signature, Type};
use cranelift_codegen::isa::CallConv;
use exceptions::*;
use interrupt::interrupt;
pub(crate) use start::run_fibre_entry;
use suspend::*;
use wasmfx_core::vm::VmContext;
use wasmfx_core::{InstanceId, MemAddr, Store, TableAddr, Trap};

crate::backtrace::framed_libcall!(wasmfx_resume_framed, conts::resume);
// Calls out may hand frames back to compiled code (`mixed.rs`): a walk
// past those goes on at the caller.
crate::backtrace::framed_libcall!(wasmfx_call_addr_framed, calls::call_addr);
// A throw records where it happened, for the backtrace of an exception
// that nothing catches.
crate::backtrace::located_libcall!(wasmfx_throw_located, exceptions::throw);

/// Every libcall: its symbol, address and signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Libcall {
    CallAddr,
    IsSubtype,
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
    ContNew,
    ContBind,
    Resume,
    Suspend,
    Switch,
    ContHandle,
    ContRelease,
    ContStack,
    Interrupt,
}

impl Libcall {
    pub const ALL: [Libcall; 24] = [
        Libcall::CallAddr,
        Libcall::IsSubtype,
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
        Libcall::ContNew,
        Libcall::ContBind,
        Libcall::Resume,
        Libcall::Suspend,
        Libcall::Switch,
        Libcall::ContHandle,
        Libcall::ContRelease,
        Libcall::ContStack,
        Libcall::Interrupt,
    ];

    pub fn symbol(self) -> &'static str {
        match self {
            Libcall::CallAddr => "wasmfx_call_addr",
            Libcall::IsSubtype => "wasmfx_is_subtype",
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
            Libcall::ContNew => "wasmfx_cont_new",
            Libcall::ContBind => "wasmfx_cont_bind",
            Libcall::Resume => "wasmfx_resume",
            Libcall::Suspend => "wasmfx_suspend",
            Libcall::Switch => "wasmfx_switch",
            Libcall::ContHandle => "wasmfx_cont_handle",
            Libcall::ContRelease => "wasmfx_cont_release",
            Libcall::ContStack => "wasmfx_cont_stack",
            Libcall::Interrupt => "wasmfx_interrupt",
        }
    }

    pub fn address(self) -> *const u8 {
        let f: usize = match self {
            Libcall::CallAddr => wasmfx_call_addr_framed as *const () as usize,
            Libcall::IsSubtype => is_subtype as *const () as usize,
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
            Libcall::Throw => wasmfx_throw_located as *const () as usize,
            Libcall::CatchMatches => catch_matches as *const () as usize,
            Libcall::TakeException => take_exception as *const () as usize,
            Libcall::ContNew => cont_new as *const () as usize,
            Libcall::ContBind => cont_bind as *const () as usize,
            // Through a shim that marks the resumer's frame for backtraces.
            Libcall::Resume => wasmfx_resume_framed as *const () as usize,
            Libcall::Suspend => suspend as *const () as usize,
            Libcall::Switch => switch_to as *const () as usize,
            Libcall::ContHandle => cont_handle as *const () as usize,
            Libcall::ContRelease => cont_release as *const () as usize,
            Libcall::ContStack => cont_stack as *const () as usize,
            Libcall::Interrupt => interrupt as *const () as usize,
        };
        f as *const u8
    }

    /// Parameter types after `vmctx`, and the result type.
    fn shape(self) -> (&'static [Type], Option<Type>) {
        match self {
            Libcall::CallAddr => (&[I32, I64], Some(I32)),
            Libcall::IsSubtype => (&[I32, I32], Some(I32)),
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
            Libcall::ContNew => (&[I64], Some(I64)),
            Libcall::ContBind => (&[I64, I64, I32], Some(I64)),
            Libcall::Resume => (&[I64, I64, I64, I32, I32], Some(I32)),
            Libcall::Suspend => (&[I64, I64, I32], Some(I32)),
            Libcall::Switch => (&[I64, I64, I64, I32], Some(I32)),
            Libcall::ContHandle => (&[I64], Some(I64)),
            Libcall::ContRelease => (&[I64], None),
            Libcall::ContStack => (&[I64], Some(I32)),
            Libcall::Interrupt => (&[], Some(I32)),
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
pub(super) struct Call<'a> {
    pub act: &'a mut Activation,
    pub instance: InstanceId,
}

impl Call<'_> {
    pub fn store(&mut self) -> &mut Store {
        // SAFETY: the activation's store is the `&mut Store` its entry
        // borrowed for the whole activation; compiled code (our caller) does
        // not touch it while a libcall runs.
        unsafe { &mut *self.act.store }
    }

    /// Store address of the instance's memory `index`.
    pub fn memory(&mut self, index: u32) -> Result<MemAddr, Trap> {
        let id = self.instance;
        self.store().instances[id.0 as usize]
            .memories
            .get(index as usize)
            .copied()
            .ok_or_else(|| missing("memory", index))
    }

    pub fn table(&mut self, index: u32) -> Result<TableAddr, Trap> {
        let id = self.instance;
        self.store().instances[id.0 as usize]
            .tables
            .get(index as usize)
            .copied()
            .ok_or_else(|| missing("table", index))
    }

    /// 0, or 1 with the trap stored for the entry.
    pub fn status(&mut self, result: Result<(), Trap>) -> u32 {
        match result {
            Ok(()) => 0,
            Err(trap) => {
                self.act.trap = Some(trap);
                1
            }
        }
    }

    pub fn set_pending(&mut self, raw_exn: u64) {
        // SAFETY: the activation's state is the Jit's boxed runtime state,
        // alive for the whole activation.
        unsafe { (*self.act.state).vm.pending_exn = raw_exn };
    }

    pub fn pending(&mut self) -> u64 {
        // SAFETY: as in `set_pending`.
        unsafe { (*self.act.state).vm.pending_exn }
    }
}

pub(super) fn missing(what: &str, index: u32) -> Trap {
    Trap::Host(format!("instance has no {what} {index}"))
}

/// Runs `f` with the current activation and the instance of `vmctx`.
pub(super) fn with_call<R>(vmctx: usize, f: impl FnOnce(&mut Call<'_>) -> R) -> R {
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
