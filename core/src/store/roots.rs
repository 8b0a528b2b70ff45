//! The store's roots for the continuation collector (fibre's
//! `table/collect.rs`): every table slot, every global and the fields of
//! every exception object (a store keeps them all). Each word is offered
//! to the marker, which keeps only current handles of continuations.

use super::Store;
use wasmfx_fibre::Marker;

impl Store {
    /// Offers every word the store holds to `marker`.
    pub fn mark_roots(&self, marker: &mut Marker<'_>) {
        for table in &self.tables {
            marker.words(table.elems());
        }
        for global in &self.globals {
            marker.word(global.get());
        }
        for exn in &self.exns {
            marker.words(&exn.fields);
        }
    }
}
