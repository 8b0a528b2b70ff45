//! The slow path of compiled code's interruption checks
//! (`translate/interrupt.rs`): the inline check found the fuel spent or the
//! interrupt flag set; the store says which, and the call traps with it.

use super::with_call;

pub(super) extern "C" fn interrupt(vmctx: usize) -> u32 {
    with_call(vmctx, |call| {
        let due = call.store().interruption.trap();
        call.status(due.map_or(Ok(()), Err))
    })
}
