//! Test harness: builds a module from WAT, instantiates it in a fresh store
//! (imports resolved from a linker holding `spectest` and any host functions
//! the test defines), runs its start function and calls exports.

#![allow(dead_code)]

use std::sync::Arc;
use wasmfx_core::{Extern, FuncAddr, InstanceId, Linker, Module, Store, Trap, TypeRegistry, Val};
use wasmfx_interp::{Config, Interpreter};

pub struct Instance {
    pub store: Store,
    pub interp: Interpreter,
    pub id: InstanceId,
}

/// Instantiates `wat` with the default interpreter config.
pub fn instantiate(wat: &str) -> Instance {
    instantiate_with(wat, Config::default(), |_, _| {})
}

/// Instantiates `wat`; `define` may add host functions to the linker first.
pub fn instantiate_with(
    wat: &str,
    config: Config,
    define: impl FnOnce(&mut Store, &mut Linker),
) -> Instance {
    let bytes = wat::parse_str(wat).expect("test WAT parses");
    let registry = Arc::new(TypeRegistry::new());
    let module = Arc::new(Module::new(&registry, &bytes).expect("test module validates"));
    let mut store = Store::new(registry);
    let mut linker = Linker::new();
    wasmfx_core::spectest::define(&mut store, &mut linker);
    define(&mut store, &mut linker);
    let imports = linker.resolve(&module).expect("imports resolve");
    let id = store
        .instantiate(&module, &imports)
        .expect("instantiation succeeds");
    let mut interp = Interpreter::new(config);
    if let Some(start) = store.start_func(id) {
        interp
            .call(&mut store, start, &[])
            .expect("start function runs");
    }
    Instance { store, interp, id }
}

impl Instance {
    pub fn func(&self, name: &str) -> FuncAddr {
        match self.store.export(self.id, name) {
            Some(Extern::Func(f)) => f,
            other => panic!("export {name} is not a function: {other:?}"),
        }
    }

    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let func = self.func(name);
        self.interp.call(&mut self.store, func, args)
    }

    /// Calls an export that returns one i32.
    pub fn i32(&mut self, name: &str, args: &[Val]) -> i32 {
        match self.call(name, args).as_deref() {
            Ok([Val::I32(v)]) => *v,
            other => panic!("{name}: expected one i32, got {other:?}"),
        }
    }

    /// Calls an export that returns one i64.
    pub fn i64(&mut self, name: &str, args: &[Val]) -> i64 {
        match self.call(name, args).as_deref() {
            Ok([Val::I64(v)]) => *v,
            other => panic!("{name}: expected one i64, got {other:?}"),
        }
    }

    /// Calls an export expected to trap, returning the trap's message.
    pub fn trap(&mut self, name: &str, args: &[Val]) -> String {
        match self.call(name, args) {
            Err(trap) => trap.to_string(),
            Ok(v) => panic!("{name}: expected a trap, got {v:?}"),
        }
    }
}
