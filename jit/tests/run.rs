//! End-to-end tests of compiled code: Wasm text → instance → Jit::call.
//! Each case compiles every function (no fallback needed), unless it says.

use std::sync::Arc;
use wasmfx_core::store::Caller;
use wasmfx_core::types::FuncType;
use wasmfx_core::{
    Extern, FuncAddr, InstanceId, Linker, Module, Store, Trap, TypeRegistry, Val, ValType,
};
use wasmfx_jit::Jit;

struct Setup {
    store: Store,
    jit: Jit,
    instance: InstanceId,
}

/// Instantiates `wat` with a host import `host.add1: [i32] -> [i32]`,
/// compiling the functions `select` picks.
fn setup_with(wat: &str, select: &dyn Fn(u32) -> bool) -> Setup {
    let registry = Arc::new(TypeRegistry::new());
    let bytes = wat::parse_str(wat).expect("wat");
    let module = Arc::new(Module::new(&registry, &bytes).expect("module"));
    let mut store = Store::new(registry);
    let mut linker = Linker::new();
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    let add1 = store.alloc_host_func(
        ty,
        Arc::new(|_: &mut Caller<'_>, args: &[Val]| match args {
            [Val::I32(x)] => Ok(vec![Val::I32(x + 1)]),
            _ => Err(Trap::Host("bad args".into())),
        }),
    );
    linker.define("host", "add1", Extern::Func(add1));
    let imports = linker.resolve(&module).expect("imports");
    let instance = store.instantiate(&module, &imports).expect("instantiate");
    let mut jit = Jit::new().expect("jit");
    let report = jit
        .compile_instance(&mut store, instance, select)
        .expect("compile");
    assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
    Setup {
        store,
        jit,
        instance,
    }
}

fn setup(wat: &str) -> Setup {
    setup_with(wat, &|_| true)
}

impl Setup {
    fn func(&self, name: &str) -> FuncAddr {
        match self.store.export(self.instance, name) {
            Some(Extern::Func(f)) => f,
            _ => panic!("no export {name}"),
        }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let func = self.func(name);
        let mut no_fallback = |_: &mut Store, f: FuncAddr, _: &[Val]| {
            Err(Trap::Host(format!("function {} not compiled", f.0)))
        };
        self.jit.call(&mut self.store, func, args, &mut no_fallback)
    }
}

const FIB: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "loop_sum") (param i64) (result i64) (local i64)
    (block $done (loop $l
      (br_if $done (i64.eqz (local.get 0)))
      (local.set 1 (i64.add (local.get 1) (local.get 0)))
      (local.set 0 (i64.sub (local.get 0) (i64.const 1)))
      (br $l)))
    (local.get 1)))"#;

#[test]
fn fib_and_loops() {
    let mut s = setup(FIB);
    assert_eq!(s.call("fib", &[Val::I32(20)]), Ok(vec![Val::I32(6765)]));
    assert_eq!(
        s.call("loop_sum", &[Val::I64(100)]),
        Ok(vec![Val::I64(5050)])
    );
}

#[test]
fn traps_carry_spec_messages() {
    let mut s = setup(
        r#"(module (memory 1)
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "unreachable") (unreachable))
          (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
          (func (export "trunc") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
          (func $r (export "recurse") (param i32) (result i32) (call $r (i32.add (local.get 0) (i32.const 1)))))"#,
    );
    let msg = |r: Result<Vec<Val>, Trap>| r.err().map(|t| t.to_string());
    assert_eq!(
        msg(s.call("div", &[Val::I32(1), Val::I32(0)])).as_deref(),
        Some("integer divide by zero")
    );
    assert_eq!(
        msg(s.call("div", &[Val::I32(i32::MIN), Val::I32(-1)])).as_deref(),
        Some("integer overflow")
    );
    assert_eq!(
        msg(s.call("unreachable", &[])).as_deref(),
        Some("unreachable")
    );
    assert_eq!(
        msg(s.call("load", &[Val::I32(65534)])).as_deref(),
        Some("out of bounds memory access")
    );
    assert_eq!(s.call("load", &[Val::I32(65532)]), Ok(vec![Val::I32(0)]));
    let nan = Val::F32(f32::NAN.to_bits());
    assert_eq!(
        msg(s.call("trunc", &[nan])).as_deref(),
        Some("invalid conversion to integer")
    );
    assert_eq!(
        msg(s.call("recurse", &[Val::I32(0)])).as_deref(),
        Some("call stack exhausted")
    );
    // The runtime still works after traps.
    assert_eq!(
        s.call("div", &[Val::I32(7), Val::I32(2)]),
        Ok(vec![Val::I32(3)])
    );
}

