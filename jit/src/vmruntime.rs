//! [`VmRuntime`]: the per-store record compiled code reads besides the
//! instance contexts. Every `VmContext::runtime` of a store's compiled
//! instances points at its one record.
//!
//! ```text
//!   VmContext +64 runtime ──▶ VmRuntime (64)
//!                             +0  stack_limit  lowest stack address compiled code may
//!                                              grow its frames to (prologue check)
//!                             +8  pending_exn  raw exnref of the exception being
//!                                              unwound (0 = none)
//!                             +16 func_refs ──▶ [*VmFuncRef; num_func_refs], by FuncAddr
//!                             +24 num_func_refs
//!                             +32 conts ──▶ fibre TableHeader (records, len)
//!                             +40 chain ──▶ fibre StackChain (innermost running record,
//!                                           epoch, mark)
//!                             +48 frame_key    what resume frames are marked with for the
//!                                              backtrace walk (backtrace.rs); renewed by
//!                                              every trap of this store's code
//!                             +56 interrupt ──▶ core's Interruption (fuel, interrupt flag),
//!                                              read by code made with checks
//! ```
//!
//! The chain's *mark*, the innermost continuation record when the running
//! host entry began (null: none), bounds what a suspend may capture: records above it on the
//! chain were attached under the running entry; the mark itself and those
//! below it run host frames of an outer entry, so a handler found there is
//! left to the runtime (which refuses it).
//!
//! `func_refs` turns a raw funcref (`FuncAddr + 1`) into its record for
//! `call_indirect` and `call_ref`. It is rebuilt whenever the store has
//! more functions than it lists: at every host entry and after every call
//! out of compiled code (the only places where functions can be created),
//! so every funcref compiled code holds is in it.
//!
//! The stack limit is memory, not a constant, so the runtime can change it
//! when it switches to another stack (fibres, with stack switching).
//!
//! A Jit has one record, boxed, and only its code reads it: code of
//! modules with continuation types takes the record's address and the
//! chain's as constants instead of loading them from the context
//! (`translate/mod.rs`, `RuntimeAddrs`), so no switch has to keep them.

use std::mem::offset_of;
use wasmfx_core::Store;
use wasmfx_core::vm::record_addr;

#[repr(C)]
#[derive(Debug, Default)]
pub struct VmRuntime {
    /// Frames below this address trap with "call stack exhausted".
    pub stack_limit: usize,
    /// The exception compiled frames are unwinding, as a raw exnref.
    pub pending_exn: u64,
    pub func_refs: usize,
    pub num_func_refs: u64,
    /// The continuation table's header.
    pub conts: usize,
    /// The continuation chain.
    pub chain: usize,
    /// The key of the resume frames' marks (`backtrace.rs`): per store,
    /// so that a trap on another thread leaves this store's marks alone.
    pub frame_key: u64,
    /// The store's fuel and interrupt flag (`wasmfx_core::store::interrupt`).
    pub interrupt: usize,
}

/// The record and the array it points at; boxed by the [`crate::Jit`] so
/// the address compiled code holds stays put.
#[derive(Debug)]
pub struct RuntimeState {
    pub vm: VmRuntime,
    func_refs: Vec<usize>,
    /// Continuations of compiled code.
    pub conts: crate::conts::Conts,
    /// Code addresses of the compiled frames active at the last trap.
    pub trap_frames: TrapFrames,
    /// The latest exception compiled code threw (raw exnref), the depth of
    /// the activation that threw it, and the code addresses of that
    /// activation's frames at its `throw`: its backtrace, should nothing
    /// catch it.
    pub throw_frames: (u64, usize, TrapFrames),
}

/// The most frames a backtrace of compiled code records.
pub const MAX_TRAP_FRAMES: usize = 256;

/// Code addresses of compiled frames, innermost first, filled by the
/// signal handler (so preallocated: it must not allocate).
#[derive(Debug)]
pub struct TrapFrames {
    pub pcs: [usize; MAX_TRAP_FRAMES],
    pub len: usize,
    /// The walk had more frames than room (set by the walk, cleared with
    /// `len`).
    pub truncated: bool,
}

