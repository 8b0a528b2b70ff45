//! The switch routine (`global_asm!`, x86-64 System V) and the start of a
//! fresh stack: see the parent module's doc for the protocol and the
//! words of caution. Built with the `native` feature only.

use super::Context;

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

/// The switch routine named `$name`, its resumed point labelled
/// `$resumed`. Its way back pops the callee-saved registers, then runs
/// `$leave`, which takes the return address off the stack and goes there.
macro_rules! switch_routine {
    ($name:literal, $resumed:literal, $($leave:literal),+) => {
        std::arch::global_asm!(
            ".text",
            concat!(".globl ", $name),
            concat!(".type ", $name, ", @function"),
            ".p2align 4",
            // (rdi: store_ctx, rsi: load_ctx, rdx: payload) -> rax: payload received
            concat!($name, ":"),
            "push rbx",
            "push r12",
            "push r13",
            "push r14",
            "push r15",
            // Read the target first: `load_ctx` may be `store_ctx`.
            "mov rax, [rsi]",
            "mov rcx, [rsi + 8]",
            "mov r8, [rsi + 16]",
            concat!("lea r9, [rip + ", $resumed, "]"),
            "mov [rdi], rsp",
            "mov [rdi + 8], rbp",
            "mov [rdi + 16], r9",
            "mov rdi, rdx",
            "mov rsp, rax",
            "mov rbp, rcx",
            "jmp r8",
            // Someone switched back here: sp and fp are ours again, payload in rdi.
            concat!($resumed, ":"),
            "mov rax, rdi",
            "pop r15",
            "pop r14",
            "pop r13",
            "pop r12",
            "pop rbx",
            $($leave),+,
            concat!(".size ", $name, ", . - ", $name),
        );
    };
}

// Returns with a jump (see the module doc on return prediction).
switch_routine!(
    "wasmfx_fibre_switch",
    ".Lwasmfx_fibre_resumed",
    "pop rcx",
    "jmp rcx"
);
// Returns with `ret` ([`switch_to_compiled`]).
switch_routine!(
    "wasmfx_fibre_switch_ret",
    ".Lwasmfx_fibre_switch_ret_resumed",
    "ret"
);

unsafe extern "C" {
    fn wasmfx_fibre_switch(store_ctx: *mut Context, load_ctx: *const Context, payload: u64) -> u64;
    fn wasmfx_fibre_switch_ret(
        store_ctx: *mut Context,
        load_ctx: *const Context,
        payload: u64,
    ) -> u64;
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

/// [`switch`] for Rust that resumes compiled code, which comes back with a
/// jump of its own (Cranelift's `stack_switch`) and makes no call in
/// between that it does not return from: the return-address prediction
/// still holds this call's entry then, so the routine returns with `ret`,
/// which it predicts, and so are the returns of every frame above it. The
/// jump of [`switch`] would leave that entry behind, and each of those
/// returns would miss by one.
///
/// # Safety
/// As [`switch`].
#[inline]
pub unsafe fn switch_to_compiled(
    store_ctx: *mut Context,
    load_ctx: *const Context,
    payload: u64,
) -> u64 {
    // SAFETY: as for `switch`.
    unsafe { wasmfx_fibre_switch_ret(store_ctx, load_ctx, payload) }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            // The routine that returns with `ret` comes back the same way.
            assert_eq!(switch_to_compiled(&raw mut MAIN, &raw const FIBRE, 4), 8);
            assert_eq!(switch(&raw mut MAIN, &raw const FIBRE, 7), 14);
        }
        // The fibre stays suspended; unmapping its stack is fine: it is never
        // resumed again.
    }
}
