//! Import resolution: names to store objects, with import type checks.
//! (Filled in by the core-runtime work; API below is the contract.)

use crate::store::{FuncAddr, GlobalAddr, MemAddr, TableAddr, TagAddr};

/// A store object that can be imported or exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extern {
    Func(FuncAddr),
    Table(TableAddr),
    Memory(MemAddr),
    Global(GlobalAddr),
    Tag(TagAddr),
}

/// An import could not be satisfied ("unknown import", "incompatible import type").
#[derive(Debug, Clone)]
pub struct LinkError(pub String);

#[derive(Default)]
pub struct Linker {}
