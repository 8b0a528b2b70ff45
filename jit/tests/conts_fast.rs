//! The inline resume and suspend of compiled code against the runtime
//! path they fall back to: bound values and payloads longer than a
//! record's inline area, suspends that skip prompts, a continuation
//! resumed by two instances of one module, and the one-shot rule on a used
//! handle.

use std::sync::Arc;
use wasmfx_core::{Extern, FuncAddr, InstanceId, Linker, Module, Store, Trap, TypeRegistry, Val};
use wasmfx_jit::Jit;

struct Setup {
    store: Store,
    jit: Jit,
    instances: Vec<InstanceId>,
}

/// Instantiates `wat` `count` times and compiles every function.
fn setup(wat: &str, count: usize) -> Setup {
    let registry = Arc::new(TypeRegistry::new());
    let bytes = wat::parse_str(wat).expect("wat");
    let module = Arc::new(Module::new(&registry, &bytes).expect("module"));
    let mut store = Store::new(registry);
    let mut jit = Jit::new().expect("jit");
    let mut instances = Vec::new();
    for _ in 0..count {
        let imports = Linker::new().resolve(&module).expect("imports");
        let instance = store.instantiate(&module, &imports).expect("instantiate");
        let report = jit
            .compile_instance(&mut store, instance, &|_| true)
            .expect("compile");
        assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
        instances.push(instance);
    }
    Setup {
        store,
        jit,
        instances,
    }
}

impl Setup {
    fn call(&mut self, instance: usize, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Some(Extern::Func(func)) = self.store.export(self.instances[instance], name) else {
            panic!("no export {name}");
        };
        let mut no_fallback = |_: &mut Store, f: FuncAddr, _: &[Val]| {
            Err(Trap::Host(format!("function {} not compiled", f.0)))
        };
        self.jit.call(&mut self.store, func, args, &mut no_fallback)
    }
}

/// `$adder` asks for five numbers at a time (a suspend with five results)
/// and adds them up; the driver binds some of them and passes the rest, so
/// a resume carries bound values plus arguments, sometimes more than the
/// record's inline payload area holds.
const PAYLOADS: &str = r#"(module
  (type $f5 (func (param i32 i32 i32 i32 i32) (result i32)))
  (type $k5 (cont $f5))
  (type $f3 (func (param i32 i32 i32) (result i32)))
  (type $k3 (cont $f3))
  (type $f0 (func (result i32)))
  (type $k0 (cont $f0))
  (tag $ask (param i32) (result i32 i32 i32 i32 i32))
  (elem declare func $adder)
  (func $add5 (param i32 i32 i32 i32 i32) (result i32)
    (i32.add (local.get 0) (i32.add (local.get 1) (i32.add (local.get 2)
      (i32.add (local.get 3) (local.get 4))))))
  (func $adder (param i32 i32 i32 i32 i32) (result i32) (local $s i32) (local $i i32)
    (local.set $s (call $add5 (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4)))
    (loop $l
      (local.set $s (i32.add (local.get $s) (call $add5 (suspend $ask (local.get $s)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 4))))
    (local.get $s))
  ;; Answers with all five, then 2 bound + 3 passed, 5 bound + 0 passed,
  ;; 0 + 5 and 1 bound + 4 passed: the sum is 5 * 15 = 75, the suspends
  ;; report 15, 30, 45, 60. Returns 75 * 1000 + 150.
  (type $f4 (func (param i32 i32 i32 i32) (result i32)))
  (type $k4 (cont $f4))
  (func (export "run") (result i32) (local $k (ref null $k5)) (local $seen i32)
    (block $h0 (result i32 (ref $k5))
      (return (resume $k5 (on $ask $h0) (i32.const 1) (i32.const 2) (i32.const 3)
        (i32.const 4) (i32.const 5) (cont.new $k5 (ref.func $adder)))))
    (local.set $k)
    (local.set $seen (i32.add (local.get $seen)))
    (block $h1 (result i32 (ref $k5))
      (return (resume $k3 (on $ask $h1) (i32.const 3) (i32.const 4) (i32.const 5)
        (cont.bind $k5 $k3 (i32.const 1) (i32.const 2) (local.get $k)))))
    (local.set $k)
    (local.set $seen (i32.add (local.get $seen)))
    (block $h2 (result i32 (ref $k5))
      (return (resume $k0 (on $ask $h2)
        (cont.bind $k5 $k0 (i32.const 1) (i32.const 2) (i32.const 3) (i32.const 4)
          (i32.const 5) (local.get $k)))))
    (local.set $k)
    (local.set $seen (i32.add (local.get $seen)))
    (block $h3 (result i32 (ref $k5))
      (return (resume $k5 (on $ask $h3) (i32.const 1) (i32.const 2) (i32.const 3)
        (i32.const 4) (i32.const 5) (local.get $k))))
    (local.set $k)
    (local.set $seen (i32.add (local.get $seen)))
    (i32.add
      (i32.mul
        (resume $k4 (i32.const 2) (i32.const 3) (i32.const 4) (i32.const 5)
          (cont.bind $k5 $k4 (i32.const 1) (local.get $k)))
        (i32.const 1000))
      (local.get $seen)))
)"#;

