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
//!            of the resumers captured with it, and the native continuation
//!            a frame waits in (`Regs::native`, a handle in registers)
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
//!
//! Compiled code's collector (jit's `libcalls/collect.rs`) runs when every
//! activation of the interpreter is blocked in a call to compiled code:
//! each one exposes its value stack and chain for the call's duration
//! ([`Exposed`]), and [`Interpreter::mark_exposed`] reads them.

use super::Executor;
use crate::Interpreter;
use crate::cont::{Captured, LinkChain, Regs};
use wasmfx_fibre::Marker;

/// The roots of an activation blocked in a call to compiled code: its
/// running value stack and its chain of waiting resumers (null: none).
/// Valid from [`Interpreter::expose`] to the matching
/// [`Interpreter::unexpose`], while the activation does not run.
#[derive(Debug)]
pub(crate) struct Exposed {
    values: *const Vec<u64>,
    chain: *const LinkChain,
}

impl Executor<'_> {
    /// Collects if the store's table asks for it (see the module doc).
    pub(super) fn collect_if_due(&mut self) {
        if !self.store.conts.wants_collection() {
            return;
        }
        let alone =
            self.interp.activations == 1 && self.store.funcs.iter().all(|f| f.vm().code == 0);
        let made = alone && self.collect();
        self.store.conts.collected(made);
    }

    /// Whether it collected (it does not without memory for the marks).
    fn collect(&mut self) -> bool {
        let unreached: Vec<u32> = {
            let Some(mut marker) = self.store.conts.marker() else {
                return false; // no memory for the marks: nothing is freed this time
            };
            self.store.mark_roots(&mut marker);
            marker.words(&self.stack.values);
            for link in &self.chain {
                marker.words(&link.parent.values);
                mark_waited_in(&link.regs, &mut marker);
            }
            self.interp.mark_exposed(&mut marker);
            while let Some(index) = marker.next_marked() {
                self.interp.mark_parked(index, &mut marker);
            }
            let unmarked = self.store.conts.unmarked(&marker);
            unmarked.into_iter().map(|(index, _)| index).collect()
        };
        for index in unreached {
            self.interp.conts.release(&mut self.store.conts, index);
        }
        true
    }
}

impl Interpreter {
    /// Whether an activation of the interpreter runs that has not exposed
    /// its roots (see the module doc).
    pub fn has_hidden_roots(&self) -> bool {
        self.activations as usize > self.exposed.len()
    }

    /// Exposes the roots of an activation about to call compiled code.
    pub(crate) fn expose(&mut self, values: &Vec<u64>, chain: Option<&LinkChain>) {
        self.exposed.push(Exposed {
            values,
            chain: chain.map_or(std::ptr::null(), std::ptr::from_ref),
        });
    }

    /// Ends the exposure [`Interpreter::expose`] began, the call returned.
    pub(crate) fn unexpose(&mut self) {
        self.exposed.pop();
    }

    /// Offers the exposed activations' value stacks, their waiting
    /// resumers', the transfer buffer and the records of parked calls to
    /// `marker`.
    pub fn mark_exposed(&self, marker: &mut Marker<'_>) {
        marker.words(&self.conts.scratch);
        for index in self.conts.parked_calls() {
            marker.mark(index);
        }
        for exposed in &self.exposed {
            // SAFETY: an exposed activation is blocked in the call to
            // compiled code during which the collector runs, so its stack
            // and chain live and do not change; they are only read.
            let (values, chain) = unsafe { (&*exposed.values, exposed.chain.as_ref()) };
            marker.words(values);
            for link in chain.into_iter().flatten() {
                marker.words(&link.parent.values);
                mark_waited_in(&link.regs, marker);
            }
        }
    }

    /// Releases record `parked`, which the collector found unreachable,
    /// with the frames parked in it.
    pub fn release_unreachable(&mut self, store: &mut wasmfx_core::Store, parked: u32) {
        self.conts.release(&mut store.conts, parked);
    }

    /// Offers the frames parked in record `parked`, if the interpreter
    /// holds any, to `marker`: the captured value stack and the stacks of
    /// the resumers captured with it.
    pub fn mark_parked(&self, parked: u32, marker: &mut Marker<'_>) {
        if let Some(captured) = self.conts.parked(parked) {
            mark_captured(captured, marker);
            marker.words(self.conts.compacted(parked));
        }
    }
}

fn mark_captured(captured: &Captured, marker: &mut Marker<'_>) {
    marker.words(&captured.stack.values);
    mark_waited_in(&captured.top, marker);
    for link in captured.links.iter().flat_map(|links| links.iter()) {
        marker.words(&link.parent.values);
        mark_waited_in(&link.regs, marker);
    }
}

/// Marks the native continuation a suspended frame waits in
/// (`Regs::native`: no value slot holds its handle).
fn mark_waited_in(regs: &Regs, marker: &mut Marker<'_>) {
    marker.word(regs.native);
}
