//! Array trampolines: `fn(code, vmctx, values)` loads a signature's params
//! from `values`, calls `code` and stores the results back (see `abi.rs`).
//! One per (params, results) CLIF types. A batch compiled on the compile
//! thread makes the ones its functions need there, beside them; the code
//! module's owner compiles one itself only when none came with the batch
//! (a synchronous compile while the batch that makes it is in flight, or
//! a trampoline Cranelift refused).
//!
//! ```text
//!   prepare: signatures of the batch without a trampoline, made or
//!            queued ─▶ declare ids, queue the keys  (Translation::trampolines)
//!   any thread: CLIF (build) + machine code, index TRAMPOLINE
//!   install: define, finalize, trampolines[key] = start; keys unqueued
//! ```
//! Compiled on the program's thread, each was a Cranelift compile in the
//! middle of the run (10 of them, 2.0 million instructions, in
//! `examples/fibers/round_robin.wasm` under `dyn`: callgrind by hand).

use crate::{CompileError, abi};
use cranelift_codegen::ir::{Function, InstBuilder, MemFlagsData, Type, UserFuncName};
use cranelift_codegen::isa::TargetFrontendConfig;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::FuncId;
use wasmfx_core::FuncType;

/// A trampoline serves every function with these params and results.
pub(crate) type TrampolineKey = (Vec<Type>, Vec<Type>);

/// The function index a trampoline's machine code carries in a batch.
pub(crate) const TRAMPOLINE: u32 = u32::MAX;

/// The key of `ty`'s trampoline.
///
/// # Errors
/// A value type the compiler does not cover.
pub(crate) fn key(ty: &FuncType) -> Result<TrampolineKey, CompileError> {
    Ok((abi::clif_types(&ty.params)?, abi::clif_types(&ty.results)?))
}

/// CLIF of the trampoline `id` for `ty`.
///
/// # Errors
/// A value type the compiler does not cover.
pub(crate) fn build(
    id: FuncId,
    ty: &FuncType,
    builder_ctx: &mut FunctionBuilderContext,
    frontend: TargetFrontendConfig,
) -> Result<Function, CompileError> {
    let params = abi::clif_types(&ty.params)?;
    let callee_sig = abi::wasm_signature(ty)?;
    let mut func = Function::with_name_signature(
        UserFuncName::user(0, id.as_u32()),
        abi::trampoline_signature(),
    );
    let mut b = FunctionBuilder::new(&mut func, builder_ctx);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let [code, vmctx, values] = [0, 1, 2].map(|i| b.block_params(entry)[i]);
    let flags = MemFlagsData::trusted();
    let mut args = vec![vmctx];
    for (i, &t) in params.iter().enumerate() {
        args.push(b.ins().load(t, flags, values, (i * 8) as i32));
    }
    let callee = b.import_signature(callee_sig);
    let call = b.ins().call_indirect(callee, code, &args);
    let outs = b.inst_results(call).to_vec();
    abi::store_raw_slots(&mut b, values, &outs);
    b.ins().return_(&[]);
    b.seal_all_blocks();
    b.finalize(frontend);
    Ok(func)
}
