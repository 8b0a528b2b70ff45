//! The embedding API: a store with its linker and executor, where modules
//! are instantiated and exports called by name.
//!
//! ```text
//!   Engine ──compile──▶ Arc<Module>
//!   Runtime ─┬─ store     every instance, memory, table... of this runtime
//!            ├─ linker    names that imports resolve against
//!            └─ executor  the engine's tier
//!   runtime.instantiate(&module)?  → InstanceId  (imports linked, start run)
//!   runtime.call(id, "fib", &[Val::I32(25)])? → [Val::I32(75025)]
//! ```

use crate::engine::Engine;
use crate::error::Error;
use crate::executor::TierExecutor;
use std::sync::Arc;
use wasmfx_core::StoreLimits;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::store::InstantiateError;
use wasmfx_core::value::Ref;
use wasmfx_core::wasi::{SharedWasiCtx, WasiCtx};
use wasmfx_core::{
    Caller, Extern, FuncAddr, FuncType, HeapType, InstanceId, Linker, Module, Store, Trap, Val,
    ValType,
};

pub struct Runtime {
    store: Store,
    linker: Linker,
    executor: TierExecutor,
}

impl Runtime {
    /// An empty runtime: no instances, nothing defined in the linker.
    pub fn new(engine: &Engine) -> Runtime {
        Runtime {
            store: Store::new(engine.registry().clone()),
            linker: Linker::new(),
            executor: engine.executor(),
        }
    }

    /// An empty runtime whose functions run in `executor` instead of the
    /// engine's default one (e.g. [`TierExecutor::compiler_selecting`]).
    pub fn with_executor(engine: &Engine, executor: TierExecutor) -> Runtime {
        Runtime {
            store: Store::new(engine.registry().clone()),
            linker: Linker::new(),
            executor,
        }
    }

    /// The Wasm functions active at the last trap, innermost first, if the
    /// tier records them ([`TierExecutor::backtrace`]).
    pub fn backtrace(&self) -> Option<&WasmBacktrace> {
        self.executor.backtrace()
    }

    /// Continuations of this store not yet released (see
    /// [`TierExecutor::live_continuations`]).
    pub fn live_continuations(&self) -> usize {
        self.executor.live_continuations(&self.store)
    }

    /// What tiered up and when, and interpreted calls (`dyn`; see
    /// [`TierExecutor::tier_stats`]).
    #[cfg(feature = "jit")]
    pub fn tier_stats(&mut self) -> Option<(crate::TierStats, u64)> {
        self.executor.tier_stats(&mut self.store)
    }

