//! How Wasm values and functions look in CLIF.
//!
//! ```text
//!   i32 → I32   i64 → I64   f32 → F32   f64 → F64   any reference → I64 (raw slot)
//!
//!   Wasm function (Cranelift `tail` convention, so `return_call` works):
//!     fn(vmctx: I64 [VMContext], params...) -> results...
//!   array trampoline, one per signature (System V, called by the host entry):
//!     fn(code: I64, vmctx: I64, values: I64)   values: [u64; max(params, results)]
//! ```

use crate::CompileError;
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, InstBuilder, MemFlagsData, Signature, Type, Value,
};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::FunctionBuilder;
use wasmfx_core::{FuncType, ValType};

/// The CLIF type of a Wasm value type (`v128` is not compiled yet).
pub(crate) fn clif_type(ty: ValType) -> Result<Type, CompileError> {
    Ok(match ty {
        ValType::I32 => I32,
        ValType::I64 => I64,
        ValType::F32 => F32,
        ValType::F64 => F64,
        ValType::Ref(_) => I64,
        ValType::V128 => return Err(CompileError::Unsupported("v128 values".into())),
    })
}

pub(crate) fn clif_types(tys: &[ValType]) -> Result<Vec<Type>, CompileError> {
    tys.iter().map(|&t| clif_type(t)).collect()
}

/// The type of an on-stack-replacement entry of a function of type `ty`:
/// the address of the interpreted frame's slots in, `ty`'s results out.
pub(crate) fn osr_type(ty: &FuncType) -> FuncType {
    FuncType::new([wasmfx_core::ValType::I64], ty.results.clone())
}

/// The signature of a compiled Wasm function of type `ty`.
pub(crate) fn wasm_signature(ty: &FuncType) -> Result<Signature, CompileError> {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .push(AbiParam::special(I64, ArgumentPurpose::VMContext));
    for t in clif_types(&ty.params)? {
        sig.params.push(AbiParam::new(t));
    }
    for t in clif_types(&ty.results)? {
        sig.returns.push(AbiParam::new(t));
    }
    Ok(sig)
}

/// The signature of every array trampoline.
pub(crate) fn trampoline_signature() -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    for _ in 0..3 {
        sig.params.push(AbiParam::new(I64));
    }
    sig
}

/// Stores `values` as raw slots (`wasmfx_core::value`: 32-bit values
/// zero-extended, `f32` by its bits) at `buffer`, one per 8 bytes.
pub(crate) fn store_raw_slots(b: &mut FunctionBuilder<'_>, buffer: Value, values: &[Value]) {
    for (i, &v) in values.iter().enumerate() {
        let raw = match b.func.dfg.value_type(v) {
            I32 => b.ins().uextend(I64, v),
            F32 => {
                let bits = b.ins().bitcast(I32, MemFlagsData::new(), v);
                b.ins().uextend(I64, bits)
            }
            _ => v,
        };
        b.ins()
            .store(MemFlagsData::trusted(), raw, buffer, (i * 8) as i32);
    }
}