#[test]
fn memory_globals_tables_and_calls() {
    let mut s = setup(
        r#"(module
          (import "host" "add1" (func $add1 (param i32) (result i32)))
          (memory 1) (global $g (mut i32) (i32.const 5))
          (type $t (func (param i32) (result i32)))
          (table 3 funcref) (elem (i32.const 0) $double $add1)
          (func $double (type $t) (i32.mul (local.get 0) (i32.const 2)))
          (func (export "mem") (param i32 i64) (result i64)
            (i64.store offset=8 (local.get 0) (local.get 1))
            (i64.load offset=8 (local.get 0)))
          (func (export "grow") (result i32) (drop (memory.grow (i32.const 2))) (memory.size))
          (func (export "global") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
          (func (export "indirect") (param i32 i32) (result i32) (call_indirect (type $t) (local.get 1) (local.get 0)))
          (func (export "host") (param i32) (result i32) (call $add1 (local.get 0)))
          (func (export "tail") (param i32) (result i32) (return_call $double (local.get 0))))"#,
    );
    assert_eq!(
        s.call("mem", &[Val::I32(100), Val::I64(-3)]),
        Ok(vec![Val::I64(-3)])
    );
    assert_eq!(s.call("grow", &[]), Ok(vec![Val::I32(3)]));
    assert_eq!(s.call("global", &[]), Ok(vec![Val::I32(6)]));
    assert_eq!(
        s.call("indirect", &[Val::I32(0), Val::I32(21)]),
        Ok(vec![Val::I32(42)])
    );
    assert_eq!(
        s.call("indirect", &[Val::I32(1), Val::I32(41)]),
        Ok(vec![Val::I32(42)])
    );
    let msg = |r: Result<Vec<Val>, Trap>| r.err().map(|t| t.to_string());
    assert_eq!(
        msg(s.call("indirect", &[Val::I32(2), Val::I32(1)])).as_deref(),
        Some("uninitialized element")
    );
    assert_eq!(
        msg(s.call("indirect", &[Val::I32(3), Val::I32(1)])).as_deref(),
        Some("undefined element")
    );
    assert_eq!(s.call("host", &[Val::I32(9)]), Ok(vec![Val::I32(10)]));
    assert_eq!(s.call("tail", &[Val::I32(4)]), Ok(vec![Val::I32(8)]));
}

#[test]
fn exceptions_unwind_compiled_frames() {
    let mut s = setup(
        r#"(module
          (tag $e (param i32))
          (func $thrower (param i32) (throw $e (local.get 0)))
          (func (export "catch") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) (call $thrower (local.get 0)))
              (i32.const -1)))
          (func (export "uncaught") (call $thrower (i32.const 1)))
          (func (export "catch_all") (result i32)
            (block $h
              (try_table (catch_all $h) (call $thrower (i32.const 3))))
            (i32.const 7)))"#,
    );
    assert_eq!(s.call("catch", &[Val::I32(42)]), Ok(vec![Val::I32(42)]));
    assert!(matches!(
        s.call("uncaught", &[]),
        Err(Trap::UncaughtException(_))
    ));
    assert_eq!(s.call("catch_all", &[]), Ok(vec![Val::I32(7)]));
}

#[test]
fn functions_without_code_go_through_the_fallback() {
    // Only even function indices are compiled; the fallback runs the others
    // by calling back into the Jit (standing in for the interpreter).
    let mut s = setup_with(FIB, &|i| i % 2 == 0);
    let loop_sum = s.func("loop_sum");
    let mut fallback =
        |_: &mut Store, f: FuncAddr, _: &[Val]| Err(Trap::Host(format!("fallback {}", f.0)));
    let r = s
        .jit
        .call(&mut s.store, loop_sum, &[Val::I64(3)], &mut fallback);
    assert_eq!(r, Err(Trap::Host(format!("fallback {}", loop_sum.0))));
    assert_eq!(s.call("fib", &[Val::I32(10)]), Ok(vec![Val::I32(55)]));
}

