//! Property tests (quickcheck): generated programs with continuations
//! (`cont_gen.rs`) give their model's result and log under `interp`, under
//! `jit`, under a static per-function mix, and under tier-up by a random
//! per-function plan (interpreted, compiled, or compiled after k calls and
//! loop back-edges); and under any of those with a collection at every
//! `cont.new`.
//!
//! Each property runs [`DEFAULT_TESTS`] cases; `QUICKCHECK_TESTS=N` runs N
//! (e.g. `QUICKCHECK_TESTS=100000 cargo test --release -p wasmfx-fuzz-diff
//! --test continuations`). A failure is shrunk to a small program and
//! plan, printed with its Wasm text and saved as
//! `target/fuzz-diff/cont-<property>.txt`. Every property prints its counts
//! (shown with `-- --nocapture`).

use quickcheck::TestResult;
use wasmfx_fuzz_diff::cont_case::{
    Collection, check_program, check_program_against, check_program_collecting, failure_report,
};
use wasmfx_fuzz_diff::cont_gen::{Program, Stmt};
use wasmfx_fuzz_diff::cont_property::{
    Tally, fail, matches_model_collecting, matches_model_compiled, matches_model_interpreted,
    matches_model_selected, matches_model_tiered, run_property,
};
use wasmfx_fuzz_diff::run::Tiering;
use wasmfx_fuzz_diff::tiering_plan::TieringPlan;
use wasmfx_tier::FunctionTier;

/// Cases per property in a default run (CI): a few seconds each in the
/// test profile.
const DEFAULT_TESTS: u64 = 1_000;

