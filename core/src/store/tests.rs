//! End-to-end tests of instantiation: modules from text, linked against the
//! `spectest` module and against each other.

use super::{InstanceId, InstantiateError, Store, StoreLimits};
use crate::linker::{Extern, Linker};
use crate::module::Module;
use crate::spectest;
use crate::trap::Trap;
use crate::types::TypeRegistry;
use crate::value::{Ref, Val};
use std::sync::Arc;

/// A store with `spectest` defined, and the registry its modules share.
struct Fixture {
    registry: Arc<TypeRegistry>,
    store: Store,
    linker: Linker,
}

impl Fixture {
    fn new() -> Fixture {
        Fixture::with_limits(StoreLimits::default())
    }

    fn with_limits(limits: StoreLimits) -> Fixture {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::with_limits(Arc::clone(&registry), limits);
        let mut linker = Linker::new();
        spectest::define(&mut store, &mut linker);
        Fixture {
            registry,
            store,
            linker,
        }
    }

    fn module(&self, wat: &str) -> Arc<Module> {
        let bytes = wat::parse_str(wat).expect("test module is valid text");
        Arc::new(Module::new(&self.registry, &bytes).expect("test module validates"))
    }

    fn instantiate(&mut self, wat: &str) -> Result<InstanceId, InstantiateError> {
        let module = self.module(wat);
        let imports = self
            .linker
            .resolve(&module)
            .map_err(InstantiateError::Link)?;
        self.store.instantiate(&module, &imports)
    }

    fn link_error(&mut self, wat: &str) -> String {
        match self.instantiate(wat) {
            Err(InstantiateError::Link(e)) => e.to_string(),
            other => panic!("expected a link error, got {:?}", other.map(|_| ())),
        }
    }

    fn trap(&mut self, wat: &str) -> Trap {
        match self.instantiate(wat) {
            Err(InstantiateError::Trap(t)) => t,
            other => panic!("expected a trap, got {:?}", other.map(|_| ())),
        }
    }

    fn global(&self, id: InstanceId, name: &str) -> u64 {
        match self.store.export(id, name) {
            Some(Extern::Global(g)) => self.store.global(g).get(),
            other => panic!("no global export {name}: {other:?}"),
        }
    }

    fn memory_bytes(&self, id: InstanceId, name: &str) -> &[u8] {
        match self.store.export(id, name) {
            Some(Extern::Memory(m)) => self.store.memory(m).data(),
            other => panic!("no memory export {name}: {other:?}"),
        }
    }
}

#[test]
fn globals_evaluate_in_order_with_imports_and_extended_constants() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(
            r#"(module
                (global $imp (import "spectest" "global_i32") i32)
                (global $a i32 (i32.add (global.get $imp) (i32.const 1)))
                (global $b (export "b") i32 (i32.mul (global.get $a) (i32.const 2)))
                (global (export "c") i64 (i64.sub (i64.const 0) (i64.const 1)))
                (global (export "f") funcref (ref.func $f))
                (func $f))"#,
        )
        .expect("instantiates");
    assert_eq!(fx.global(id, "b"), 1334);
    assert_eq!(fx.global(id, "c"), u64::MAX);
    let Some(Extern::Func(f)) = fx
        .store
        .instance(id)
        .funcs
        .first()
        .map(|&f| Extern::Func(f))
    else {
        panic!("function missing")
    };
    assert_eq!(
        fx.global(id, "f"),
        Val::Ref(Ref::Func(f)).to_raw().unwrap_or(0)
    );
}

#[test]
fn segments_initialize_tables_and_memories_then_drop() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(
            r#"(module
                (memory (export "m") 1)
                (table (export "t") 4 funcref)
                (func $f)
                (elem (i32.const 1) $f $f)
                (elem $passive func $f)
                (elem declare func $f)
                (data (i32.const 2) "hi")
                (data $p "passive"))"#,
        )
        .expect("instantiates");
    assert_eq!(&fx.memory_bytes(id, "m")[..4], b"\0\0hi");
    let Some(Extern::Table(t)) = fx.store.export(id, "t") else {
        panic!("table missing")
    };
    let func = fx.store.instance(id).funcs[0];
    let raw = Val::Ref(Ref::Func(func)).to_raw().unwrap_or(0);
    assert_eq!(fx.store.table(t).elems(), &[0, raw, raw, 0]);
    let inst = fx.store.instance(id);
    assert!(inst.elem_segment(0).is_empty(), "active segment dropped");
    assert_eq!(inst.elem_segment(1), &[raw], "passive segment kept");
    assert!(inst.elem_segment(2).is_empty(), "declared segment dropped");
    assert!(inst.data_segment(0).is_empty());
    assert_eq!(inst.data_segment(1), b"passive");
}

