//! Where the two tiers' continuations meet in compiled code's runtime.
//!
//! Both tiers keep their continuations in the store's one table, so a
//! handle made by either works in the other. What a record holds decides
//! who can run it:
//!
//! ```text
//!   state      made by                      compiled code's resume / switch
//!   Fresh      cont.new in either tier      runs it: a fibre stack, then the
//!                                           function's code (or the fallback)
//!   Suspended  a suspend in compiled code   native switch into its context
//!   Parked     a suspend in the interpreter trap: its frames are heap frames
//!                                           only the interpreter can run
//! ```
//!
//! The interpreter refuses the mirror case (a record with a native resume
//! point); both traps name the mix, so nothing reads the other tier's
//! frames as its own. So does a suspend in interpreted code (called by
//! compiled code) whose handler is a prompt of compiled code: the
//! interpreter's frames would have to be captured by a native switch.

use crate::conts::Conts;
use std::ptr::NonNull;
use wasmfx_core::Trap;
use wasmfx_fibre::{ContRecord, ContState, HandlerKind};

/// The trap for a continuation whose frames only the interpreter can run.
fn parked_trap() -> Trap {
    Trap::Host(
        "continuation suspended by interpreted code resumed by compiled code (not supported)"
            .into(),
    )
}

/// Checks that compiled code can resume `record` (see the module doc).
///
/// # Errors
/// [`parked_trap`] for a record the interpreter suspended.
pub(super) fn check_resumable(record: NonNull<ContRecord>) -> Result<(), Trap> {
    // SAFETY: callers pass a live record of the store's table.
    match unsafe { record.as_ref().state() } {
        ContState::Parked => Err(parked_trap()),
        _ => Ok(()),
    }
}

/// What compiled code makes of a trap from the interpreter it called: an
/// unhandled tag that a prompt of compiled code on the chain would handle
/// is a suspension across tiers, which is not supported yet; say so rather
/// than "unhandled tag".
pub(super) fn from_interpreter(conts: &Conts, trap: Trap) -> Trap {
    let Trap::UnhandledTag(tag) = trap else {
        return trap;
    };
    let identity = u64::from(tag.0);
    let handled = [HandlerKind::Suspend, HandlerKind::Switch]
        .into_iter()
        .any(|kind| conts.chain.find_handler(identity, kind).is_some());
    match handled {
        true => Trap::Host(format!(
            "suspending interpreted code to a handler of compiled code (tag {}) is not supported",
            tag.0
        )),
        false => trap,
    }
}