/// Runs `property`, prints its counts, and fails with the shrunk
/// counterexample or when fewer cases ran than asked for.
fn check(name: &str, property: impl quickcheck::Testable) -> Tally {
    let tally = run_property(name, DEFAULT_TESTS, property).unwrap_or_else(|c| panic!("{c}"));
    eprintln!("{name}: {tally}");
    let wanted = std::env::var("QUICKCHECK_TESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_TESTS);
    assert_eq!(tally.passed(), wanted, "{name}: cases run");
    tally
}

#[test]
fn continuation_programs_match_their_model_interpreted() {
    check(
        "interp",
        matches_model_interpreted as fn(Program) -> TestResult,
    );
}

#[test]
fn continuation_programs_match_their_model_compiled() {
    check("jit", matches_model_compiled as fn(Program) -> TestResult);
}

/// Chains that mix the tiers: continuations made by one tier and run by
/// the other, interpreted suspends and switches to handlers of compiled
/// code (the interpreter parks the call, compiled code switches natively).
#[test]
fn continuation_programs_match_their_model_mixed() {
    check(
        "mixed",
        matches_model_selected as fn(Program, TieringPlan) -> TestResult,
    );
}

/// Functions start interpreted and tier up by the plan while the program
/// runs: in the middle of drivers' loops, of suspended continuations and
/// of nested resumes.
#[test]
fn continuation_programs_match_their_model_tiered_by_plan() {
    let tally = check(
        "tiered",
        matches_model_tiered as fn(Program, TieringPlan) -> TestResult,
    );
    assert!(
        tally.tiered_up_cases * 5 > tally.passed(),
        "too few cases tiered up: {tally}"
    );
}

/// Every tiering, collecting at every `cont.new` (issue 11's "collect
/// every" mode): the collector must never free or disturb what the
/// program can still reach.
#[test]
fn continuation_programs_match_their_model_collecting_at_every_cont_new() {
    let tally = check(
        "collecting",
        matches_model_collecting as fn(Program, TieringPlan, u8) -> TestResult,
    );
    assert!(
        tally.collections > tally.passed(),
        "too few collections: {tally}"
    );
}

/// The harness finds and shrinks a failure: against a model that forgets
/// every `Yield`, the counterexample shrinks to the one-statement program,
/// whatever the plan, and the report holds its Wasm text.
#[test]
fn a_wrong_model_is_caught_and_shrunk() {
    fn model_without_yields(program: Program, plan: TieringPlan) -> TestResult {
        fn drop_yields(stmts: &[Stmt]) -> Vec<Stmt> {
            let kept = stmts.iter().filter(|s| **s != Stmt::Yield);
            kept.map(|s| match s.body() {
                Some(body) => s.with_body(drop_yields(body)),
                None => s.clone(),
            })
            .collect()
        }
        let wrong = Program {
            root: drop_yields(&program.root),
            start: program.start,
        };
        let tiering = Tiering::Planned(plan);
        match check_program_against(&program, &tiering, wrong.expected()) {
            Ok(_) => TestResult::passed(),
            Err(why) => fail(failure_report(&program, &tiering, &why)),
        }
    }
    let found = run_property(
        "planted-model-bug",
        200,
        model_without_yields as fn(Program, TieringPlan) -> TestResult,
    );
    let counterexample = found.expect_err("a model without yields must fail");
    let report = &counterexample.report;
    eprintln!("{counterexample}");
    assert!(
        report.contains("program: Program { root: [Yield], start: 0 }"),
        "{report}"
    );
    assert!(report.contains("plan (others Interpreted):\n"), "{report}");
    assert!(
        report.contains("(suspend $yield (local.get $acc))"),
        "{report}"
    );
    assert!(counterexample.failing_runs >= 2, "{counterexample}");
}

/// Plans shrink too: a property that fails when anything tiers up ends at
/// a plan with exactly one function that is not interpreted. (The program
/// shrinks as far as quickcheck's greedy search gets: often to nothing,
/// since a body tiers up when its continuation starts, sometimes not.)
#[test]
fn a_tier_up_is_found_and_its_plan_shrunk() {
    fn never_tiers_up(program: Program, plan: TieringPlan) -> TestResult {
        let tiering = Tiering::Planned(plan);
        match check_program(&program, &tiering) {
            Ok(0) => TestResult::passed(),
            Ok(n) => fail(failure_report(
                &program,
                &tiering,
                &format!("{n} tiered up"),
            )),
            Err(why) => fail(failure_report(&program, &tiering, &why)),
        }
    }
    let found = run_property(
        "planted-tier-up",
        200,
        never_tiers_up as fn(Program, TieringPlan) -> TestResult,
    );
    let counterexample = found.expect_err("random plans tier up");
    let report = &counterexample.report;
    eprintln!("{counterexample}");
    assert!(report.contains("\n1 tiered up\n"), "{report}");
    assert!(report.contains(", start: 0 }"), "{report}");
    let plan_line = report.lines().nth(1).unwrap_or_default();
    assert_eq!(plan_line.matches(';').count(), 1, "{report}");
}

/// Found by the collecting property (case 17412 of a 20,000-case run at
/// 1dd86bf, shrunk): `$nest_0`, compiled, runs its fresh continuation in
/// place as heap frames, whose `switch` goes on past it to the root
/// driver. While the partner ran, only the in-place runner named the
/// parked frames (by index), and a collection freed them: "record 2 holds
/// no parked call". They are held as a root now.
#[test]
fn heap_frames_that_switch_past_their_runner_survive_collection() {
    let program = Program {
        root: vec![Stmt::Nest {
            levels: 1,
            body: vec![Stmt::Swap(vec![
                Stmt::Spawn {
                    bias: 0,
                    body: vec![],
                },
                Stmt::Nest {
                    levels: 1,
                    body: vec![],
                },
            ])],
        }],
        start: 0,
    };
    let mut tiers = vec![FunctionTier::Interpreted; 11];
    // $nest_1 and $nest_0 (function_names of the program's text).
    tiers[5] = FunctionTier::After(0);
    tiers[8] = FunctionTier::After(0);
    let plan = TieringPlan::new(tiers).with_heap_frames(true);
    let checked =
        check_program_collecting(&program, &Tiering::Planned(plan), Collection::EveryContNew);
    assert!(checked.is_ok(), "{checked:?}");
}