#[test]
fn segment_traps_keep_earlier_writes_and_the_instance() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(r#"(module (memory (export "m") 1) (table (export "t") 2 funcref))"#)
        .expect("instantiates");
    fx.linker.define_instance(&fx.store, "base", id);
    let instances_before = fx.store.instances.len();
    let trap = fx.trap(
        r#"(module
            (memory (import "base" "m") 1)
            (data (i32.const 0) "ok")
            (data (i32.const 65535) "xx"))"#,
    );
    assert_eq!(trap, Trap::MemoryOutOfBounds);
    assert_eq!(&fx.memory_bytes(id, "m")[..2], b"ok");
    assert_eq!(fx.store.instances.len(), instances_before + 1);
    let trap = fx.trap(
        r#"(module
            (table (import "base" "t") 2 funcref)
            (func $f)
            (elem (i32.const 0) $f)
            (elem (i32.const 2) $f)
            (data (memory 0) (i32.const 0) "no")
            (memory 1))"#,
    );
    assert_eq!(trap, Trap::TableOutOfBounds);
    let Some(Extern::Table(t)) = fx.store.export(id, "t") else {
        panic!("table missing")
    };
    assert_ne!(fx.store.table(t).elems()[0], 0, "first segment was written");
    assert_eq!(
        fx.trap("(module (memory 0) (data (i32.const 1) \"\"))"),
        Trap::MemoryOutOfBounds
    );
    assert_eq!(
        fx.trap("(module (table 0 funcref) (elem (i32.const 1)))"),
        Trap::TableOutOfBounds
    );
    fx.instantiate("(module (memory 0) (data (i32.const 0) \"\"))")
        .expect("empty at end fits");
}

#[test]
fn unknown_and_incompatible_imports_are_link_errors() {
    let mut fx = Fixture::new();
    let msg = fx.link_error(r#"(module (import "spectest" "nope" (func)))"#);
    assert_eq!(msg, "unknown import: `spectest::nope` has not been defined");
    let incompatible = [
        r#"(module (import "spectest" "print_i32" (func (param i64))))"#,
        r#"(module (import "spectest" "print_i32" (func (param i32) (result i32))))"#,
        r#"(module (import "spectest" "global_i32" (global i64)))"#,
        r#"(module (import "spectest" "global_i32" (global (mut i32))))"#,
        r#"(module (import "spectest" "table" (table 11 funcref)))"#,
        r#"(module (import "spectest" "table" (table 10 15 funcref)))"#,
        r#"(module (import "spectest" "table" (table 10 externref)))"#,
        r#"(module (import "spectest" "table" (table i64 10 funcref)))"#,
        r#"(module (import "spectest" "memory" (memory 2)))"#,
        r#"(module (import "spectest" "memory" (memory 1 1)))"#,
        r#"(module (import "spectest" "memory" (memory i64 1)))"#,
        r#"(module (import "spectest" "memory" (func)))"#,
        r#"(module (import "spectest" "print" (memory 1)))"#,
    ];
    for wat in incompatible {
        let msg = fx.link_error(wat);
        assert!(msg.starts_with("incompatible import type"), "{wat}: {msg}");
    }
    let compatible = [
        r#"(module (import "spectest" "print_i32" (func (param i32))))"#,
        r#"(module (import "spectest" "table" (table 5 30 funcref)))"#,
        r#"(module (import "spectest" "table64" (table i64 10 20 funcref)))"#,
        r#"(module (import "spectest" "memory" (memory 0 3)))"#,
        r#"(module (import "spectest" "global_f64" (global f64)))"#,
    ];
    for wat in compatible {
        assert!(fx.instantiate(wat).is_ok(), "{wat}");
    }
}

#[test]
fn import_subtyping_for_functions_and_immutable_globals() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(
            r#"(module
                (type $t (sub (func)))
                (type $u (sub $t (func)))
                (func (export "u") (type $u))
                (global (export "g") (ref $u) (ref.func 0))
                (global (export "m") (mut funcref) (ref.null func)))"#,
        )
        .expect("instantiates");
    fx.linker.define_instance(&fx.store, "src", id);
    let ok = [
        r#"(module (type $t (sub (func))) (type $u (sub $t (func)))
                   (import "src" "u" (func (type $t))))"#,
        r#"(module (type $t (sub (func))) (type $u (sub $t (func)))
                   (import "src" "g" (global (ref null $t))))"#,
        r#"(module (import "src" "m" (global (mut funcref))))"#,
    ];
    for wat in ok {
        assert!(fx.instantiate(wat).is_ok(), "{wat}");
    }
    let bad = [
        // A final `(func)` is a different type from `$u`, which declares a supertype.
        r#"(module (import "src" "u" (func)))"#,
        r#"(module (import "src" "m" (global (mut (ref null nofunc)))))"#,
        r#"(module (import "src" "m" (global funcref)))"#,
    ];
    for wat in bad {
        let msg = fx.link_error(wat);
        assert!(msg.starts_with("incompatible import type"), "{wat}: {msg}");
    }
}

