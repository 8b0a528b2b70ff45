//! Constant expressions (global, table and segment initializers).

#[derive(Debug, Clone)]
pub struct ConstExpr {}
