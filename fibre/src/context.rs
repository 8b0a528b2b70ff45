//! [`Context`]: a suspended point of execution on a native stack, and
//! [`switch`], the Rust-side routine that switches between two of them.
//!
//! ```text
//!   Context (24 bytes, Cranelift's `stack_switch` layout)
//!   +0  sp   stack pointer to restore
//!   +8  fp   frame pointer to restore
//!   +16 ip   address to jump to
//! ```
//!
//! # Protocol (shared with compiled code)
//! A switch `(store_ctx, load_ctx, payload)` reads `load_ctx`, then saves the
//! running point into `store_ctx`, loads the read sp and fp and jumps to the
//! read ip with the payload in RDI. Reading before saving lets both be the
//! same context: a continuation record keeps one context that holds its own
//! resume point while it is suspended and its resumer's while it runs, so
//! resume and suspend are both "switch through that one context". A context
//! is resumable once.
//!
//! Whoever arrives at a saved point finds the payload in RDI and every other
//! register clobbered. Cranelift's `stack_switch` tells its register
//! allocator so (nothing survives the instruction in a register). The Rust
//! routine is an ordinary `extern "C"` call instead, so it keeps the System V
//! contract itself: it pushes the callee-saved registers (rbx, r12-r15) on
//! the stack it leaves, saves rbp in the context, and pops them when control
//! comes back. Compiled code may therefore switch into a point the Rust
//! routine saved, and the Rust routine into a point compiled code saved.
//!
//! ```text
//!   stack being left, after the routine's pushes     saved context
//!   ┌────────────────────┐
//!   │ return address     │ ◀── pushed by the call
//!   │ rbx r12 r13 r14 r15│
//!   └────────────────────┘ ◀── sp ─────────────────▶ {sp, fp: rbp, ip: resumed label}
//! ```
//!
//! The way back pops the registers and then the return address, and leaves
//! with `jmp`, not `ret`: the call that entered the routine was made on
//! another stack than the one it returns on, so a `ret` would always miss
//! the processor's return-address prediction. Measured on this machine
//! kind, `ret` made a bare round trip several times slower (see
//! `benches/fibre_switch.rs`).
//!
//! # A word of caution
//! This routine moves the stack pointer under Rust's feet; what keeps it
//! sound is the caller's promise, not the type system:
//!
//! * Only integer state is kept. MXCSR and the x87 control word are not
//!   saved: no code in this engine changes them, and both sides run with the
//!   defaults. The direction flag is clear at every call, as the ABI says.
//! * The caller must know that `load_ctx` is a live saved point (or a fresh
//!   one, see [`Context::fresh`]) that nothing else will resume. Resuming a
//!   point twice runs frames that have already returned.
//! * A panic must never unwind across a switch: unwinding would walk into
//!   frames of another stack. Bodies run on fibres are `extern "C"`
//!   functions, which abort on unwind.
//! * Shadow stacks (Intel CET) are not supported: the return addresses on a
//!   fibre stack are not on the thread's shadow stack. Rust binaries are not
//!   built for CET, so the kernel does not enable it for us.
//!
//! # Starting a fresh stack
//! No assembly is needed: write a fake return address (0) at `top - 8` and
//! point the context at `{sp: top - 8, fp: 0, ip: entry}`. `entry` then
//! starts as if called: `rsp % 16 == 8`, its "return address" on top, its
//! first argument (the payload) in RDI. The zero frame pointer and return
//! address end every frame walk at the fibre's base. `entry` must never
//! return (there is nothing to return to): it ends with a last switch out.

/// A saved point of execution, in `stack_switch` layout.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub sp: u64,
    pub fp: u64,
    pub ip: u64,
}

impl Context {
    /// The context that starts `entry(payload)` on a fresh stack whose
    /// highest usable address is `top` (one past the end, 16-byte aligned).
    ///
    /// # Safety
    /// `top - 8 .. top` must be writable memory of a stack nothing runs on.
    pub unsafe fn fresh(top: usize, entry: usize) -> Context {
        debug_assert_eq!(top % 16, 0, "stack top must be 16-byte aligned");
        let return_slot = (top - 8) as *mut u64;
        // SAFETY: the caller promises the word below `top` is ours to write.
        unsafe { return_slot.write(0) };
        Context {
            sp: return_slot as u64,
            fp: 0,
            ip: entry as u64,
        }
    }
}