#[test]
fn bound_values_and_long_payloads_reach_the_suspend_point() {
    let mut s = setup(PAYLOADS, 1);
    assert_eq!(s.call(0, "run", &[]), Ok(vec![Val::I32(75_150)]));
    assert_eq!(
        s.jit.continuation_stats(&s.store).0,
        0,
        "the record was released"
    );
}

/// `$leaf` suspends to the outer handler past `$middle`'s prompt and to
/// the inner one in turn; each handler appends the payload digit to `$log`.
const NESTED: &str = r#"(module
  (type $f (func))
  (type $k (cont $f))
  (tag $outer (param i32))
  (tag $inner (param i32))
  (global $log (mut i32) (i32.const 0))
  (elem declare func $leaf $middle)
  (func $append (param i32)
    (global.set $log (i32.add (i32.mul (global.get $log) (i32.const 10)) (local.get 0))))
  (func $leaf
    (suspend $outer (i32.const 1))
    (suspend $inner (i32.const 2))
    (suspend $outer (i32.const 3))
    (suspend $inner (i32.const 4)))
  (func $middle (local $k (ref null $k))
    (local.set $k (cont.new $k (ref.func $leaf)))
    (loop $l
      (block $on_inner (result i32 (ref $k))
        (resume $k (on $inner $on_inner) (local.get $k))
        (return))
      (local.set $k)
      (call $append)
      (br $l)))
  (func (export "run") (result i32) (local $k (ref null $k))
    (global.set $log (i32.const 0))
    (local.set $k (cont.new $k (ref.func $middle)))
    (block $done
      (loop $l
        (block $on_outer (result i32 (ref $k))
          (resume $k (on $outer $on_outer) (local.get $k))
          (br $done))
        (local.set $k)
        (call $append)
        (br $l)))
    (global.get $log))

  ;; A generator made here, driven here or by another instance.
  (type $g (func (param i32)))
  (type $gk (cont $g))
  (tag $yield (param i32) (result i32))
  (elem declare func $count)
  (func $count (param $n i32)
    (loop $l
      (drop (suspend $yield (local.get $n)))
      (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l)))
  (func (export "make") (result (ref null $gk)) (cont.new $gk (ref.func $count)))
  (func (export "drive") (param $k (ref null $gk)) (result i32) (local $sum i32)
    (block $done
      (block $on_yield (result i32 (ref $gk))
        (resume $gk (on $yield $on_yield) (i32.const 100) (local.get $k))
        (br $done))
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (loop $l
        (block $on_yield (result i32 (ref $gk))
          (resume $gk (on $yield $on_yield) (i32.const 0) (local.get $k))
          (br $done))
        (local.set $k)
        (local.set $sum (i32.add (local.get $sum)))
        (br $l)))
    (local.get $sum))
)"#;

#[test]
fn a_suspend_skips_prompts_without_its_tag_and_the_segment_comes_back_whole() {
    let mut s = setup(NESTED, 1);
    assert_eq!(s.call(0, "run", &[]), Ok(vec![Val::I32(1234)]));
    assert_eq!(s.call(0, "run", &[]), Ok(vec![Val::I32(1234)]));
    assert_eq!(s.jit.continuation_stats(&s.store).0, 0);
}

