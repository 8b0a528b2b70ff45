//! The engine-wide canonical type registry.

#[derive(Debug, Default)]
pub struct TypeRegistry {}
