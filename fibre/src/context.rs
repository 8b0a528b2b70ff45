//! [`Context`]: a suspended point of execution on a native stack, and
//! [`switch`] (and [`switch_to_compiled`]), the Rust-side routine that
//! switches between two of them.
//!
//! ```text
//!   Context (24 bytes, Cranelift's `stack_switch` layout)
//!   +0  sp   stack pointer to restore
//!   +8  fp   frame pointer to restore
//!   +16 ip   address to jump to
//! ```
//!
//! The layout is plain data and always built; the routine, `switch`, and
//! `Context::fresh` are in `context/switch.rs`, behind the `native`
//! feature (see the crate doc).
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
//! with `jmp`, not `ret`: between two Rust switches, the call that entered
//! the routine was made on another stack than the one it returns on, so a
//! `ret` would always miss the processor's return-address prediction.
//! Measured on this machine kind, `ret` made a bare round trip several
//! times slower (see `benches/fibre_switch.rs`). Compiled code switches
//! with jumps only, though: Rust that resumes compiled code and is switched
//! back to by it returns best with `ret`, the entry its own call left being
//! still on top of the prediction ([`switch_to_compiled`], the same routine
//! otherwise; it took the interp -> jit suspend round trip of
//! `tier_crossing` from 116 to 91 ns).
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

// The routine and `Context::fresh` (x86-64 only).
#[cfg(feature = "native")]
mod switch;
#[cfg(feature = "native")]
pub use switch::{switch, switch_to_compiled};

/// A saved point of execution, in `stack_switch` layout.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub sp: u64,
    pub fp: u64,
    pub ip: u64,
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
}
