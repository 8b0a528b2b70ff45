//! The host entry: how Rust calls compiled code, and how a trap anywhere in
//! compiled code comes back to it.
//!
//! `wasmfx_jit_enter` saves the callee-saved registers and the stack pointer
//! in a [`JumpBuffer`], then calls the signature's array trampoline, which
//! reads the arguments from the value buffer, calls the function (Cranelift
//! `tail` convention) and writes the results back. A normal return gives 0.
//!
//! A trap raises a signal (SIGILL for `ud2`, SIGFPE for division) in a
//! compiled frame. The handler (`signals.rs`) rewrites the signal context so
//! that the thread resumes in `wasmfx_jit_unwind` with the buffer and the
//! trap code; it restores the saved registers and stack pointer and returns
//! the code from `wasmfx_jit_enter`, dropping every compiled frame at once
//! (they own nothing that needs dropping).
//!
//! ```text
//!   host stack (grows down)
//!   ┌──────────────────────────┐
//!   │ Jit::call (Rust)         │
//!   │ wasmfx_jit_enter         │ ◀── JumpBuffer.rsp points here (saved rbp below it)
//!   │ array trampoline (SysV)  │
//!   │ wasm f (tail cc)         │
//!   │ wasm g (tail cc)  ud2 ───┼── SIGILL ─▶ handler: rip := wasmfx_jit_unwind,
//!   └──────────────────────────┘             rdi := &JumpBuffer, rsi := trap code
//!   wasmfx_jit_unwind: restore rbx rbp r12-r15 rsp, pop rbp, ret ─▶ enter returns code
//! ```
//!
//! Activations nest (compiled code → host function → compiled code): each
//! entry pushes an [`Activation`] on a thread-local list, and a trap unwinds
//! to the innermost one only.

use crate::vmruntime::RuntimeState;
use std::cell::Cell;
use std::ffi::c_void;
use std::mem::MaybeUninit;
use std::ptr::NonNull;
use wasmfx_core::{Store, Trap};
use wasmfx_fibre::ContRecord;

/// Callee-saved registers of the x86-64 System V ABI and the stack pointer,
/// as `wasmfx_jit_enter` saved them.
#[repr(C)]
#[derive(Debug, Default)]
pub struct JumpBuffer {
    /// rbx, rbp, r12, r13, r14, r15, rsp.
    regs: [u64; 7],
}

/// Index of the saved stack pointer in [`JumpBuffer::regs`].
const SAVED_RSP: usize = 6;

std::arch::global_asm!(
    ".text",
    ".globl wasmfx_jit_enter",
    ".type wasmfx_jit_enter, @function",
    ".p2align 4",
    // (rdi: *mut JumpBuffer, rsi: trampoline, rdx: code, rcx: vmctx, r8: values) -> u64
    "wasmfx_jit_enter:",
    "push rbp",
    "mov rbp, rsp",
    "mov [rdi], rbx",
    "mov [rdi + 8], rbp",
    "mov [rdi + 16], r12",
    "mov [rdi + 24], r13",
    "mov [rdi + 32], r14",
    "mov [rdi + 40], r15",
    "mov [rdi + 48], rsp",
    "mov rax, rsi",
    "mov rdi, rdx",
    "mov rsi, rcx",
    "mov rdx, r8",
    "call rax",
    "xor eax, eax",
    "pop rbp",
    "ret",
    ".size wasmfx_jit_enter, . - wasmfx_jit_enter",
    "",
    ".globl wasmfx_jit_unwind",
    ".type wasmfx_jit_unwind, @function",
    ".p2align 4",
    // (rdi: *const JumpBuffer, rsi: code) -> returns `code` from wasmfx_jit_enter
    "wasmfx_jit_unwind:",
    "mov rbx, [rdi]",
    "mov rbp, [rdi + 8]",
    "mov r12, [rdi + 16]",
    "mov r13, [rdi + 24]",
    "mov r14, [rdi + 32]",
    "mov r15, [rdi + 40]",
    "mov rsp, [rdi + 48]",
    "mov rax, rsi",
    "pop rbp",
    "ret",
    ".size wasmfx_jit_unwind, . - wasmfx_jit_unwind",
);

