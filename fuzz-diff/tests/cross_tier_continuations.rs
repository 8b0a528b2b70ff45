//! Continuations that cross tiers: both tiers keep their continuations in
//! the store's one table, so a contref made by one is resumed by the other.
//! Interpreted code called by compiled code suspends to handlers of
//! compiled code. The program compiles its even-indexed functions and
//! interprets the odd ones (the index is in each function's comment), and
//! every export checks one crossing against the interpreter's answer.

use wasmfx_core::Trap;
use wasmfx_tier::{Engine, Error, Runtime, TierExecutor, TierMode, Val};

const PROGRAM: &str = r#"(module
  (type $f0 (func (result i32)))
  (type $c0 (cont $f0))
  (type $f1 (func (param i32) (result i32)))
  (type $c1 (cont $f1))
  (type $f2 (func (param i32 i32) (result i32)))
  (type $c2 (cont $f2))
  (tag $t)
  (tag $y (param i32))
  (tag $exc (param i32))
  (elem declare func $add1 $sub $suspends_compiled $suspends_interpreted $i_gen $i_catcher)

  ;; 0, compiled
  (func $add1 (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  ;; 1, interpreted
  (func $sub (param i32 i32) (result i32) (i32.sub (local.get 0) (local.get 1)))
  ;; 2, compiled: a fresh continuation of compiled code
  (func $c_new_add1 (result (ref $c1)) (cont.new $c1 (ref.func $add1)))
  ;; 3, interpreted: a fresh continuation with a bound value
  (func $i_new_sub_bound (result (ref $c1))
    (cont.bind $c2 $c1 (i32.const 100) (cont.new $c2 (ref.func $sub))))
  ;; 4, compiled
  (func $c_resume (param (ref $c1) i32) (result i32)
    (resume $c1 (local.get 1) (local.get 0)))
  ;; 5, interpreted
  (func $i_resume (param (ref $c1) i32) (result i32)
    (resume $c1 (local.get 1) (local.get 0)))
  ;; 6, compiled
  (func (export "compiled_made_interpreted_resumed") (result i32)
    (call $i_resume (call $c_new_add1) (i32.const 41)))
  ;; 7, interpreted
  (func $suspends_interpreted (result i32) (suspend $t) (i32.const 9))
  ;; 8, compiled: compiled code runs everything it can, the interpreter
  ;; everything it is given, so crossings start from compiled code
  (func (export "interpreted_made_compiled_resumed") (result i32)
    (call $c_resume (call $i_new_sub_bound) (i32.const 58)))
  ;; 9, interpreted: runs k to its suspend, returns the suspended continuation
  (func $i_park (param (ref $c0)) (result (ref $c0))
    (block $h (result (ref $c0))
      (drop (resume $c0 (on $t $h) (local.get 0)))
      (unreachable)))
  ;; 10, compiled: the same
  (func $c_park (param (ref $c0)) (result (ref $c0))
    (block $h (result (ref $c0))
      (drop (resume $c0 (on $t $h) (local.get 0)))
      (unreachable)))
  ;; 11, interpreted
  (func $i_resume0 (param (ref $c0)) (result i32) (resume $c0 (local.get 0)))
  ;; 12, compiled
  (func $suspends_compiled (result i32) (suspend $t) (i32.const 7))
  ;; 13, interpreted
  (func $c0_of_interpreted (result (ref $c0))
    (cont.new $c0 (ref.func $suspends_interpreted)))
  ;; 14, compiled
  (func $c_resume0 (param (ref $c0)) (result i32) (resume $c0 (local.get 0)))
  ;; 15, interpreted
  (func $nothing)
  ;; 16, compiled
  (func (export "compiled_suspended_interpreted_resumed") (result i32)
    (call $i_resume0 (call $c_park (cont.new $c0 (ref.func $suspends_compiled)))))
  ;; 17, interpreted
  (func $nothing_either)
  ;; 18, compiled
  (func (export "interpreted_suspended_compiled_resumed") (result i32)
    (call $c_resume0 (call $i_park (call $c0_of_interpreted))))
  ;; 19, interpreted
  (func $nothing_at_all)
  ;; 20, compiled: the one-shot check holds across tiers
  (func (export "used_twice_across_tiers") (result i32)
    (local $k (ref null $c1))
    (local.set $k (call $i_new_sub_bound))
    (drop (call $c_resume (ref.as_non_null (local.get $k)) (i32.const 1)))
    (call $i_resume (ref.as_non_null (local.get $k)) (i32.const 1)))
  ;; 21, interpreted: yields 1, 2, 3 to its resumer, then returns 10
  (func $i_gen (result i32)
    (suspend $y (i32.const 1))
    (suspend $y (i32.const 2))
    (suspend $y (i32.const 3))
    (i32.const 10))
  ;; 22, compiled: the handler of the interpreted suspends
  (func (export "interpreted_generator_compiled_handler") (result i32)
    (local $k (ref null $c0)) (local $sum i32)
    (local.set $k (cont.new $c0 (ref.func $i_gen)))
    (loop $next
      (block $on_y (result i32 (ref $c0))
        (return (i32.add (local.get $sum) (resume $c0 (on $y $on_y) (local.get $k)))))
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (br $next))
    (unreachable))
  ;; 23, interpreted: catches what its resumer throws in at the suspend
  (func $i_catcher (result i32)
    (block $h (result i32)
      (try_table (catch $exc $h) (suspend $y (i32.const 5)) (return (i32.const 0)))
      (unreachable))
    (i32.add (i32.const 100)))
  ;; 24, compiled
  (func (export "compiled_handler_throws_into_interpreted") (result i32)
    (local $k (ref null $c0)) (local $first i32)
    (block $on_y (result i32 (ref $c0))
      (drop (resume $c0 (on $y $on_y) (cont.new $c0 (ref.func $i_catcher))))
      (unreachable))
    (local.set $k)
    (local.set $first)
    (i32.add (local.get $first) (resume_throw $c0 $exc (i32.const 7) (local.get $k))))
  ;; 25, interpreted: runs k to its first yield (dropping the value)
  (func $i_park_y (param (ref $c0)) (result (ref $c0)) (local $k (ref null $c0))
    (block $h (result i32 (ref $c0))
      (drop (resume $c0 (on $y $h) (local.get 0)))
      (unreachable))
    (local.set $k)
    (drop)
    (ref.as_non_null (local.get $k)))
  ;; 26, compiled: drives the rest of a generator the interpreter suspended
  (func (export "interpreted_parked_compiled_driven") (result i32)
    (local $k (ref null $c0)) (local $sum i32)
    (local.set $k (call $i_park_y (cont.new $c0 (ref.func $i_gen))))
    (loop $next
      (block $on_y (result i32 (ref $c0))
        (return (i32.add (local.get $sum) (resume $c0 (on $y $on_y) (local.get $k)))))
      (local.set $k)
      (local.set $sum (i32.add (local.get $sum)))
      (br $next))
    (unreachable))
)"#;

/// Calls `export` in a fresh runtime: interpreted, or compiled with only
/// even function indices compiled.
fn call(export: &str, mixed: bool) -> Result<Vec<Val>, Trap> {
    call_counting(export, mixed).0
}

/// [`call`], and the continuations of the store left unreleased after it.
fn call_counting(export: &str, mixed: bool) -> (Result<Vec<Val>, Trap>, usize) {
    let mode = if mixed {
        TierMode::Jit
    } else {
        TierMode::Interp
    };
    let engine = Engine::new(mode).expect("tier is built");
    let module = engine.compile_text(PROGRAM).expect("program compiles");
    let mut runtime = match mixed {
        true => Runtime::with_executor(
            &engine,
            TierExecutor::compiler_selecting(|_, index| index.is_multiple_of(2)),
        ),
        false => Runtime::new(&engine),
    };
    let id = runtime.instantiate(&module).expect("program instantiates");
    let result = match runtime.call(id, export, &[]) {
        Ok(results) => Ok(results),
        Err(Error::Trap(trap)) => Err(trap),
        Err(e) => panic!("{export}: {e}"),
    };
    (result, runtime.live_continuations())
}

#[test]
fn a_fresh_continuation_runs_in_the_other_tier() {
    for export in [
        "compiled_made_interpreted_resumed",
        "interpreted_made_compiled_resumed",
    ] {
        let interpreted = call(export, false);
        assert_eq!(interpreted, Ok(vec![Val::I32(42)]), "{export}");
        assert_eq!(call(export, true), interpreted, "{export} mixed");
    }
}

/// Compiled code runs interpreted code that suspends to its handlers, and
/// resumes continuations the interpreter suspended.
#[test]
fn interpreted_code_suspends_to_a_handler_of_compiled_code() {
    let cases = [
        ("interpreted_generator_compiled_handler", 16),
        ("compiled_handler_throws_into_interpreted", 5 + 107),
        ("interpreted_suspended_compiled_resumed", 9),
        ("interpreted_parked_compiled_driven", 2 + 3 + 10),
    ];
    for (export, value) in cases {
        let expected = (Ok(vec![Val::I32(value)]), 0);
        assert_eq!(call_counting(export, false), expected, "{export}");
        assert_eq!(call_counting(export, true), expected, "{export} mixed");
    }
}

#[test]
fn a_handle_works_once_whichever_tier_uses_it() {
    let expected = Err(Trap::ContinuationAlreadyConsumed);
    assert_eq!(call("used_twice_across_tiers", false), expected);
    assert_eq!(call("used_twice_across_tiers", true), expected);
}

/// Interpreted code resumes frames that compiled code suspended: it runs
/// them in compiled code's way (`Jit::resume_from_host`), as it does every
/// continuation with native frames.
#[test]
fn suspended_frames_of_compiled_code_resume_in_the_interpreter() {
    let export = "compiled_suspended_interpreted_resumed";
    assert_eq!(call(export, false), Ok(vec![Val::I32(7)]));
    assert_eq!(call(export, true), Ok(vec![Val::I32(7)]));
}
