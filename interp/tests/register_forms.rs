//! The register forms (`op/reg.rs`, `translate/operands.rs`): results
//! stored into locals, compare-and-branch on locals and constants, and the
//! cases where a pending operand must read a local before it is written.

mod common;

use common::instantiate;
use wasmfx_core::Val;

const PROGRAMS: &str = r#"(module
    ;; d = a - b, then d = d * 3 + 1 (result into a local, then read back).
    (func (export "store_into_local") (param i32 i32) (result i32) (local i32)
        (local.set 2 (i32.sub (local.get 0) (local.get 1)))
        (local.set 2 (i32.add (i32.mul (local.get 2) (i32.const 3)) (i32.const 1)))
        (local.get 2))
    ;; local.tee of a register result keeps the value on the stack.
    (func (export "tee_keeps_value") (param i64) (result i64) (local i64)
        (i64.add (local.tee 1 (i64.shl (local.get 0) (i64.const 4))) (local.get 1)))
    ;; A pending local.get 0 below the sum must read x before the set.
    (func (export "read_before_write") (param i32) (result i32)
        (local.get 0)
        (local.set 0 (i32.add (local.get 0) (i32.const 100)))
        (local.get 0)
        (i32.sub))
    ;; x = x + 1 through the pending top itself (reads then writes x).
    (func (export "self_update") (param i32) (result i32)
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (local.get 0))
    ;; Counts down with a compare-and-branch on a local and an immediate,
    ;; and an `if` on a compare of two locals (negated branch).
    (func (export "count") (param i32 i32) (result i32) (local i32)
        (block $done
            (loop $next
                (br_if $done (i32.le_s (local.get 0) (i32.const 0)))
                (if (i32.lt_u (local.get 0) (local.get 1))
                    (then (local.set 2 (i32.add (local.get 2) (i32.const 1)))))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br $next)))
        (local.get 2))
    ;; Loops until a local is zero (`br_if` on the local itself), and an
    ;; `if` on a local.
    (func (export "count_down") (param i32) (result i32) (local i32)
        (if (local.get 0) (then
            (loop
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (local.set 1 (i32.add (local.get 1) (i32.const 3)))
                (br_if 0 (local.get 0)))))
        (local.get 1))
    ;; Branches on a local being zero, stores and pushes its eqz (i32 and
    ;; i64).
    (func (export "zeros") (param i32 i64) (result i32) (local i32)
        (block (br_if 0 (i32.eqz (local.get 0)))
               (local.set 2 (i32.const 100)))
        (local.set 2 (i32.add (local.get 2) (i32.eqz (local.get 0))))
        (i32.add (local.get 2) (i32.mul (i64.eqz (local.get 1)) (i32.const 10))))
    ;; A constant on the left of a commutative op, and i64 immediates that
    ;; do not fit in i32 (the stack forms).
    (func (export "const_left") (param i64) (result i64) (local i64)
        (local.set 1 (i64.add (i64.const 7) (local.get 0)))
        (local.set 1 (i64.xor (local.get 1) (i64.const 0x100000000)))
        (local.get 1))
    ;; f64 arithmetic into a local.
    (func (export "f64_into_local") (param f64 f64) (result f64) (local f64)
        (local.set 2 (f64.div (local.get 0) (local.get 1)))
        (local.get 2))
    ;; a + (b << k) into a local, the shift on either side of the add, a
    ;; shift count past 31 (taken mod 32), and a tee that keeps the value.
    (func (export "add_shl") (param i32 i32) (result i32) (local i32 i32)
        (local.set 2 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))))
        (local.set 3 (i32.add (i32.shl (local.get 1) (i32.const 35)) (local.get 2)))
        (i32.sub (local.tee 2 (i32.add (local.get 3) (i32.shl (local.get 0) (i32.const 31))))
                 (local.get 3)))
    ;; The same sum read by a stack op (not stored in a local), and one that
    ;; overwrites its own operand.
    (func (export "add_shl_stack") (param i32 i32) (result i32)
        (i32.add (i32.const 1) (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 3)))))
    (func (export "add_shl_self") (param i32 i32) (result i32)
        (local.set 1 (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 4))))
        (local.get 1)))"#;

