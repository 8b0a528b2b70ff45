//! Compiled memory accesses with and without guard regions: out-of-bounds
//! accesses at the edge and far beyond trap (by fault in the guard, or by
//! explicit check for large offsets and unguarded memories) with the spec's
//! message, write nothing, and leave the thread able to run and trap again.

use std::sync::Arc;
use wasmfx_core::store::{GUARD_BYTES, StoreLimits};
use wasmfx_core::{Extern, FuncAddr, InstanceId, Module, Store, Trap, TypeRegistry, Val};
use wasmfx_jit::Jit;

/// Loads and stores at `index + offset`, with offsets 0, small ones, one
/// just inside and one past the 2 GiB guard, and the largest 32-bit one;
/// memory 1 (`$two`) has guards of its own.
const ACCESSES: &str = r#"(module
  (memory (export "mem") 1)
  (memory $two 1)
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load32") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load offset=4 (local.get 0)))
  (func (export "load_far") (param i32) (result i32) (i32.load offset=0x7ffffffc (local.get 0)))
  (func (export "load_past_guard") (param i32) (result i32)
    (i32.load offset=0x80000000 (local.get 0)))
  (func (export "load_max_offset") (param i32) (result i32)
    (i32.load8_u offset=0xffffffff (local.get 0)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func (export "store16") (param i32 i32) (i32.store16 offset=1 (local.get 0) (local.get 1)))
  (func (export "load_two") (param i32) (result i32) (i32.load $two (local.get 0)))
  (func (export "grow_and_touch") (param i32) (result i32)
    (local $old i32)
    (local.set $old (memory.grow (local.get 0)))
    ;; the first and the last byte of the grown part
    (i32.store8 (i32.mul (local.get $old) (i32.const 65536)) (i32.const 1))
    (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (i32.const 2))
    (i32.add (i32.load8_u (i32.mul (local.get $old) (i32.const 65536)))
             (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))))))
"#;

struct Setup {
    store: Store,
    jit: Jit,
    instances: Vec<InstanceId>,
}

impl Setup {
    /// `count` instances of `wat` in one store, every function compiled.
    fn new(wat: &str, count: usize, guard_regions: bool) -> Setup {
        let registry = Arc::new(TypeRegistry::new());
        let bytes = wat::parse_str(wat).expect("wat");
        let module = Arc::new(Module::new(&registry, &bytes).expect("module"));
        let limits = StoreLimits {
            memory_guard_regions: guard_regions,
            ..StoreLimits::default()
        };
        let mut store = Store::with_limits(registry, limits);
        let mut jit = Jit::new().expect("jit");
        let mut instances = Vec::new();
        for _ in 0..count {
            let id = store.instantiate(&module, &[]).expect("instantiate");
            let report = jit
                .compile_instance(&mut store, id, &|_| true)
                .expect("compile");
            assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
            instances.push(id);
        }
        Setup {
            store,
            jit,
            instances,
        }
    }

    fn func(&self, instance: usize, name: &str) -> FuncAddr {
        match self.store.export(self.instances[instance], name) {
            Some(Extern::Func(f)) => f,
            _ => panic!("no export {name}"),
        }
    }

    fn call_in(&mut self, instance: usize, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let func = self.func(instance, name);
        let mut no_fallback = |_: &mut Store, f: FuncAddr, _: &[Val]| {
            Err(Trap::Host(format!("function {} not compiled", f.0)))
        };
        self.jit.call(&mut self.store, func, args, &mut no_fallback)
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        self.call_in(0, name, args)
    }

    fn guard_of_memory0(&self, instance: usize) -> u64 {
        match self.store.export(self.instances[instance], "mem") {
            Some(Extern::Memory(m)) => self.store.memory(m).guard_bytes(),
            _ => panic!("no memory export"),
        }
    }
}

fn oob() -> Result<Vec<Val>, Trap> {
    Err(Trap::MemoryOutOfBounds)
}

