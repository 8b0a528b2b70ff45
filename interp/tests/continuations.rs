//! Stack switching in the interpreter: generators, a scheduler, cont.bind
//! chains, forwarding through nested handlers, switch, exceptions and traps
//! crossing continuations, one-shot references, and release of storage.

mod common;

use common::{Instance, instantiate};
use wasmfx_core::value::Ref;
use wasmfx_core::{Trap, Val};

const PROGRAM: &str = r#"(module
  (type $kf (func))
  (type $kc (cont $kf))
  (type $gf (func (param i32)))
  (type $gc (cont $gf))
  (type $tf (func (param i64)))
  (type $tc (cont $tf))
  (type $f4 (func (param i32 i32 i32 i32) (result i32)))
  (type $c4 (cont $f4))
  (type $f3 (func (param i32 i32 i32) (result i32)))
  (type $c3 (cont $f3))
  (type $f1 (func (param i32) (result i32)))
  (type $c1 (cont $f1))
  (type $f0 (func (result i32)))
  (type $c0 (cont $f0))
  (rec (type $pf (func (param i32 (ref null $pc)))) (type $pc (cont $pf)))

  (tag $yield (param i32))
  (tag $tick)
  (tag $ask (result i32))
  (tag $never)
  (tag $sw)
  (tag $exn (param i32))

  (global $trace (mut i64) (i64.const 0))
  (global $turns (mut i32) (i32.const 0))
  (table $queue 16 (ref null $kc))
  (global $head (mut i32) (i32.const 0))
  (global $tail (mut i32) (i32.const 0))

  (elem declare func $gen $thread $add4 $nest $player $rec $thrower $ask_twice)

  ;; --- generator ---------------------------------------------------------
  (func $gen (param $n i32)
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (suspend $yield (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
  (func (export "gen_sum") (param $n i32) (result i64)
    (local $sum i64) (local $k (ref null $kc))
    (local.set $k (cont.bind $gc $kc (local.get $n) (cont.new $gc (ref.func $gen))))
    (block $finished
      (loop $next
        (block $on_yield (result i32 (ref $kc))
          (resume $kc (on $yield $on_yield) (local.get $k))
          (br $finished))
        (local.set $k)
        (local.set $sum (i64.add (i64.extend_i32_u) (local.get $sum)))
        (br $next)))
    (local.get $sum))

  ;; --- round-robin scheduler ---------------------------------------------
  (func $enqueue (param $k (ref null $kc))
    (table.set $queue (global.get $tail) (local.get $k))
    (global.set $tail (i32.rem_u (i32.add (global.get $tail) (i32.const 1)) (i32.const 16))))
  (func $dequeue (result (ref null $kc))
    (local $k (ref null $kc))
    (local.set $k (table.get $queue (global.get $head)))
    (global.set $head (i32.rem_u (i32.add (global.get $head) (i32.const 1)) (i32.const 16)))
    (local.get $k))
  (func $thread (param $id i64)
    (local $i i32)
    (loop $l
      (global.set $trace
        (i64.add (i64.mul (global.get $trace) (i64.const 10)) (local.get $id)))
      (suspend $tick)
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 3)))))
  (func (export "schedule") (result i64)
    (call $enqueue (cont.bind $tc $kc (i64.const 1) (cont.new $tc (ref.func $thread))))
    (call $enqueue (cont.bind $tc $kc (i64.const 2) (cont.new $tc (ref.func $thread))))
    (call $enqueue (cont.bind $tc $kc (i64.const 3) (cont.new $tc (ref.func $thread))))
    (block $empty
      (loop $run
        (br_if $empty (i32.eq (global.get $head) (global.get $tail)))
        (block $on_tick (result (ref $kc))
          (resume $kc (on $tick $on_tick) (call $dequeue))
          (br $run))
        (call $enqueue)
        (br $run)))
    (global.get $trace))

  ;; --- cont.bind chain -----------------------------------------------------
  (func $add4 (param i32 i32 i32 i32) (result i32)
    (i32.add
      (i32.add (i32.mul (local.get 0) (i32.const 1000)) (i32.mul (local.get 1) (i32.const 100)))
      (i32.add (i32.mul (local.get 2) (i32.const 10)) (local.get 3))))
  (func (export "bind_chain") (result i32)
    (local $k4 (ref null $c4)) (local $k0 (ref null $c0))
    (local.set $k4 (cont.new $c4 (ref.func $add4)))
    (local.set $k0
      (cont.bind $c1 $c0 (i32.const 4)
        (cont.bind $c3 $c1 (i32.const 2) (i32.const 3)
          (cont.bind $c4 $c3 (i32.const 1) (local.get $k4)))))
    (resume $c0 (local.get $k0)))
  (func (export "bind_consumes") (result i32)
    (local $k4 (ref null $c4))
    (local.set $k4 (cont.new $c4 (ref.func $add4)))
    (drop (cont.bind $c4 $c3 (i32.const 1) (local.get $k4)))
    (resume $c4 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4) (local.get $k4)))

  ;; --- a suspension forwarded through nested handlers ---------------------
  (func $nest (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $d))
      (then (i32.add (suspend $ask) (i32.const 1)))
      (else
        (block $h (result (ref $c0))
          (return
            (i32.add
              (resume $c1 (on $never $h)
                (i32.sub (local.get $d) (i32.const 1))
                (cont.new $c1 (ref.func $nest)))
              (i32.const 1))))
        (unreachable))))
  (func (export "forward") (param $d i32) (result i32)
    (local $k (ref null $c1))
    (block $on_ask (result (ref $c1))
      (return (resume $c1 (on $ask $on_ask) (local.get $d) (cont.new $c1 (ref.func $nest)))))
    (local.set $k)
    (resume $c1 (i32.const 100) (local.get $k)))

  ;; --- answering the same effect several times ---------------------------
  (func $ask_twice (result i32)
    (i32.add (i32.mul (suspend $ask) (i32.const 10)) (suspend $ask)))
  (func (export "state") (result i32)
    (local $k (ref null $c1)) (local $answer i32)
    (block $on_first (result (ref $c1))
      (return (resume $c0 (on $ask $on_first) (cont.new $c0 (ref.func $ask_twice)))))
    (local.set $k)
    (local.set $answer (i32.const 3))
    (loop $again
      (block $on_ask (result (ref $c1))
        (return (resume $c1 (on $ask $on_ask) (local.get $answer) (local.get $k))))
      (local.set $k)
      (local.set $answer (i32.add (local.get $answer) (i32.const 1)))
      (br $again))
    (unreachable))

  ;; --- switch ping-pong -----------------------------------------------------
  (func $player (type $pf) (param $n i32) (param $k (ref null $pc))
    (loop $l
      (if (i32.eqz (local.get $n)) (then (return)))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $pc $sw (i32.sub (local.get $n) (i32.const 1)) (local.get $k))
      (local.set $k)
      (local.set $n)
      (br $l)))
  (func (export "ping_pong") (param $n i32) (result i32)
    (global.set $turns (i32.const 0))
    (resume $pc (on $sw switch)
      (local.get $n) (cont.new $pc (ref.func $player)) (cont.new $pc (ref.func $player)))
    (global.get $turns))
  (func (export "switch_unhandled")
    (resume $pc (i32.const 3) (cont.new $pc (ref.func $player)) (cont.new $pc (ref.func $player))))

  ;; --- traps, exceptions, one-shot references -----------------------------
  (func $rec (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
  (func (export "deep") (result i32)
    (resume $c1 (i32.const 0) (cont.new $c1 (ref.func $rec))))
  (func (export "unhandled") (suspend $yield (i32.const 1)))
  (func (export "unhandled_inside")
    (resume $gc (i32.const 5) (cont.new $gc (ref.func $gen))))
  (func (export "resume_null")
    (resume $kc (ref.null $kc)))
  (func (export "resume_twice")
    (local $k (ref null $kc))
    (local.set $k (cont.bind $gc $kc (i32.const 0) (cont.new $gc (ref.func $gen))))
    (resume $kc (local.get $k))
    (resume $kc (local.get $k)))
  (func $thrower (param i32) (result i32) (throw $exn (local.get 0)))
  (func (export "catch_from_cont") (result i32)
    (block $c (result i32)
      (try_table (result i32) (catch $exn $c)
        (resume $c1 (i32.const 42) (cont.new $c1 (ref.func $thrower))))))
  (func (export "resume_throw_suspended") (result i32)
    (local $k (ref null $kc))
    (block $on_yield (result i32 (ref $kc))
      (resume $kc (on $yield $on_yield)
        (cont.bind $gc $kc (i32.const 5) (cont.new $gc (ref.func $gen))))
      (return (i32.const -1)))
    (local.set $k)
    (drop)
    (block $c (result i32)
      (try_table (catch $exn $c)
        (resume_throw $kc $exn (i32.const 7) (local.get $k)))
      (i32.const -2)))
  (func (export "trap_in_nest") (param $d i32) (result i32)
    (resume $c1 (local.get $d) (cont.new $c1 (ref.func $nest))))

  ;; --- contrefs through the host -------------------------------------------
  (func (export "make") (result (ref null $c1))
    (cont.new $c1 (ref.func $thrower)))
  (func (export "make_gen") (param $n i32) (result (ref null $kc))
    (cont.bind $gc $kc (local.get $n) (cont.new $gc (ref.func $gen))))
  (func (export "first_yield") (param $k (ref null $kc)) (result i32)
    (block $on_yield (result i32 (ref $kc))
      (resume $kc (on $yield $on_yield) (local.get $k))
      (return (i32.const -1)))
    (drop))
)"#;

fn program() -> Instance {
    instantiate(PROGRAM)
}

fn tag_addr(inst: &Instance, index: usize) -> wasmfx_core::TagAddr {
    inst.store.instances[inst.id.0 as usize].tags[index]
}

#[test]
fn a_generator_yields_every_value_then_returns() {
    let mut inst = program();
    assert_eq!(
        inst.call("gen_sum", &[Val::I32(100)]),
        Ok(vec![Val::I64(4950)])
    );
    assert_eq!(inst.call("gen_sum", &[Val::I32(0)]), Ok(vec![Val::I64(0)]));
    assert_eq!(inst.interp.live_continuations(), 0);
}

#[test]
fn a_round_robin_scheduler_interleaves_green_threads() {
    let mut inst = program();
    assert_eq!(inst.call("schedule", &[]), Ok(vec![Val::I64(123_123_123)]));
    assert_eq!(inst.interp.live_continuations(), 0);
}

#[test]
fn cont_bind_chains_apply_arguments_in_order_and_consume_their_input() {
    let mut inst = program();
    assert_eq!(inst.call("bind_chain", &[]), Ok(vec![Val::I32(1234)]));
    assert_eq!(
        inst.call("bind_consumes", &[]),
        Err(Trap::ContinuationAlreadyConsumed)
    );
}

#[test]
fn a_suspension_passes_through_a_thousand_nested_handlers() {
    let mut inst = program();
    // 100 answered, +1 at the suspension, +1 per nesting level.
    assert_eq!(
        inst.call("forward", &[Val::I32(1000)]),
        Ok(vec![Val::I32(1101)])
    );
    assert_eq!(inst.interp.live_continuations(), 0);
}

#[test]
fn a_handler_answers_an_effect_several_times() {
    let mut inst = program();
    assert_eq!(inst.call("state", &[]), Ok(vec![Val::I32(34)]));
}

#[test]
fn switch_ping_pong_takes_every_turn() {
    let mut inst = program();
    assert_eq!(
        inst.call("ping_pong", &[Val::I32(10)]),
        Ok(vec![Val::I32(10)])
    );
    // The player that did not finish stays suspended until the store goes.
    assert_eq!(inst.interp.live_continuations(), 1);
    let sw = tag_addr(&inst, 4);
    assert_eq!(
        inst.call("switch_unhandled", &[]),
        Err(Trap::UnhandledTag(sw))
    );
}

#[test]
fn deep_recursion_inside_a_continuation_exhausts_the_stack_and_the_host_survives() {
    let mut inst = program();
    assert_eq!(inst.call("deep", &[]), Err(Trap::CallStackExhausted));
    assert_eq!(inst.interp.live_continuations(), 0);
    assert_eq!(
        inst.call("gen_sum", &[Val::I32(10)]),
        Ok(vec![Val::I64(45)])
    );
}

#[test]
fn unhandled_tags_trap_naming_the_tag() {
    let mut inst = program();
    let yield_tag = tag_addr(&inst, 0);
    assert_eq!(
        inst.call("unhandled", &[]),
        Err(Trap::UnhandledTag(yield_tag))
    );
    assert_eq!(
        inst.call("unhandled_inside", &[]),
        Err(Trap::UnhandledTag(yield_tag))
    );
    assert_eq!(inst.interp.live_continuations(), 0);
}

#[test]
fn null_is_checked_before_consumed() {
    let mut inst = program();
    assert_eq!(inst.call("resume_null", &[]), Err(Trap::NullContinuation));
    assert_eq!(
        inst.call("resume_twice", &[]),
        Err(Trap::ContinuationAlreadyConsumed)
    );
}

#[test]
fn exceptions_leave_continuations_to_their_resumer() {
    let mut inst = program();
    assert_eq!(inst.call("catch_from_cont", &[]), Ok(vec![Val::I32(42)]));
    assert_eq!(
        inst.call("resume_throw_suspended", &[]),
        Ok(vec![Val::I32(7)])
    );
    assert_eq!(inst.interp.live_continuations(), 0);
}

#[test]
fn a_trap_deep_in_nested_continuations_releases_them_all() {
    let mut inst = program();
    // Depth 0 suspends $ask, which nobody handles inside `trap_in_nest`.
    let ask = tag_addr(&inst, 2);
    assert_eq!(
        inst.call("trap_in_nest", &[Val::I32(50)]),
        Err(Trap::UnhandledTag(ask))
    );
    assert_eq!(inst.interp.live_continuations(), 0);
    assert_eq!(
        inst.call("forward", &[Val::I32(3)]),
        Ok(vec![Val::I32(104)])
    );
}

#[test]
fn a_trap_inside_a_continuation_records_the_whole_chain_in_the_backtrace() {
    let mut inst = program();
    assert_eq!(
        inst.call("trap_in_nest", &[Val::I32(2)]),
        Err(Trap::UnhandledTag(tag_addr(&inst, 2)))
    );
    let frames = &inst.interp.backtrace().frames;
    // $nest (depth 0, suspending), $nest (1), $nest (2), then the export.
    assert_eq!(frames.len(), 4, "{frames:?}");
    assert_eq!(frames[0], frames[1]);
    assert_eq!(frames[1], frames[2]);
    assert_eq!(frames[3], inst.func("trap_in_nest"));
}

#[test]
fn continuation_references_travel_through_the_host() {
    let mut inst = program();
    let made = inst.call("make", &[]).expect("cont.new");
    assert!(matches!(made.as_slice(), [Val::Ref(Ref::Cont(_))]));
    let k = inst.call("make_gen", &[Val::I32(3)]).expect("cont.bind");
    assert_eq!(inst.call("first_yield", &k), Ok(vec![Val::I32(0)]));
    assert_eq!(
        inst.call("first_yield", &k),
        Err(Trap::ContinuationAlreadyConsumed)
    );
}