#[test]
fn tags_are_compared_by_identity_across_instances_of_one_module() {
    let mut s = setup(NESTED, 2);
    let made = |s: &mut Setup, instance| {
        let result = s.call(instance, "make", &[]).expect("make");
        result.into_iter().next().expect("one result")
    };
    // Each instance drives its own generator: 100 + 99 + ... + 1.
    for round in 0..2 {
        for instance in [0, 1] {
            let k = made(&mut s, instance);
            let sum = s.call(instance, "drive", &[k]);
            assert_eq!(sum, Ok(vec![Val::I32(5050)]), "round {round}");
        }
    }
    // Instance 1's handler has its own $yield, not instance 0's.
    let foreign = made(&mut s, 0);
    assert!(matches!(
        s.call(1, "drive", &[foreign]),
        Err(Trap::UnhandledTag(_))
    ));
    let k = made(&mut s, 0);
    assert_eq!(s.call(0, "drive", &[k]), Ok(vec![Val::I32(5050)]));
}

#[test]
fn a_handle_used_by_inline_resumes_stays_consumed() {
    let mut s = setup(NESTED, 1);
    let k = s.call(0, "make", &[]).expect("make").remove(0);
    let raw = match k {
        Val::Ref(wasmfx_core::value::Ref::Cont(handle)) => handle,
        other => panic!("not a continuation: {other:?}"),
    };
    assert_eq!(raw.index, 0, "the store's first record");
    let sum = s.call(0, "drive", &[k]);
    assert_eq!(sum, Ok(vec![Val::I32(5050)]));
    // The used handle is consumed for good.
    assert_eq!(
        s.call(0, "drive", &[k]),
        Err(Trap::ContinuationAlreadyConsumed)
    );
}

/// Two players switch a countdown back and forth; at zero the one playing
/// suspends `$done` with the switch count to whoever resumed the pair.
/// `wrapped` runs them under a middle prompt without a `$swap` clause, so
/// each switch goes past it.
const PLAYERS: &str = r#"(module
  (rec
    (type $pf (func (param i32 (ref null $pc)) (result i32)))
    (type $pc (cont $pf)))
  (type $bf (func (param (ref null $pc)) (result i32)))
  (type $bc (cont $bf))
  (type $uf (func (result i32)))
  (type $uc (cont $uf))
  (tag $swap (result i32))
  (tag $done (param i32))
  (tag $other)
  (global $switches (mut i32) (i32.const 0))
  (elem declare func $player $middle)
  (func $player (type $pf) (param $n i32) (param $peer (ref null $pc)) (result i32)
    (loop $turn
      (if (i32.eqz (local.get $n))
        (then (suspend $done (global.get $switches)) (return (i32.const -1))))
      (global.set $switches (i32.add (global.get $switches) (i32.const 1)))
      (switch $pc $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $peer))
      (local.set $peer)
      (local.set $n)
      (br $turn))
    (unreachable))
  (func $pair (param $n i32) (result i32)
    (block $on_other (result (ref $uc))
      (return (resume $bc (on $other $on_other)
        (cont.new $pc (ref.func $player))
        (cont.bind $pc $bc (local.get $n) (cont.new $pc (ref.func $player))))))
    (drop)
    (i32.const -3))
  (global $n (mut i32) (i32.const 0))
  (func $middle (result i32) (call $pair (global.get $n)))
  (func (export "run") (param $n i32) (result i32)
    (global.set $switches (i32.const 0))
    (block $on_done (result i32 (ref $uc))
      (return (resume $bc (on $swap switch) (on $done $on_done)
        (cont.new $pc (ref.func $player))
        (cont.bind $pc $bc (local.get $n) (cont.new $pc (ref.func $player))))))
    (drop))
  (func (export "wrapped") (param $n i32) (result i32)
    (global.set $switches (i32.const 0))
    (global.set $n (local.get $n))
    (block $on_done (result i32 (ref $uc))
      (return (resume $uc (on $swap switch) (on $done $on_done)
        (cont.new $uc (ref.func $middle)))))
    (drop))
)"#;

#[test]
fn switches_hand_over_bound_values_and_skip_prompts_without_the_tag() {
    let mut s = setup(PLAYERS, 1);
    for n in [0, 1, 2, 1000] {
        assert_eq!(s.call(0, "run", &[Val::I32(n)]), Ok(vec![Val::I32(n)]));
        assert_eq!(s.call(0, "wrapped", &[Val::I32(n)]), Ok(vec![Val::I32(n)]));
    }
}
