//! The `spectest` host module that spec scripts import, as the reference
//! interpreter defines it:
//!
//! ```text
//!   print, print_i32, print_i64, print_f32, print_f64,
//!   print_i32_f32, print_f64_f64             funcs: print args, one line per call
//!   global_i32 = 666, global_i64 = 666       immutable globals
//!   global_f32 = 666.6, global_f64 = 666.6
//!   table    (table 10 20 funcref)           table64 (table i64 10 20 funcref)
//!   memory   (memory 1 2)                    shared_memory (memory 1 2 shared)
//! ```
//!
//! Printed lines look like the reference's: `42 : i32`, `666.6 : f64`.

use crate::linker::{Extern, Linker};
use crate::module::{GlobalType, Limits, MemoryType, TableType};
use crate::store::{HostFunc, Store};
use crate::types::{FuncType, HeapType, RefType, ValType};
use crate::value::Val;
use std::io::Write;
use std::sync::Arc;

const NAME: &str = "spectest";

/// Adds the `spectest` objects to `store` and defines them in `linker`.
pub fn define(store: &mut Store, linker: &mut Linker) {
    use ValType::{F32, F64, I32, I64};
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[I32]),
        ("print_i64", &[I64]),
        ("print_f32", &[F32]),
        ("print_f64", &[F64]),
        ("print_i32_f32", &[I32, F32]),
        ("print_f64_f64", &[F64, F64]),
    ];
    for (name, params) in prints {
        let print: HostFunc = Arc::new(|_caller, args| {
            print_args(args);
            Ok(Vec::new())
        });
        let func = store.alloc_host_func(FuncType::new(params, []), print);
        linker.define(NAME, name, Extern::Func(func));
    }

    let globals = [
        ("global_i32", I32, Val::I32(666)),
        ("global_i64", I64, Val::I64(666)),
        ("global_f32", F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, content, value) in globals {
        let ty = GlobalType {
            content,
            mutable: false,
        };
        if let Ok(global) = store.alloc_global(ty, value) {
            linker.define(NAME, name, Extern::Global(global));
        }
    }

    let funcref = RefType {
        nullable: true,
        heap: HeapType::Func,
    };
    let ten_to_twenty = Limits {
        min: 10,
        max: Some(20),
    };
    for (name, table64) in [("table", false), ("table64", true)] {
        let ty = TableType {
            elem: funcref,
            limits: ten_to_twenty,
            table64,
        };
        if let Ok(table) = store.alloc_table(ty, 0) {
            linker.define(NAME, name, Extern::Table(table));
        }
    }

    let one_to_two = Limits {
        min: 1,
        max: Some(2),
    };
    for (name, shared) in [("memory", false), ("shared_memory", true)] {
        let ty = MemoryType {
            limits: one_to_two,
            memory64: false,
            shared,
        };
        if let Ok(memory) = store.alloc_memory(ty) {
            linker.define(NAME, name, Extern::Memory(memory));
        }
    }
}

/// Prints one line per argument, `value : type`, as the reference does.
fn print_args(args: &[Val]) {
    let mut out = std::io::stdout().lock();
    for arg in args {
        // Printing is best effort: a closed stdout must not fail the call.
        let _ = writeln!(out, "{}", format_arg(arg));
    }
    let _ = out.flush();
}

fn format_arg(arg: &Val) -> String {
    match *arg {
        Val::I32(v) => format!("{v} : i32"),
        Val::I64(v) => format!("{v} : i64"),
        Val::F32(bits) => format!("{:?} : f32", f32::from_bits(bits)),
        Val::F64(bits) => format!("{:?} : f64", f64::from_bits(bits)),
        Val::V128(v) => format!("{v:#034x} : v128"),
        Val::Ref(r) => format!("{r:?} : ref"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TypeRegistry;

    #[test]
    fn defines_every_spectest_item_with_reference_values() {
        let mut store = Store::new(Arc::new(TypeRegistry::new()));
        let mut linker = Linker::new();
        define(&mut store, &mut linker);
        for name in [
            "print",
            "print_i32",
            "print_i64",
            "print_f32",
            "print_f64",
            "print_i32_f32",
            "print_f64_f64",
        ] {
            assert!(
                matches!(linker.get(NAME, name), Some(Extern::Func(_))),
                "{name}"
            );
        }
        let Some(Extern::Global(g)) = linker.get(NAME, "global_f64") else {
            panic!("global_f64 missing")
        };
        assert_eq!(store.global(g).get(), 666.6f64.to_bits());
        let Some(Extern::Table(t)) = linker.get(NAME, "table") else {
            panic!("table missing")
        };
        assert_eq!(
            (store.table(t).size(), store.table(t).ty.limits.max),
            (10, Some(20))
        );
        let Some(Extern::Memory(m)) = linker.get(NAME, "memory") else {
            panic!("memory missing")
        };
        assert_eq!(store.memory(m).size_pages(), 1);
    }

    #[test]
    fn formats_like_the_reference() {
        assert_eq!(format_arg(&Val::I32(42)), "42 : i32");
        assert_eq!(format_arg(&Val::F64(666.6f64.to_bits())), "666.6 : f64");
        assert_eq!(format_arg(&Val::F32(1.0f32.to_bits())), "1.0 : f32");
    }
}
