//! Stack switching under every built tier, through the embedding API:
//! generators, a scheduler, cont.bind chains, a suspension forwarded through
//! a thousand handlers, switch, exceptions and traps crossing continuations,
//! one-shot references, and release of every continuation that returned,
//! trapped or was consumed. The program is the interpreter's test program
//! (`interp/tests/programs/continuations.wat`); the interpreter's own
//! tests check its internals on the same file.

use wasmfx_core::TagAddr;
use wasmfx_core::value::Ref;
use wasmfx_tier::{Engine, Error, InstanceId, Runtime, TierMode, Trap, Val};

const PROGRAM: &str = include_str!("../../interp/tests/programs/continuations.wat");

/// Tag indices in the program.
const YIELD: usize = 0;
const ASK: usize = 2;
const SW: usize = 4;

const TIERS: [TierMode; 2] = [TierMode::Interp, TierMode::Jit];

/// The program instantiated in a fresh runtime of one tier.
struct Program {
    mode: TierMode,
    runtime: Runtime,
    id: InstanceId,
}

impl Program {
    fn new(mode: TierMode) -> Program {
        let engine = Engine::new(mode).expect("tier is built");
        let module = engine.compile_text(PROGRAM).expect("program compiles");
        let mut runtime = Runtime::new(&engine);
        let id = runtime.instantiate(&module).expect("program instantiates");
        Program { mode, runtime, id }
    }

    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        match self.runtime.call(self.id, name, args) {
            Ok(results) => Ok(results),
            Err(Error::Trap(trap)) => Err(trap),
            Err(e) => panic!("{name} under {:?}: {e}", self.mode),
        }
    }

    fn tag(&self, index: usize) -> TagAddr {
        self.runtime.store().instances[self.id.0 as usize].tags[index]
    }

    fn live(&self) -> usize {
        self.runtime.live_continuations()
    }
}

/// Runs `check` on a fresh instance of the program under every tier.
fn each_tier(check: impl Fn(&mut Program)) {
    for mode in TIERS {
        check(&mut Program::new(mode));
    }
}

#[test]
fn a_generator_yields_every_value_then_returns() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(
            p.call("gen_sum", &[Val::I32(100)]),
            Ok(vec![Val::I64(4950)]),
            "{m:?}"
        );
        assert_eq!(
            p.call("gen_sum", &[Val::I32(0)]),
            Ok(vec![Val::I64(0)]),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
    });
}

#[test]
fn a_round_robin_scheduler_interleaves_green_threads() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(
            p.call("schedule", &[]),
            Ok(vec![Val::I64(123_123_123)]),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
    });
}

#[test]
fn cont_bind_chains_apply_arguments_in_order_and_consume_their_input() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(p.call("bind_chain", &[]), Ok(vec![Val::I32(1234)]), "{m:?}");
        assert_eq!(
            p.call("bind_consumes", &[]),
            Err(Trap::ContinuationAlreadyConsumed),
            "{m:?}"
        );
    });
}

#[test]
fn a_suspension_passes_through_a_thousand_nested_handlers() {
    each_tier(|p| {
        let m = p.mode;
        // 100 answered, +1 at the suspension, +1 per nesting level.
        assert_eq!(
            p.call("forward", &[Val::I32(1000)]),
            Ok(vec![Val::I32(1101)]),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
    });
}

#[test]
fn a_handler_answers_an_effect_several_times() {
    each_tier(|p| {
        assert_eq!(p.call("state", &[]), Ok(vec![Val::I32(34)]), "{:?}", p.mode);
    });
}

#[test]
fn switch_ping_pong_takes_every_turn() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(
            p.call("ping_pong", &[Val::I32(10)]),
            Ok(vec![Val::I32(10)]),
            "{m:?}"
        );
        // The player that did not finish stays suspended until the store goes.
        assert_eq!(p.live(), 1, "{m:?}");
        let sw = p.tag(SW);
        assert_eq!(
            p.call("switch_unhandled", &[]),
            Err(Trap::UnhandledTag(sw)),
            "{m:?}"
        );
    });
}

