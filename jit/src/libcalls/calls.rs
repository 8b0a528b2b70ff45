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
/// An exception it raises becomes the pending exception.
#[inline]
pub(super) fn call_out(call: &mut Call<'_>, func: FuncAddr, values: *mut u64) -> u32 {
    let Some(inst) = call.store().funcs.get(func.0 as usize) else {
        return call.status(Err(Trap::Host(format!(
            "no function at address {}",
            func.0
        ))));
    };
    let (params, results) = (inst.sig.params.len(), inst.sig.results.len());
    let host = match &inst.kind {
        FuncKind::Host(h) => Some(h.clone()),
        FuncKind::Wasm { .. } => None,
    };
    // SAFETY: compiled code passes a buffer of max(params, results) slots.
    let values = unsafe { std::slice::from_raw_parts_mut(values, params.max(results)) };
    let result = match host {
        Some(host) => call_host(call, func, host, values),
        // In place, no conversions. May switch stacks and come back under
        // another activation: `call` is the current one afterwards.
        None => super::mixed::call_interpreted(call, func, values),
    };
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
