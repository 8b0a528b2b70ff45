//! Exception handling: try_table clauses, throw_ref, unwinding across calls,
//! uncaught exceptions.

mod common;

use common::instantiate;
use wasmfx_core::{Trap, Val};

const EXN: &str = r#"(module
    (tag $e (export "e") (param i32))
    (tag $e2 (param i64 i32))
    (tag $empty)

    (func $thrower (param i32)
      (if (local.get 0) (then (throw $e (i32.const 7)))))

    (func (export "catch") (param i32) (result i32)
      (block $h (result i32)
        (try_table (catch $e $h)
          (call $thrower (local.get 0)))
        (i32.const -1)))

    (func (export "catch_two_fields") (result i64 i32)
      (block $h (result i64 i32)
        (try_table (catch $e2 $h)
          (throw $e2 (i64.const -5) (i32.const 9)))
        (unreachable)))

    (func (export "catch_all") (result i32)
      (block $h
        (try_table (catch_all $h)
          (throw $empty)))
      (i32.const 1))

    (func (export "rethrow") (result i32)
      ;; catch_ref then throw_ref to an outer handler; the payload survives.
      (block $outer (result i32)
        (try_table (catch $e $outer)
          (block $inner (result exnref)
            (try_table (catch_all_ref $inner)
              (throw $e (i32.const 33)))
            (unreachable))
          (throw_ref))
        (i32.const -1)))

    (func (export "catch_ref_payload") (result i32)
      (block $h (result i32 exnref)
        (try_table (catch_ref $e $h)
          (throw $e (i32.const 5)))
        (unreachable))
      (drop))

    (func (export "inner_handler_wins") (result i32)
      (block $outer (result i32)
        (try_table (catch $e $outer)
          (block $inner (result i32)
            (try_table (catch $e $inner)
              (throw $e (i32.const 1)))
            (unreachable))
          (i32.add (i32.const 100))
          (return))
        (i32.const 1000)))

    (func $deep (param i32)
      (if (i32.eqz (local.get 0)) (then (throw $e (i32.const 77))))
      (call $deep (i32.sub (local.get 0) (i32.const 1))))

    (func (export "across_calls") (result i32)
      (block $h (result i32)
        (try_table (catch $e $h) (call $deep (i32.const 1000)))
        (i32.const -1)))

    (func (export "uncaught") (throw $e (i32.const 3)))
    (func (export "null_throw_ref") (throw_ref (ref.null exn)))

    (func (export "wrong_tag_passes_through") (result i32)
      (block $h
        (try_table (catch $empty $h) (throw $e (i32.const 4))))
      (i32.const 0)))"#;

#[test]
fn catch_binds_payload() {
    let mut inst = instantiate(EXN);
    assert_eq!(inst.i32("catch", &[Val::I32(1)]), 7);
    assert_eq!(inst.i32("catch", &[Val::I32(0)]), -1);
    assert_eq!(
        inst.call("catch_two_fields", &[]),
        Ok(vec![Val::I64(-5), Val::I32(9)])
    );
    assert_eq!(inst.i32("catch_ref_payload", &[]), 5);
}

#[test]
fn catch_all_and_rethrow() {
    let mut inst = instantiate(EXN);
    assert_eq!(inst.i32("catch_all", &[]), 1);
    assert_eq!(inst.i32("rethrow", &[]), 33);
    assert_eq!(inst.i32("inner_handler_wins", &[]), 101);
}

#[test]
fn unwinds_across_calls() {
    let mut inst = instantiate(EXN);
    assert_eq!(inst.i32("across_calls", &[]), 77);
    // The frames unwound above must not leak into later calls.
    assert_eq!(inst.i32("across_calls", &[]), 77);
}

#[test]
fn uncaught_exceptions_and_null_refs() {
    let mut inst = instantiate(EXN);
    match inst.call("uncaught", &[]) {
        Err(Trap::UncaughtException(exn)) => {
            assert_eq!(inst.store.exns[exn.0 as usize].fields.as_ref(), &[3]);
        }
        other => panic!("expected an uncaught exception, got {other:?}"),
    }
    assert_eq!(
        inst.trap("wrong_tag_passes_through", &[]),
        "uncaught exception"
    );
    assert_eq!(inst.trap("null_throw_ref", &[]), "null exception reference");
}
