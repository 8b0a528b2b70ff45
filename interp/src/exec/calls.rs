//! Calls: pushing heap frames, tail calls in place, host calls, and the
//! checks of `call_indirect`.
//!
//! A tail call reuses the running frame: the callee's arguments move down to
//! the current base, so the frame stack keeps its depth.
//!
//! ```text
//!   before:  | locals … operands … | args |      after:  | args | callee locals … |
//!            ^ base                                      ^ base (same)
//! ```

use super::{Executor, Flow, State};
use crate::cache::Callee;
use crate::stack::Frame;
use wasmfx_core::{Caller, FuncAddr, FuncKind, InstanceId, Store, Trap, TypeId, Val};

impl Executor<'_> {
    /// Calls `func` with its arguments on top of the running frame's operands.
    pub(super) fn call(&mut self, state: &mut State, func: FuncAddr) -> Result<Flow, Trap> {
        match self.codes.get(self.store, func)? {
            Callee::Host => {
                let caller = Some(state.code.instance);
                state.sp = call_host(self.store, caller, func, &mut self.stack.values, state.sp)?;
            }
            Callee::Wasm(callee) => {
                if self.stack.frames.len() >= self.config.max_call_depth {
                    return Err(Trap::CallStackExhausted);
                }
                let callee_base = state.sp - callee.num_params as usize;
                let caller = std::mem::replace(&mut state.code, callee);
                self.stack.frames.push(Frame {
                    code: caller,
                    pc: state.pc as u32,
                    base: state.base as u32,
                });
                state.base = callee_base;
                self.enter(state)?;
            }
        }
        Ok(Flow::Continue)
    }

    /// Replaces the running function by `func` (`return_call*`).
    pub(super) fn tail_call(
        &mut self,
        state: &mut State,
        func: FuncAddr,
        entry_depth: usize,
    ) -> Result<Flow, Trap> {
        match self.codes.get(self.store, func)? {
            Callee::Host => {
                // The host's results become this function's results.
                let caller = Some(state.code.instance);
                state.sp = call_host(self.store, caller, func, &mut self.stack.values, state.sp)?;
                Ok(self.ret(state, entry_depth))
            }
            Callee::Wasm(callee) => {
                let n = callee.num_params as usize;
                self.stack
                    .values
                    .copy_within(state.sp - n..state.sp, state.base);
                state.code = callee;
                self.enter(state)?;
                Ok(Flow::Continue)
            }
        }
    }
}

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
        .map(|(&raw, &ty)| Val::from_raw(raw, ty))
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
    let actual = store.funcs[func.0 as usize].ty;
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
