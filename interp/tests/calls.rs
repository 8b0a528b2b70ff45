//! Calls: indirect-call traps, tail calls, call depth limits, host functions,
//! function references, calls into another instance.

mod common;

use common::{instantiate, instantiate_with};
use std::sync::Arc;
use wasmfx_core::{Extern, FuncType, Linker, Module, Store, TypeRegistry, Val, ValType};
use wasmfx_interp::{Config, Interpreter};

const INDIRECT: &str = r#"(module
    (type $ii (func (param i32) (result i32)))
    (type $v (func))
    (table 4 funcref)
    (elem (i32.const 0) $double $nothing)
    (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
    (func $nothing (type $v))
    (func (export "call") (param $slot i32) (param $x i32) (result i32)
      (call_indirect (type $ii) (local.get $x) (local.get $slot))))"#;

#[test]
fn call_indirect_checks_bounds_null_and_type() {
    let mut inst = instantiate(INDIRECT);
    assert_eq!(inst.i32("call", &[Val::I32(0), Val::I32(21)]), 42);
    assert_eq!(
        inst.trap("call", &[Val::I32(1), Val::I32(0)]),
        "indirect call type mismatch"
    );
    assert_eq!(
        inst.trap("call", &[Val::I32(2), Val::I32(0)]),
        "uninitialized element"
    );
    assert_eq!(
        inst.trap("call", &[Val::I32(4), Val::I32(0)]),
        "undefined element"
    );
    assert_eq!(
        inst.trap("call", &[Val::I32(-1), Val::I32(0)]),
        "undefined element"
    );
}

#[test]
fn tail_calls_run_in_constant_frame_depth() {
    // A frame limit of 50 would be exceeded at once if return_call pushed frames.
    let config = Config {
        max_call_depth: 50,
        ..Config::default()
    };
    let mut inst = instantiate_with(
        r#"(module
            (type $t (func (param i64 i64) (result i64)))
            (table funcref (elem $count_indirect))
            (func $count (export "count") (param $n i64) (param $acc i64) (result i64)
              (if (result i64) (i64.eqz (local.get $n))
                (then (local.get $acc))
                (else (return_call $count (i64.sub (local.get $n) (i64.const 1))
                                          (i64.add (local.get $acc) (i64.const 1))))))
            (func $count_indirect (export "count_indirect") (param $n i64) (param $acc i64) (result i64)
              (if (result i64) (i64.eqz (local.get $n))
                (then (local.get $acc))
                (else (return_call_indirect (type $t)
                        (i64.sub (local.get $n) (i64.const 1))
                        (i64.add (local.get $acc) (i64.const 2))
                        (i32.const 0)))))
            (func $count_ref (export "count_ref") (param $n i64) (param $acc i64) (result i64)
              (if (result i64) (i64.eqz (local.get $n))
                (then (local.get $acc))
                (else (return_call_ref $t
                        (i64.sub (local.get $n) (i64.const 1))
                        (i64.add (local.get $acc) (i64.const 3))
                        (ref.func $count_ref)))))
            (elem declare func $count_ref))"#,
        config,
        |_, _| {},
    );
    assert_eq!(
        inst.i64("count", &[Val::I64(1_000_000), Val::I64(0)]),
        1_000_000
    );
    assert_eq!(
        inst.i64("count_indirect", &[Val::I64(100_000), Val::I64(0)]),
        200_000
    );
    assert_eq!(
        inst.i64("count_ref", &[Val::I64(100_000), Val::I64(0)]),
        300_000
    );
}

#[test]
fn deep_recursion_exhausts_the_call_stack() {
    let mut inst = instantiate(
        r#"(module
            (func $down (export "down") (param i32) (result i32)
              (if (result i32) (i32.eqz (local.get 0))
                (then (i32.const 0))
                (else (i32.add (i32.const 1) (call $down (i32.sub (local.get 0) (i32.const 1)))))))
            (func $forever (export "forever") (call $forever)))"#,
    );
    assert_eq!(inst.i32("down", &[Val::I32(50_000)]), 50_000);
    assert_eq!(inst.trap("forever", &[]), "call stack exhausted");
    // The interpreter is usable after the trap.
    assert_eq!(inst.i32("down", &[Val::I32(10)]), 10);
}

