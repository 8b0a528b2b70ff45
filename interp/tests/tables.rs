//! Tables and reference instructions: get/set/size/grow/fill/copy/init,
//! elem.drop, null references.

mod common;

use common::instantiate;
use wasmfx_core::Val;

const TABLES: &str = r#"(module
    (table $t 2 10 funcref)
    (table $u 3 externref)
    (func $a (result i32) (i32.const 1))
    (func $b (result i32) (i32.const 2))
    (elem $seg func $a $b)
    (func (export "size") (result i32) (table.size $t))
    (func (export "grow") (param i32) (result i32) (table.grow $t (ref.func $a) (local.get 0)))
    (func (export "is_null") (param i32) (result i32) (ref.is_null (table.get $t (local.get 0))))
    (func (export "set_null") (param i32) (table.set $t (local.get 0) (ref.null func)))
    (func (export "init") (param i32 i32 i32) (table.init $t $seg (local.get 0) (local.get 1) (local.get 2)))
    (func (export "drop") (elem.drop $seg))
    (func (export "fill") (param i32 i32) (table.fill $t (local.get 0) (ref.func $b) (local.get 1)))
    (func (export "copy") (param i32 i32 i32) (table.copy $t $t (local.get 0) (local.get 1) (local.get 2)))
    (func (export "call") (param i32) (result i32) (call_indirect $t (result i32) (local.get 0)))
    (func (export "extern_roundtrip") (param externref) (result externref)
      (table.set $u (i32.const 1) (local.get 0))
      (table.get $u (i32.const 1))))"#;

#[test]
fn get_set_size_grow() {
    let mut inst = instantiate(TABLES);
    assert_eq!(inst.i32("size", &[]), 2);
    assert_eq!(inst.i32("is_null", &[Val::I32(0)]), 1);
    assert_eq!(
        inst.trap("is_null", &[Val::I32(2)]),
        "out of bounds table access"
    );
    assert_eq!(inst.i32("grow", &[Val::I32(3)]), 2);
    assert_eq!(inst.i32("size", &[]), 5);
    assert_eq!(inst.i32("is_null", &[Val::I32(4)]), 0);
    assert_eq!(inst.i32("call", &[Val::I32(4)]), 1);
    assert_eq!(inst.i32("grow", &[Val::I32(6)]), -1, "beyond the maximum");
    inst.call("set_null", &[Val::I32(4)]).expect("set");
    assert_eq!(inst.trap("call", &[Val::I32(4)]), "uninitialized element");
}

#[test]
fn init_fill_copy_and_drop() {
    let mut inst = instantiate(TABLES);
    inst.call("init", &[Val::I32(0), Val::I32(0), Val::I32(2)])
        .expect("init");
    assert_eq!(inst.i32("call", &[Val::I32(0)]), 1);
    assert_eq!(inst.i32("call", &[Val::I32(1)]), 2);
    assert_eq!(
        inst.trap("init", &[Val::I32(1), Val::I32(0), Val::I32(2)]),
        "out of bounds table access"
    );
    inst.call("copy", &[Val::I32(0), Val::I32(1), Val::I32(1)])
        .expect("copy");
    assert_eq!(inst.i32("call", &[Val::I32(0)]), 2);
    inst.call("fill", &[Val::I32(0), Val::I32(1)])
        .expect("fill");
    assert_eq!(
        inst.trap("fill", &[Val::I32(1), Val::I32(2)]),
        "out of bounds table access"
    );
    inst.call("drop", &[]).expect("drop");
    assert_eq!(
        inst.trap("init", &[Val::I32(0), Val::I32(0), Val::I32(1)]),
        "out of bounds table access"
    );
}

#[test]
fn externrefs_round_trip() {
    let mut inst = instantiate(TABLES);
    let r = Val::Ref(wasmfx_core::value::Ref::Extern(42));
    assert_eq!(inst.call("extern_roundtrip", &[r]), Ok(vec![r]));
}
