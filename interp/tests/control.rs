//! Control flow: recursion, loops, br_table, multi-value blocks, if/else.

mod common;

use common::instantiate;
use wasmfx_core::Val;

#[test]
fn recursive_fib() {
    let mut inst = instantiate(
        r#"(module
            (func $fib (export "fib") (param $n i32) (result i32)
              (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
                (then (local.get $n))
                (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                               (call $fib (i32.sub (local.get $n) (i32.const 2))))))))"#,
    );
    assert_eq!(inst.i32("fib", &[Val::I32(25)]), 75025);
    assert_eq!(inst.i32("fib", &[Val::I32(0)]), 0);
}

#[test]
fn loop_with_locals_sums() {
    let mut inst = instantiate(
        r#"(module
            (func (export "sum") (param $n i64) (result i64) (local $acc i64)
              (block $done
                (loop $next
                  (br_if $done (i64.eqz (local.get $n)))
                  (local.set $acc (i64.add (local.get $acc) (local.get $n)))
                  (local.set $n (i64.sub (local.get $n) (i64.const 1)))
                  (br $next)))
              (local.get $acc)))"#,
    );
    assert_eq!(inst.i64("sum", &[Val::I64(100_000)]), 5_000_050_000);
}

#[test]
fn br_table_selects_targets_and_default() {
    let mut inst = instantiate(
        r#"(module
            (func (export "classify") (param i32) (result i32)
              (block $d (block $c (block $b (block $a
                (br_table $a $b $c $d (local.get 0)))
                (return (i32.const 10)))
                (return (i32.const 11)))
                (return (i32.const 12)))
              (i32.const 13)))"#,
    );
    let got: Vec<i32> = (0..6)
        .map(|i| inst.i32("classify", &[Val::I32(i)]))
        .collect();
    assert_eq!(got, [10, 11, 12, 13, 13, 13]);
    assert_eq!(
        inst.i32("classify", &[Val::I32(-1)]),
        13,
        "index is unsigned"
    );
}

#[test]
fn branches_carry_values_over_dropped_operands() {
    let mut inst = instantiate(
        r#"(module
            (func (export "f") (param i32) (result i32 i32)
              (block (result i32 i32)
                (i32.const 100) (i32.const 200) (i32.const 300)
                (i32.const 1) (i32.const 2)
                (br_if 0 (local.get 0))
                (drop) (drop) (drop) (drop) (drop)
                (i32.const 7) (i32.const 8))))"#,
    );
    assert_eq!(
        inst.call("f", &[Val::I32(1)]),
        Ok(vec![Val::I32(1), Val::I32(2)])
    );
    assert_eq!(
        inst.call("f", &[Val::I32(0)]),
        Ok(vec![Val::I32(7), Val::I32(8)])
    );
}

#[test]
fn multi_value_blocks_loops_and_calls() {
    let mut inst = instantiate(
        r#"(module
            (func $swap (param i32 i32) (result i32 i32) (local.get 1) (local.get 0))
            (func (export "swap_twice") (param i32 i32) (result i32 i32)
              (call $swap (call $swap (local.get 0) (local.get 1))))
            (func (export "block_params") (result i32)
              (i32.const 3) (i32.const 4)
              (block (param i32 i32) (result i32) (i32.mul)))
            (func (export "countdown") (param i32) (result i32 i32)
              ;; loop params: (counter, steps)
              (local.get 0) (i32.const 0)
              (loop $l (param i32 i32) (result i32 i32)
                (local.set 0 (i32.add (i32.const 1)))
                (local.tee 0 (i32.sub (i32.const 1)))
                (local.get 0)
                (br_if $l (i32.ne (local.get 0) (i32.const 0))))))
            "#,
    );
    assert_eq!(
        inst.call("swap_twice", &[Val::I32(1), Val::I32(2)]),
        Ok(vec![Val::I32(1), Val::I32(2)])
    );
    assert_eq!(inst.i32("block_params", &[]), 12);
    assert_eq!(
        inst.call("countdown", &[Val::I32(5)]),
        Ok(vec![Val::I32(0), Val::I32(0)])
    );
}

#[test]
fn if_else_with_unreachable_arms() {
    let mut inst = instantiate(
        r#"(module
            (func (export "f") (param i32) (result i32)
              (if (result i32) (local.get 0)
                (then (return (i32.const 1)) (i32.const 99))
                (else (br 0 (i32.const 2)) (unreachable)))))"#,
    );
    assert_eq!(inst.i32("f", &[Val::I32(1)]), 1);
    assert_eq!(inst.i32("f", &[Val::I32(0)]), 2);
}

#[test]
fn unreachable_traps_and_select_picks() {
    let mut inst = instantiate(
        r#"(module
            (func (export "boom") (unreachable))
            (func (export "pick") (param i32) (result i64)
              (select (i64.const 10) (i64.const 20) (local.get 0))))"#,
    );
    assert_eq!(inst.trap("boom", &[]), "unreachable");
    assert_eq!(inst.i64("pick", &[Val::I32(5)]), 10);
    assert_eq!(inst.i64("pick", &[Val::I32(0)]), 20);
}

#[test]
fn unsupported_instructions_trap_when_reached() {
    let mut inst = instantiate(
        r#"(module
            (type $s (struct (field i32)))
            (func (export "gc") (param i32) (result i32)
              (if (local.get 0) (then (drop (struct.new $s (i32.const 1)))))
              (i32.const 5)))"#,
    );
    assert_eq!(inst.i32("gc", &[Val::I32(0)]), 5, "not reached: runs");
    assert_eq!(
        inst.trap("gc", &[Val::I32(1)]),
        "unsupported instruction: struct.new"
    );
}

#[test]
fn no_fusion_across_a_branch_target() {
    // `i32.const 16` ends the block and `i32.add` follows its label: fusing
    // them into one op would make the `br 1` path skip the addition.
    let mut inst = instantiate(
        r#"(module
            (func (export "f") (param i32) (result i32)
              (i32.add
                (i32.const 1)
                (block (result i32)
                  (br_if 0 (i32.const 8) (local.get 0))
                  (drop)
                  (i32.const 16)))))"#,
    );
    assert_eq!(inst.i32("f", &[Val::I32(1)]), 9);
    assert_eq!(inst.i32("f", &[Val::I32(0)]), 17);
}
