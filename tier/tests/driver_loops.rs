//! Hot loops that drive held continuations (`interp/src/osr_watch.rs`): a
//! loop that starts and resumes many short-lived continuations while
//! hundreds are held stays interpreted although its OSR entry is ready (in
//! compiled code each would be a crossing into the interpreter); its
//! function is compiled for the next call. A loop that holds few, or whose
//! continuations end at once, enters its OSR entry as any other. And an
//! interpreted driver runs the continuations of a compiled function as heap
//! frames unless they proved long-lived, and their heap frames run the
//! interpreted code of compiled functions that suspend.

use wasmfx_tier::{Engine, Error, FunctionTier, Runtime, TierExecutor, TierMode, TierUp, Val};

const PROGRAM: &str = r#"
(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (type $g (func (result i32)))
  (type $gc (cont $g))
  (tag $park)
  (tag $yield (param i32))
  (table $held 0 (ref null $gc))
  (elem declare func $wait $successor $gen)

  (func $wait (param $i i32) (result i32)
    (suspend $park)
    (local.get $i))

  (func $successor (param $i i32) (result i32)
    (i32.add (local.get $i) (i32.const 1)))

  ;; n continuations suspended at once, then finished: the sum of 0..n-1.
  (func (export "held") (param $n i32) (result i32)
    (local $i i32) (local $sum i32) (local $parked (ref null $gc))
    (drop (table.grow $held (ref.null $gc) (local.get $n)))
    (block $made
      (loop $make
        (br_if $made (i32.ge_u (local.get $i) (local.get $n)))
        (block $on_park (result (ref $gc))
          (drop (resume $c (on $park $on_park) (local.get $i) (cont.new $c (ref.func $wait))))
          (unreachable))
        (local.set $parked)
        (table.set $held (local.get $i) (local.get $parked))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $make)))
    (local.set $i (i32.const 0))
    (block $done
      (loop $finish
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (resume $gc (table.get $held (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $finish)))
    (local.get $sum))

  ;; Yields 0..3 in a loop, then returns 100.
  (func $gen (result i32) (local $i i32)
    (loop $next
      (suspend $yield (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 4))))
    (i32.const 100))

  ;; n generators of $gen, one after another, each run to its end: n * 106.
  (func (export "generators") (param $n i32) (result i32)
    (call $drive (local.get $n) (ref.func $gen)))

  ;; n continuations, each run to its return at once: the sum of 1..n.
  (func (export "fresh") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum)
            (resume $c (local.get $i) (cont.new $c (ref.func $successor)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; Yields i, from a function of its own, for i in 0..3; returns 100.
  (func $yield_of (param $i i32)
    (suspend $yield (local.get $i)))
  (func $gen_calling (result i32) (local $i i32)
    (loop $next
      (call $yield_of (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 4))))
    (i32.const 100))
  (elem declare func $gen_calling)

  ;; `generators` of $gen_calling.
  (func (export "calling_generators") (param $n i32) (result i32)
    (call $drive (local.get $n) (ref.func $gen_calling)))

  ;; n generators of $f, one after another, each run to its end.
  (func $drive (param $n i32) (param $f (ref $g)) (result i32)
    (local $k (ref null $gc)) (local $sum i32)
    (block $done
      (loop $each
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (local.set $k (cont.new $gc (local.get $f)))
        (block $ended
          (loop $step
            (block $yielded (result i32 (ref $gc))
              (local.set $sum (i32.add (local.get $sum)
                (resume $gc (on $yield $yielded) (local.get $k))))
              (br $ended))
            (local.set $k)
            (local.set $sum (i32.add (local.get $sum)))
            (br $step)))
        (br $each)))
    (local.get $sum)))
"#;

/// The program, instantiated under `executor`.
fn runtime_with(executor: TierExecutor) -> (Runtime, wasmfx_tier::InstanceId) {
    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let module = engine.compile_text(PROGRAM).expect("compiles");
    let mut runtime = Runtime::with_executor(&engine, executor);
    let id = runtime.instantiate(&module).expect("instantiates");
    (runtime, id)
}

/// A runtime whose functions compile after `after` events, on this thread.
fn runtime(after: u32) -> (Runtime, wasmfx_tier::InstanceId) {
    runtime_with(TierExecutor::tiered(TierUp {
        after,
        sync: true,
        ..TierUp::default()
    }))
}

fn i32_of(result: Result<Vec<Val>, Error>) -> i32 {
    match result.as_deref() {
        Ok([Val::I32(v)]) => *v,
        other => panic!("expected one i32, got {other:?}"),
    }
}

fn sum_below(n: i32) -> i32 {
    n * (n - 1) / 2
}

#[test]
fn a_loop_driving_many_held_continuations_stays_interpreted() {
    // Hot after 1000 events: 1000 continuations held by then.
    let (mut rt, id) = runtime(1000);
    let n = 5000;
    assert_eq!(i32_of(rt.call(id, "held", &[Val::I32(n)])), sum_below(n));
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    // Both loops found their function hot with 256 or more continuations
    // held: neither entered compiled code, which then ran none in place.
    assert!(stats.hot_loops > 1, "{stats:?}");
    assert_eq!(stats.osr_entries, 0, "{stats:?}");
    assert_eq!(stats.heap_frame_conts, 0, "{stats:?}");
    // The function got compiled code all the same: the next call runs it.
    let held = rt.func(id, "held").expect("export");
    assert!(stats.tiered_up.iter().any(|&(f, _)| f == held), "{stats:?}");
    let entries = stats.compiled_entries;
    assert_eq!(i32_of(rt.call(id, "held", &[Val::I32(n)])), sum_below(n));
    let (again, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(again.compiled_entries, entries + 1, "{again:?}");
    assert!(again.heap_frame_conts > 0, "{again:?}");
}

#[test]
fn a_loop_holding_few_continuations_enters_compiled_code() {
    // Hot after 100 events, with 100 held: the first loop enters its OSR
    // entry, and compiled code runs the rest.
    let (mut rt, id) = runtime(100);
    let n = 5000;
    assert_eq!(i32_of(rt.call(id, "held", &[Val::I32(n)])), sum_below(n));
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
}

#[test]
fn a_loop_whose_continuations_end_at_once_enters_compiled_code() {
    let (mut rt, id) = runtime(1000);
    let n = 5000;
    assert_eq!(
        i32_of(rt.call(id, "fresh", &[Val::I32(n)])),
        sum_below(n + 1)
    );
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.osr_entries, 1, "{stats:?}");
}

#[test]
fn an_interpreted_driver_runs_short_lived_compiled_generators_as_heap_frames() {
    // `gen` compiled, the driver interpreted; stacks dear from the first
    // continuation or not. Each generator is resumed 5 times, never
    // long-lived: the interpreter starts every one as heap frames either
    // way (a native one would cost a host entry per resume).
    let run = |dear: bool| {
        let gen_index = 3;
        let plan = move |_, index| match index {
            i if i == gen_index => FunctionTier::Compiled,
            _ => FunctionTier::Interpreted,
        };
        let mut executor = TierExecutor::tiered_with_plan(plan);
        if dear {
            executor = executor.heap_frames_after(0);
        }
        let (mut rt, id) = runtime_with(executor);
        assert_eq!(i32_of(rt.call(id, "generators", &[Val::I32(50)])), 50 * 106);
        let (stats, _) = rt.tier_stats().expect("dyn reports");
        stats
    };
    // Stacks cheap: a generator whose loop went hot may move to a native
    // stack there, the others run as heap frames: most of the 250 resumes
    // are interpreted (all of them were native before 99224dd).
    let cheap = run(false);
    assert!(cheap.native_resumes < 50, "{cheap:?}");
    // Dear: none moves to a native stack at its loop (no hand-off), none is
    // resumed natively.
    let heap = run(true);
    assert_eq!(heap.native_resumes, 0, "{heap:?}");
    assert_eq!(heap.osr_entries, 0, "{heap:?}");
}

#[test]
fn heap_frames_of_a_short_lived_continuation_run_a_compiled_callee_that_suspends_interpreted() {
    // `yield_of` compiled, the rest interpreted, stacks never dear: the
    // generators (of an interpreted function) run as heap frames, and their
    // calls of compiled `yield_of`, which suspends, run its interpreted code
    // (as a native continuation each, every later resume of the generator
    // would be a host entry).
    let yield_of = 6;
    let plan = move |_, index| match index {
        i if i == yield_of => FunctionTier::Compiled,
        _ => FunctionTier::Interpreted,
    };
    let (mut rt, id) = runtime_with(TierExecutor::tiered_with_plan(plan));
    assert_eq!(
        i32_of(rt.call(id, "calling_generators", &[Val::I32(50)])),
        50 * 106
    );
    let (stats, _) = rt.tier_stats().expect("dyn reports");
    assert_eq!(stats.native_resumes, 0, "{stats:?}");
}