fn i32s(v: i32) -> Result<Vec<Val>, Trap> {
    Ok(vec![Val::I32(v)])
}

/// The same accesses give the same results with and without guard regions.
fn edge_and_far_accesses(guard_regions: bool) {
    let mut s = Setup::new(ACCESSES, 1, guard_regions);
    let expected_guard = if guard_regions { GUARD_BYTES } else { 0 };
    assert_eq!(s.guard_of_memory0(0), expected_guard);
    let at = |i: u32| Val::I32(i as i32);
    assert_eq!(s.call("store64", &[at(65528), Val::I64(-1)]), Ok(vec![]));
    assert_eq!(s.call("load32", &[at(65532)]), i32s(-1));
    assert_eq!(s.call("load64", &[at(65524)]), Ok(vec![Val::I64(-1)]));
    // Straddling the end: traps, and writes none of its bytes.
    assert_eq!(s.call("store64", &[at(65532), Val::I64(0)]), oob());
    assert_eq!(s.call("store16", &[at(65534), Val::I32(0)]), oob());
    assert_eq!(s.call("load32", &[at(65532)]), i32s(-1));
    assert_eq!(s.call("load32", &[at(65533)]), oob());
    assert_eq!(s.call("load64", &[at(65525)]), oob());
    assert_eq!(s.call("load8", &[at(65535)]), i32s(255));
    assert_eq!(s.call("load8", &[at(65536)]), oob());
    // Far beyond: the top of the 32-bit range, and offsets near and past
    // the guard's size.
    for index in [0x1_0000, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, u32::MAX] {
        assert_eq!(s.call("load8", &[at(index)]), oob(), "{index:#x}");
        assert_eq!(s.call("load_far", &[at(index)]), oob(), "{index:#x}");
        assert_eq!(s.call("load_past_guard", &[at(index)]), oob(), "{index:#x}");
        assert_eq!(s.call("load_max_offset", &[at(index)]), oob(), "{index:#x}");
    }
    assert_eq!(s.call("load_far", &[at(0)]), oob());
    assert_eq!(s.call("load_past_guard", &[at(0)]), oob());
    assert_eq!(s.call("load_two", &[at(65532)]), i32s(0));
    assert_eq!(s.call("load_two", &[at(65533)]), oob());
    // Traps left the thread able to run compiled code.
    assert_eq!(s.call("load8", &[at(0)]), i32s(0));
}

#[test]
fn out_of_bounds_accesses_trap_with_guard_regions() {
    edge_and_far_accesses(true);
}

#[test]
fn out_of_bounds_accesses_trap_with_explicit_checks() {
    edge_and_far_accesses(false);
}

#[test]
fn grown_memory_is_accessible_and_its_new_end_traps() {
    for guard_regions in [true, false] {
        let mut s = Setup::new(ACCESSES, 1, guard_regions);
        for pages in 1..20 {
            assert_eq!(s.call("grow_and_touch", &[Val::I32(1)]), i32s(3));
            let end = (pages + 1) * 65536;
            assert_eq!(s.call("load8", &[Val::I32(end - 1)]), i32s(2));
            assert_eq!(s.call("load8", &[Val::I32(end)]), oob());
            assert_eq!(s.call("load32", &[Val::I32(end - 3)]), oob());
        }
    }
}

#[test]
fn many_memories_in_one_store_are_separate() {
    const COUNT: usize = 300;
    let mut s = Setup::new(ACCESSES, COUNT, true);
    for i in 0..COUNT {
        assert_eq!(s.guard_of_memory0(i), GUARD_BYTES);
        let value = Val::I64(i as i64);
        assert_eq!(s.call_in(i, "store64", &[Val::I32(8), value]), Ok(vec![]));
    }
    for i in 0..COUNT {
        let expected = Ok(vec![Val::I64(i as i64)]);
        assert_eq!(s.call_in(i, "load64", &[Val::I32(4)]), expected);
        assert_eq!(s.call_in(i, "load8", &[Val::I32(65536)]), oob());
    }
}