#[test]
fn imported_memory_size_is_its_current_size() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(r#"(module (memory (export "m") 1 5))"#)
        .expect("instantiates");
    let Some(Extern::Memory(m)) = fx.store.export(id, "m") else {
        panic!("memory missing")
    };
    fx.linker.define_instance(&fx.store, "src", id);
    let wants_three = r#"(module (import "src" "m" (memory 3 5)))"#;
    assert!(
        fx.link_error(wants_three)
            .starts_with("incompatible import type")
    );
    assert_eq!(fx.store.memory_grow(m, 2), Some(1));
    assert!(fx.instantiate(wants_three).is_ok());
    assert_eq!(
        fx.store.memory_grow(m, 3),
        None,
        "beyond the declared maximum"
    );
}

#[test]
fn start_and_exports_and_wrong_import_count() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(r#"(module (func $s) (func (export "f")) (start $s) (tag (export "e")))"#)
        .expect("instantiates");
    assert_eq!(
        fx.store.start_func(id),
        Some(fx.store.instance(id).funcs[0])
    );
    assert!(matches!(fx.store.export(id, "f"), Some(Extern::Func(_))));
    assert!(matches!(fx.store.export(id, "e"), Some(Extern::Tag(_))));
    assert_eq!(fx.store.export(id, "missing"), None);
    let module = fx.module(r#"(module (import "spectest" "print" (func)))"#);
    match fx.store.instantiate(&module, &[]) {
        Err(InstantiateError::Link(e)) => assert!(e.0.contains("wrong number of imports")),
        other => panic!("expected a link error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn too_large_memories_fail_without_leaving_objects() {
    let limits = StoreLimits {
        max_memory_bytes: 1 << 20,
        ..StoreLimits::default()
    };
    let mut fx = Fixture::with_limits(limits);
    let funcs_before = fx.store.funcs.len();
    let trap = fx.trap("(module (func) (global i32 (i32.const 0)) (memory 17))");
    assert!(
        matches!(trap, Trap::ResourceLimit(ref m) if m.contains("over the limit")),
        "{trap:?}"
    );
    assert_eq!(fx.store.funcs.len(), funcs_before);
    let id = fx
        .instantiate(r#"(module (memory (export "m") 16))"#)
        .expect("fits the limit");
    let Some(Extern::Memory(m)) = fx.store.export(id, "m") else {
        panic!("memory missing")
    };
    assert_eq!(fx.store.memory_grow(m, 1), None);
    assert_eq!(fx.store.memory_grow(m, 0), Some(16));
    let trap = fx.trap("(module (table 20000000 funcref))");
    assert!(
        matches!(trap, Trap::ResourceLimit(ref m) if m.contains("over the limit")),
        "{trap:?}"
    );
}

#[test]
fn tables_with_init_expressions_and_vm_context() {
    let mut fx = Fixture::new();
    let id = fx
        .instantiate(
            r#"(module
                (import "spectest" "print" (func $p))
                (func $f)
                (table (export "t") 3 funcref (ref.func $f))
                (memory 1)
                (global (mut i32) (i32.const 5)))"#,
        )
        .expect("instantiates");
    let inst = fx.store.instance(id);
    let raw = Val::Ref(Ref::Func(inst.funcs[1])).to_raw().unwrap_or(0);
    let Some(Extern::Table(t)) = fx.store.export(id, "t") else {
        panic!("table missing")
    };
    assert_eq!(fx.store.table(t).elems(), &[raw; 3]);
    let ctx = inst.vm.ctx();
    assert_eq!(
        (
            ctx.num_funcs,
            ctx.num_tables,
            ctx.num_memories,
            ctx.num_globals
        ),
        (2, 1, 1, 1)
    );
    let (host, own) = (fx.store.func(inst.funcs[0]), fx.store.func(inst.funcs[1]));
    assert_eq!(host.vm().vmctx, 0, "host functions have no context");
    assert_eq!(own.vm().vmctx, inst.vm.ctx_addr());
    assert_eq!(own.vm().type_id, own.ty.0);
    let arrays = inst.vm.arrays();
    assert_eq!(arrays.funcs[1], own.vm() as *const _ as usize);
    let memory = inst.memories[0];
    let record_addr = fx.store.memory(memory).vm() as *const _ as usize;
    assert_eq!(arrays.memories[0], record_addr);
    assert_eq!(fx.store.memory_grow(memory, 1), Some(1));
    let record = fx.store.memory(memory).vm();
    assert_eq!(
        (record.length, record.base),
        (2 * 65536, fx.store.memory(memory).data().as_ptr() as usize)
    );
}

#[test]
fn every_function_record_knows_its_store_address() {
    let mut f = Fixture::new();
    f.instantiate(r#"(module (import "spectest" "print_i32" (func (param i32))) (func) (func))"#)
        .expect("instantiates");
    assert!(
        f.store.funcs.len() >= 3,
        "spectest's and the module's functions"
    );
    for (addr, func) in f.store.funcs.iter().enumerate() {
        assert_eq!(func.vm().addr as usize, addr);
    }
}
