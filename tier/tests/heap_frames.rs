//! Continuations that compiled code resumes, run as heap frames in place of
//! native ones (the jit's `libcalls/in_place.rs`), forced from the first
//! continuation (`TierExecutor::heap_frames_after(0)`): every way such a
//! continuation can come back gives what the interpreter gives.

use wasmfx_core::backtrace::func_name;
use wasmfx_tier::{Engine, Error, FunctionTier, Runtime, TierExecutor, TierMode, Val};

const PROGRAM: &str = r#"
(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (type $g (func (result i32)))
  (type $gc (cont $g))
  (tag $park)
  (tag $yield (param i32))
  (tag $ask (result i32))
  (tag $oops (param i32))
  (table $held 64 (ref null $gc))
  (elem declare func $wait $gen $asker $middle $thrower $crash $crash_later)

  ;; Suspends once, then returns its argument.
  (func $wait (param $i i32) (result i32)
    (suspend $park)
    (local.get $i))

  ;; n continuations suspended at once, then finished: the sum of 0..n-1.
  (func (export "held") (param $n i32) (result i32)
    (local $i i32) (local $sum i32) (local $parked (ref null $gc))
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

  ;; Yields 1..n, then returns 1000: resumed n + 1 times, so it moves to a
  ;; native stack on the way.
  (func $gen (param $n i32) (result i32) (local $i i32)
    (block $end
      (loop $next
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $end (i32.gt_u (local.get $i) (local.get $n)))
        (suspend $yield (local.get $i))
        (br $next)))
    (i32.const 1000))
  (func (export "generate") (param $n i32) (result i32) (local $k (ref null $gc)) (local $sum i32)
    (block $first (result i32 (ref $gc))
      (return (resume $c (on $yield $first) (local.get $n) (cont.new $c (ref.func $gen)))))
    (local.set $k)
    (local.set $sum)
    (loop $again
      (block $next (result i32 (ref $gc))
        (return (i32.add (local.get $sum) (resume $gc (on $yield $next) (local.get $k)))))
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (br $again))
    (unreachable))

  ;; Asks twice through a resume that handles only $yield: each suspension
  ;; goes on to the outer handler, which answers 10, then 20. `middle`
  ;; first yields 20 times, so that it moves to a native stack, then calls
  ;; `resume_asker` there, under which `asker`, fresh, runs as heap frames.
  (func $asker (param $x i32) (result i32)
    (i32.add (local.get $x) (i32.add (suspend $ask) (suspend $ask))))
  (func $middle (param $x i32) (result i32) (local $i i32)
    (loop $spin
      (suspend $yield (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 20))))
    (call $resume_asker (local.get $x)))
  (func $resume_asker (param $x i32) (result i32)
    (block $on_yield (result i32 (ref $gc))
      (return (resume $c (on $yield $on_yield) (local.get $x) (cont.new $c (ref.func $asker)))))
    (unreachable))
  (func (export "forward") (param $x i32) (result i32)
    (local $spun (ref null $gc)) (local $asked (ref null $c)) (local $answer i32)
    (block $on_ask (result (ref $c))
      (block $on_yield (result i32 (ref $gc))
        (return (resume $c (on $ask $on_ask) (on $yield $on_yield)
          (local.get $x) (cont.new $c (ref.func $middle)))))
      (local.set $spun)
      (drop)
      (loop $spin
        (block $yielded (result i32 (ref $gc))
          (return (resume $gc (on $ask $on_ask) (on $yield $yielded) (local.get $spun))))
        (local.set $spun)
        (drop)
        (br $spin))
      (unreachable))
    (local.set $asked)
    (local.set $answer (i32.const 10))
    (loop $again
      (block $next (result (ref $c))
        (return (resume $c (on $ask $next) (local.get $answer) (local.get $asked))))
      (local.set $asked)
      (local.set $answer (i32.add (local.get $answer) (i32.const 10)))
      (br $again))
    (unreachable))

  ;; Parks; the resume_throw of $oops 5 at the suspend is caught inside:
  ;; 105 when $x is 0, else $oops 9 leaves the continuation (59).
  (func $thrower (param $x i32) (result i32)
    (block $caught (result i32)
      (try_table (result i32) (catch $oops $caught)
        (suspend $park)
        (i32.const 0))
      (return))
    (if (local.get $x) (then (throw $oops (i32.const 9))))
    (i32.const 100)
    (i32.add))
  (func (export "throw_into") (param $x i32) (result i32) (local $k (ref null $gc))
    (block $on_park (result (ref $gc))
      (drop (resume $c (on $park $on_park) (local.get $x) (cont.new $c (ref.func $thrower))))
      (unreachable))
    (local.set $k)
    (block $escaped (result i32)
      (try_table (result i32) (catch $oops $escaped)
        (resume_throw $gc $oops (i32.const 5) (local.get $k)))
      (return))
    (i32.const 50)
    (i32.add))

  ;; A trap inside a continuation.
  (func $crash (param i32) (result i32) (unreachable))
  (func (export "trap") (param $x i32) (result i32)
    (resume $c (local.get $x) (cont.new $c (ref.func $crash))))

  ;; A trap in a continuation's frames after they were parked and resumed.
  (func $crash_later (param i32) (result i32)
    (suspend $park)
    (call $crash (local.get 0)))
  (func (export "trap_late") (param $x i32) (result i32)
    (block $on_park (result (ref $gc))
      (drop (resume $c (on $park $on_park) (local.get $x) (cont.new $c (ref.func $crash_later))))
      (unreachable))
    (resume $gc)))
