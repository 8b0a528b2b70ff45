//! The continuation collector: a continuation hidden in each kind of root
//! survives collections made at every `cont.new`, and unreachable ones,
//! fresh or suspended, are freed, under every tier: the interpreter
//! collects when it runs alone (no compiled code in the store), compiled
//! code when every interpreter activation waits in a call to compiled code
//! (`dyn` runs this program interpreted with the default count, but for
//! functions that resume, compiled when a continuation of them starts).
//! Each case runs in a fresh store, and counts only collections made.

use std::sync::Arc;
use wasmfx_tier::{
    Engine, FunctionTier, InstanceId, Runtime, StoreLimits, TierExecutor, TierMode, TierUp, Val,
};

const PROGRAM: &str = include_str!("programs/collect_roots.wat");

const ROOTS: [(&str, i32); 10] = [
    ("in_local", 7),
    ("in_operand", 7),
    ("in_table", 7),
    ("in_global", 7),
    ("in_bound", 7),
    ("in_exception", 7),
    ("in_suspended", 1005),
    ("in_resumer", 7),
    ("in_waited", 121),
    ("in_place", 7),
];

/// How `dyn` compiles in a configuration.
#[derive(Clone, Copy)]
enum Plan {
    /// Its defaults (this program stays interpreted).
    Default,
    /// Everything at its first call.
    Eager,
    /// Only `$churn` and `$suspender`, at their first call: compiled
    /// `cont.new` collects while the interpreted exports wait in calls to
    /// it, their value stacks exposed to compiled code's collector, and an
    /// interpreted frame waits in a native continuation.
    ChurnCompiled,
    /// Everything but `$in_place_body` at its first call, and fresh
    /// continuations of interpreted functions run as heap frames in place
    /// of native ones (`TierExecutor::heap_frames_after(0)`).
    InPlace,
}

/// Indices of `$churn` and `$suspender` in the program.
const CHURN: u32 = 2;
const SUSPENDER: u32 = 3;
/// Index of `$in_place_body`.
const IN_PLACE_BODY: u32 = 16;

/// The configurations: (name, mode, dyn's plan).
const TIERS: [(&str, TierMode, Plan); 6] = [
    ("interp", TierMode::Interp, Plan::Default),
    ("jit", TierMode::Jit, Plan::Default),
    ("dyn", TierMode::Dyn, Plan::Default),
    ("dyn eager", TierMode::Dyn, Plan::Eager),
    (
        "dyn with $churn compiled",
        TierMode::Dyn,
        Plan::ChurnCompiled,
    ),
    (
        "dyn running a continuation in place",
        TierMode::Dyn,
        Plan::InPlace,
    ),
];

/// The program in a fresh runtime of `mode` (`dyn` following `plan`) that
/// collects at every `cont.new` when it collects at all.
fn program(mode: TierMode, plan: Plan) -> (Runtime, InstanceId) {
    let mut engine = Engine::new(mode).expect("tier is built");
    let tier_up = |plan| TierUp {
        sync: true,
        plan,
        ..TierUp::default()
    };
    engine = match plan {
        Plan::Default => engine,
        Plan::Eager => engine.with_tier_up(TierUp {
            after: 0,
            ..tier_up(None)
        }),
        Plan::ChurnCompiled => {
            engine.with_tier_up(tier_up(Some(Arc::new(|_, index| match index {
                CHURN | SUSPENDER => FunctionTier::Compiled,
                _ => FunctionTier::Interpreted,
            }))))
        }
        Plan::InPlace => engine,
    };
    let module = engine.compile_text(PROGRAM).expect("program compiles");
    let mut runtime = match plan {
        Plan::InPlace => {
            let executor = TierExecutor::tiered_with_plan(|_, index| match index {
                IN_PLACE_BODY => FunctionTier::Interpreted,
                _ => FunctionTier::Compiled,
            });
            Runtime::with_executor(&engine, executor.heap_frames_after(0))
        }
        _ => Runtime::new(&engine),
    };
    runtime.set_limits(StoreLimits {
        collection_minimum: 0,
        ..StoreLimits::default()
    });
    let id = runtime.instantiate(&module).expect("program instantiates");
    (runtime, id)
}

#[test]
fn a_continuation_in_every_kind_of_root_survives_collections() {
    for (name, mode, plan) in TIERS {
        for (export, expected) in ROOTS {
            // A fresh store each: stale words that an earlier export left on
            // the stacks would keep the hidden continuation alive too.
            let (mut runtime, id) = program(mode, plan);
            let got = runtime.call(id, export, &[]);
            assert_eq!(
                got.ok(),
                Some(vec![Val::I32(expected)]),
                "{export} under {name}"
            );
            // Under `dyn`'s defaults the suspended holder (it resumes) is
            // compiled when its continuation starts; then the interpreted
            // churn runs beside compiled code and neither tier collects.
            let put_off = matches!(
                (mode, plan, export),
                (TierMode::Dyn, Plan::Default, "in_suspended")
            );
            let collections = runtime.store().conts.collections();
            assert!(
                collections >= 100 || put_off,
                "{collections} collections in {export} under {name}"
            );
        }
    }
}

#[test]
fn unreachable_continuations_fresh_and_suspended_are_freed() {
    for (name, mode, plan) in TIERS {
        let (mut runtime, id) = program(mode, plan);
        runtime.set_limits(StoreLimits {
            collection_minimum: 1000,
            ..StoreLimits::default()
        });
        let got = runtime.call(id, "garbage", &[Val::I32(100_000)]);
        assert_eq!(got.ok(), Some(vec![]), "{name}");
        // At most the minimum, doubled, between two collections.
        let live = runtime.live_continuations();
        assert!(live <= 2_000, "{live} continuations live under {name}");
        assert!(runtime.store().conts.collections() >= 100, "{name}");
    }
}