#[test]
fn results_stored_into_locals_are_the_stack_forms_results() {
    let mut inst = instantiate(PROGRAMS);
    assert_eq!(
        inst.i32("store_into_local", &[Val::I32(10), Val::I32(3)]),
        22
    );
    assert_eq!(
        inst.i32("store_into_local", &[Val::I32(i32::MIN), Val::I32(1)]),
        i32::MAX.wrapping_mul(3).wrapping_add(1)
    );
    assert_eq!(inst.i64("tee_keeps_value", &[Val::I64(3)]), 96);
    assert_eq!(inst.i64("const_left", &[Val::I64(1)]), 8 ^ 0x1_0000_0000);
    let quotient = inst.call(
        "f64_into_local",
        &[Val::F64(1.0f64.to_bits()), Val::F64(4.0f64.to_bits())],
    );
    assert_eq!(quotient.expect("runs"), vec![Val::F64(0.25f64.to_bits())]);
}

/// `a + (b << k)` as Wasm computes it (i32, wrapping, `k` mod 32).
fn add_shl(a: i32, b: i32, k: u32) -> i32 {
    a.wrapping_add(b.wrapping_shl(k))
}

#[test]
fn shifted_sums_stored_into_locals_are_the_stack_forms_results() {
    let mut inst = instantiate(PROGRAMS);
    for (a, b) in [
        (5, 7),
        (-3, i32::MAX),
        (i32::MIN, -1),
        (0x1234_5678, 0x0fed_cba9),
    ] {
        let first = add_shl(a, b, 2);
        let second = add_shl(first, b, 35);
        let third = add_shl(second, a, 31);
        let args = [Val::I32(a), Val::I32(b)];
        assert_eq!(
            inst.i32("add_shl", &args),
            third.wrapping_sub(second),
            "{a} {b}"
        );
        assert_eq!(
            inst.i32("add_shl_stack", &args),
            1i32.wrapping_add(add_shl(a, b, 3))
        );
        assert_eq!(inst.i32("add_shl_self", &args), add_shl(a, b, 4));
    }
}

#[test]
fn a_pending_local_reads_its_value_before_a_later_set() {
    let mut inst = instantiate(PROGRAMS);
    assert_eq!(inst.i32("read_before_write", &[Val::I32(5)]), -100);
    assert_eq!(inst.i32("self_update", &[Val::I32(41)]), 42);
}

#[test]
fn compare_and_branch_on_slots_and_immediates() {
    let mut inst = instantiate(PROGRAMS);
    // 10 down to 1; those below 4 (3, 2, 1) count.
    assert_eq!(inst.i32("count", &[Val::I32(10), Val::I32(4)]), 3);
    assert_eq!(inst.i32("count", &[Val::I32(0), Val::I32(4)]), 0);
    assert_eq!(inst.i32("count", &[Val::I32(-5), Val::I32(4)]), 0);
    assert_eq!(inst.i32("count_down", &[Val::I32(7)]), 21);
    assert_eq!(inst.i32("count_down", &[Val::I32(0)]), 0);
    assert_eq!(inst.i32("count_down", &[Val::I32(1)]), 3);
    assert_eq!(inst.i32("zeros", &[Val::I32(0), Val::I64(0)]), 1 + 10);
    assert_eq!(inst.i32("zeros", &[Val::I32(5), Val::I64(0)]), 100 + 10);
    assert_eq!(inst.i32("zeros", &[Val::I32(-1), Val::I64(1 << 40)]), 100);
}

