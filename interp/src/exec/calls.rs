//! Call helpers: host calls, and the callee checks of `call_indirect` and
//! `call_ref`. (Frames are pushed and popped inline in `dispatch.rs`.)

use wasmfx_core::{Caller, FuncAddr, FuncKind, InstanceId, Store, Trap, TypeId, Val};

/// Calls host function `func` with the arguments just below `sp`; writes its
/// results in their place and returns the new `sp`. `caller` is the instance
/// of the calling Wasm frame (`None` when the embedder calls directly).
///
/// # Errors
/// The host's trap; `Trap::Host` if it returned values not matching its
/// signature, or the stack cannot hold them.
pub(crate) fn call_host(
    store: &mut Store,
    caller: Option<InstanceId>,
    func: FuncAddr,
    values: &mut [u64],
    sp: usize,
) -> Result<usize, Trap> {
    let (host, sig) = match store.funcs.get(func.0 as usize) {
        Some(f) => match &f.kind {
            FuncKind::Host(h) => (h.clone(), f.sig.clone()),
            FuncKind::Wasm { .. } => return Err(Trap::Host("not a host function".into())),
        },
        None => return Err(Trap::Host(format!("no function at address {}", func.0))),
    };
    let args_start = sp - sig.params.len();
    let args = values[args_start..sp]
        .iter()
        .zip(sig.params.iter())
        .map(|(&raw, &ty)| Val::from_raw_in(raw, ty, &store.registry))
        .collect::<Option<Vec<Val>>>()
        .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))?;
    let mut caller = Caller {
        store,
        instance: caller,
    };
    let results = host(&mut caller, &args)?;
    if results.len() != sig.results.len() {
        return Err(Trap::Host(format!(
            "host function returned {} values, expected {}",
            results.len(),
            sig.results.len()
        )));
    }
    let slots = values
        .get_mut(args_start..args_start + results.len())
        .ok_or(Trap::CallStackExhausted)?;
    for (slot, result) in slots.iter_mut().zip(&results) {
        *slot = result
            .to_raw()
            .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))?;
    }
    Ok(args_start + results.len())
}

/// The function `call_indirect` reaches through `table[index]`, checked
/// against the expected canonical type `ty`.
///
/// # Errors
/// `UndefinedElement` past the table's end, `UninitializedElement` for null,
/// `IndirectCallTypeMismatch` when the callee's type is not a subtype of `ty`.
pub(super) fn resolve_indirect(
    store: &Store,
    table: u32,
    index: u64,
    ty: u32,
) -> Result<FuncAddr, Trap> {
    let raw = store.tables[table as usize]
        .get(index)
        .map_err(|_| Trap::UndefinedElement)?;
    if raw == 0 {
        return Err(Trap::UninitializedElement);
    }
    let func = FuncAddr((raw - 1) as u32);
    let actual = match store.funcs.get(func.0 as usize) {
        Some(f) => f.ty,
        None => return Err(Trap::Host(format!("no function at address {}", func.0))),
    };
    if actual.0 == ty || store.registry.is_subtype(actual, TypeId(ty)) {
        Ok(func)
    } else {
        Err(Trap::IndirectCallTypeMismatch)
    }
}

/// The function a non-null funcref slot names.
///
/// # Errors
/// `NullFunctionReference` for null.
pub(super) fn func_ref(raw: u64) -> Result<FuncAddr, Trap> {
    match raw {
        0 => Err(Trap::NullFunctionReference),
        r => Ok(FuncAddr((r - 1) as u32)),
    }
}
