//! The record's native stack: installing a [`FibreStack`], taking it
//! back for the pool, and pointing the context at a fresh start on it.
//! The record keeps the stack's base and where its frames start
//! ([`start_sp`] of its top, from which the top follows: [`top_of_start`]).

use super::{ContRecord, ContState, FibreEntry};
use crate::context::Context;
use crate::stack::{FibreStack, page_size, start_sp, top_of_start};

impl ContRecord {
    /// Points the context of a record that keeps its stack, with nothing
    /// running on it, at a fresh start of `entry_ip` (see
    /// [`Context::fresh`]); `entry` is what a Rust trampoline there runs.
    /// Without a stack, nothing changes.
    pub fn restart(&mut self, entry_ip: usize, entry: Option<FibreEntry>) {
        if !self.has_stack() {
            return;
        }
        // SAFETY: the record owns the stack (install_stack) and nothing
        // runs on it (the caller's promise); its start lies within it.
        self.context = unsafe { Context::fresh(self.stack_start, entry_ip) };
        self.entry = entry;
    }

    /// Whether the record owns a native stack.
    #[inline]
    pub fn has_stack(&self) -> bool {
        self.stack_base != 0
    }

    /// The record's stack mapping `[low, high)`, guard page included
    /// (empty without a stack).
    pub fn stack_bounds(&self) -> (usize, usize) {
        if self.has_stack() {
            (self.stack_base, top_of_start(self.stack_start))
        } else {
            (0, 0)
        }
    }

    /// Where the record's frames may lie, `[low, high)`: its stack above
    /// the guard page and below the start of its frames (every fresh
    /// start of the record, by either tier, is there; nothing is written
    /// above it), memory that may be read (a conservative scan of its
    /// frames); `None` without a stack.
    pub fn usable_stack(&self) -> Option<(usize, usize)> {
        self.has_stack()
            .then(|| (self.stack_base + page_size(), self.stack_start))
    }

    /// The stack pointer in the record's context: its own resume point
    /// while suspended, its resumer's while it runs.
    pub fn saved_sp(&self) -> usize {
        self.context.sp as usize
    }

    /// The lowest address compiled frames may use on the record's stack (0
    /// without one).
    pub fn stack_limit(&self) -> usize {
        self.stack_limit
    }

    /// Gives a fresh record `stack` and points its context at `entry_ip`,
    /// started by the first switch into it (see [`Context::fresh`]); `entry`
    /// is what a Rust trampoline at `entry_ip` may run.
    ///
    /// # Errors
    /// Hands `stack` back when the record is not fresh or already has one.
    pub fn install_stack(
        &mut self,
        stack: FibreStack,
        entry_ip: usize,
        entry: Option<FibreEntry>,
    ) -> Result<(), FibreStack> {
        if self.state != ContState::Fresh || self.has_stack() {
            return Err(stack);
        }
        let start = start_sp(stack.top());
        // SAFETY: the stack is ours (we hold it by value) and nothing runs
        // on it; start_sp stays within it.
        self.context = unsafe { Context::fresh(start, entry_ip) };
        self.stack_limit = stack.limit();
        self.entry = entry;
        let (base, len) = stack.into_raw_parts();
        debug_assert_eq!(top_of_start(start), base + len);
        (self.stack_base, self.stack_start) = (base, start);
        Ok(())
    }

    /// Takes the record's stack back (for the pool). Only for a record whose
    /// stack nothing runs on any more (returned, or abandoned).
    pub fn take_stack(&mut self) -> Option<FibreStack> {
        if !self.has_stack() {
            return None;
        }
        let (base, top) = self.stack_bounds();
        // SAFETY: base and len (its top less its base) came from
        // `into_raw_parts` in install_stack and are cleared here, so they
        // are taken back once.
        let stack = unsafe { FibreStack::from_raw_parts(base, top - base) };
        (self.stack_base, self.stack_start, self.stack_limit) = (0, 0, 0);
        Some(stack)
    }
}