/// Every i32 comparison of two locals, branched on by `br_if` (one op per
/// comparison, `BrIf<cmp>RR`) and by `if` (the negated one), and of a
/// loaded value stored by `local.tee` and a local (`BrIfTee<cmp>`), against
/// Rust's comparison of the same values.
#[test]
fn every_two_slot_compare_and_branch_agrees_with_the_comparison() {
    type Holds = fn(i32, i32) -> bool;
    let cmps: [(&str, Holds); 10] = [
        ("eq", |a, b| a == b),
        ("ne", |a, b| a != b),
        ("lt_s", |a, b| a < b),
        ("lt_u", |a, b| (a as u32) < (b as u32)),
        ("gt_s", |a, b| a > b),
        ("gt_u", |a, b| (a as u32) > (b as u32)),
        ("le_s", |a, b| a <= b),
        ("le_u", |a, b| (a as u32) <= (b as u32)),
        ("ge_s", |a, b| a >= b),
        ("ge_u", |a, b| (a as u32) >= (b as u32)),
    ];
    let funcs: String = cmps
        .iter()
        .map(|(name, _)| {
            format!(
                r#"(func (export "br_{name}") (param i32 i32) (result i32)
                     (block (br_if 0 (i32.{name} (local.get 0) (local.get 1)))
                            (return (i32.const 0)))
                     (i32.const 1))
                   (func (export "if_{name}") (param i32 i32) (result i32)
                     (if (result i32) (i32.{name} (local.get 0) (local.get 1))
                       (then (i32.const 1)) (else (i32.const 0))))
                   ;; 1 when it branched, -1 when not; 0 if the tee went wrong.
                   (func (export "tee_{name}") (param i32 i32) (result i32) (local i32)
                     (i32.store (i32.const 0) (local.get 0))
                     (block
                       (br_if 0 (i32.{name} (local.tee 2 (i32.load (i32.const 0)))
                                            (local.get 1)))
                       (return (i32.sub (i32.const 0) (i32.eq (local.get 2) (local.get 0)))))
                     (i32.eq (local.get 2) (local.get 0)))"#
            )
        })
        .collect();
    let mut inst = instantiate(&format!("(module (memory 1) {funcs})"));
    let values = [0, 1, -1, 7, i32::MIN, i32::MAX];
    for (name, holds) in cmps {
        for a in values {
            for b in values {
                let args = [Val::I32(a), Val::I32(b)];
                let want = i32::from(holds(a, b));
                assert_eq!(
                    inst.i32(&format!("br_{name}"), &args),
                    want,
                    "br_if {name} {a} {b}"
                );
                assert_eq!(
                    inst.i32(&format!("if_{name}"), &args),
                    want,
                    "if {name} {a} {b}"
                );
                let tee = if holds(a, b) { 1 } else { -1 };
                let got = inst.i32(&format!("tee_{name}"), &args);
                assert_eq!(got, tee, "tee {name} {a} {b}");
            }
        }
    }
}

