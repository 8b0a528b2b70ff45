//! The exception runtime of compiled code: allocating a thrown exception
//! and making it pending, matching and taking it in a `try_table` handler.

use super::with_call;
use wasmfx_core::{ExnAddr, Trap};

/// `throw $tag`: allocates the exception from the payload in `values` and
/// makes it pending; records the frames active at the throw (from the
/// compiled thrower at `return_addr`, frame pointer `fp`: the shim
/// `wasmfx_throw_located` passes them).
pub(super) extern "C" fn throw(
    vmctx: usize,
    tag: u32,
    values: *const u64,
    return_addr: usize,
    fp: usize,
) {
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
        let raw = u64::from(exn.0) + 1;
        // SAFETY: the current activation is live; `fp` is the thrower's
        // frame pointer on the running stack and `return_addr` is in its
        // code (one past the call).
        unsafe {
            crate::backtrace::record_throw_frames(call.act, return_addr.wrapping_sub(1), fp);
            let thrown = &mut (*call.act.state).throw_frames;
            (thrown.0, thrown.1) = (raw, call.act.depth());
        }
        call.set_pending(raw);
    })
}

/// Whether the pending exception's tag is the instance's tag `tag`.
pub(super) extern "C" fn catch_matches(vmctx: usize, tag: u32) -> u32 {
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
pub(super) extern "C" fn take_exception(vmctx: usize, values: *mut u64) -> u64 {
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
