//! Constant expressions (global, table and segment initializers), kept as a
//! short list of operations that the store evaluates at instantiation
//! (`store::const_eval`).

use crate::types::HeapType;

#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr {
    pub ops: Box<[ConstOp]>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    I32Const(i32),
    I64Const(i64),
    /// Bits of an `f32`.
    F32Const(u32),
    /// Bits of an `f64`.
    F64Const(u64),
    V128Const(u128),
    RefNull(HeapType),
    /// Function index in the module's index space.
    RefFunc(u32),
    /// Global index in the module's index space.
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
    /// A valid constant instruction this engine does not execute yet (GC
    /// allocation such as `struct.new`); evaluating it is an error naming it.
    Unsupported(&'static str),
}
