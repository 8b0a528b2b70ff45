//! Stack switching in compiled code, end to end: generators, switch
//! ping-pong, exceptions and traps across continuations, stack overflow in
//! a continuation, and records and stacks going back to their pools.

#[path = "common/compiled.rs"]
mod compiled;

use compiled::setup;
use wasmfx_core::{Trap, Val};

const GENERATOR: &str = r#"(module
  (type $gf (func))
  (type $gk (cont $gf))
  (tag $yield (param i32))
  (func $gen (param) (local $i i32)
    (loop $l
      (suspend $yield (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100)))))
  (elem declare func $gen $leaf $deep $thrower)
  (func (export "sum") (result i32) (local $k (ref null $gk)) (local $sum i32)
    (local.set $k (cont.new $gk (ref.func $gen)))
    (block $done
      (loop $l
        (block $on_yield (result i32 (ref $gk))
          (resume $gk (on $yield $on_yield) (local.get $k))
          (br $done))
        (local.set $k)
        (local.set $sum (i32.add (local.get $sum)))
        (br $l)))
    (local.get $sum))

  (func $leaf)
  (func (export "many") (param $n i32)
    (loop $l
      (resume $gk (cont.new $gk (ref.func $leaf)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l)))

  (func (export "twice") (local $k (ref null $gk))
    (local.set $k (cont.new $gk (ref.func $leaf)))
    (resume $gk (local.get $k))
    (resume $gk (local.get $k)))

  ;; Three nested continuations; the innermost traps or overflows.
  (global $mode (mut i32) (i32.const 0))
  (func $recurse (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $deep (local $d i32)
    (local.set $d (global.get $depth))
    (global.set $depth (i32.add (local.get $d) (i32.const 1)))
    (if (i32.lt_u (local.get $d) (i32.const 2))
      (then (resume $gk (cont.new $gk (ref.func $deep))) (return)))
    (if (i32.eqz (global.get $mode)) (then unreachable))
    (drop (call $recurse (i32.const 0))))
  (global $depth (mut i32) (i32.const 0))
  (func (export "fail") (param $mode i32)
    (global.set $depth (i32.const 0))
    (global.set $mode (local.get $mode))
    (resume $gk (cont.new $gk (ref.func $deep))))

  ;; An exception leaves a continuation and is caught by its resumer.
  (tag $oops (param i32))
  (func $thrower (throw $oops (i32.const 7)))
  (func (export "catch") (result i32)
    (block $h (result i32)
      (try_table (catch $oops $h)
        (resume $gk (cont.new $gk (ref.func $thrower))))
      (i32.const -1)))

  (func (export "unhandled") (suspend $yield (i32.const 1)))
)"#;

#[test]
fn a_generator_yields_to_its_resumer() {
    let mut s = setup(GENERATOR);
    assert_eq!(s.call("sum", &[]), Ok(vec![Val::I32(4950)]));
    assert_eq!(s.live(), 0, "the finished generator is released");
    assert_eq!(s.stacks_mapped(), 1);
}

#[test]
fn finished_continuations_give_their_stacks_back_at_once() {
    let mut s = setup(GENERATOR);
    assert_eq!(s.call("many", &[Val::I32(10_000)]), Ok(vec![]));
    assert_eq!(s.live(), 0);
    assert_eq!(s.stacks_mapped(), 1, "one stack serves them all");
}

#[test]
fn a_continuation_resumes_once() {
    let mut s = setup(GENERATOR);
    let trap = s.call("twice", &[]).expect_err("second resume");
    assert_eq!(trap.to_string(), "continuation already consumed");
}

#[test]
fn a_trap_in_a_chain_unwinds_to_the_host_and_frees_every_stack() {
    let mut s = setup(GENERATOR);
    assert_eq!(s.call("fail", &[Val::I32(0)]), Err(Trap::Unreachable));
    assert_eq!(s.live(), 0, "all three records are released");
    assert_eq!(s.call("sum", &[]), Ok(vec![Val::I32(4950)]));
    assert!(s.stacks_mapped() <= 3, "stacks came back to the pool");
}

#[test]
fn recursion_exhausting_a_continuation_stack_traps() {
    let mut s = setup(GENERATOR);
    assert_eq!(
        s.call("fail", &[Val::I32(1)]),
        Err(Trap::CallStackExhausted)
    );
    assert_eq!(s.live(), 0);
    // The host stack and later continuations are intact.
    assert_eq!(s.call("sum", &[]), Ok(vec![Val::I32(4950)]));
    assert_eq!(
        s.call("fail", &[Val::I32(1)]),
        Err(Trap::CallStackExhausted)
    );
}

#[test]
fn exceptions_cross_continuation_boundaries() {
    let mut s = setup(GENERATOR);
    assert_eq!(s.call("catch", &[]), Ok(vec![Val::I32(7)]));
    assert_eq!(s.live(), 0);
}

#[test]
fn a_suspend_without_handler_traps() {
    let mut s = setup(GENERATOR);
    assert!(matches!(
        s.call("unhandled", &[]),
        Err(Trap::UnhandledTag(_))
    ));
}

const PING_PONG: &str = r#"(module
  (rec
    (type $ft (func (param i32) (param (ref null $ct)) (result i32)))
    (type $ct (cont $ft)))
  (tag $swap (result i32))
  (func $player (type $ft) (local $n i32) (local $other (ref null $ct))
    (local.set $n (local.get 0))
    (local.set $other (local.get 1))
    (loop $l
      (if (i32.ge_u (local.get $n) (global.get $rounds))
        (then (return (local.get $n))))
      (switch $ct $swap (i32.add (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $l))
    (unreachable))
  (global $rounds (mut i32) (i32.const 0))
  (elem declare func $player)
  (func (export "play") (param i32) (result i32)
    (global.set $rounds (local.get 0))
    (resume $ct (on $swap switch)
      (i32.const 0)
      (cont.new $ct (ref.func $player))
      (cont.new $ct (ref.func $player))))
)"#;

#[test]
fn switch_ping_pong_between_two_continuations() {
    let mut s = setup(PING_PONG);
    assert_eq!(s.call("play", &[Val::I32(1000)]), Ok(vec![Val::I32(1000)]));
    // The winner returned; the other player stays suspended.
    assert_eq!(s.live(), 1);
}