unsafe extern "C" {
    fn wasmfx_jit_enter(
        buffer: *mut JumpBuffer,
        trampoline: usize,
        code: usize,
        vmctx: usize,
        values: *mut u64,
    ) -> u64;
    fn wasmfx_jit_unwind(buffer: *const JumpBuffer, code: u64);
}

/// Address of the unwind routine, for the signal handler.
pub(crate) fn unwind_routine() -> usize {
    wasmfx_jit_unwind as *const () as usize
}

/// Ends the innermost activation with the trap stored in it, from Rust code
/// running under it (as a trap in compiled code would): every frame above
/// its entry is dropped without running destructors.
///
/// # Safety
/// `act` must be the innermost activation, with a trap stored, and no
/// frame between here and its entry may own anything that needs dropping.
pub(crate) unsafe fn raise_stored(act: *mut Activation) -> ! {
    // SAFETY: the caller's promise; no compiled frame of ours is on the
    // running stack (Rust code raises this), only the resumers' below.
    unsafe { crate::backtrace::record_frames(act, None) };
    let code = u64::from(crate::traps::STORED_TRAP.as_raw().get());
    // SAFETY: the caller's promise; the jump buffer is the live entry's.
    unsafe { wasmfx_jit_unwind((&raw const (*act).jump).cast::<JumpBuffer>(), code) };
    // wasmfx_jit_unwind does not come back.
    std::process::abort()
}

/// What compiled code calls when a Wasm function has no compiled code: the
/// tier runs it (in the interpreter) and returns its results (a closure
/// will do; see `fallback.rs`).
pub type Fallback<'a> = dyn crate::fallback::FallbackTier + 'a;

/// One entry from the host into compiled code, on this thread.
pub(crate) struct Activation {
    /// Written by `wasmfx_jit_enter` before compiled code runs, read only
    /// under it (not zeroed first: that was 1% of an interp -> jit call).
    pub jump: MaybeUninit<JumpBuffer>,
    pub store: *mut Store,
    /// A `*mut &mut Fallback`, erased (the activation outlives no borrow: it
    /// is popped before `enter` returns).
    pub fallback: *mut c_void,
    pub state: *mut RuntimeState,
    /// The Jit whose `call` made this activation (for nested calls and
    /// installs from Rust code running under it: `with_active_jit`).
    pub jit: *mut crate::Jit,
    /// A trap a libcall stored before making compiled code trap with
    /// `STORED_TRAP`.
    pub trap: Option<Trap>,
    /// The innermost continuation record when the activation began (`None`:
    /// the host stack): a trap unwinds the records above it, and the
    /// backtrace walks only those.
    pub chain_mark: Option<NonNull<ContRecord>>,
    /// The lowest address of the stack the entry runs on (the chain mark's,
    /// or the thread's; 0 when unknown).
    pub stack_low: usize,
    prev: *mut Activation,
    /// Activations on the list up to and including this one.
    depth: usize,
}

impl Activation {
    /// Activations on the list up to and including this one.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The part of the entry's stack its frames may use: from the stack's
    /// low end to the stack pointer at the entry.
    pub fn entry_stack(&self) -> (usize, usize) {
        // SAFETY: an activation is read only while its entry runs compiled
        // code, which `wasmfx_jit_enter` started after filling the buffer.
        let jump = unsafe { self.jump.assume_init_ref() };
        (self.stack_low, jump.regs[SAVED_RSP] as usize)
    }
}

thread_local! {
    static CURRENT: Cell<*mut Activation> = const { Cell::new(std::ptr::null_mut()) };
}

/// The innermost activation of this thread (null outside compiled code).
#[inline]
pub(crate) fn current() -> *mut Activation {
    CURRENT.with(|c| c.get())
}

/// Makes `act` the innermost activation again (a resumer whose
/// continuation switched back to it).
#[inline]
pub(crate) fn set_current(act: *mut Activation) {
    CURRENT.with(|c| c.set(act));
}

/// Whether at least `n` activations are live on this thread (entries
/// nest when the interpreter, called back by compiled code, calls compiled
/// code again).
#[inline]
pub fn nested_at_least(n: usize) -> bool {
    depth() >= n
}

