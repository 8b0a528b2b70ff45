//! `switch` in mixed chains: a compiled switch whose handler lies past an
//! interpreted frame (forwarded to the interpreter, which switches on its
//! own terms), and interpreted continuations whose hot loop moves them to
//! compiled code (so that their switches become native ones).

use wasmfx_core::backtrace::func_name;
use wasmfx_tier::{
    Engine, Error, FunctionTier, Runtime, TierExecutor, TierMode, TierUp, Trap, Val,
};

/// `main` handles `$swap` switches; `middle`, between it and `worker`,
/// handles nothing. `worker` and `peer` pass a countdown back and forth
/// with `switch`, so every switch of `worker` captures `middle`'s frame too.
/// Results tell who finished: `worker` (through `middle`: 1000 + 100 +
/// turns) or `peer` (200 + turns).
const FORWARDED: &str = r#"
(module
  (rec
    (type $pf (func (param i32 (ref null $pc)) (result i32)))
    (type $pc (cont $pf)))
  (type $mf (func (result i32)))
  (type $mc (cont $mf))
  (type $of (func (param i32) (result i32)))
  (type $oc (cont $of))
  (tag $swap (result i32))
  (tag $other (result i32))
  (global $turns (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (elem declare func $worker $peer $middle)

  (func $worker (type $pf) (param $n i32) (param $k (ref null $pc)) (result i32)
    (loop $turn
      (if (i32.eqz (local.get $n))
        (then (return (i32.add (i32.const 100) (global.get $turns)))))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $pc $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $k))
      (local.set $k)
      (local.set $n)
      (br $turn))
    (unreachable))

  (func $peer (type $pf) (param $n i32) (param $k (ref null $pc)) (result i32)
    (loop $turn
      (if (i32.eqz (local.get $n))
        (then (return (i32.add (i32.const 200) (global.get $turns)))))
      (global.set $turns (i32.add (global.get $turns) (i32.const 3)))
      (switch $pc $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $k))
      (local.set $k)
      (local.set $n)
      (br $turn))
    (unreachable))

  (func $middle (type $mf) (result i32)
    (block $b (result (ref $oc))
      (return (i32.add (i32.const 1000)
        (resume $pc (on $other $b)
          (global.get $n)
          (cont.new $pc (ref.func $peer))
          (cont.new $pc (ref.func $worker))))))
    (drop)
    (i32.const -1))

  (func (export "main") (param $n i32) (result i32)
    (global.set $turns (i32.const 0))
    (global.set $n (local.get $n))
    (resume $mc (on $swap switch) (cont.new $mc (ref.func $middle)))))
"#;

/// Two players pass a countdown with `switch` (as the bench's
/// `cont_switch`); each runs its loop in `turns`, called from `player`, so
/// a hot loop has an interpreted caller inside the continuation.
const PING_PONG: &str = r#"
(module
  (rec
    (type $pf (func (param i32 (ref null $pc))))
    (type $pc (cont $pf)))
  (tag $swap)
  (global $turns (mut i32) (i32.const 0))
  (elem declare func $player)

  (func $turns (param $n i32) (param $other (ref null $pc))
    (loop $turn
      (if (i32.eqz (local.get $n)) (then (return)))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $pc $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $turn)))

  (func $player (type $pf) (param $n i32) (param $other (ref null $pc))
    (call $turns (local.get $n) (local.get $other))
    (global.set $turns (i32.add (global.get $turns) (i32.const 1000))))

  (func (export "run") (param $n i32) (result i32)
    (global.set $turns (i32.const 0))
    (resume $pc (on $swap switch)
      (local.get $n)
      (cont.new $pc (ref.func $player))
      (cont.new $pc (ref.func $player)))
    (global.get $turns)))
"#;

fn call(executor: TierExecutor, text: &str, export: &str, n: i32) -> (i32, u64) {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(text).expect("compiles");
    let mut runtime = Runtime::with_executor(&engine, executor);
    let id = runtime.instantiate(&module).expect("instantiates");
    let got = match runtime.call(id, export, &[Val::I32(n)]).as_deref() {
        Ok([Val::I32(v)]) => *v,
        other => panic!("{export}({n}): expected one i32, got {other:?}"),
    };
    let (stats, _) = runtime.tier_stats().expect("dyn reports");
    (got, stats.osr_entries)
}

fn interpreted() -> TierExecutor {
    TierExecutor::tiered_with_plan(|_, _| FunctionTier::Interpreted)
}

/// Function indices of FORWARDED, in order: worker, peer, middle, main.
const FUNCS: [&str; 4] = ["worker", "peer", "middle", "main"];

