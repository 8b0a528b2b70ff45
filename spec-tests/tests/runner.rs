//! The runner on small scripts: every directive kind, how failures and
//! message differences are counted, and that engine panics are contained.

use wasmfx_core::{FuncAddr, Store, Trap, Val};
use wasmfx_spec_tests::{Executor, FileReport, run_script};
use wasmfx_tier::{Engine, TierMode};

fn run(script: &str) -> FileReport {
    let engine = Engine::new(TierMode::Interp).expect("interp is built");
    run_script("t.wast", script, engine.executor())
}

/// The reasons of the failures, for readable assertions.
fn reasons(report: &FileReport) -> Vec<String> {
    report.failure_lines().collect()
}

#[test]
fn every_passing_directive_kind_counts() {
    let report = run(r#"
(module $A
  (global (export "g") i32 (i32.const 7))
  (func (export "id") (param f32) (result f32) (local.get 0))
  (func (export "nan") (result f64) (f64.div (f64.const 0) (f64.const 0)))
  (func (export "null") (result externref) (ref.null extern))
  (func (export "ext") (param externref) (result externref) (local.get 0))
  (func (export "fref") (result funcref) (ref.func 0))
  (func $0 (export "deep") (call $0))
  (tag $e)
  (func (export "throw") (throw $e)))
(register "A" $A)
(module (import "A" "g" (global i32)) (func (export "get") (result i32) (global.get 0)))
(assert_return (invoke "get") (i32.const 7))
(assert_return (get $A "g") (i32.const 7))
(assert_return (invoke $A "id" (f32.const -0)) (f32.const -0))
(assert_return (invoke $A "nan") (f64.const nan:canonical))
(assert_return (invoke $A "nan") (f64.const nan:arithmetic))
(assert_return (invoke $A "null") (ref.null extern))
(assert_return (invoke $A "ext" (ref.extern 3)) (ref.extern 3))
(assert_return (invoke $A "fref") (ref.func))
(assert_return (invoke "get") (either (i32.const 1) (i32.const 7)))
(assert_exhaustion (invoke $A "deep") "call stack exhausted")
(assert_exception (invoke $A "throw"))
(assert_trap (module (func $f unreachable) (start $f)) "unreachable")
(assert_unlinkable (module (import "A" "nope" (func))) "unknown import")
(assert_malformed (module quote "(func") "unexpected end")
(assert_invalid (module (func (result i32))) "type mismatch")
(module definition $D (func (export "two") (result i32) (i32.const 2)))
(module instance $I $D)
(assert_return (invoke $I "two") (i32.const 2))
"#);
    assert_eq!(reasons(&report), Vec::<String>::new());
    assert_eq!(report.passed, 21);
}

#[test]
fn wrong_results_and_traps_fail_with_reasons() {
    let report = run(r#"
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0))))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "one"))
(assert_trap (invoke "one") "unreachable")
(assert_trap (invoke "div" (i32.const 0)) "integer overflow")
(assert_return (invoke "div" (i64.const 1)) (i32.const 1))
(invoke "missing")
(assert_return (invoke "div" (i32.const 0)) (i32.const 0))
"#);
    assert_eq!(report.passed, 1, "{:#?}", report);
    assert_eq!(
        reasons(&report),
        [
            "t.wast:5:2: assert_return: result 0: expected i32:2, got i32:1",
            "t.wast:6:2: assert_return: expected 0 results, got 1: [i32:1]",
            "t.wast:7:2: assert_trap: expected trap `unreachable`, got [i32:1]",
            "t.wast:8:2: assert_trap: expected trap `integer overflow`, got trap: integer divide by zero",
            "t.wast:9:2: assert_return: argument 0: i64.const does not fit parameter type I32",
            "t.wast:10:2: invoke: unknown export `missing`",
            "t.wast:11:2: assert_return: trap: integer divide by zero",
        ]
    );
}

#[test]
fn rejections_with_other_wording_pass_but_are_listed() {
    let report = run(r#"(assert_invalid (module (func (result i32))) "some other words")"#);
    assert_eq!((report.passed, report.failed), (1, 0));
    let differences: Vec<String> = report.message_difference_lines().collect();
    assert_eq!(differences.len(), 1);
    assert!(
        differences[0].contains("script expects `some other words`"),
        "{differences:?}"
    );
    assert!(
        report
            .summary_line()
            .ends_with("1 passed (1 with different message), 0 failed")
    );
}

#[test]
fn accepted_invalid_module_fails() {
    let report = run(r#"(assert_invalid (module (func)) "type mismatch")"#);
    assert_eq!(report.failed, 1);
}

#[test]
fn failed_module_does_not_leave_the_previous_one_current() {
    let report = run(r#"
(module (func (export "f") (result i32) (i32.const 1)))
(module (func $s unreachable) (start $s) (func (export "f") (result i32) (i32.const 2)))
(assert_return (invoke "f") (i32.const 1))
"#);
    assert_eq!(report.failed, 2);
    assert!(
        reasons(&report)[1].contains("no current module"),
        "{:?}",
        reasons(&report)
    );
}

#[test]
fn unparsable_script_is_one_located_failure() {
    let report = run("(module)\n(assert_return (invoke \"f\") (i32.const))");
    assert_eq!((report.passed, report.failed), (0, 1));
    assert!(
        reasons(&report)[0].starts_with("t.wast:2:"),
        "{:?}",
        reasons(&report)
    );
}

/// An executor whose engine always panics.
struct PanickingExecutor;

impl Executor for PanickingExecutor {
    fn call(&mut self, _: &mut Store, _: FuncAddr, _: &[Val]) -> Result<Vec<Val>, Trap> {
        panic!("engine bug")
    }
}

#[test]
fn engine_panics_become_failures() {
    let script = r#"(module (func (export "f"))) (invoke "f") (invoke "f")"#;
    let report = run_script("p.wast", script, PanickingExecutor);
    assert_eq!((report.passed, report.failed), (1, 2));
    assert!(
        reasons(&report)[0].ends_with("invoke: engine panicked: engine bug"),
        "{:?}",
        reasons(&report)
    );
}
