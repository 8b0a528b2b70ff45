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
    // Its first (and only) entry is noted with the loop it entered at.
    let sum = rt.func(id, "sum").expect("export");
    assert!(
        matches!(stats.osr_first.as_slice(), [(f, _, _)] if *f == sum),
        "{stats:?}"
    );
    // The next call runs the compiled function from its start.
    assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(3)])), 7 + 5);
    let (again, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(again.osr_entries, 1, "{again:?}");
}

#[test]
fn a_hot_function_compiles_with_its_small_callees() {
    let (mut rt, id) = runtime(eager());
    assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(100)])), 7 + 328_350);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    let (sum, square) = (rt.func(id, "sum"), rt.func(id, "square"));
    let (sum, square) = (sum.expect("export"), square.expect("export"));
    // One batch, installed at once: the loop's OSR entry calls `square`
    // directly.
    let at = |f| {
        stats
            .tiered_up
            .iter()
            .find(|&&(g, _)| g == f)
            .map(|&(_, t)| t)
    };
    assert!(at(sum).is_some() && at(sum) == at(square), "{stats:?}");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
}

#[test]
fn an_osr_entry_made_on_the_compile_thread_calls_its_batch() {
    // Compiled on the compile thread while the loop runs interpreted: the
    // OSR entry is prepared while its function's batch (with `square`) is
    // still being compiled, and installed after it. Interpreted, the loop
    // would take seconds; the entry comes within milliseconds.
    let (mut rt, id) = runtime(TierExecutor::tiered(TierUp {
        after: 2,
        ..TierUp::default()
    }));
    let n = 30_000_000;
    let squares = (0..n).fold(7i32, |acc, i: i32| acc.wrapping_add(i.wrapping_mul(i)));
    assert_eq!(i32_of(rt.call(id, "sum", &[Val::I32(n)])), squares);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
    let square = rt.func(id, "square").expect("export");
    assert!(
        stats.tiered_up.iter().any(|&(f, _)| f == square),
        "{stats:?}"
    );
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

/// A generator whose loop gets hot while compiled code resumes it: its
/// frame is handed to the loop's OSR entry, alone ("direct") or with an
/// interpreted caller parked until it returns or throws ("nested").
const GENERATOR: &str = r#"
(module
  (type $gen_f (func (param i32) (result i32)))
  (type $gen_c (cont $gen_f))
  (type $k_f (func (result i32)))
  (type $k_c (cont $k_f))
  (tag $yield (param i32))
  (tag $oops (param i32))
  (elem declare func $generate $outer)
  ;; 0: yields 0..n-1 and returns n; throws at n = 13, traps at n = 17.
  (func $generate (param $n i32) (result i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (suspend $yield (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.eq (local.get $n) (i32.const 13)) (then (throw $oops (i32.const 99))))
    (if (i32.eq (local.get $n) (i32.const 17)) (then (unreachable)))
    (local.get $n))
  ;; 1: generate(n) + 1, or 100000 + the payload of what it threw.
  (func $outer (param $n i32) (result i32)
    (block $h (result i32)
      (try_table (result i32) (catch $oops $h)
        (call $generate (local.get $n)))
      i32.const 1
      i32.add
      return)
    i32.const 100000
    i32.add)
  ;; 2: resumes k to its end: its result * 1000 + the sum of its yields.
  (func $drive (param $k (ref null $k_c)) (result i32) (local $sum i32)
    (loop $consume
      (block $on_yield (result i32 (ref $k_c))
        (resume $k_c (on $yield $on_yield) (local.get $k))
        i32.const 1000
        i32.mul
        local.get $sum
        i32.add
        return)
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (br $consume))
    (unreachable))
  (func (export "direct") (param $n i32) (result i32)
    (call $drive
      (cont.bind $gen_c $k_c (local.get $n) (cont.new $gen_c (ref.func $generate)))))
  (func (export "nested") (param $n i32) (result i32)
    (call $drive
      (cont.bind $gen_c $k_c (local.get $n) (cont.new $gen_c (ref.func $outer))))))
"#;

/// `drive` compiled, `generate` compiled after 3 events, the rest
/// interpreted.
fn generator_runtime() -> (Runtime, wasmfx_tier::InstanceId) {
    let plan = |_, index| match index {
        0 => FunctionTier::After(3),
        2 => FunctionTier::Compiled,
        _ => FunctionTier::Interpreted,
    };
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(GENERATOR).expect("compiles");
    let mut runtime = Runtime::with_executor(&engine, TierExecutor::tiered_with_plan(plan));
    let id = runtime.instantiate(&module).expect("instantiates");
    (runtime, id)
}

#[test]
fn a_hot_generator_resumed_by_compiled_code_continues_in_compiled_code() {
    let sum = |n: i32| n * (n - 1) / 2;
    for (export, n, expected) in [
        ("direct", 50, 50 * 1000 + sum(50)),
        ("nested", 50, 51 * 1000 + sum(50)),
        ("nested", 13, 100_099 * 1000 + sum(13)),
    ] {
        let (mut rt, id) = generator_runtime();
        let got = i32_of(rt.call(id, export, &[Val::I32(n)]));
        assert_eq!(got, expected, "{export}({n})");
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        assert_eq!(stats.osr_entries, 1, "{export}({n}): {stats:?}");
        // Later generators start compiled.
        let got = i32_of(rt.call(id, export, &[Val::I32(n)]));
        assert_eq!(got, expected, "{export}({n}), again");
    }
}

/// The trap ends the call, and its backtrace lists the frames the
/// interpreter lists: the handed-off frame, the interpreted callers parked
/// under it (`outer` for "nested"), then the compiled resumer.
#[test]
fn a_trap_in_a_handed_off_frame_ends_the_call() {
    let trace = |rt: &Runtime| -> Vec<String> {
        rt.backtrace()
            .map(|b| b.frames.iter().map(|&f| func_name(rt.store(), f)).collect())
            .unwrap_or_default()
    };
    for export in ["direct", "nested"] {
        let engine = Engine::new(TierMode::Interp).expect("interp is built");
        let module = engine.compile_text(GENERATOR).expect("compiles");
        let mut interpreted = Runtime::new(&engine);
        let id = interpreted.instantiate(&module).expect("instantiates");
        assert!(interpreted.call(id, export, &[Val::I32(17)]).is_err());
        let expected = trace(&interpreted);
        assert!(expected.first().is_some_and(|f| f.ends_with("!generate")));

        let (mut rt, id) = generator_runtime();
        match rt.call(id, export, &[Val::I32(17)]) {
            Err(Error::Trap(Trap::Unreachable)) => {}
            other => panic!("{export}: expected unreachable, got {other:?}"),
        }
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        assert_eq!(stats.osr_entries, 1, "{export}: {stats:?}");
        assert_eq!(trace(&rt), expected, "{export}");
    }
}

/// Interpreted `mid`, which compiled `body` calls inside a continuation,
/// calls compiled `leaf`: the call is handed to compiled code (no
/// interpreted frame on the native stack), and a trap in `leaf` lists every
/// frame as the interpreter does.
const CALL_HANDOFF: &str = r#"
(module
  (type $f (func))
  (type $c (cont $f))
  (tag $t)
  (elem declare func $body)
  (func $leaf (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (unreachable)))
    (i32.add (local.get 0) (i32.const 1)))
  (func $mid (param i32) (result i32)
    (i32.mul (call $leaf (local.get 0)) (i32.const 10)))
  (global $out (mut i32) (i32.const 0))
  (global $in (mut i32) (i32.const 0))
  (func $body (global.set $out (call $mid (global.get $in))))
  (func $run (param i32) (result i32)
    (global.set $in (local.get 0))
    (block $h (result (ref $c))
      (resume $c (on $t $h) (cont.new $c (ref.func $body)))
      (return (global.get $out)))
    (unreachable))
  (func (export "go") (param i32) (result i32) (call $run (local.get 0))))
"#;

#[test]
fn a_call_from_interpreted_code_inside_a_continuation_is_handed_off() {
    let trace = |rt: &Runtime| -> Vec<String> {
        rt.backtrace()
            .map(|b| b.frames.iter().map(|&f| func_name(rt.store(), f)).collect())
            .unwrap_or_default()
    };
    let engine = Engine::new(TierMode::Interp).expect("interp is built");
    let module = engine.compile_text(CALL_HANDOFF).expect("compiles");
    let mut interpreted = Runtime::new(&engine);
    let id = interpreted.instantiate(&module).expect("instantiates");
    assert!(interpreted.call(id, "go", &[Val::I32(0)]).is_err());
    let expected = trace(&interpreted);
    assert_eq!(expected.len(), 5, "{expected:?}");

    // leaf, body and run compiled; mid and the export interpreted.
    let plan = |_, index| match index {
        0 | 2 | 3 => FunctionTier::Compiled,
        _ => FunctionTier::Interpreted,
    };
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(CALL_HANDOFF).expect("compiles");
    let mut rt = Runtime::with_executor(&engine, TierExecutor::tiered_with_plan(plan));
    let id = rt.instantiate(&module).expect("instantiates");
    assert_eq!(i32_of(rt.call(id, "go", &[Val::I32(4)])), 50);
    let (before, _) = rt.tier_stats().expect("dyn reports");
    match rt.call(id, "go", &[Val::I32(0)]) {
        Err(Error::Trap(Trap::Unreachable)) => {}
        other => panic!("expected unreachable, got {other:?}"),
    }
    assert_eq!(trace(&rt), expected);
    assert_eq!(i32_of(rt.call(id, "go", &[Val::I32(6)])), 70);
    let (after, _) = rt.tier_stats().expect("dyn reports");
    // Each call of `go` enters `run`, and `mid` hands `leaf` off.
    assert_eq!(
        after.compiled_entries - before.compiled_entries,
        4,
        "{after:?}"
    );
}

/// Interpreted `body`, inside a continuation that interpreted `run`
/// resumes, calls two compiled functions ten times each: `via_table`, whose
/// indirect call can only reach functions that never suspend, runs in place;
/// `via_yield` suspends (through `yield_then_inc`) and runs as a native
/// continuation, its suspension handled by `run`.
const IN_PLACE: &str = r#"
(module
  (type $f (func (result i32)))
  (type $c (cont $f))
  (type $ii (func (param i32) (result i32)))
  (tag $yield)
  (table 2 funcref)
  (elem (i32.const 0) func $double $yield_then_inc)
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $yield_then_inc (param i64) (result i64)
    (suspend $yield)
    (i64.add (local.get 0) (i64.const 1)))
  (func $via_table (param i32) (result i32)
    (call_indirect (type $ii) (local.get 0) (i32.const 0)))
  (func $via_yield (param i32) (result i32)
    (i32.wrap_i64 (call $yield_then_inc (i64.extend_i32_u (local.get 0)))))
  (func $body (result i32) (local $acc i32) (local $i i32)
    (local.set $acc (i32.const 1))
    (loop $next
      (local.set $acc (call $via_table (local.get $acc)))
      (local.set $acc (i32.add (local.get $acc) (call $via_yield (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 10))))
    (local.get $acc))
  (elem declare func $body)
  (func (export "run") (result i32) (local $k (ref null $c)) (local $yields i32)
    (local.set $k (cont.new $c (ref.func $body)))
    (loop $again
      (block $on_yield (result (ref $c))
        (resume $c (on $yield $on_yield) (local.get $k))
        (return (i32.add (i32.mul (local.get $yields) (i32.const 1000000)))))
      (local.set $k)
      (local.set $yields (i32.add (local.get $yields) (i32.const 1)))
      (br $again))
    (unreachable)))
"#;

#[test]
fn compiled_functions_that_never_suspend_are_called_in_place_inside_continuations() {
    let engine = Engine::new(TierMode::Interp).expect("interp is built");
    let module = engine.compile_text(IN_PLACE).expect("compiles");
    let mut interpreted = Runtime::new(&engine);
    let id = interpreted.instantiate(&module).expect("instantiates");
    let expected = i32_of(interpreted.call(id, "run", &[]));
    assert_eq!(expected / 1_000_000, 10, "ten yields");

    // The four helpers compiled; body and run interpreted.
    let plan = |_, index| match index {
        0..=3 => FunctionTier::Compiled,
        _ => FunctionTier::Interpreted,
    };
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(IN_PLACE).expect("compiles");
    let mut rt = Runtime::with_executor(&engine, TierExecutor::tiered_with_plan(plan));
    let id = rt.instantiate(&module).expect("instantiates");
    assert_eq!(i32_of(rt.call(id, "run", &[])), expected);
    // Once every helper has code (the first run compiles them as they are
    // called), each run enters compiled code exactly for the ten calls of
    // `via_table`.
    let (before, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(i32_of(rt.call(id, "run", &[])), expected);
    let (after, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(after.tiered_up.len(), 4, "{after:?}");
    assert_eq!(
        after.compiled_entries - before.compiled_entries,
        10,
        "{after:?}"
    );
}

/// A wrapper started once as a continuation, whose frame waits at a
/// `resume` while a generator under it yields to an outer handler.
const WRAPPED_GENERATOR: &str = r#"
(module
  (type $gen_f (func))
  (type $gen_c (cont $gen_f))
  (tag $yield)
  (tag $other)
  (global $count (mut i32) (i32.const 0))
  (elem declare func $gen $wrap)
  (func $gen
    (loop $next
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (suspend $yield)
      (br $next)))
  (func $wrap
    (block $other_h (result (ref $gen_c))
      (resume $gen_c (on $other $other_h) (cont.new $gen_c (ref.func $gen)))
      (return))
    (unreachable))
  (func (export "drive") (param $n i32) (result i32) (local $k (ref null $gen_c))
    (local.set $k
      (block $first (result (ref $gen_c))
        (resume $gen_c (on $yield $first) (cont.new $gen_c (ref.func $wrap)))
        (unreachable)))
    (loop $again
      (local.set $k
        (block $yielded (result (ref $gen_c))
          (resume $gen_c (on $yield $yielded) (local.get $k))
          (unreachable)))
      (br_if $again (i32.lt_u (global.get $count) (local.get $n))))
    (global.get $count)))
"#;

/// Under counts, a function that resumes continuations compiles
/// when a continuation of it starts, even at its first call: its frame
/// would otherwise wait interpreted at the `resume` for the continuation's
/// life. A plan keeps it where it says.
#[test]
fn a_continuation_that_resumes_starts_compiled() {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(WRAPPED_GENERATOR).expect("compiles");
    let wrap = 1;
    let run = |executor: TierExecutor| {
        let mut rt = Runtime::with_executor(&engine, executor);
        let id = rt.instantiate(&module).expect("instantiates");
        assert_eq!(i32_of(rt.call(id, "drive", &[Val::I32(100)])), 100);
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        let funcs = &rt.store().instances[id.0 as usize].funcs;
        (stats.tiered_up.iter()).any(|&(f, _)| f == funcs[wrap])
    };
    let uniform = TierExecutor::tiered(TierUp {
        after: 1000,
        sync: true,
        ..TierUp::default()
    });
    assert!(run(uniform), "the wrapper compiles at its start");
    let planned = TierExecutor::tiered_with_plan(|_, _| FunctionTier::Interpreted);
    assert!(!run(planned), "a plan keeps it interpreted");
}

/// A generator that compiled code runs in place as heap frames, under a
/// compiled wrapper whose handlers do not take its tag: every yield goes
/// past the wrapper's resume, so that resume never counts its resumptions.
/// The generator moves to a native stack all the same, and its loop
/// continues in compiled code there (at its first hot loop header after
/// the move: in place, it found its entry and asks again 1024 iterations
/// later).
#[test]
fn a_generator_run_in_place_under_a_wrapper_moves_on_and_continues_compiled() {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(WRAPPED_GENERATOR).expect("compiles");
    // Under counts the wrapper compiles at its start and gets a native
    // stack; the generator (no resume) is run in place.
    let counts = TierUp {
        after: 100,
        sync: true,
        ..TierUp::default()
    };
    let executor = TierExecutor::tiered(counts).heap_frames_after(0);
    let mut rt = Runtime::with_executor(&engine, executor);
    let id = rt.instantiate(&module).expect("instantiates");
    assert_eq!(i32_of(rt.call(id, "drive", &[Val::I32(3000)])), 3000);
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.heap_frame_conts, 1, "{stats:?}");
    // The driver's loop and the generator's (without the move: 1).
    assert_eq!(stats.osr_entries, 2, "{stats:?}");
}