#[test]
fn host_functions_get_typed_arguments() {
    let mut inst = instantiate_with(
        r#"(module
            (import "host" "add" (func $add (param i32 i64) (result i64)))
            (func (export "f") (result i64) (call $add (i32.const -2) (i64.const 10)))
            (func (export "tail") (result i64) (return_call $add (i32.const 5) (i64.const 5))))"#,
        Config::default(),
        |store: &mut Store, linker: &mut Linker| {
            let ty = FuncType::new([ValType::I32, ValType::I64], [ValType::I64]);
            let f = store.alloc_host_func(
                ty,
                Arc::new(|_: &mut wasmfx_core::Caller<'_>, args: &[Val]| match args {
                    [Val::I32(a), Val::I64(b)] => Ok(vec![Val::I64(*a as i64 + b)]),
                    _ => Err(wasmfx_core::Trap::Host("bad args".into())),
                }),
            );
            linker.define("host", "add", Extern::Func(f));
        },
    );
    assert_eq!(inst.i64("f", &[]), 8);
    assert_eq!(inst.i64("tail", &[]), 10);
}

#[test]
fn function_references_and_null_checks() {
    let mut inst = instantiate(
        r#"(module
            (type $ii (func (param i32) (result i32)))
            (func $inc (type $ii) (i32.add (local.get 0) (i32.const 1)))
            (elem declare func $inc)
            (func (export "call_ref") (param i32) (result i32)
              (call_ref $ii (local.get 0) (ref.func $inc)))
            (func (export "call_null") (result i32)
              (call_ref $ii (i32.const 0) (ref.null $ii)))
            (func (export "on_null") (param i32) (result i32)
              (block $null
                (return (call_ref $ii (i32.const 41)
                  (br_on_null $null (select (result (ref null $ii))
                    (ref.func $inc) (ref.null $ii) (local.get 0))))))
              (i32.const -1))
            (func (export "on_non_null") (param i32) (result i32)
              (i32.const 9)
              (block $some (result (ref $ii))
                (br_on_non_null $some (select (result (ref null $ii))
                  (ref.func $inc) (ref.null $ii) (local.get 0)))
                (return (i32.const -1)))
              (call_ref $ii))
            (func (export "as_non_null") (result i32)
              (ref.is_null (ref.as_non_null (ref.null func)))))"#,
    );
    assert_eq!(inst.i32("call_ref", &[Val::I32(1)]), 2);
    assert_eq!(inst.trap("call_null", &[]), "null function reference");
    assert_eq!(inst.i32("on_null", &[Val::I32(1)]), 42);
    assert_eq!(inst.i32("on_null", &[Val::I32(0)]), -1);
    assert_eq!(inst.i32("on_non_null", &[Val::I32(1)]), 10);
    assert_eq!(inst.i32("on_non_null", &[Val::I32(0)]), -1);
    assert_eq!(inst.trap("as_non_null", &[]), "null reference");
}

#[test]
fn imported_wasm_functions_run_with_their_own_instance() {
    let registry = Arc::new(TypeRegistry::new());
    let mut store = Store::new(registry.clone());
    let provider = wat::parse_str(
        r#"(module
            (global $g (mut i32) (i32.const 100))
            (func (export "bump") (result i32)
              (global.set $g (i32.add (global.get $g) (i32.const 1)))
              (global.get $g)))"#,
    )
    .expect("wat");
    let provider = Arc::new(Module::new(&registry, &provider).expect("valid"));
    let provider = store.instantiate(&provider, &[]).expect("instantiates");
    let user = wat::parse_str(
        r#"(module
            (import "p" "bump" (func $bump (result i32)))
            (global $g (mut i32) (i32.const 0))
            (func (export "twice") (result i32)
              (drop (call $bump))
              (i32.add (call $bump) (global.get $g))))"#,
    )
    .expect("wat");
    let user = Arc::new(Module::new(&registry, &user).expect("valid"));
    let mut linker = Linker::new();
    linker.define_instance(&store, "p", provider);
    let imports = linker.resolve(&user).expect("resolves");
    let user = store.instantiate(&user, &imports).expect("instantiates");
    let Some(Extern::Func(twice)) = store.export(user, "twice") else {
        panic!("no export")
    };
    let mut interp = Interpreter::new(Config::default());
    assert_eq!(interp.call(&mut store, twice, &[]), Ok(vec![Val::I32(102)]));
}

#[test]
fn wrong_argument_count_is_an_error() {
    let mut inst = instantiate(INDIRECT);
    assert_eq!(
        inst.trap("call", &[Val::I32(0)]),
        "expected 2 arguments, got 1"
    );
}
