//! Memory: loads and stores of every width, bounds traps, grow, bulk
//! operations, multiple memories and 64-bit addresses.

mod common;

use common::instantiate;
use wasmfx_core::Val;

const MEM: &str = r#"(module
    (memory $m 1 2)
    (memory $big i64 1)
    (data $d "\01\02\03\04")
    (func (export "store_load") (param i32 i64) (result i64)
      (i64.store offset=8 (local.get 0) (local.get 1))
      (i64.load offset=8 (local.get 0)))
    (func (export "load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
    (func (export "load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
    (func (export "load16_s64") (param i32) (result i64) (i64.load16_s (local.get 0)))
    (func (export "load32_u64") (param i32) (result i64) (i64.load32_u (local.get 0)))
    (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "size") (result i32) (memory.size))
    (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
    (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
    (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2)))
    (func (export "drop") (data.drop $d))
    (func (export "big_store_load") (param i64 i32) (result i32)
      (i32.store $big (local.get 0) (local.get 1))
      (i32.load $big (local.get 0)))
    (func (export "big_load_offset") (param i64) (result i32)
      (i32.load $big offset=0xffffffffffffff00 (local.get 0)))
    (func (export "cross_copy") (result i32)
      (i32.store $m (i32.const 0) (i32.const 0x11223344))
      (memory.copy $big $m (i64.const 100) (i32.const 0) (i32.const 4))
      (i32.load $big (i64.const 100)))
    ;; A computed address (not a local: the add fuses into the load) plus
    ;; a constant: the add wraps in i32 before the offset is added (no
    ;; wrap there).
    (func (export "load_at_plus_8") (param i32) (result i32)
      (i32.load offset=4 (i32.add (i32.mul (local.get 0) (i32.const 1)) (i32.const 8))))
    ;; A local plus a constant (fused into one byte load at local + c),
    ;; with a static offset after it.
    (func (export "byte_at_local_plus_3") (param i32) (result i32)
      (i32.load8_u offset=1 (i32.add (local.get 0) (i32.const 3))))
    ;; Stores local 1 at local 0 + 4 + offset 2 (one op), reads it back.
    (func (export "store_local_at") (param i32 i32) (result i32)
      (i32.store offset=2 (i32.add (local.get 0) (i32.const 4)) (local.get 1))
      (i32.load offset=6 (local.get 0)))
    (func (export "i64_at_local_minus_2") (param i32) (result i64)
      (i64.load offset=2 (i32.add (local.get 0) (i32.const -2))))
    (func (export "f64_at_local_plus_4") (param i32) (result f64)
      (f64.load offset=4 (i32.add (local.get 0) (i32.const 4))))
    (func (export "load64_at_plus_8") (param i32) (result i64)
      (i64.load (i32.add (i32.mul (local.get 0) (i32.const 1)) (i32.const 8))))
    (func (export "f32_bits") (param i32) (result i32)
      ;; Float loads and stores move bits: a signaling NaN survives.
      (f32.store (i32.const 0) (f32.load (local.get 0)))
      (i32.load (i32.const 0))))"#;

#[test]
fn loads_and_stores_of_every_width() {
    let mut inst = instantiate(MEM);
    let v = 0x0123_4567_89ab_cdef;
    assert_eq!(inst.i64("store_load", &[Val::I32(16), Val::I64(v)]), v);
    inst.call("store8", &[Val::I32(0), Val::I32(0x80)])
        .expect("store");
    assert_eq!(inst.i32("load8_s", &[Val::I32(0)]), -128);
    assert_eq!(inst.i32("load8_u", &[Val::I32(0)]), 128);
    inst.call("store8", &[Val::I32(1), Val::I32(0xff)])
        .expect("store");
    assert_eq!(inst.i64("load16_s64", &[Val::I32(0)]), -128);
    inst.call("store8", &[Val::I32(3), Val::I32(0xf0)])
        .expect("store");
    assert_eq!(inst.i64("load32_u64", &[Val::I32(0)]), 0xf000_ff80);
}

#[test]
fn an_added_constant_wraps_before_the_offset() {
    let mut inst = instantiate(MEM);
    inst.call(
        "store_load",
        &[Val::I32(0), Val::I64(0x0102_0304_0506_0708)],
    )
    .expect("store");
    // -12 + 8 wraps to 0xffff_fffc; + offset 4 is 2^32: out of bounds.
    assert_eq!(
        inst.trap("load_at_plus_8", &[Val::I32(-12)]),
        "out of bounds memory access"
    );
    // 0 + 8 + 4: bytes 12..16, the high half of what was stored at 8.
    assert_eq!(inst.i32("load_at_plus_8", &[Val::I32(0)]), 0x0102_0304);
    assert_eq!(
        inst.i64("load64_at_plus_8", &[Val::I32(0)]),
        0x0102_0304_0506_0708
    );
    // A byte at local + 3 + offset 1: bytes 8..16 hold 08 07 .. 01.
    assert_eq!(inst.i32("byte_at_local_plus_3", &[Val::I32(8)]), 0x04);
    assert_eq!(inst.i32("byte_at_local_plus_3", &[Val::I32(11)]), 0x01);
    // -4 + 3 wraps to 0xffff_ffff; + offset 1 is 2^32: out of bounds.
    assert_eq!(
        inst.trap("byte_at_local_plus_3", &[Val::I32(-4)]),
        "out of bounds memory access"
    );
    // -3 + 3 wraps to 0: byte 1, never written.
    assert_eq!(inst.i32("byte_at_local_plus_3", &[Val::I32(-3)]), 0);
    // Eight bytes at local - 2 + offset 2, and at local + 4 + offset 4.
    let stored = 0x0102_0304_0506_0708;
    assert_eq!(inst.i64("i64_at_local_minus_2", &[Val::I32(8)]), stored);
    let bits = inst
        .call("f64_at_local_plus_4", &[Val::I32(0)])
        .expect("loads");
    assert_eq!(bits, vec![Val::F64(stored as u64)]);
    // A local stored at a local plus a constant (and the static offset).
    assert_eq!(
        inst.i32("store_local_at", &[Val::I32(100), Val::I32(-7)]),
        -7
    );
    assert_eq!(
        inst.i32("store_local_at", &[Val::I32(65526), Val::I32(9)]),
        9
    );
    assert_eq!(
        inst.trap("store_local_at", &[Val::I32(65527), Val::I32(1)]),
        "out of bounds memory access"
    );
    // 1 - 2 wraps to 0xffff_ffff; + offset 2 passes 2^32: out of bounds.
    assert_eq!(
        inst.trap("i64_at_local_minus_2", &[Val::I32(1)]),
        "out of bounds memory access"
    );
    // -8 + 8 wraps to 0 (no trap): bytes 4..8 and 0..8, never written.
    assert_eq!(inst.i32("load_at_plus_8", &[Val::I32(-8)]), 0);
    assert_eq!(inst.i64("load64_at_plus_8", &[Val::I32(-8)]), 0);
}

#[test]
fn out_of_bounds_accesses_trap() {
    let mut inst = instantiate(MEM);
    assert_eq!(inst.i32("load", &[Val::I32(65532)]), 0);
    assert_eq!(
        inst.trap("load", &[Val::I32(65533)]),
        "out of bounds memory access"
    );
    assert_eq!(
        inst.trap("load", &[Val::I32(-1)]),
        "out of bounds memory access"
    );
    assert_eq!(
        inst.trap("store_load", &[Val::I32(65530), Val::I64(0)]),
        "out of bounds memory access"
    );
    assert_eq!(
        inst.trap("big_load_offset", &[Val::I64(0x100)]),
        "out of bounds memory access",
        "address + offset overflowing u64 traps"
    );
}

#[test]
fn grow_and_size() {
    let mut inst = instantiate(MEM);
    assert_eq!(inst.i32("size", &[]), 1);
    assert_eq!(inst.i32("grow", &[Val::I32(1)]), 1);
    assert_eq!(inst.i32("size", &[]), 2);
    assert_eq!(inst.i32("grow", &[Val::I32(1)]), -1, "beyond the maximum");
    assert_eq!(inst.i32("load", &[Val::I32(131068)]), 0);
}

#[test]
fn bulk_operations() {
    let mut inst = instantiate(MEM);
    inst.call("fill", &[Val::I32(10), Val::I32(0xaa), Val::I32(3)])
        .expect("fill");
    assert_eq!(inst.i32("load", &[Val::I32(10)]), 0x00aa_aaaa);
    inst.call("copy", &[Val::I32(11), Val::I32(10), Val::I32(4)])
        .expect("overlapping copy");
    assert_eq!(inst.i32("load", &[Val::I32(10)]), 0xaaaa_aaaa_u32 as i32);
    inst.call("init", &[Val::I32(20), Val::I32(1), Val::I32(3)])
        .expect("init");
    assert_eq!(inst.i32("load", &[Val::I32(20)]), 0x0004_0302);
    assert_eq!(
        inst.trap("init", &[Val::I32(0), Val::I32(2), Val::I32(3)]),
        "out of bounds memory access"
    );
    assert_eq!(
        inst.trap("fill", &[Val::I32(65535), Val::I32(0), Val::I32(2)]),
        "out of bounds memory access"
    );
    inst.call("drop", &[]).expect("drop");
    assert_eq!(
        inst.trap("init", &[Val::I32(0), Val::I32(0), Val::I32(1)]),
        "out of bounds memory access"
    );
    inst.call("init", &[Val::I32(0), Val::I32(0), Val::I32(0)])
        .expect("empty init after drop");
}

#[test]
fn memory64_and_multiple_memories() {
    let mut inst = instantiate(MEM);
    assert_eq!(
        inst.i32("big_store_load", &[Val::I64(65532), Val::I32(-7)]),
        -7
    );
    assert_eq!(
        inst.trap("big_store_load", &[Val::I64(1 << 40), Val::I32(0)]),
        "out of bounds memory access"
    );
    assert_eq!(inst.i32("cross_copy", &[]), 0x1122_3344);
    inst.call("store8", &[Val::I32(100), Val::I32(0x01)])
        .expect("store");
    inst.call("store8", &[Val::I32(101), Val::I32(0x00)])
        .expect("store");
    inst.call("store8", &[Val::I32(102), Val::I32(0x80)])
        .expect("store");
    inst.call("store8", &[Val::I32(103), Val::I32(0x7f)])
        .expect("store");
    assert_eq!(inst.i32("f32_bits", &[Val::I32(100)]), 0x7f80_0001);
}
