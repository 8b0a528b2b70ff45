//! Continuations made by compiled `cont.new` from warm records (released
//! records that kept their stack) and started by the compiled start of
//! their type (`cont_start.rs`): values of every type, results beyond the
//! inline payload, traps and backtraces inside them, and what stays live.

#[path = "common/compiled.rs"]
mod compiled;

use compiled::{Setup, setup};
use wasmfx_core::{Trap, Val};

impl Setup {
    fn frames(&self) -> Vec<String> {
        let frames = &self.jit.backtrace().frames;
        frames
            .iter()
            .map(|&f| wasmfx_core::backtrace::func_name(&self.store, f))
            .collect()
    }
}

const PROGRAM: &str = r#"(module
  (type $succ (func (param i32) (result i32)))
  (type $succ_k (cont $succ))
  (type $mix (func (param i64 f32 f64 i32) (result f64 i64 f32 i32)))
  (type $mix_k (cont $mix))
  (type $five (func (param i32) (result i32 i32 i32 i32 i32)))
  (type $five_k (cont $five))
  (type $gen (func (result i32)))
  (type $gen_k (cont $gen))
  (type $sub3 (func (param i32 i32 i32 i32 i32) (result i32)))
  (type $sub3_k (cont $sub3))
  (tag $yield (param i32))
  (elem declare func $successor $mix $five $crash $count $sub3)

  ;; yields 1, 2 and 3, then returns 100
  (func $count (result i32)
    (suspend $yield (i32.const 1))
    (suspend $yield (i32.const 2))
    (suspend $yield (i32.const 3))
    (i32.const 100))
  (func $sub3 (param $a i32) (param $b i32) (param $c i32) (param $d i32) (param $e i32)
    (result i32)
    (i32.sub (i32.sub (i32.sub (i32.sub (local.get $a) (local.get $b)) (local.get $c))
      (local.get $d)) (local.get $e)))

  ;; n generators, each driven to its end: sum of everything yielded and returned
  (func (export "generators") (param $n i32) (result i32)
    (local $i i32) (local $k (ref null $gen_k)) (local $sum i32)
    (loop $each
      (local.set $k (cont.new $gen_k (ref.func $count)))
      (block $done
        (loop $drive
          (block $on_yield (result i32 (ref $gen_k))
            (local.set $sum (i32.add (local.get $sum)
              (resume $gen_k (on $yield $on_yield) (local.get $k))))
            (br $done))
          (local.set $k)
          (local.set $sum (i32.add (local.get $sum)))
          (br $drive)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $each (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  ;; four bound values and one argument: the payload spills past the record
  (func (export "bound") (param $n i32) (result i32) (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (resume $succ_k (local.get $i)
          (cont.bind $sub3_k $succ_k (i32.const 1000) (i32.const 1) (i32.const 2)
            (i32.const 3) (cont.new $sub3_k (ref.func $sub3))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  (func $successor (param $i i32) (result i32)
    (i32.add (local.get $i) (i32.const 1)))
  (func $crash (param $i i32) (result i32)
    (if (i32.eq (local.get $i) (i32.const 7)) (then unreachable))
    (local.get $i))
  (func $mix (param $a i64) (param $b f32) (param $c f64) (param $d i32)
    (result f64 i64 f32 i32)
    (local.get $c) (local.get $a) (local.get $b) (local.get $d))
  (func $five (param $i i32) (result i32 i32 i32 i32 i32)
    (local.get $i)
    (i32.add (local.get $i) (i32.const 1))
    (i32.add (local.get $i) (i32.const 2))
    (i32.add (local.get $i) (i32.const 3))
    (i32.add (local.get $i) (i32.const 4)))

  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $sum i32)
    (loop $l
      (local.set $sum (i32.add (local.get $sum)
        (resume $succ_k (local.get $i) (cont.new $succ_k (ref.func $successor)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  (func $run_crash (param $n i32) (local $i i32)
    (loop $l
      (drop (resume $succ_k (local.get $i) (cont.new $succ_k (ref.func $crash))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n)))))
  (func $crash_entry (export "crash") (param $n i32) (call $run_crash (local.get $n)))

  (func (export "mix") (result f64 i64 f32 i32)
    (drop (drop (drop (drop (resume $mix_k (i64.const 1) (f32.const 2) (f64.const 3)
      (i32.const 4) (cont.new $mix_k (ref.func $mix)))))))
    (resume $mix_k (i64.const -5) (f32.const 0.5) (f64.const -2.25) (i32.const 9)
      (cont.new $mix_k (ref.func $mix))))

  (func (export "five") (param $i i32) (result i32)
    (local $sum i32)
    (resume $five_k (local.get $i) (cont.new $five_k (ref.func $five)))
    (i32.add) (i32.add) (i32.add) (i32.add))
)"#;

#[test]
fn a_loop_of_continuations_reuses_one_record_and_stack() {
    let mut s = setup(PROGRAM);
    // sum over i < n of (i + 1) = n (n + 1) / 2
    let got = s.call("sum", &[Val::I32(10_000)]).expect("sum");
    assert_eq!(got, vec![Val::I32(50_005_000)]);
    assert_eq!(s.live(), 0);
    assert_eq!(s.stacks_mapped(), 1, "one stack, kept with its record");
    assert_eq!(s.store.conts.warm(), 1);
}

/// Compiled code parks a returned record warm with its context at the
/// start of its frames, as the runtime's `restart` does: the collector
/// scans a suspended stack only up to there (fibre's `usable_stack`), so
/// frames above it would hide their roots (a continuation held only there
/// was freed, found by the quickcheck collecting property).
#[test]
fn a_warm_record_restarts_where_its_frames_start() {
    let mut s = setup(PROGRAM);
    s.call("sum", &[Val::I32(3)]).expect("sum");
    assert_eq!(s.store.conts.warm(), 1);
    let record = s.store.conts.take_warm().expect("a warm record");
    // SAFETY: a live record of the store's table, taken off its warm list.
    let record = unsafe { record.as_ref() };
    let (_, frames_start) = record.usable_stack().expect("a stack");
    assert_eq!(record.saved_sp(), frames_start - 8);
    let (_, top) = record.stack_bounds();
    assert_eq!(frames_start, wasmfx_fibre::start_sp(top));
}

#[test]
fn values_of_every_type_cross_the_compiled_start() {
    let mut s = setup(PROGRAM);
    for _ in 0..2 {
        let got = s.call("mix", &[]).expect("mix");
        assert_eq!(
            got,
            vec![
                Val::F64((-2.25f64).to_bits()),
                Val::I64(-5),
                Val::F32(0.5f32.to_bits()),
                Val::I32(9)
            ]
        );
    }
    // Five results do not fit the inline payload: the Rust start runs them.
    for _ in 0..2 {
        assert_eq!(s.call("five", &[Val::I32(10)]), Ok(vec![Val::I32(60)]));
    }
    assert_eq!(s.live(), 0);
}

#[test]
fn a_trap_in_a_warm_continuation_names_its_resumers_and_releases_it() {
    let mut s = setup(PROGRAM);
    // Continuations 0..7 return; the eighth (a warm record) traps.
    let trap = s.call("crash", &[Val::I32(10)]).expect_err("traps");
    assert_eq!(trap, Trap::Unreachable);
    assert_eq!(
        s.frames(),
        vec![
            "<unknown>!crash",
            "<unknown>!run_crash",
            "<unknown>!crash_entry"
        ]
    );
    assert_eq!(s.live(), 0, "the trap released the continuation");
    assert_eq!(s.call("sum", &[Val::I32(100)]), Ok(vec![Val::I32(5050)]));
    assert_eq!(s.live(), 0);
}

#[test]
fn warm_continuations_suspend_and_take_bound_values() {
    let mut s = setup(PROGRAM);
    // Each generator yields 1, 2 and 3 and returns 100.
    let n = 50;
    let expected = n * 106;
    assert_eq!(
        s.call("generators", &[Val::I32(n)]),
        Ok(vec![Val::I32(expected)])
    );
    assert_eq!(s.live(), 0);
    // 1000 - 1 - 2 - 3 - i for each i.
    let expected: i32 = (0..n).map(|i| 994 - i).sum();
    assert_eq!(
        s.call("bound", &[Val::I32(n)]),
        Ok(vec![Val::I32(expected)])
    );
    assert_eq!(s.live(), 0);
    assert!(
        s.stacks_mapped() <= 2,
        "stacks come back with their records"
    );
}
