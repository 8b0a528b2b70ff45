//! The continuation collector: a continuation hidden in each kind of root
//! survives collections made at every `cont.new`, and unreachable ones,
//! fresh or suspended, are freed, under every tier: the interpreter
//! collects when it runs alone (no compiled code in the store), compiled
//! code when no interpreter activation runs (`dyn` runs this program
//! interpreted with the default count).

use wasmfx_tier::{Engine, InstanceId, Runtime, TierMode, Val};

const PROGRAM: &str = include_str!("programs/collect_roots.wat");

const ROOTS: [(&str, i32); 8] = [
    ("in_local", 7),
    ("in_operand", 7),
    ("in_table", 7),
    ("in_global", 7),
    ("in_bound", 7),
    ("in_exception", 7),
    ("in_suspended", 1005),
    ("in_resumer", 7),
];

/// The program in a fresh runtime of `mode` that collects at every
/// `cont.new` when it collects at all.
fn program(mode: TierMode) -> (Runtime, InstanceId) {
    let engine = Engine::new(mode).expect("tier is built");
    let module = engine.compile_text(PROGRAM).expect("program compiles");
    let mut runtime = Runtime::new(&engine);
    runtime.store_mut().conts.set_collection_minimum(0);
    let id = runtime.instantiate(&module).expect("program instantiates");
    (runtime, id)
}

#[test]
fn a_continuation_in_every_kind_of_root_survives_collections() {
    for mode in TierMode::ALL {
        let (mut runtime, id) = program(mode);
        for (export, expected) in ROOTS {
            let got = runtime.call(id, export, &[]);
            assert_eq!(
                got.ok(),
                Some(vec![Val::I32(expected)]),
                "{export} under {mode:?}"
            );
        }
        let collections = runtime.store().conts.collections();
        assert!(
            collections >= 800,
            "{collections} collections under {mode:?}"
        );
    }
}

#[test]
fn unreachable_continuations_fresh_and_suspended_are_freed() {
    for mode in [TierMode::Interp, TierMode::Jit] {
        let (mut runtime, id) = program(mode);
        runtime.store_mut().conts.set_collection_minimum(1000);
        let got = runtime.call(id, "garbage", &[Val::I32(100_000)]);
        assert_eq!(got.ok(), Some(vec![]), "{mode:?}");
        // At most the minimum, doubled, between two collections.
        let live = runtime.live_continuations();
        assert!(live <= 2_000, "{live} continuations live under {mode:?}");
        assert!(runtime.store().conts.collections() >= 100, "{mode:?}");
    }
}
