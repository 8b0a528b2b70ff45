//! The `dyn` tier's behaviour that the suites do not show: when functions
//! tier up, on-stack replacement with operands below the loop, values,
//! exceptions and traps crossing between interpreted and compiled frames,
//! and backtraces that list both.

use wasmfx_core::backtrace::func_name;
use wasmfx_tier::{
    Engine, Error, FunctionTier, Runtime, TierExecutor, TierMode, TierUp, Trap, Val,
};

const PROGRAM: &str = r#"
(module
  (tag $oops (param i32))
  (func $square (export "square") (param i32) (result i32)
    (i32.mul (local.get 0) (local.get 0)))
  ;; Sums squares 0..n-1 in a loop whose block has an operand below it (7)
  ;; and a loop parameter: OSR must carry both.
  (func $sum (export "sum") (param $n i32) (result i32) (local $i i32)
    (i32.const 7)
    (block (param i32) (result i32)
      (i32.const 0)
      (loop $l (param i32) (result i32)
        (call $square (local.get $i))
        (i32.add)
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
      (i32.add)))
  (func $thrower (param i32) (result i32)
    (if (i32.gt_s (local.get 0) (i32.const 2)) (then (throw $oops (local.get 0))))
    (local.get 0))
  ;; Calls the thrower until it throws; catches the payload.
  (func (export "catch") (result i32) (local $i i32)
    (block $h (result i32)
      (try_table (catch $oops $h)
        (loop $l
          (drop (call $thrower (local.get $i)))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l)))
      (unreachable)))
  (func $deep (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.div_u (i32.const 1) (local.get 0)))
      (else (call $middle (i32.sub (local.get 0) (i32.const 1))))))
  (func $middle (param i32) (result i32) (call $deep (local.get 0)))
  (func $trap (export "trap") (param i32) (result i32) (call $deep (local.get 0))))
"#;

fn runtime(executor: TierExecutor) -> (Runtime, wasmfx_tier::InstanceId) {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(PROGRAM).expect("compiles");
    let mut runtime = Runtime::with_executor(&engine, executor);
    let id = runtime.instantiate(&module).expect("instantiates");
    (runtime, id)
}

fn eager() -> TierExecutor {
    TierExecutor::tiered(TierUp {
        after: 1,
        sync: true,
        ..TierUp::default()
    })
}

fn i32_of(result: Result<Vec<Val>, Error>) -> i32 {
    match result.as_deref() {
        Ok([Val::I32(v)]) => *v,
        other => panic!("expected one i32, got {other:?}"),
    }
}

#[test]
fn a_function_compiles_after_its_count() {
    let (mut rt, id) = runtime(TierExecutor::tiered(TierUp {
        after: 3,
        sync: true,
        ..TierUp::default()
    }));
    for round in 0..3 {
        assert_eq!(i32_of(rt.call(id, "square", &[Val::I32(5)])), 25);
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        assert!(
            stats.tiered_up.is_empty(),
            "compiled after {} calls",
            round + 1
        );
    }
    assert_eq!(i32_of(rt.call(id, "square", &[Val::I32(6)])), 36);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.tiered_up.len(), 1, "compiled at the 4th call");
    assert_eq!(i32_of(rt.call(id, "square", &[Val::I32(7)])), 49);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert!(stats.compiled_entries >= 2, "{stats:?}");
}

#[test]
fn a_hot_loop_continues_in_compiled_code() {
    let (mut rt, id) = runtime(eager());
    // 7 + sum of i^2 for i < 100.
    assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(100)])), 7 + 328_350);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
    // The next call runs the compiled function from its start.
    assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(3)])), 7 + 5);
    let (again, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(again.osr_entries, 1, "{again:?}");
}

#[test]
fn a_plan_keeps_functions_where_it_says() {
    for choice in [
        FunctionTier::Interpreted,
        FunctionTier::Compiled,
        FunctionTier::After(2),
    ] {
        let (mut rt, id) = runtime(TierExecutor::tiered_with_plan(move |_, _| choice));
        for _ in 0..4 {
            assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(10)])), 7 + 285);
        }
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        match choice {
            FunctionTier::Interpreted => assert!(stats.tiered_up.is_empty(), "{stats:?}"),
            _ => assert!(stats.tiered_up.len() >= 2, "{choice:?}: {stats:?}"),
        }
    }
}

#[test]
fn exceptions_cross_between_tiers() {
    // The thrower compiled, the catcher interpreted, and the other way.
    for compiled in [2u32, 3] {
        let plan = move |_, index| match index == compiled {
            true => FunctionTier::Compiled,
            false => FunctionTier::Interpreted,
        };
        let (mut rt, id) = runtime(TierExecutor::tiered_with_plan(plan));
        assert_eq!(i32_of(rt.call(id, "catch", &[])), 3, "compiled {compiled}");
    }
}

#[test]
fn traps_name_interpreted_and_compiled_frames_in_order() {
    // $deep (4) compiled, $middle (5) and "trap" (6) interpreted.
    let plan = |_, index| match index {
        4 => FunctionTier::Compiled,
        _ => FunctionTier::Interpreted,
    };
    let (mut rt, id) = runtime(TierExecutor::tiered_with_plan(plan));
    match rt.call(id, "trap", &[Val::I32(2)]) {
        Err(Error::Trap(Trap::IntegerDivideByZero)) => {}
        other => panic!("expected a division trap, got {other:?}"),
    }
    let frames: Vec<String> = rt
        .backtrace()
        .map(|b| b.frames.iter().map(|&f| func_name(rt.store(), f)).collect())
        .unwrap_or_default();
    let short: Vec<&str> = frames
        .iter()
        .map(|f| f.rsplit('!').next().unwrap_or(f))
        .collect();
    assert_eq!(
        short,
        ["deep", "middle", "deep", "middle", "deep", "trap"],
        "{frames:?}"
    );
}
