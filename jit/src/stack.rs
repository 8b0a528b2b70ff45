//! The stack limit of compiled code on the running thread's own stack.
//!
//! ```text
//!   high ┌──────────────────┐
//!        │ host frames      │
//!        │ compiled frames  │  each prologue: sp - frame size >= VmRuntime.stack_limit
//!        ├──────────────────┤ ◀── limit = low end + STACK_RESERVE
//!        │ reserve          │  signal handler, libcalls, host functions, the interpreter
//!    low └──────────────────┘ ◀── low end (guard page below)
//! ```
//! Other stacks (fibres, with stack switching) get their own limit written
//! into `VmRuntime` by whoever switches to them.

use std::cell::Cell;

/// Space kept free below the limit.
const STACK_RESERVE: usize = 256 << 10;

/// Stack allowed below the current frame when the thread's bounds are unknown.
const UNKNOWN_BOUNDS_ALLOWANCE: usize = 1 << 20;

thread_local! {
    /// This thread's limit, computed on first use (reading the bounds can
    /// be slow: for the main thread glibc parses /proc/self/maps).
    static LIMIT: Cell<usize> = const { Cell::new(0) };
    /// The low end of this thread's stack, once read (0: unknown).
    static LOW: Cell<Option<usize>> = const { Cell::new(None) };
    /// This thread's stack `[low, high)`, once read (the collector scans it).
    static BOUNDS: Cell<Option<Option<(usize, usize)>>> = const { Cell::new(None) };
}

/// The lowest address of this thread's stack (0 when pthreads cannot
/// tell), read once per thread.
#[inline]
pub(crate) fn thread_stack_low() -> usize {
    LOW.with(|low| match low.get() {
        Some(known) => known,
        None => {
            let read = read_stack_low();
            low.set(Some(read));
            read
        }
    })
}

#[cold]
#[inline(never)]
fn read_stack_low() -> usize {
    stack_low_end().unwrap_or(0)
}

/// The lowest address compiled frames may use on this thread's stack.
#[inline]
pub(crate) fn thread_stack_limit() -> usize {
    LIMIT.with(|limit| {
        if limit.get() == 0 {
            limit.set(compute_limit());
        }
        limit.get()
    })
}

#[cold]
#[inline(never)]
fn compute_limit() -> usize {
    let probe = 0u8;
    let sp = &raw const probe as usize;
    let low = stack_low_end().unwrap_or(0);
    if low == 0 || low + STACK_RESERVE >= sp {
        return sp.saturating_sub(UNKNOWN_BOUNDS_ALLOWANCE);
    }
    low + STACK_RESERVE
}

/// The lowest address of this thread's stack, from pthreads.
fn stack_low_end() -> Option<usize> {
    stack_bounds().map(|(low, _)| low)
}

/// This thread's stack `[low, high)`, read once per thread (`None` when
/// pthreads cannot tell).
pub(crate) fn thread_stack_bounds() -> Option<(usize, usize)> {
    BOUNDS.with(|bounds| {
        if bounds.get().is_none() {
            bounds.set(Some(stack_bounds()));
        }
        bounds.get().flatten()
    })
}

fn stack_bounds() -> Option<(usize, usize)> {
    // SAFETY: a zeroed pthread_attr_t is only written by pthread_getattr_np.
    let mut attr: libc::pthread_attr_t = unsafe { std::mem::zeroed() };
    // SAFETY: fills `attr` for the calling thread.
    if unsafe { libc::pthread_getattr_np(libc::pthread_self(), &mut attr) } != 0 {
        return None;
    }
    let mut addr: *mut libc::c_void = std::ptr::null_mut();
    let mut size: libc::size_t = 0;
    // SAFETY: `attr` was initialized above; the out-pointers are live locals.
    let ok = unsafe { libc::pthread_attr_getstack(&attr, &mut addr, &mut size) } == 0;
    // SAFETY: `attr` was initialized by pthread_getattr_np and is not used after.
    unsafe { libc::pthread_attr_destroy(&mut attr) };
    ok.then_some((addr as usize, addr as usize + size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_lies_below_the_running_frame() {
        let probe = 0u8;
        let sp = &raw const probe as usize;
        let limit = thread_stack_limit();
        assert!(
            limit < sp && sp - limit < 64 << 20,
            "limit {limit:#x}, sp {sp:#x}"
        );
        assert_eq!(thread_stack_limit(), limit, "cached");
    }
}