/// Register ops whose operands are temporaries (values computed on the
/// stack) and whose results go to temporaries: trees of binary ops, a
/// local under a pending op (its slot left empty until the op that reads
/// it), a branch on a comparison of temporaries, and a pending read of a
/// local that is written before the read runs.
const TEMPORARIES: &str = r#"(module (memory 1)
    ;; x*x + y*y into a local: two products in temporaries, their sum stored.
    (func (export "dist2") (param f64 f64) (result f64) (local f64)
        (local.set 2 (f64.add (f64.mul (local.get 0) (local.get 0))
                              (f64.mul (local.get 1) (local.get 1))))
        (local.get 2))
    ;; acc = acc + a * b: `acc` is read by the add, the product above it.
    (func (export "accumulate") (param i32 i32 i32) (result i32)
        (local.set 0 (i32.add (local.get 0) (i32.mul (local.get 1) (local.get 2))))
        (local.get 0))
    ;; The same shape left on the stack, with a constant (commutes) and
    ;; one that does not commute (the stack forms).
    (func (export "tree_on_stack") (param i32 i32) (result i32)
        (i32.sub (i32.add (i32.const 100) (i32.mul (local.get 0) (local.get 1)))
                 (i32.sub (i32.const 7) (i32.shl (local.get 1) (i32.const 2)))))
    ;; A loaded value minus a local, stored back into that local.
    (func (export "load_minus") (param i32 i32) (result i32)
        (i32.store (local.get 0) (i32.const 1000))
        (local.set 1 (i32.sub (i32.load (local.get 0)) (local.get 1)))
        (local.get 1))
    ;; a + a*b, pending while a is overwritten: the sum reads the old a.
    (func (export "read_then_tee") (param i32 i32) (result i32)
        (i32.sub (i32.add (local.get 0) (i32.mul (local.get 0) (local.get 1)))
                 (local.tee 0 (i32.const 5))))
    ;; Branches on a comparison of a product and a local.
    (func (export "square_below") (param i32 i32) (result i32)
        (block (br_if 0 (i32.lt_s (i32.mul (local.get 0) (local.get 0)) (local.get 1)))
               (return (i32.const 0)))
        (i32.const 1))
    ;; A pending shifted sum under a local, written to its own slot first.
    (func (export "shifted_sum_plus") (param i32 i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))
                 (local.get 2)))
    ;; Products of locals and constants summed as a tree.
    (func (export "digits") (param i32 i32 i32 i32) (result i32)
        (i32.add (i32.add (i32.mul (local.get 0) (i32.const 1000))
                          (i32.mul (local.get 1) (i32.const 100)))
                 (i32.add (i32.mul (local.get 2) (i32.const 10)) (local.get 3))))
    ;; base + offset + index: stored, teed and loaded from, the offset
    ;; added or subtracted, on either side.
    (func (export "addresses") (param i32 i32) (result i32) (local i32)
        (i32.store (i32.const 256) (i32.const 7))
        (local.set 2 (i32.add (i32.add (local.get 0) (i32.const 64)) (local.get 1)))
        (i32.add (local.get 2)
            (i32.add (local.tee 2 (i32.add (local.get 1) (i32.sub (local.get 0) (i32.const 3))))
                     (i32.load (i32.add (i32.add (i32.const 200) (local.get 0)) (local.get 1))))))
    ;; i64 and f32 trees, and a result kept by local.tee.
    (func (export "i64_tree") (param i64 i64) (result i64) (local i64)
        (i64.add (local.tee 2 (i64.xor (i64.mul (local.get 0) (local.get 1))
                                       (i64.shr_u (local.get 0) (i64.const 3))))
                 (local.get 2)))
    ;; Float constants as operands: f64 ones as 64-bit constants, f32 ones as
    ;; immediates; on the left of a commutative op, and of one that is not.
    (func (export "f64_consts") (param f64) (result f64) (local f64)
        (local.set 1 (f64.add (f64.mul (local.get 0) (f64.const 0.5)) (f64.const 0.01)))
        (f64.div (local.tee 1 (f64.add (f64.const 2.5) (local.get 1)))
                 (f64.sub (f64.const 1) (local.get 0))))
    (func (export "f32_consts") (param f32) (result f32) (local f32)
        (local.set 1 (f32.mul (local.get 0) (f32.const 1.5)))
        (f32.sub (f32.div (local.get 1) (f32.const -3)) (f32.add (f32.const 0.25) (local.get 0))))
    ;; A teed f64 result that a load then wants on the stack (the op's tee
    ;; form), and one with another op between (a push of the local).
    (func (export "tee_then_load") (param f64 f64 i32) (result f64) (local f64 f64)
        (f64.store (local.get 2) (f64.const 4.5))
        (f64.add (local.tee 3 (f64.sub (local.get 0) (local.get 1)))
                 (f64.mul (f64.load (local.get 2)) (local.get 3))))
    (func (export "tee_copy_then_load") (param f64 f64 i32) (result f64) (local f64 f64)
        (f64.store (local.get 2) (f64.const 4.5))
        (local.tee 3 (f64.div (local.get 0) (local.get 1)))
        (local.set 4 (local.get 0))
        (f64.add (f64.load (local.get 2)))
        (f64.sub (local.get 4)))
    (func (export "f32_tree") (param f32 f32) (result f32)
        (f32.sub (f32.mul (local.get 0) (local.get 1)) (f32.div (local.get 1) (local.get 0)))))"#;

