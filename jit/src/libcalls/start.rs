//! The Rust first frame of continuation stacks, [`run_fibre`] (run by
//! fibre's `fibre_main`): every continuation whose start is not a compiled
//! one (`cont_start.rs`) — made by the runtime or the interpreter, or of a
//! function without compiled code or with more results than a record holds
//! inline.
//!
//! ```text
//!   fibre_main(record) ─▶ run_fibre(record)
//!     no compiled code, and the fallback tier wants it before the start
//!       (FallbackTier::compile_at_start) ─▶ compiled first
//!     compiled function, args and results fit inline ─▶ array trampoline on
//!       the record's inline payload, in place            (run_in_payload)
//!     else args copied to a buffer here, the function called (trampoline or
//!       call_out), results copied back                   (run_buffered)
//!     detach the record from the chain ─▶ fibre_main: Returned, last switch
//! ```

use super::Call;
use super::calls::call_out;
use super::conts::{conts, state_of};
use crate::entry;
use crate::entry::Fallback;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId};
use wasmfx_fibre::{ContRecord, PAYLOAD_INLINE};

/// The entry of every continuation stack, for `Conts::ensure_stack`.
pub(crate) fn run_fibre_entry() -> wasmfx_fibre::FibreEntry {
    run_fibre
}

/// Slots of a continuation's argument buffer kept on its stack.
const INLINE_SLOTS: usize = 16;

/// The first frame of every continuation stack (run by fibre_main): calls
/// the record's function with its payload, puts the results back in it and
/// hands the record to the resumer (fibre_main marks it returned).
unsafe extern "C" fn run_fibre(record: *mut ContRecord) -> u64 {
    // SAFETY: the first switch into a fresh record carries its address.
    unsafe { compile_at_start(record) };
    // SAFETY: as above.
    if !unsafe { run_in_payload(record) } {
        // SAFETY: as above.
        unsafe { run_buffered(record) };
    }
    // The resumer now may be another activation than the first one.
    // SAFETY: the record is live and runs innermost (its function just
    // returned); the runtime state is re-derived after the call.
    unsafe {
        conts(state_of(entry::current()))
            .chain
            .detach(NonNull::new_unchecked(record));
    }
    record as u64
}

/// Lets the fallback tier give `record`'s function compiled code before
/// its first frame starts here, when it has none (a frame that starts
/// interpreted stays so for the continuation's life).
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn compile_at_start(record: *mut ContRecord) {
    let act = entry::current();
    // SAFETY: the caller's promise; the activation's store and fallback
    // outlive this frame, and nothing else uses them while it runs (the
    // fallback is the `&mut Fallback` that `enter` keeps for it).
    let (store, fallback, func) = unsafe {
        (
            &mut *(*act).store,
            &mut **(*act).fallback.cast::<&mut Fallback<'_>>(),
            FuncAddr((*record).func()),
        )
    };
    if (store.funcs.get(func.0 as usize)).is_none_or(|f| f.vm().code != 0) {
        return;
    }
    // A panic must not cross this `extern "C"` frame: the function then
    // starts interpreted, as it would have.
    let _ = catch_unwind(AssertUnwindSafe(|| fallback.compile_at_start(store, func)));
}

/// The common case of [`run_fibre`]: a compiled function whose arguments
/// and results fit in the record's inline payload slots, which its array
/// trampoline reads and writes in place. False when it does not apply
/// (nothing ran).
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_in_payload(record: *mut ContRecord) -> bool {
    let act = entry::current();
    // SAFETY: the caller's promise; the activation's store outlives it;
    // nothing else uses the continuations while this frame runs.
    let (target, store, conts_now) =
        unsafe { (&mut *record, &*(*act).store, conts(state_of(act))) };
    let func = FuncAddr(target.func());
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return false;
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
    let (Some(trampoline), Some(values)) = (conts_now.trampoline(func), target.inline_slots())
    else {
        return false;
    };
    if code == 0 || params.max(results) > PAYLOAD_INLINE || target.payload().len() != params {
        return false;
    }
    target.clear_payload();
    // SAFETY: the trampoline was made for the function's signature; it
    // reads the params from the inline slots before the function runs
    // (which may reuse the payload for its own switches) and writes the
    // results there after. A trap unwinds to the host entry past this frame,
    // which owns nothing.
    unsafe {
        let run: extern "C" fn(usize, usize, *mut u64) = std::mem::transmute(trampoline);
        run(code, vmctx, values);
        (*record).set_inline_len(results);
    }
    true
}

/// [`run_fibre`] for everything else: the arguments are copied out to a
/// buffer on this stack (or the heap) and the results back.
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_buffered(record: *mut ContRecord) {
    let mut inline = [0u64; INLINE_SLOTS];
    let mut spilled = Vec::new();
    // SAFETY: the first switch into a fresh record carries its address.
    let results = unsafe { run_function(record, &mut inline, &mut spilled) };
    let values = if results.len() <= INLINE_SLOTS {
        &inline[..results.len()]
    } else {
        &spilled[..results.len()]
    };
    // SAFETY: the record is live (its function just returned).
    let target = unsafe { &mut *record };
    if target.set_payload(values).is_err() {
        target.clear_payload();
    }
}

/// Calls `record`'s function with its payload as arguments; returns its
/// result range in `inline` (or in `spilled` when longer).
///
/// # Safety
/// `record` must be the live record running on this stack.
unsafe fn run_function(
    record: *mut ContRecord,
    inline: &mut [u64; INLINE_SLOTS],
    spilled: &mut Vec<u64>,
) -> std::ops::Range<usize> {
    let act = entry::current();
    // SAFETY: the caller's promise; the activation's store outlives it;
    // nothing else uses the continuations while this frame runs.
    let (target, store, conts_now) =
        unsafe { (&mut *record, &*(*act).store, conts(state_of(act))) };
    let func = FuncAddr(target.func());
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return 0..0;
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let instance = match inst.kind {
        FuncKind::Wasm { instance, .. } => instance,
        FuncKind::Host(_) => InstanceId(0),
    };
    let (code, vmctx) = (inst.vm().code, inst.vm().vmctx);
    let values: &mut [u64] = if params.max(results) <= INLINE_SLOTS {
        inline
    } else {
        spilled.resize(params.max(results), 0);
        spilled
    };
    let n = params.min(target.payload().len());
    values[..n].copy_from_slice(&target.payload()[..n]);
    target.clear_payload();
    match conts_now.trampoline(func) {
        Some(trampoline) if code != 0 => {
            // SAFETY: the trampoline was made for the function's signature
            // and `values` has room for its params and results. A trap
            // unwinds to the host entry past this frame (`spilled` leaks).
            unsafe {
                let run: extern "C" fn(usize, usize, *mut u64) = std::mem::transmute(trampoline);
                run(code, vmctx, values.as_mut_ptr());
            }
        }
        _ => {
            let mut call = Call {
                // SAFETY: the innermost activation, live while we run.
                act: unsafe { &mut *act },
                instance,
            };
            if call_out(&mut call, func, values.as_mut_ptr()) != 0 {
                // SAFETY: a trap is stored; the frames up to the entry own
                // only `spilled`.
                unsafe { entry::raise_stored(entry::current()) };
            }
        }
    }
    0..results
}