/// Activations on this thread's current list.
#[inline]
pub(crate) fn depth() -> usize {
    let act = current();
    if act.is_null() {
        return 0;
    }
    // SAFETY: the current activation is live (entry.rs keeps CURRENT
    // pointing at a live activation).
    unsafe { (*act).depth }
}

/// Makes `saved` the innermost activation again when it encloses the
/// current one (it is on the current one's list of outer activations);
/// leaves the current one otherwise (`saved` may be gone: only addresses
/// are compared).
pub(crate) fn restore_if_enclosing(saved: *mut Activation) {
    let mut act = current();
    while !act.is_null() {
        if act == saved {
            set_current(saved);
            return;
        }
        // SAFETY: activations on the current list are live.
        act = unsafe { (*act).prev };
    }
}

/// Whether this thread is already running compiled code.
#[inline]
pub(crate) fn is_nested() -> bool {
    !current().is_null()
}

/// Runs `code` (a compiled function of the trampoline's signature) with
/// `values` holding its arguments; on success they hold its results.
///
/// Returns 0, or the raw trap code that ended the call; a `STORED_TRAP` code
/// comes with the trap in the returned option.
///
/// # Safety
/// `trampoline` must be the array trampoline for `code`'s signature, `vmctx`
/// its instance's context (with `runtime` pointing at `state`'s record), and
/// `values` long enough for its parameters and results. `store` must be the
/// store every address in those records belongs to. `state` and `jit` must
/// stay valid, and be used by nothing but this activation's code, until
/// `enter` returns.
#[inline]
pub(crate) unsafe fn enter(
    store: &mut Store,
    state: *mut RuntimeState,
    jit: *mut crate::Jit,
    fallback: &mut Fallback<'_>,
    call: EntryCall,
    values: &mut [u64],
) -> (u64, Option<Trap>) {
    let mut fallback_ref: &mut Fallback<'_> = fallback;
    let here = &raw const fallback_ref as usize;
    // SAFETY: the chain mark is a live record on the chain.
    let mark_stack = call
        .chain_mark
        .map(|m| unsafe { m.as_ref().stack_bounds() });
    let stack_low = match mark_stack {
        Some((low, high)) if (low..high).contains(&here) => low,
        _ => crate::stack::thread_stack_low(),
    };
    let prev = current();
    // SAFETY: the current activation, if any, is live (see `depth`).
    let depth = if prev.is_null() {
        1
    } else {
        unsafe { (*prev).depth + 1 }
    };
    let mut activation = Activation {
        jump: MaybeUninit::uninit(),
        store,
        fallback: (&raw mut fallback_ref).cast(),
        state,
        jit,
        trap: None,
        chain_mark: call.chain_mark,
        stack_low,
        prev,
        depth,
    };
    let act: *mut Activation = &raw mut activation;
    CURRENT.with(|c| c.set(act));
    // SAFETY: the caller guarantees trampoline, code, vmctx and values match;
    // the jump buffer lives in `activation` until this call returns, and the
    // signal handler only resumes at `wasmfx_jit_unwind` with this buffer
    // while `CURRENT` points at it, for a trap in compiled code, which runs
    // only after `wasmfx_jit_enter` has filled the buffer (so do the
    // readers of `Activation::entry_stack` and `raise_stored`).
    let code = unsafe {
        wasmfx_jit_enter(
            (&raw mut (*act).jump).cast::<JumpBuffer>(),
            call.trampoline,
            call.code,
            call.vmctx,
            values.as_mut_ptr(),
        )
    };
    // SAFETY: `act` is still the live local above.
    let (prev, trap) = unsafe { ((*act).prev, (*act).trap.take()) };
    CURRENT.with(|c| c.set(prev));
    (code, trap)
}

/// The three addresses an entry needs, and the innermost continuation
/// record at the entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EntryCall {
    pub trampoline: usize,
    pub code: usize,
    pub vmctx: usize,
    pub chain_mark: Option<NonNull<ContRecord>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jump_buffer_matches_the_assembly() {
        // wasmfx_jit_enter/unwind use offsets 0, 8, ..., 48.
        assert_eq!((size_of::<JumpBuffer>(), align_of::<JumpBuffer>()), (56, 8));
    }

    #[test]
    fn no_activation_outside_compiled_code() {
        assert!(!is_nested());
    }
}