"#;

/// The calls, each list in a runtime of its own (made by `runtime`).
const CALLS: &[&[(&str, i32)]] = &[
    &[("held", 50)],
    &[("generate", 40)],
    &[("forward", 1)],
    &[("throw_into", 0)],
    &[("throw_into", 1)],
    &[("trap", 3)],
    &[("trap_late", 4)],
];

/// Each call's answer (or trap message and backtrace), and the
/// continuations run as heap frames (`dyn`).
fn answers(engine: &Engine, runtime: impl Fn() -> Runtime) -> (Vec<Result<i32, String>>, u64) {
    let module = engine.compile_text(PROGRAM).expect("compiles");
    let answer = |export: &str, runtime: &Runtime, result: Result<Vec<Val>, Error>| match result {
        Ok(values) => match values.as_slice() {
            [Val::I32(v)] => Ok(*v),
            other => Err(format!("{export}: {other:?}")),
        },
        Err(Error::Trap(trap)) => {
            let frames: Vec<String> = runtime.backtrace().map_or(Vec::new(), |b| {
                let names = b.frames.iter().map(|&f| func_name(runtime.store(), f));
                names.collect()
            });
            Err(format!("{export}: {trap} in {frames:?}"))
        }
        Err(other) => Err(format!("{export}: {other}")),
    };
    let (mut out, mut heap_frame_conts) = (Vec::new(), 0);
    for calls in CALLS {
        let mut runtime = runtime();
        let id = runtime.instantiate(&module).expect("instantiates");
        for &(export, arg) in *calls {
            let result = runtime.call(id, export, &[Val::I32(arg)]);
            out.push(answer(export, &runtime, result));
        }
        if let Some((stats, _)) = runtime.tier_stats() {
            heap_frame_conts += stats.heap_frame_conts;
        }
    }
    (out, heap_frame_conts)
}

#[test]
fn continuations_run_as_heap_frames_by_compiled_code_behave_as_interpreted_ones() {
    let engine = Engine::new(TierMode::Interp).expect("interp is built");
    let (expected, _) = answers(&engine, || Runtime::new(&engine));
    assert_eq!(
        expected[..5],
        [
            Ok(50 * 49 / 2),
            Ok(1000 + 40 * 41 / 2),
            Ok(31),
            Ok(105),
            Ok(59)
        ]
    );
    assert!(
        matches!(&expected[5], Err(e) if e.contains("unreachable")),
        "{expected:?}"
    );
    assert!(
        matches!(&expected[6], Err(e) if e.contains("unreachable")
            && e.contains(r#"["<unknown>!crash", "<unknown>!crash_later", "#)),
        "{expected:?}"
    );

    let engine = Engine::new(TierMode::Dyn).expect("dyn is built");
    let (got, heap_frame_conts) = answers(&engine, || {
        let executor = TierExecutor::tiered_with_plan(|_, _| FunctionTier::Compiled);
        Runtime::with_executor(&engine, executor.heap_frames_after(0))
    });
    assert_eq!(got, expected);
    // held's 50, gen, middle and asker, thrower twice, crash, crash_later.
    assert_eq!(heap_frame_conts, 50 + 1 + 2 + 2 + 1 + 1);
}