std::arch::global_asm!(
    ".text",
    ".globl wasmfx_fibre_switch",
    ".type wasmfx_fibre_switch, @function",
    ".p2align 4",
    // (rdi: store_ctx, rsi: load_ctx, rdx: payload) -> rax: payload received
    "wasmfx_fibre_switch:",
    "push rbx",
    "push r12",
    "push r13",
    "push r14",
    "push r15",
    // Read the target first: `load_ctx` may be `store_ctx`.
    "mov rax, [rsi]",
    "mov rcx, [rsi + 8]",
    "mov r8, [rsi + 16]",
    "lea r9, [rip + .Lwasmfx_fibre_resumed]",
    "mov [rdi], rsp",
    "mov [rdi + 8], rbp",
    "mov [rdi + 16], r9",
    "mov rdi, rdx",
    "mov rsp, rax",
    "mov rbp, rcx",
    "jmp r8",
    // Someone switched back here: sp and fp are ours again, payload in rdi.
    // Return with a jump (see the module doc on return prediction).
    ".Lwasmfx_fibre_resumed:",
    "mov rax, rdi",
    "pop r15",
    "pop r14",
    "pop r13",
    "pop r12",
    "pop rbx",
    "pop rcx",
    "jmp rcx",
    ".size wasmfx_fibre_switch, . - wasmfx_fibre_switch",
);

unsafe extern "C" {
    fn wasmfx_fibre_switch(store_ctx: *mut Context, load_ctx: *const Context, payload: u64) -> u64;
}

/// Saves the running point into `store_ctx`, switches to `load_ctx` with
/// `payload`, and returns the payload of whoever switches back to the saved
/// point. `store_ctx` and `load_ctx` may be equal.
///
/// # Safety
/// `load_ctx` must hold a point that may be resumed now (saved by a switch
/// and not resumed since, or made by [`Context::fresh`]), and `store_ctx`
/// must stay valid until the saved point is resumed. See the module doc.
#[inline]
pub unsafe fn switch(store_ctx: *mut Context, load_ctx: *const Context, payload: u64) -> u64 {
    // SAFETY: the routine follows the System V ABI as seen from here; the
    // caller vouches for the contexts.
    unsafe { wasmfx_fibre_switch(store_ctx, load_ctx, payload) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn layout_is_cranelifts() {
        assert_eq!(offset_of!(Context, sp), 0);
        assert_eq!(offset_of!(Context, fp), 8);
        assert_eq!(offset_of!(Context, ip), 16);
        assert_eq!(size_of::<Context>(), 24);
    }

    /// The point a test's fibre should switch back to.
    static mut MAIN: Context = Context {
        sp: 0,
        fp: 0,
        ip: 0,
    };
    static mut FIBRE: Context = Context {
        sp: 0,
        fp: 0,
        ip: 0,
    };

    extern "C" fn doubler(first: u64) -> ! {
        let mut value = first;
        loop {
            // SAFETY: MAIN holds the test's saved point; only this test's
            // single thread touches these statics.
            value = unsafe { switch(&raw mut FIBRE, &raw const MAIN, value * 2) };
        }
    }

    #[test]
    fn switch_into_a_fresh_stack_and_back() {
        let stack = crate::FibreStack::new(64 << 10).expect("map");
        // SAFETY: the stack is ours and idle; the contexts are statics used by
        // this test only; `doubler` never returns.
        unsafe {
            FIBRE = Context::fresh(stack.top(), doubler as *const () as usize);
            assert_eq!(switch(&raw mut MAIN, &raw const FIBRE, 21), 42);
            assert_eq!(switch(&raw mut MAIN, &raw const FIBRE, 5), 10);
        }
        // The fibre stays suspended; unmapping its stack is fine: it is never
        // resumed again.
    }
}