#[test]
fn a_panicking_host_function_is_a_trap() {
    let registry = Arc::new(TypeRegistry::new());
    let wat = r#"(module (import "host" "boom" (func $boom)) (func (export "f") (call $boom)))"#;
    let module =
        Arc::new(Module::new(&registry, &wat::parse_str(wat).expect("wat")).expect("module"));
    let mut store = Store::new(registry);
    let mut linker = Linker::new();
    let boom = store.alloc_host_func(
        FuncType::new([], []),
        Arc::new(|_: &mut Caller<'_>, _: &[Val]| -> Result<Vec<Val>, Trap> { panic!("boom") }),
    );
    linker.define("host", "boom", Extern::Func(boom));
    let imports = linker.resolve(&module).expect("imports");
    let instance = store.instantiate(&module, &imports).expect("instantiate");
    let mut jit = Jit::new().expect("jit");
    jit.compile_instance(&mut store, instance, &|_| true)
        .expect("compile");
    let Some(Extern::Func(f)) = store.export(instance, "f") else {
        panic!("no export")
    };
    let mut fallback = |_: &mut Store, _: FuncAddr, _: &[Val]| Ok(Vec::new());
    let r = jit.call(&mut store, f, &[], &mut fallback);
    assert!(matches!(r, Err(Trap::Host(m)) if m.contains("panicked")));
}

#[test]
fn many_functions_compile_on_worker_threads() {
    // f0(x) = x + 1, f_i(x) = f_{i-1}(x) + 1: 40 functions, one batch.
    let mut wat = String::from(
        "(module (func $f0 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))\n",
    );
    for i in 1..40 {
        wat += &format!(
            "(func $f{i} (param i32) (result i32) (i32.add (call $f{} (local.get 0)) (i32.const 1)))\n",
            i - 1
        );
    }
    wat += "(export \"last\" (func $f39)))";
    let mut s = setup(&wat);
    assert_eq!(s.call("last", &[Val::I32(2)]), Ok(vec![Val::I32(42)]));
    assert_eq!(s.jit.compile_stats().1, 40);
}

#[test]
fn deep_recursion_within_the_stack_works() {
    let mut s = setup(
        r#"(module (func $d (export "depth") (param i32) (result i32)
             (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0))
               (else (i32.add (i32.const 1) (call $d (i32.sub (local.get 0) (i32.const 1))))))))"#,
    );
    assert_eq!(
        s.call("depth", &[Val::I32(10_000)]),
        Ok(vec![Val::I32(10_000)])
    );
}

#[test]
fn functions_compile_in_later_batches() {
    // First the even indices, then the rest: every function ends compiled
    // once, and calls across the batches work.
    let mut s = setup_with(FIB, &|i| i % 2 == 0);
    assert_eq!(s.jit.compile_stats().1, 1);
    let report = s
        .jit
        .compile_instance(&mut s.store, s.instance, &|_| true)
        .expect("compile");
    assert_eq!((report.installed, s.jit.compile_stats().1), (2, 2));
    assert_eq!(s.call("loop_sum", &[Val::I64(4)]), Ok(vec![Val::I64(10)]));
    assert_eq!(s.call("fib", &[Val::I32(12)]), Ok(vec![Val::I32(144)]));
}

#[test]
fn memory_grown_by_a_callee_is_seen_by_the_caller() {
    // The caller caches memory 0's bounds; the callee grows it.
    let mut s = setup(
        r#"(module (memory 1)
          (func $grow (drop (memory.grow (i32.const 1))))
          (func (export "f") (result i32)
            (i32.store (i32.const 0) (i32.const 7))
            (call $grow)
            (i32.store (i32.const 70000) (i32.const 35))
            (i32.add (i32.load (i32.const 0)) (i32.load (i32.const 70000))))
          (func (export "before_grow") (result i32) (i32.load (i32.const 70000))))"#,
    );
    let msg = |r: Result<Vec<Val>, Trap>| r.err().map(|t| t.to_string());
    assert_eq!(
        msg(s.call("before_grow", &[])).as_deref(),
        Some("out of bounds memory access")
    );
    assert_eq!(s.call("f", &[]), Ok(vec![Val::I32(42)]));
}
