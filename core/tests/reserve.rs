//! The out-of-memory reserve (`reserve.rs`): in a process of its own, since
//! every store holds it.

use std::sync::Arc;
use wasmfx_core::{Store, Trap, TypeRegistry, reserve};

#[test]
fn released_by_an_out_of_memory_trap_and_held_again_by_a_store() {
    reserve::hold();
    assert!(reserve::is_held());
    let trap = Trap::from(wasmfx_fibre::HandleError::OutOfMemory);
    assert!(trap.to_string().contains("out of memory"), "{trap}");
    assert!(!reserve::is_held());
    let _store = Store::new(Arc::new(TypeRegistry::new()));
    assert!(reserve::is_held());
}
