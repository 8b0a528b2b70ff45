//! The interpreter's record of the frames active at a trap.

mod common;

use common::instantiate;
use wasmfx_core::backtrace::func_name;
use wasmfx_core::{Trap, Val};

#[test]
fn a_trap_records_every_active_function_innermost_first() {
    let mut inst = instantiate(
        r#"(module $prog
          (func $divide (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
          (func $middle (param i32) (result i32) (call $divide (local.get 0)))
          (func (export "outer") (param i32) (result i32) (call $middle (local.get 0))))"#,
    );
    assert_eq!(inst.call("outer", &[Val::I32(1)]), Ok(vec![Val::I32(1)]));
    assert!(inst.interp.backtrace().frames.is_empty());
    assert_eq!(
        inst.call("outer", &[Val::I32(0)]),
        Err(Trap::IntegerDivideByZero)
    );
    let names: Vec<String> = inst
        .interp
        .backtrace()
        .frames
        .iter()
        .map(|&f| func_name(&inst.store, f))
        .collect();
    assert_eq!(
        names,
        ["prog!divide", "prog!middle", "prog!<wasm function 2>"]
    );
    assert_eq!(inst.call("outer", &[Val::I32(1)]), Ok(vec![Val::I32(1)]));
    assert!(
        inst.interp.backtrace().frames.is_empty(),
        "cleared by a good call"
    );
}