#[test]
fn deep_recursion_inside_a_continuation_exhausts_the_stack_and_the_host_survives() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(p.call("deep", &[]), Err(Trap::CallStackExhausted), "{m:?}");
        assert_eq!(p.live(), 0, "{m:?}");
        assert_eq!(
            p.call("gen_sum", &[Val::I32(10)]),
            Ok(vec![Val::I64(45)]),
            "{m:?}"
        );
    });
}

#[test]
fn unhandled_tags_trap_naming_the_tag() {
    each_tier(|p| {
        let m = p.mode;
        let yield_tag = p.tag(YIELD);
        assert_eq!(
            p.call("unhandled", &[]),
            Err(Trap::UnhandledTag(yield_tag)),
            "{m:?}"
        );
        assert_eq!(
            p.call("unhandled_inside", &[]),
            Err(Trap::UnhandledTag(yield_tag)),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
    });
}

#[test]
fn null_is_checked_before_consumed() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(
            p.call("resume_null", &[]),
            Err(Trap::NullContinuation),
            "{m:?}"
        );
        assert_eq!(
            p.call("resume_twice", &[]),
            Err(Trap::ContinuationAlreadyConsumed),
            "{m:?}"
        );
    });
}

#[test]
fn exceptions_leave_continuations_to_their_resumer() {
    each_tier(|p| {
        let m = p.mode;
        assert_eq!(
            p.call("catch_from_cont", &[]),
            Ok(vec![Val::I32(42)]),
            "{m:?}"
        );
        assert_eq!(
            p.call("resume_throw_suspended", &[]),
            Ok(vec![Val::I32(7)]),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
    });
}

#[test]
fn a_trap_deep_in_nested_continuations_releases_them_all() {
    each_tier(|p| {
        let m = p.mode;
        // Depth 0 suspends $ask, which nobody handles inside `trap_in_nest`.
        let ask = p.tag(ASK);
        assert_eq!(
            p.call("trap_in_nest", &[Val::I32(50)]),
            Err(Trap::UnhandledTag(ask)),
            "{m:?}"
        );
        assert_eq!(p.live(), 0, "{m:?}");
        assert_eq!(
            p.call("forward", &[Val::I32(3)]),
            Ok(vec![Val::I32(104)]),
            "{m:?}"
        );
    });
}

#[test]
fn a_trap_inside_a_continuation_records_the_whole_chain_in_the_backtrace() {
    each_tier(|p| {
        let m = p.mode;
        let ask = p.tag(ASK);
        assert_eq!(
            p.call("trap_in_nest", &[Val::I32(2)]),
            Err(Trap::UnhandledTag(ask)),
            "{m:?}"
        );
        let export = p.runtime.func(p.id, "trap_in_nest").expect("exported");
        let frames = &p.runtime.backtrace().expect("tier records frames").frames;
        // $nest (depth 0, suspending), $nest (1), $nest (2), then the export.
        assert_eq!(frames.len(), 4, "{m:?}: {frames:?}");
        assert_eq!(frames[0], frames[1], "{m:?}");
        assert_eq!(frames[1], frames[2], "{m:?}");
        assert_eq!(frames[3], export, "{m:?}");
    });
}

#[test]
fn continuation_references_reach_the_host_but_typed_parameters_refuse_them() {
    each_tier(|p| {
        let m = p.mode;
        let made = p.call("make", &[]).expect("cont.new");
        assert!(matches!(made.as_slice(), [Val::Ref(Ref::Cont(_))]), "{m:?}");
        let k = p.call("make_gen", &[Val::I32(3)]).expect("cont.bind");
        assert!(matches!(k.as_slice(), [Val::Ref(Ref::Cont(_))]), "{m:?}");
        // A handle does not carry its continuation type, so the embedding
        // API cannot check it against `(ref null $kc)` and refuses it (the
        // interpreter's own tests pass it back unchecked).
        let refused = p.runtime.call(p.id, "first_yield", &k);
        assert!(
            matches!(refused, Err(Error::ArgumentType { index: 0, .. })),
            "{m:?}: {refused:?}"
        );
    });
}