#[test]
fn register_ops_on_temporaries_are_the_stack_forms_results() {
    let mut inst = instantiate(TEMPORARIES);
    let f64s = |inst: &mut common::Instance, name: &str, a: f64, b: f64| {
        let args = [Val::F64(a.to_bits()), Val::F64(b.to_bits())];
        match inst.call(name, &args).expect("runs").as_slice() {
            [Val::F64(bits)] => f64::from_bits(*bits),
            other => panic!("{name}: {other:?}"),
        }
    };
    assert_eq!(f64s(&mut inst, "dist2", 3.0, 4.0), 25.0);
    assert_eq!(f64s(&mut inst, "dist2", -0.5, 1e10), 0.25 + 1e20);
    for (a, b) in [
        (3, 4),
        (-7, i32::MAX),
        (i32::MIN, -1),
        (0x1234_5678, 0x7654),
    ] {
        let args3 = [Val::I32(a), Val::I32(b), Val::I32(b ^ 5)];
        assert_eq!(
            inst.i32("accumulate", &args3),
            a.wrapping_add(b.wrapping_mul(b ^ 5)),
            "{a} {b}"
        );
        let args = [Val::I32(a), Val::I32(b)];
        let left = 100i32.wrapping_add(a.wrapping_mul(b));
        let right = 7i32.wrapping_sub(b.wrapping_shl(2));
        assert_eq!(inst.i32("tree_on_stack", &args), left.wrapping_sub(right));
        let args_at = [Val::I32(64), Val::I32(b)];
        assert_eq!(inst.i32("load_minus", &args_at), 1000i32.wrapping_sub(b));
        let sum = a.wrapping_add(a.wrapping_mul(b));
        assert_eq!(inst.i32("read_then_tee", &args), sum.wrapping_sub(5));
        assert_eq!(
            inst.i32("shifted_sum_plus", &args3),
            add_shl(a, b, 2).wrapping_add(b ^ 5)
        );
        let args4 = [Val::I32(a), Val::I32(b), Val::I32(7), Val::I32(-b)];
        let digits = a
            .wrapping_mul(1000)
            .wrapping_add(b.wrapping_mul(100))
            .wrapping_add(70i32.wrapping_sub(b));
        assert_eq!(inst.i32("digits", &args4), digits);
        // Loads at 200 + 40 + 16 = 256.
        let at = [Val::I32(40), Val::I32(16)];
        assert_eq!(
            inst.i32("addresses", &at),
            (40 + 64 + 16) + (16 + 40 - 3) + 7
        );
        let below = i32::from(a.wrapping_mul(a) < b);
        assert_eq!(inst.i32("square_below", &args), below, "{a} {b}");
        let (x, y) = (i64::from(a) << 20, i64::from(b));
        let mixed = x.wrapping_mul(y) ^ ((x as u64) >> 3) as i64;
        let args64 = [Val::I64(x), Val::I64(y)];
        assert_eq!(inst.i64("i64_tree", &args64), mixed.wrapping_add(mixed));
        let x = f64::from(a) / 7.0;
        let acc = 2.5 + (x * 0.5 + 0.01);
        let got = inst.call("f64_consts", &[Val::F64(x.to_bits())]);
        assert_eq!(got, Ok(vec![Val::F64((acc / (1.0 - x)).to_bits())]), "{x}");
        let (p, q) = (f64::from(a) * 0.25, f64::from(b) / 3.0);
        let args = [Val::F64(p.to_bits()), Val::F64(q.to_bits()), Val::I32(16)];
        let want = (p - q) + 4.5 * (p - q);
        let got = inst.call("tee_then_load", &args);
        assert_eq!(got, Ok(vec![Val::F64(want.to_bits())]), "{p} {q}");
        let want = (p / q + 4.5) - p;
        let got = inst.call("tee_copy_then_load", &args);
        assert_eq!(got, Ok(vec![Val::F64(want.to_bits())]), "{p} {q}");
        let y = b as f32 / 9.0;
        let want = (y * 1.5) / -3.0 - (0.25 + y);
        let got = inst.call("f32_consts", &[Val::F32(y.to_bits())]);
        assert_eq!(got, Ok(vec![Val::F32(want.to_bits())]), "{y}");
        let (p, q) = (a as f32 / 3.0, b as f32 + 0.5);
        let args32 = [Val::F32(p.to_bits()), Val::F32(q.to_bits())];
        let got = inst.call("f32_tree", &args32).expect("runs");
        assert_eq!(got, vec![Val::F32((p * q - q / p).to_bits())], "{p} {q}");
    }
}
