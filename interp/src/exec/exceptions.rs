//! Throwing and catching: unwinding heap frames to the innermost matching
//! `try_table` clause.
//!
//! Each [`Code`] has a static handler table (pc range → clauses, innermost
//! first). Unwinding looks at the throwing pc of the running frame, then at
//! the call site (return pc − 1) of each caller, popping frames until a
//! clause matches. A match resets the operand stack to the label's height,
//! pushes what the clause binds and jumps to the label:
//!
//! ```text
//!   catch $t l       | … label height | payload fields |
//!   catch_ref $t l   | … label height | payload fields | exnref |
//!   catch_all l      | … label height |
//!   catch_all_ref l  | … label height | exnref |
//! ```

use super::{Executor, State};
use crate::code::{CatchClause, CatchKind, Code};
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{ExnAddr, TagAddr, Trap};

impl Executor<'_> {
    /// Unwinds from the op at `pc` of the running function with exception
    /// `exn` until a handler catches it.
    ///
    /// # Errors
    /// [`Trap::UncaughtException`] when no frame of this activation catches it.
    pub(super) fn throw(
        &mut self,
        state: &mut State,
        exn: ExnAddr,
        pc: usize,
        entry_depth: usize,
    ) -> Result<(), Trap> {
        let tag = match self.store.exns.get(exn.0 as usize) {
            Some(e) => e.tag,
            None => return Err(Trap::Host(format!("no exception at address {}", exn.0))),
        };
        let mut at = pc;
        let unwound = &mut self.interp.unwound;
        if unwound.0 != Some(exn) {
            *unwound = (Some(exn), WasmBacktrace::default());
        }
        loop {
            if let Some(clause) = find_clause(&state.code, at as u32, tag) {
                self.interp.unwound.1 = WasmBacktrace::default();
                self.enter_handler(state, clause, exn);
                return Ok(());
            }
            // This frame is left: it goes in the exception's trail.
            self.interp.unwound.1.frames.push(state.code.func);
            if self.stack.frames.len() <= entry_depth {
                return Err(Trap::UncaughtException(exn));
            }
            let Some(frame) = self.stack.frames.pop() else {
                return Err(Trap::UncaughtException(exn));
            };
            state.code = frame.code;
            state.base = frame.base as usize;
            // The caller is suspended just after its call op.
            at = (frame.pc as usize).saturating_sub(1);
        }
    }

    /// Binds what `clause` catches and continues at its label.
    fn enter_handler(&mut self, state: &mut State, clause: CatchClause, exn: ExnAddr) {
        let mut sp = state.base + clause.height as usize;
        let values = &mut self.stack.values;
        if let CatchKind::Tag(_) | CatchKind::TagRef(_) = clause.kind {
            let fields = &self.store.exns[exn.0 as usize].fields;
            values[sp..sp + fields.len()].copy_from_slice(fields);
            sp += fields.len();
        }
        if let CatchKind::TagRef(_) | CatchKind::AllRef = clause.kind {
            values[sp] = exn.0 as u64 + 1;
            sp += 1;
        }
        state.sp = sp;
        state.pc = clause.target as usize;
    }
}

/// The first clause, innermost handler first, that catches `tag` at `pc`.
fn find_clause(code: &Code, pc: u32, tag: TagAddr) -> Option<CatchClause> {
    code.handlers_at(pc).find_map(|handler| {
        handler
            .clauses
            .iter()
            .copied()
            .find(|clause| match clause.kind {
                CatchKind::Tag(t) | CatchKind::TagRef(t) => t == tag,
                CatchKind::All | CatchKind::AllRef => true,
            })
    })
}
