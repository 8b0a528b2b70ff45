//! The interpreter's own checks on the stack-switching test program
//! (`programs/continuations.wat`): storage released after every kind of
//! run, and contrefs passed back through the host unchecked. The program's
//! behaviour under every tier is checked in `tier/tests/continuations.rs`.

mod common;

use common::{Instance, instantiate};
use wasmfx_core::value::Ref;
use wasmfx_core::{Trap, Val};

const PROGRAM: &str = include_str!("programs/continuations.wat");

/// (export, arguments, continuations left alive after it).
const RUNS: &[(&str, &[Val], usize)] = &[
    ("gen_sum", &[Val::I32(100)], 0),
    ("schedule", &[], 0),
    ("bind_chain", &[], 0),
    ("forward", &[Val::I32(1000)], 0),
    ("state", &[], 0),
    // The player that did not finish stays suspended until the store goes.
    ("ping_pong", &[Val::I32(10)], 1),
    ("deep", &[], 0),
    ("unhandled_inside", &[], 0),
    ("resume_twice", &[], 0),
    ("catch_from_cont", &[], 0),
    ("resume_throw_suspended", &[], 0),
    ("trap_in_nest", &[Val::I32(50)], 0),
];

#[test]
fn returned_trapped_and_consumed_continuations_are_released() {
    for &(export, args, alive) in RUNS {
        let mut inst = instantiate(PROGRAM);
        let _ = inst.call(export, args);
        assert_eq!(inst.store.live_continuations(), alive, "{export}");
    }
}

#[test]
fn continuation_references_travel_through_the_host() {
    let mut inst: Instance = instantiate(PROGRAM);
    let made = inst.call("make", &[]).expect("cont.new");
    assert!(matches!(made.as_slice(), [Val::Ref(Ref::Cont(_))]));
    let k = inst.call("make_gen", &[Val::I32(3)]).expect("cont.bind");
    assert_eq!(inst.call("first_yield", &k), Ok(vec![Val::I32(0)]));
    assert_eq!(
        inst.call("first_yield", &k),
        Err(Trap::ContinuationAlreadyConsumed)
    );
}
