//! The interpreter's part of the continuation collector: at a `cont.new`
//! that finds enough live records (fibre's `table/collect.rs`), it marks
//! from every root it can see and releases the fresh and suspended
//! continuations it did not reach.
//!
//! ```text
//!   roots:   the store (tables, globals, exception fields), payloads of
//!            running records, this activation's value stack, the stacks of
//!            the resumers waiting on its chain, the transfer buffer
//!   marked:  a parked continuation's captured value stack and the stacks
//!            of the resumers captured with it
//!   release: every fresh or suspended record not marked, with its frames
//! ```
//!
//! Value stacks hold raw slots without types, so every slot is offered as
//! a possible handle (see the marker's doc: a handle's revision half makes
//! false matches rare, and they only delay a release).
//!
//! The interpreter sees every root only when it runs alone: one activation
//! of it (nested ones, under a host function, have stacks it cannot reach)
//! and no compiled code in the store (compiled frames keep handles in
//! registers and native stacks). Otherwise the collection is put off until
//! the live count doubles again.

use super::Executor;
use crate::Interpreter;
use crate::cont::Captured;
use wasmfx_fibre::Marker;

impl Executor<'_> {
    /// Collects if the store's table asks for it (see the module doc).
    pub(super) fn collect_if_due(&mut self) {
        if !self.store.conts.wants_collection() {
            return;
        }
        let alone =
            self.interp.activations == 1 && self.store.funcs.iter().all(|f| f.vm().code == 0);
        if alone {
            self.collect();
        }
        self.store.conts.collected();
    }

    fn collect(&mut self) {
        let unreached: Vec<u32> = {
            let mut marker = self.store.conts.marker();
            self.store.mark_roots(&mut marker);
            marker.words(&self.stack.values);
            for link in &self.chain {
                marker.words(&link.parent.values);
            }
            marker.words(&self.interp.conts.scratch);
            while let Some(index) = marker.next_marked() {
                self.interp.mark_parked(index, &mut marker);
            }
            let unmarked = self.store.conts.unmarked(&marker);
            unmarked.into_iter().map(|(index, _)| index).collect()
        };
        for index in unreached {
            self.interp.conts.release(&mut self.store.conts, index);
        }
    }
}

impl Interpreter {
    /// Whether an activation of the interpreter is running (its value
    /// stacks are roots that only it can show).
    pub fn is_running(&self) -> bool {
        self.activations > 0
    }

    /// Offers the frames parked in record `parked`, if the interpreter
    /// holds any, to `marker`: the captured value stack and the stacks of
    /// the resumers captured with it.
    pub fn mark_parked(&self, parked: u32, marker: &mut Marker<'_>) {
        if let Some(captured) = self.conts.parked(parked) {
            mark_captured(captured, marker);
        }
    }
}

fn mark_captured(captured: &Captured, marker: &mut Marker<'_>) {
    marker.words(&captured.stack.values);
    for link in captured.links.iter().flat_map(|links| links.iter()) {
        marker.words(&link.parent.values);
    }
}