impl Default for TrapFrames {
    fn default() -> Self {
        TrapFrames {
            pcs: [0; MAX_TRAP_FRAMES],
            len: 0,
            truncated: false,
        }
    }
}

impl TrapFrames {
    /// Appends `pc` while fewer than `limit` are recorded; else marks the
    /// frames truncated and returns false. Allocation-free (the signal
    /// handler calls it).
    pub fn push(&mut self, pc: usize, limit: usize) -> bool {
        if self.len >= limit.min(MAX_TRAP_FRAMES) {
            self.truncated = true;
            return false;
        }
        self.pcs[self.len] = pc;
        self.len += 1;
        true
    }

    /// The recorded addresses.
    pub fn recorded(&self) -> &[usize] {
        &self.pcs[..self.len.min(MAX_TRAP_FRAMES)]
    }
}

impl Default for RuntimeState {
    fn default() -> Self {
        let conts = crate::conts::Conts::default();
        RuntimeState {
            vm: VmRuntime {
                chain: conts.chain_addr(),
                frame_key: crate::backtrace::FIRST_FRAME_KEY,
                ..VmRuntime::default()
            },
            func_refs: Vec::new(),
            conts,
            trap_frames: TrapFrames::default(),
            throw_frames: (0, 0, TrapFrames::default()),
        }
    }
}

impl RuntimeState {
    /// Points compiled code and the runtime at the store's continuation
    /// table (`Store::conts`) for the call that begins.
    pub fn use_table(&mut self, table: &mut wasmfx_fibre::ContTable) {
        self.vm.conts = table.header() as usize;
        self.conts.use_table(table);
    }

    /// [`RuntimeState::use_table`] for `store`, and its interruption
    /// record for code with checks.
    pub fn use_store(&mut self, store: &mut Store) {
        self.use_table(&mut store.conts);
        self.vm.interrupt = store.interruption.addr();
    }

    /// Lists the records of functions the store gained since the last call.
    #[inline]
    pub fn sync_funcs(&mut self, store: &Store) {
        if self.func_refs.len() != store.funcs.len() {
            self.add_funcs(store);
        }
    }

    /// [`RuntimeState::sync_funcs`] when the store has new functions.
    #[cold]
    #[inline(never)]
    fn add_funcs(&mut self, store: &Store) {
        let known = self.func_refs.len();
        self.func_refs
            .extend(store.funcs[known..].iter().map(|f| record_addr(f.vm())));
        self.vm.func_refs = self.func_refs.as_ptr() as usize;
        self.vm.num_func_refs = self.func_refs.len() as u64;
    }

    /// Address of the record, as `VmContext::runtime` holds it.
    pub fn vm_addr(&self) -> usize {
        record_addr(&self.vm)
    }
}

pub const STACK_LIMIT: i32 = offset_of!(VmRuntime, stack_limit) as i32;
pub const PENDING_EXN: i32 = offset_of!(VmRuntime, pending_exn) as i32;
pub const FUNC_REFS: i32 = offset_of!(VmRuntime, func_refs) as i32;
pub const CONTS: i32 = offset_of!(VmRuntime, conts) as i32;
pub const CHAIN: i32 = offset_of!(VmRuntime, chain) as i32;
pub const FRAME_KEY: i32 = offset_of!(VmRuntime, frame_key) as i32;
pub const INTERRUPT: i32 = offset_of!(VmRuntime, interrupt) as i32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_drawing() {
        assert_eq!(
            (STACK_LIMIT, PENDING_EXN, FUNC_REFS, size_of::<VmRuntime>()),
            (0, 8, 16, 64)
        );
        assert_eq!((CONTS, CHAIN, FRAME_KEY, INTERRUPT), (32, 40, 48, 56));
    }

    #[test]
    fn the_table_header_is_reachable() {
        let mut table = wasmfx_fibre::ContTable::default();
        let mut state = RuntimeState::default();
        state.use_table(&mut table);
        assert_eq!(state.vm.conts, table.header() as usize);
        let moved = Box::new(state);
        let table = Box::new(table);
        assert_eq!(moved.vm.conts, table.header() as usize);
        assert_eq!(moved.vm.chain, moved.conts.chain_addr());
    }
}
