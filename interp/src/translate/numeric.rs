//! Numeric instructions: a one-to-one mapping from wasmparser operators to
//! [`Op`]s with their stack effect.
//!
//! Reinterpretations (`i32.reinterpret_f32` ...) and `i64.extend_i32_u` do not
//! change a raw slot (i32 and f32 slots are zero-extended bits), so they emit
//! nothing.

use crate::op::Op;
use wasmparser::Operator;

/// Maps same-named variants of `Operator` and `Op`, grouped by stack effect.
macro_rules! numeric_ops {
    (unary: $($un:ident)* ; binary: $($bin:ident)* ;) => {
        /// The op for a numeric operator with `(pops, pushes)`, or `None` if
        /// `op` is not numeric.
        pub(super) fn numeric_op(op: &Operator<'_>) -> Option<(Op, u32, u32)> {
            Some(match op {
                $(Operator::$un => (Op::$un, 1, 1),)*
                $(Operator::$bin => (Op::$bin, 2, 1),)*
                _ => return None,
            })
        }
    };
}

numeric_ops! {
    unary:
        I32Eqz I32Clz I32Ctz I32Popcnt I32Extend8S I32Extend16S
        I64Eqz I64Clz I64Ctz I64Popcnt I64Extend8S I64Extend16S
        I64Extend32S F32Abs F32Neg F32Ceil F32Floor F32Trunc
        F32Nearest F32Sqrt F64Abs F64Neg F64Ceil F64Floor
        F64Trunc F64Nearest F64Sqrt I32WrapI64 I32TruncF32S I32TruncF32U
        I32TruncF64S I32TruncF64U I64ExtendI32S I64TruncF32S I64TruncF32U I64TruncF64S
        I64TruncF64U F32ConvertI32S F32ConvertI32U F32ConvertI64S F32ConvertI64U F32DemoteF64
        F64ConvertI32S F64ConvertI32U F64ConvertI64S F64ConvertI64U F64PromoteF32 I32TruncSatF32S
        I32TruncSatF32U I32TruncSatF64S I32TruncSatF64U I64TruncSatF32S I64TruncSatF32U I64TruncSatF64S
        I64TruncSatF64U
    ;
    binary:
        I32Eq I32Ne I32LtS I32LtU I32GtS I32GtU
        I32LeS I32LeU I32GeS I32GeU I32Add I32Sub
        I32Mul I32DivS I32DivU I32RemS I32RemU I32And
        I32Or I32Xor I32Shl I32ShrS I32ShrU I32Rotl
        I32Rotr I64Eq I64Ne I64LtS I64LtU I64GtS
        I64GtU I64LeS I64LeU I64GeS I64GeU I64Add
        I64Sub I64Mul I64DivS I64DivU I64RemS I64RemU
        I64And I64Or I64Xor I64Shl I64ShrS I64ShrU
        I64Rotl I64Rotr F32Eq F32Ne F32Lt F32Gt
        F32Le F32Ge F32Add F32Sub F32Mul F32Div
        F32Min F32Max F32Copysign F64Eq F64Ne F64Lt
        F64Gt F64Le F64Ge F64Add F64Sub F64Mul
        F64Div F64Min F64Max F64Copysign
    ;
}

/// Whether `op` leaves a raw slot unchanged (so nothing is emitted).
pub(super) fn is_raw_noop(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::I32ReinterpretF32
            | Operator::I64ReinterpretF64
            | Operator::F32ReinterpretI32
            | Operator::F64ReinterpretI64
            | Operator::I64ExtendI32U
    )
}
