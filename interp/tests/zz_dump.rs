use std::sync::Arc;
use wasmfx_core::{Module, Store, TypeRegistry};
#[test]
fn dump() {
    for file in ["sieve.wasm"] {
    let bytes = std::fs::read(format!("../benches/programs/{file}")).unwrap();
    let registry = Arc::new(TypeRegistry::new());
    let module = Arc::new(Module::new(&registry, &bytes).unwrap());
    let mut store = Store::new(registry);
    let id = store.instantiate(&module, &[]).unwrap();
    let n = store.instances[id.0 as usize].funcs.len();
    for i in 0..n {
        let f = store.instances[id.0 as usize].funcs[i];
        if let Ok(code) = wasmfx_interp::translate::translate(&store, f) {
            println!("== {file} func {i}");
            for (pc, op) in code.ops.iter().enumerate() { println!("{pc:4} {op:?}"); }
        }
    }
    }
}
