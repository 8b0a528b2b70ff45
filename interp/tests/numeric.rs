//! Integer and float edge cases: traps, wrapping, NaN payloads, conversions.

mod common;

use common::instantiate;
use wasmfx_core::Val;

const NUM: &str = r#"(module
    (func (export "i32.div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
    (func (export "i32.rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
    (func (export "i64.div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
    (func (export "i64.div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
    (func (export "i64.rotl") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
    (func (export "i32.shr_s") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))
    (func (export "i64.clz") (param i64) (result i64) (i64.clz (local.get 0)))
    (func (export "i32.wrap") (param i64) (result i32) (i32.wrap_i64 (local.get 0)))
    (func (export "i64.extend_s") (param i32) (result i64) (i64.extend_i32_s (local.get 0)))
    (func (export "i64.extend_u") (param i32) (result i64) (i64.extend_i32_u (local.get 0)))
    (func (export "i64.extend8_s") (param i64) (result i64) (i64.extend8_s (local.get 0)))
    (func (export "i32.trunc_f32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
    (func (export "i64.trunc_f64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))
    (func (export "i32.trunc_sat_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
    (func (export "f32.neg") (param f32) (result f32) (f32.neg (local.get 0)))
    (func (export "f64.abs") (param f64) (result f64) (f64.abs (local.get 0)))
    (func (export "f32.copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
    (func (export "f64.min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
    (func (export "f32.nearest") (param f32) (result f32) (f32.nearest (local.get 0)))
    (func (export "f64.floor") (param f64) (result f64) (f64.floor (local.get 0)))
    (func (export "f32.demote") (param f64) (result f32) (f32.demote_f64 (local.get 0)))
    (func (export "f64.convert_u64") (param i64) (result f64) (f64.convert_i64_u (local.get 0)))
    (func (export "i32.reinterpret") (param f32) (result i32) (i32.reinterpret_f32 (local.get 0)))
    (func (export "f32.lt") (param f32 f32) (result i32) (f32.lt (local.get 0) (local.get 1)))
    ;; The sum of two products stored into an accumulator (f64.add then
    ;; local.set: one op), then read back.
    ;; Counts the zeros among three values (i32.eqz then i32.add: one op).
    (func (export "zeros") (param i32 i32 i32) (result i32)
      (i32.add (i32.add (i32.eqz (local.get 0)) (i32.eqz (local.get 1)))
               (i32.eqz (local.get 2))))
    (func (export "f64.dot2") (param f64 f64 f64 f64) (result f64) (local f64)
      (local.set 4 (f64.add (f64.mul (local.get 0) (local.get 1))
                            (f64.mul (local.get 2) (local.get 3))))
      (local.get 4)))"#;

#[test]
fn integer_division_traps_and_wraps() {
    let mut inst = instantiate(NUM);
    assert_eq!(
        inst.trap("i32.div_s", &[Val::I32(1), Val::I32(0)]),
        "integer divide by zero"
    );
    assert_eq!(
        inst.trap("i32.div_s", &[Val::I32(i32::MIN), Val::I32(-1)]),
        "integer overflow"
    );
    assert_eq!(
        inst.i32("i32.rem_s", &[Val::I32(i32::MIN), Val::I32(-1)]),
        0
    );
    assert_eq!(inst.i32("i32.rem_s", &[Val::I32(-7), Val::I32(2)]), -1);
    assert_eq!(
        inst.i64("i64.div_u", &[Val::I64(-1), Val::I64(2)]),
        i64::MAX
    );
    assert_eq!(
        inst.trap("i64.div_s", &[Val::I64(i64::MIN), Val::I64(-1)]),
        "integer overflow"
    );
    assert_eq!(
        inst.trap("i64.div_u", &[Val::I64(5), Val::I64(0)]),
        "integer divide by zero"
    );
}

#[test]
fn shifts_rotations_and_bit_counts() {
    let mut inst = instantiate(NUM);
    assert_eq!(
        inst.i64("i64.rotl", &[Val::I64(i64::MIN + 1), Val::I64(65)]),
        3,
        "count is mod 64"
    );
    assert_eq!(
        inst.i32("i32.shr_s", &[Val::I32(-16), Val::I32(34)]),
        -4,
        "count is mod 32"
    );
    assert_eq!(inst.i64("i64.clz", &[Val::I64(0)]), 64);
}

#[test]
fn integer_conversions() {
    let mut inst = instantiate(NUM);
    assert_eq!(inst.i32("i32.wrap", &[Val::I64(0x1_ffff_ffff)]), -1);
    assert_eq!(inst.i64("i64.extend_s", &[Val::I32(-1)]), -1);
    assert_eq!(inst.i64("i64.extend_u", &[Val::I32(-1)]), 0xffff_ffff);
    assert_eq!(inst.i64("i64.extend8_s", &[Val::I64(0x1_0000_0080)]), -128);
}

#[test]
fn float_to_int_truncation() {
    let mut inst = instantiate(NUM);
    let f32v = |x: f32| Val::F32(x.to_bits());
    let f64v = |x: f64| Val::F64(x.to_bits());
    assert_eq!(
        inst.i32("i32.trunc_f32_s", &[f32v(-2147483648.0)]),
        i32::MIN
    );
    assert_eq!(
        inst.trap("i32.trunc_f32_s", &[f32v(2147483648.0)]),
        "integer overflow"
    );
    assert_eq!(
        inst.trap("i32.trunc_f32_s", &[f32v(f32::NAN)]),
        "invalid conversion to integer"
    );
    assert_eq!(inst.i64("i64.trunc_f64_u", &[f64v(-0.9)]), 0);
    assert_eq!(
        inst.trap("i64.trunc_f64_u", &[f64v(-1.0)]),
        "integer overflow"
    );
    assert_eq!(inst.i32("i32.trunc_sat_f64_u", &[f64v(1e20)]), -1);
    assert_eq!(inst.i32("i32.trunc_sat_f64_u", &[f64v(f64::NAN)]), 0);
}

#[test]
fn float_sign_ops_keep_nan_payloads() {
    let mut inst = instantiate(NUM);
    let snan32 = 0x7f80_0001;
    assert_eq!(
        inst.call("f32.neg", &[Val::F32(snan32)]),
        Ok(vec![Val::F32(0xff80_0001)])
    );
    assert_eq!(
        inst.call("f64.abs", &[Val::F64(0xfff0_0000_0000_0001)]),
        Ok(vec![Val::F64(0x7ff0_0000_0000_0001)])
    );
    assert_eq!(
        inst.call("f32.copysign", &[Val::F32(snan32), Val::F32(0x8000_0000)]),
        Ok(vec![Val::F32(0xff80_0001)])
    );
    assert_eq!(
        inst.i32("i32.reinterpret", &[Val::F32(snan32)]),
        snan32 as i32
    );
}

#[test]
fn float_arithmetic_edge_cases() {
    let mut inst = instantiate(NUM);
    let neg_zero = (-0.0f64).to_bits();
    assert_eq!(
        inst.call("f64.min", &[Val::F64(0), Val::F64(neg_zero)]),
        Ok(vec![Val::F64(neg_zero)])
    );
    assert_eq!(
        inst.call("f32.nearest", &[Val::F32(2.5f32.to_bits())]),
        Ok(vec![Val::F32(2.0f32.to_bits())])
    );
    assert_eq!(
        inst.call("f64.floor", &[Val::F64((-0.5f64).to_bits())]),
        Ok(vec![Val::F64((-1.0f64).to_bits())])
    );
    match inst
        .call("f64.floor", &[Val::F64(0x7ff0_0000_0000_0001)])
        .as_deref()
    {
        Ok([Val::F64(bits)]) => assert_eq!(bits & (1 << 51), 1 << 51, "NaN result is quiet"),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        inst.call("f32.demote", &[Val::F64(1e300f64.to_bits())]),
        Ok(vec![Val::F32(f32::INFINITY.to_bits())])
    );
    assert_eq!(
        inst.call("f64.convert_u64", &[Val::I64(-1)]),
        Ok(vec![Val::F64(18446744073709551616.0f64.to_bits())])
    );
    assert_eq!(
        inst.i32("f32.lt", &[Val::F32(f32::NAN.to_bits()), Val::F32(0)]),
        0
    );
}

#[test]
fn a_sum_stored_into_a_local_is_the_sum() {
    let mut inst = instantiate(NUM);
    let f = |x: f64| Val::F64(x.to_bits());
    let dot = |a: f64, b: f64, c: f64, d: f64| a * b + c * d;
    for (a, b, c, d) in [
        (1.5, 2.0, -0.25, 8.0),
        (1e308, 10.0, -1.0, 2.0),
        (0.1, 0.2, 0.3, 0.4),
    ] {
        let got = inst
            .call("f64.dot2", &[f(a), f(b), f(c), f(d)])
            .expect("runs");
        assert_eq!(got, vec![f(dot(a, b, c, d))], "{a} {b} {c} {d}");
    }
}

#[test]
fn zeros_are_counted() {
    let mut inst = instantiate(NUM);
    for (a, b, c) in [(0, 0, 0), (1, 0, -1), (i32::MIN, 7, 0), (5, 6, 7)] {
        let want = [a, b, c].iter().filter(|&&x| x == 0).count() as i32;
        let args = [Val::I32(a), Val::I32(b), Val::I32(c)];
        assert_eq!(inst.i32("zeros", &args), want, "{a} {b} {c}");
    }
}