    /// A name for function `func` in messages: its export or debug name if
    /// it has one, else `func[N]` of its instance.
    pub fn func_name(&self, func: FuncAddr) -> String {
        wasmfx_core::backtrace::func_name(&self.store, func)
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Compile time and compiled functions so far (see
    /// [`TierExecutor::compile_stats`]).
    pub fn compile_stats(&self) -> Option<(std::time::Duration, usize)> {
        self.executor.compile_stats()
    }

    /// Sets the store's limits: memory and table sizes, live continuations
    /// (`-W max-memory-size`, `max-table-elements`, `max-continuations`).
    /// Set them before instantiating: what exists keeps its size.
    pub fn set_limits(&mut self, limits: StoreLimits) {
        self.store.set_limits(limits);
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn linker_mut(&mut self) -> &mut Linker {
        &mut self.linker
    }

    /// Defines the `spectest` module that spec scripts import.
    pub fn define_spectest(&mut self) {
        wasmfx_core::spectest::define(&mut self.store, &mut self.linker);
    }

    /// Defines a host function importable as `module::name`.
    pub fn define_func(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(&mut Caller<'_>, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> FuncAddr {
        let addr = self.store.alloc_host_func(ty, Arc::new(func));
        self.linker.define(module, name, Extern::Func(addr));
        addr
    }

    /// Defines the WASI preview 1 functions (`wasi_snapshot_preview1`) over
    /// `ctx`; the returned handle reaches the context afterwards (e.g. to
    /// flush the guest's output).
    pub fn define_wasi(&mut self, ctx: WasiCtx) -> SharedWasiCtx {
        wasmfx_core::wasi::define(&mut self.store, &mut self.linker, ctx)
    }

    /// Makes every export of `instance` importable as `module_name::export`.
    pub fn register(&mut self, module_name: &str, instance: InstanceId) {
        self.linker
            .define_instance(&self.store, module_name, instance);
    }

    /// Links `module`'s imports, instantiates it and runs its start function.
    ///
    /// # Errors
    /// [`Error::Link`] for an import the linker lacks or whose type differs,
    /// [`Error::Trap`] when segment initialization or the start function traps.
    pub fn instantiate(&mut self, module: &Arc<Module>) -> Result<InstanceId, Error> {
        let imports = self.linker.resolve(module).map_err(Error::Link)?;
        let instance = self
            .store
            .instantiate(module, &imports)
            .map_err(|e| match e {
                InstantiateError::Link(e) => Error::Link(e),
                InstantiateError::Trap(t) => Error::Trap(t),
            })?;
        if let Some(start) = self.store.start_func(instance) {
            self.executor.call(&mut self.store, start, &[])?;
        }
        Ok(instance)
    }

    /// The exported function `name` of `instance`.
    ///
    /// # Errors
    /// [`Error::UnknownExport`] or [`Error::NotAFunction`].
    pub fn func(&self, instance: InstanceId, name: &str) -> Result<FuncAddr, Error> {
        match self.store.export(instance, name) {
            Some(Extern::Func(func)) => Ok(func),
            Some(_) => Err(Error::NotAFunction(name.to_string())),
            None => Err(Error::UnknownExport(name.to_string())),
        }
    }

    /// The signature of a function of this runtime's store.
    pub fn func_type(&self, func: FuncAddr) -> Option<Arc<FuncType>> {
        self.store.funcs.get(func.0 as usize).map(|f| f.sig.clone())
    }

    /// Calls the exported function `name` with `args`.
    ///
    /// # Errors
    /// Lookup errors, argument count or type errors, or the trap.
    pub fn call(
        &mut self,
        instance: InstanceId,
        name: &str,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        let func = self.func(instance, name)?;
        self.call_func(name, func, args)
    }

    /// Calls `func` (labelled `label` in errors) after checking `args`
    /// against its parameter types.
    ///
    /// # Errors
    /// Argument count or type errors, or the trap.
    pub fn call_func(
        &mut self,
        label: &str,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<Vec<Val>, Error> {
        let sig = self
            .func_type(func)
            .ok_or_else(|| Error::UnknownExport(label.to_string()))?;
        if args.len() != sig.params.len() {
            return Err(Error::ArgumentCount {
                func: label.to_string(),
                expected: sig.params.len(),
                given: args.len(),
            });
        }
        for (index, (arg, &ty)) in args.iter().zip(sig.params.iter()).enumerate() {
            if !self.val_has_type(arg, ty) {
                return Err(Error::ArgumentType {
                    func: label.to_string(),
                    index,
                    expected: ty,
                });
            }
        }
        Ok(self.executor.call(&mut self.store, func, args)?)
    }

    /// Whether `val` is a value of type `ty` in this store.
    fn val_has_type(&self, val: &Val, ty: ValType) -> bool {
        let registry = &self.store.registry;
        match (val, ty) {
            (Val::I32(_), ValType::I32)
            | (Val::I64(_), ValType::I64)
            | (Val::F32(_), ValType::F32)
            | (Val::F64(_), ValType::F64)
            | (Val::V128(_), ValType::V128) => true,
            (Val::Ref(r), ValType::Ref(rt)) => {
                let actual = match r {
                    Ref::Null(heap) => {
                        return rt.nullable && registry.top_of(*heap) == registry.top_of(rt.heap);
                    }
                    Ref::Func(addr) => match self.store.funcs.get(addr.0 as usize) {
                        Some(func) => HeapType::Concrete(func.ty),
                        None => return false,
                    },
                    Ref::Extern(_) => HeapType::Extern,
                    Ref::Exn(addr) if (addr.0 as usize) < self.store.exns.len() => HeapType::Exn,
                    Ref::Exn(_) => return false,
                    // A handle does not carry its continuation type.
                    Ref::Cont(_) => HeapType::Cont,
                };
                registry.heap_type_matches(actual, rt.heap)
            }
            _ => false,
        }
    }
}
