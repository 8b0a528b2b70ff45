//! The fixture of the compiled stack-switching tests: one module
//! instantiated and compiled whole, called with no fallback tier.

use std::sync::Arc;
use wasmfx_core::{Extern, FuncAddr, InstanceId, Linker, Module, Store, Trap, TypeRegistry, Val};
use wasmfx_jit::Jit;

/// One compiled instance and its store.
pub struct Setup {
    pub store: Store,
    pub jit: Jit,
    pub instance: InstanceId,
}

/// Instantiates `wat` and compiles every function (none may be skipped).
pub fn setup(wat: &str) -> Setup {
    let registry = Arc::new(TypeRegistry::new());
    let bytes = wat::parse_str(wat).expect("wat");
    let module = Arc::new(Module::new(&registry, &bytes).expect("module"));
    let mut store = Store::new(registry);
    let imports = Linker::new().resolve(&module).expect("imports");
    let instance = store.instantiate(&module, &imports).expect("instantiate");
    let mut jit = Jit::new().expect("jit");
    let report = jit
        .compile_instance(&mut store, instance, &|_| true)
        .expect("compile");
    assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
    Setup {
        store,
        jit,
        instance,
    }
}

impl Setup {
    pub fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Some(Extern::Func(func)) = self.store.export(self.instance, name) else {
            panic!("no export {name}");
        };
        let mut no_fallback = |_: &mut Store, f: FuncAddr, _: &[Val]| {
            Err(Trap::Host(format!("function {} not compiled", f.0)))
        };
        self.jit.call(&mut self.store, func, args, &mut no_fallback)
    }

    /// Live continuation records.
    pub fn live(&self) -> usize {
        self.jit.continuation_stats(&self.store).0
    }

    pub fn stacks_mapped(&self) -> u64 {
        self.jit.continuation_stats(&self.store).1
    }
}
