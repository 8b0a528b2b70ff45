//! Import resolution: names to store objects.
//!
//! ```text
//!   Linker: ("module", "name") ──▶ Extern (an address in one Store)
//! ```
//!
//! `resolve` only finds objects by name; their types are checked by
//! [`Store::instantiate`](crate::Store::instantiate).

use crate::module::Module;
use crate::store::{FuncAddr, GlobalAddr, InstanceId, MemAddr, Store, TableAddr, TagAddr};
use std::collections::HashMap;
use std::fmt;

/// A store object that can be imported or exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    Func(FuncAddr),
    Table(TableAddr),
    Memory(MemAddr),
    Global(GlobalAddr),
    Tag(TagAddr),
}

/// An import could not be satisfied ("unknown import", "incompatible import type").
#[derive(Debug, Clone)]
pub struct LinkError(pub String);

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for LinkError {}

/// Named definitions for imports, all from one store.
#[derive(Default)]
pub struct Linker {
    /// module name → item name → definition.
    defs: HashMap<String, HashMap<String, Extern>>,
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Defines `module::name`, replacing an earlier definition.
    pub fn define(&mut self, module: &str, name: &str, ext: Extern) {
        self.defs
            .entry(module.to_owned())
            .or_default()
            .insert(name.to_owned(), ext);
    }

    /// Defines every export of `instance` under `module_name`.
    pub fn define_instance(&mut self, store: &Store, module_name: &str, instance: InstanceId) {
        if let Some(inst) = store.instances.get(instance.0 as usize) {
            for (name, &ext) in &inst.exports {
                self.define(module_name, name, ext);
            }
        }
    }

    /// The definition of `module::name`.
    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs.get(module)?.get(name).copied()
    }

    /// One definition per import of `module`, in import order.
    ///
    /// # Errors
    /// ``LinkError("unknown import: `m::name` has not been defined")`` for the
    /// first import without a definition.
    pub fn resolve(&self, module: &Module) -> Result<Vec<Extern>, LinkError> {
        module
            .imports
            .iter()
            .map(|import| {
                self.get(&import.module, &import.name).ok_or_else(|| {
                    LinkError(format!(
                        "unknown import: `{}::{}` has not been defined",
                        import.module, import.name
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreLimits;
    use crate::types::TypeRegistry;
    use std::sync::Arc;

    #[test]
    fn define_replaces_and_get_finds_by_both_names() {
        let mut linker = Linker::new();
        linker.define("m", "f", Extern::Func(FuncAddr(1)));
        linker.define("m", "f", Extern::Func(FuncAddr(2)));
        linker.define("n", "f", Extern::Memory(MemAddr(0)));
        assert_eq!(linker.get("m", "f"), Some(Extern::Func(FuncAddr(2))));
        assert_eq!(linker.get("n", "f"), Some(Extern::Memory(MemAddr(0))));
        assert_eq!(linker.get("m", "g"), None);
        assert_eq!(linker.get("x", "f"), None);
    }

    #[test]
    fn define_instance_adds_every_export() {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::with_limits(Arc::clone(&registry), StoreLimits::default());
        let wat = r#"(module (func (export "f")) (memory (export "mem") 1) (global (export "g") i32 (i32.const 1)))"#;
        let bytes = wat::parse_str(wat).expect("valid text");
        let module = Arc::new(Module::new(&registry, &bytes).expect("valid module"));
        let id = store.instantiate(&module, &[]).expect("instantiates");
        let mut linker = Linker::new();
        linker.define_instance(&store, "src", id);
        for name in ["f", "mem", "g"] {
            assert_eq!(linker.get("src", name), store.export(id, name), "{name}");
            assert!(linker.get("src", name).is_some());
        }
        let importer =
            wat::parse_str(r#"(module (import "src" "g" (global i32)) (import "src" "h" (func)))"#)
                .expect("valid text");
        let importer = Module::new(&registry, &importer).expect("valid module");
        let err = linker.resolve(&importer).expect_err("h is missing");
        assert_eq!(
            err.to_string(),
            "unknown import: `src::h` has not been defined"
        );
    }
}
