//! Wasm backtraces: the functions that were active when a trap happened,
//! innermost first, named from their modules' name sections; and how
//! messages name a tag ([`tag_name`]).
//!
//! ```text
//!   wasm backtrace:
//!       0: prog.wasm!divide          module name ! function name
//!       1: <unknown>!main            (no module name in the name section)
//!       2: <unknown>!<wasm function 7>   (no function name either)
//! ```

use crate::module::ExternKind;
use crate::store::{FuncAddr, FuncKind, Store, TagAddr};
use std::fmt;

/// The functions active at a trap, innermost first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmBacktrace {
    pub frames: Vec<FuncAddr>,
}

impl WasmBacktrace {
    /// The backtrace as printable lines, names looked up in `store`.
    pub fn display<'a>(&'a self, store: &'a Store) -> impl fmt::Display + 'a {
        Rendered {
            backtrace: self,
            store,
        }
    }
}

struct Rendered<'a> {
    backtrace: &'a WasmBacktrace,
    store: &'a Store,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wasm backtrace:")?;
        for (depth, &func) in self.backtrace.frames.iter().enumerate() {
            write!(f, "\n    {depth}: {}", func_name(self.store, func))?;
        }
        Ok(())
    }
}

/// `module!function` for a Wasm function, `<host function>` for a host one.
pub fn func_name(store: &Store, func: FuncAddr) -> String {
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return format!("<function address {}>", func.0);
    };
    let FuncKind::Wasm { instance, index } = inst.kind else {
        return "<host function>".to_string();
    };
    let Some(module) = store.instances.get(instance.0 as usize).map(|i| &i.module) else {
        return format!("<unknown>!<wasm function {index}>");
    };
    let module_name = module.name.as_deref().unwrap_or("<unknown>");
    match module.func_names.get(&index) {
        Some(name) => format!("{module_name}!{name}"),
        None => format!("{module_name}!<wasm function {index}>"),
    }
}

/// How messages name tag `tag`: `"export"` when an instance exports it,
/// else `$name` from the name section, else `tag N` (its store address).
pub fn tag_name(store: &Store, tag: TagAddr) -> String {
    let owners = store.instances.iter().filter_map(|inst| {
        let index = inst.tags.iter().position(|&t| t == tag)?;
        Some((inst, index as u32))
    });
    let mut local_name = None;
    for (inst, index) in owners {
        let module = &inst.module;
        let exported = module
            .exports
            .iter()
            .find(|e| e.kind == ExternKind::Tag && e.index == index);
        if let Some(export) = exported {
            return format!("\"{}\"", export.name);
        }
        if local_name.is_none() {
            local_name = module.tag_names.get(&index).map(|n| format!("${n}"));
        }
    }
    local_name.unwrap_or_else(|| format!("tag {}", tag.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Module;
    use crate::types::TypeRegistry;
    use std::sync::Arc;

    #[test]
    fn frames_are_named_from_the_name_section() {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::new(Arc::clone(&registry));
        let wat = r#"(module $prog (func $inner) (func) (func $outer))"#;
        let bytes = wat::parse_str(wat).expect("valid text");
        let module = Arc::new(Module::new(&registry, &bytes).expect("valid module"));
        let id = store.instantiate(&module, &[]).expect("instantiates");
        let funcs = store.instance(id).funcs.clone();
        let backtrace = WasmBacktrace {
            frames: vec![funcs[0], funcs[1], funcs[2]],
        };
        assert_eq!(
            backtrace.display(&store).to_string(),
            "wasm backtrace:\n    0: prog!inner\n    1: prog!<wasm function 1>\n    2: prog!outer"
        );
    }
}
