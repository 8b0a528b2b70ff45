//! Calls out of compiled code: host functions and functions without code
//! (through the tier's fallback), with arguments and results as raw slots in
//! a buffer of the caller's frame; also the subtype check of
//! `call_indirect` and `ref.func`.

use super::{Call, with_call};
use wasmfx_core::store::Caller;
use wasmfx_core::{FuncAddr, FuncKind, Trap, TypeId, Val};

pub(super) extern "C" fn call_addr(vmctx: usize, func: u32, values: *mut u64) -> u32 {
    with_call(vmctx, |call| call_out(call, FuncAddr(func), values))
}

/// Calls a host function, or a Wasm function without compiled code through
/// the tier's fallback, with arguments in `values`; writes the results there.
/// An exception it raises becomes the pending exception. The Wasm call
/// inlined into `call_addr`, the host call out of line: one frame less on
/// every call of an interpreted function (`benches/callgrind.sh crossing`).
#[inline(always)]
pub(super) fn call_out(call: &mut Call<'_>, func: FuncAddr, values: *mut u64) -> u32 {
    let Some(inst) = call.store().funcs.get(func.0 as usize) else {
        return no_function(call, func);
    };
    let slots = inst.sig.params.len().max(inst.sig.results.len());
    if let FuncKind::Host(host) = &inst.kind {
        let host = host.clone();
        return call_out_host(call, func, host, values, slots);
    }
    // SAFETY: compiled code passes a buffer of max(params, results) slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, slots) };
    // In place, no conversions. May switch stacks and come back under
    // another activation: `call` is the current one afterwards.
    let result = super::mixed::call_interpreted(call, func, values);
    called_out(call, result)
}

/// [`call_out`] of a host function.
#[inline(never)]
fn call_out_host(
    call: &mut Call<'_>,
    func: FuncAddr,
    host: wasmfx_core::store::HostFunc,
    values: *mut u64,
    slots: usize,
) -> u32 {
    // SAFETY: as in `call_out`.
    let values = unsafe { std::slice::from_raw_parts_mut(values, slots) };
    let result = call_host(call, func, host, values);
    called_out(call, result)
}

#[cold]
#[inline(never)]
fn no_function(call: &mut Call<'_>, func: FuncAddr) -> u32 {
    call.status(Err(Trap::Host(format!(
        "no function at address {}",
        func.0
    ))))
}

/// What [`call_out`] returns to compiled code for the call's `result`: 0,
/// an exception made the pending one, or a trap's status.
#[inline(always)]
fn called_out(call: &mut Call<'_>, result: Result<(), Trap>) -> u32 {
    // SAFETY: as in `Call::set_pending`.
    unsafe { (*call.act.state).sync_funcs(&*call.act.store) };
    match result {
        Ok(()) => 0,
        Err(Trap::UncaughtException(exn)) => {
            call.set_pending(u64::from(exn.0) + 1);
            0
        }
        Err(trap) => call.status(Err(trap)),
    }
}

/// Calls host function `func` with the arguments in `values`; writes its
/// results there.
fn call_host(
    call: &mut Call<'_>,
    func: FuncAddr,
    host: wasmfx_core::store::HostFunc,
    values: &mut [u64],
) -> Result<(), Trap> {
    let store = call.store();
    let sig = store.funcs[func.0 as usize].sig.clone();
    let args: Option<Vec<Val>> = (values.iter().zip(sig.params.iter()))
        .map(|(&raw, &ty)| Val::from_raw_in(raw, ty, &store.registry))
        .collect();
    let args = args.ok_or_else(|| Trap::Host("unsupported value type: v128".into()))?;
    let instance = Some(call.instance);
    // A panic must not cross this `extern "C"` frame (that aborts): it
    // becomes a trap.
    let run = std::panic::AssertUnwindSafe(|| {
        host(
            &mut Caller {
                store: call.store(),
                instance,
            },
            &args,
        )
    });
    let results = std::panic::catch_unwind(run)
        .unwrap_or_else(|_| Err(Trap::Host(format!("function {} panicked", func.0))))
        .and_then(|results| raw_results(&results))?;
    if results.len() != sig.results.len() {
        return Err(Trap::Host(format!(
            "host function returned {} values, expected {}",
            results.len(),
            sig.results.len()
        )));
    }
    values[..results.len()].copy_from_slice(&results);
    Ok(())
}

/// Host results as raw slots.
fn raw_results(results: &[Val]) -> Result<Vec<u64>, Trap> {
    results
        .iter()
        .map(|v| {
            v.to_raw()
                .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))
        })
        .collect()
}

pub(super) extern "C" fn is_subtype(vmctx: usize, actual: u32, expected: u32) -> u32 {
    with_call(vmctx, |call| {
        u32::from(
            call.store()
                .registry
                .is_subtype(TypeId(actual), TypeId(expected)),
        )
    })
}