#[test]
fn a_compiled_switch_past_an_interpreted_frame_reaches_its_handler() {
    for n in [0, 1, 2, 7, 40] {
        let (expected, _) = call(interpreted(), FORWARDED, "main", n);
        // Every function in either tier: bit i compiles FUNCS[i].
        for mask in 0u32..16 {
            let plan = move |_, index: u32| match mask >> index & 1 {
                1 => FunctionTier::Compiled,
                _ => FunctionTier::Interpreted,
            };
            let executor = TierExecutor::tiered_with_plan(plan);
            let (got, _) = call(executor, FORWARDED, "main", n);
            let compiled: Vec<_> = (0..4)
                .filter(|i| mask >> i & 1 == 1)
                .map(|i| FUNCS[i])
                .collect();
            assert_eq!(got, expected, "main({n}) with {compiled:?} compiled");
        }
    }
}

#[test]
fn an_interpreted_continuation_whose_loop_is_hot_goes_on_in_compiled_code() {
    let n = 5000;
    let (expected, _) = call(interpreted(), PING_PONG, "run", n);
    assert_eq!(expected, n + 1000);
    for after in [1, 2, 50] {
        // `run` (index 2) stays interpreted: the players' continuations are
        // the interpreter's, and only their own hot loops can move them.
        let plan = move |_, index: u32| match index {
            2 => FunctionTier::Interpreted,
            _ => FunctionTier::After(after),
        };
        let (got, osr) = call(TierExecutor::tiered_with_plan(plan), PING_PONG, "run", n);
        assert_eq!(got, expected, "after {after}");
        // The continuation running when `turns` got hot hands that frame
        // to its OSR entry (the other one starts compiled, or does the same).
        assert!(osr >= 1, "after {after}: {osr} OSR entries");
    }
}

#[test]
fn forwarded_switches_agree_under_seeded_counts() {
    for seed in 0..24 {
        for n in [3, 60] {
            let (expected, _) = call(interpreted(), FORWARDED, "main", n);
            let executor = TierExecutor::tiered(TierUp {
                after: 4,
                sync: true,
                seed: Some(seed),
                ..TierUp::default()
            });
            let (got, _) = call(executor, FORWARDED, "main", n);
            assert_eq!(got, expected, "main({n}), seed {seed}");
        }
    }
}

/// A continuation whose loop (in `inner`, under `body`) gets hot, then
/// divides by zero at its last turn.
const TRAPPING: &str = r#"
(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (type $u (func (result i32)))
  (type $uc (cont $u))
  (tag $t)
  (elem declare func $body)
  (func $leaf (param i32) (result i32)
    (i32.div_u (i32.const 1) (local.get 0)))
  (func $inner (param $n i32) (result i32) (local $i i32) (local $s i32)
    (loop $l
      (local.set $s (i32.add (local.get $s)
        (call $leaf (i32.sub (local.get $n) (local.get $i)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.le_u (local.get $i) (local.get $n))))
    (local.get $s))
  (func $body (param $n i32) (result i32)
    (call $inner (local.get $n)))
  (func (export "run") (param $n i32) (result i32)
    (block $h (result (ref $uc))
      (return (resume $c (on $t $h) (local.get $n) (cont.new $c (ref.func $body)))))
    (drop)
    (i32.const -1)))
"#;

#[test]
fn a_trap_after_a_continuation_went_to_compiled_code_lists_every_frame() {
    // `run` (index 3) interpreted; the others after 20 events. `inner`'s
    // frame runs 5000 turns: long enough (the default count, with no new
    // call of `inner`) for its loop's OSR entry.
    let plan = |_, index: u32| match index {
        3 => FunctionTier::Interpreted,
        _ => FunctionTier::After(20),
    };
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(TRAPPING).expect("compiles");
    let mut rt = Runtime::with_executor(&engine, TierExecutor::tiered_with_plan(plan));
    let id = rt.instantiate(&module).expect("instantiates");
    match rt.call(id, "run", &[Val::I32(5000)]) {
        Err(Error::Trap(Trap::IntegerDivideByZero)) => {}
        other => panic!("expected a division trap, got {other:?}"),
    }
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
    let frames: Vec<String> = rt
        .backtrace()
        .map(|b| b.frames.iter().map(|&f| func_name(rt.store(), f)).collect())
        .unwrap_or_default();
    let short: Vec<&str> = frames
        .iter()
        .map(|f| f.rsplit('!').next().unwrap_or(f))
        .collect();
    assert_eq!(short[..3], ["leaf", "inner", "body"], "{frames:?}");
    assert_eq!(short.len(), 4, "{frames:?}");
}
