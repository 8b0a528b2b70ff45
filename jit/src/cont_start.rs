//! Compiled starts of continuations: the first frame on the stack of a
//! continuation that compiled `cont.new` made, one per function signature
//! (params, results), in place of `fibre_main` + `run_fibre` + the array
//! trampoline.
//!
//! ```text
//!   cont_start(record)          System V; entered by the first switch into the
//!                               fresh record (payload = record, in RDI), as if
//!                               called with return address 0 (fibre's context.rs)
//!     fr = record.func_ref      the VmFuncRef compiled cont.new stored
//!     fr.code == 0 ─▶ run_fibre(record)  (not compiled: the Rust path) ─▶ finish
//!     args = record.payload[..params]; payload_len = 0
//!     results = fr.code(fr.vmctx, args...)      Wasm `tail` convention
//!     record.payload[..results] = results       (results ≤ PAYLOAD_INLINE ≤ capacity)
//!     detach record from the chain (its address a constant: innermost = its parent)
//!   finish:
//!     record.state = Returned
//!     stack_switch(record.context, record.context, record)   to the resumer, for good
//! ```
//!
//! Compiled `cont.new` (`translate/conts_inline.rs`, `new_warm`) points the
//! context of a warm record at the start of its continuation type's
//! signature and stores the function's `VmFuncRef` in the record; every
//! other record starts in `fibre_main` (fibre's native.rs), and a Rust resume
//! restarts a fresh record there too (`Conts::ensure_stack`). Signatures
//! with more results than the record's inline payload have no compiled
//! start. The start is not in the trap map: a backtrace stops at its frame,
//! as it stops at an array trampoline.

use crate::CompileError;
use crate::abi;
use crate::vmruntime;
use cranelift_codegen::ir::types::{I16, I32, I64};
use cranelift_codegen::ir::{AbiParam, Function, InstBuilder, MemFlagsData, Signature, Type};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use wasmfx_core::FuncType;
use wasmfx_core::vm::offsets as vm;
use wasmfx_fibre::{ContState, PAYLOAD_INLINE, ParentLink, StackChain, offsets as rec};

/// The key of a start: the CLIF types of the signature's params and results.
pub(crate) type StartKey = (Vec<Type>, Vec<Type>);

/// The start's key for functions of type `ty`, when it may have one.
pub(crate) fn start_key(ty: &FuncType) -> Option<StartKey> {
    let key = (
        abi::clif_types(&ty.params).ok()?,
        abi::clif_types(&ty.results).ok()?,
    );
    (key.1.len() <= PAYLOAD_INLINE).then_some(key)
}

/// The signature of every start: `fn(record)`, never returning.
pub(crate) fn start_signature() -> Signature {
    let mut sig = Signature::new(CallConv::SystemV);
    sig.params.push(AbiParam::new(I64));
    sig
}

/// The start `id` for functions of type `ty` ([`build_start`] into a fresh
/// function of [`start_signature`]).
///
/// # Errors
/// As [`build_start`].
pub(crate) fn start_function(
    id: cranelift_module::FuncId,
    ty: &FuncType,
    builder_ctx: &mut FunctionBuilderContext,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    chain: usize,
) -> Result<Function, CompileError> {
    let name = cranelift_codegen::ir::UserFuncName::user(0, id.as_u32());
    let mut func = Function::with_name_signature(name, start_signature());
    build_start(&mut func, builder_ctx, ty, frontend, chain)?;
    Ok(func)
}

/// Builds the start for functions of type `ty` into `func` (whose
/// signature is [`start_signature`]); `chain` is the address of the Jit's
/// stack chain (a constant for its code: `translate/mod.rs`, RuntimeAddrs;
/// 0: unknown, read through the context).
pub(crate) fn build_start(
    func: &mut Function,
    builder_ctx: &mut FunctionBuilderContext,
    ty: &FuncType,
    frontend: cranelift_codegen::isa::TargetFrontendConfig,
    chain: usize,
) -> Result<(), CompileError> {
    let params = abi::clif_types(&ty.params)?;
    let callee_sig = abi::wasm_signature(ty)?;
    let mut b = FunctionBuilder::new(func, builder_ctx);
    let flags = MemFlagsData::trusted();
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    let record = b.block_params(entry)[0];
    let fast = b.create_block();
    let slow = b.create_block();
    let finish = b.create_block();
    let fr = b.ins().load(I64, flags, record, rec::FUNC_REF);
    let code = b.ins().load(I64, flags, fr, vm::FUNC_REF_CODE as i32);
    b.ins().brif(code, fast, &[], slow, &[]);

    // Not compiled (yet): the Rust start does everything up to the finish.
    b.switch_to_block(slow);
    let mut rust_sig = start_signature();
    rust_sig.returns.push(AbiParam::new(I64));
    let rust_sig = b.import_signature(rust_sig);
    let run = crate::libcalls::run_fibre_entry() as usize as i64;
    let run = b.ins().iconst(I64, run);
    b.ins().call_indirect(rust_sig, run, &[record]);
    b.ins().jump(finish, &[]);

    b.switch_to_block(fast);
    let vmctx = b.ins().load(I64, flags, fr, vm::FUNC_REF_VMCTX as i32);
    let payload = b.ins().load(I64, flags, record, rec::PAYLOAD_PTR);
    let mut args = vec![vmctx];
    for (i, &t) in params.iter().enumerate() {
        args.push(b.ins().load(t, flags, payload, (i * 8) as i32));
    }
    let zero32 = b.ins().iconst(I32, 0);
    b.ins().store(flags, zero32, record, rec::PAYLOAD_LEN);
    let callee = b.import_signature(callee_sig);
    let call = b.ins().call_indirect(callee, code, &args);
    let results = b.inst_results(call).to_vec();
    // The function may have switched through the payload: read it again.
    let payload = b.ins().load(I64, flags, record, rec::PAYLOAD_PTR);
    abi::store_raw_slots(&mut b, payload, &results);
    let count = b.ins().iconst(I32, results.len() as i64);
    b.ins().store(flags, count, record, rec::PAYLOAD_LEN);
    // Detach (fibre's StackChain::detach with the record as its own prompt):
    // the chain and the link. Its stale parent and last ancestor are not
    // read before its release resets them (warm park or arena).
    let chain = match chain {
        0 => {
            let runtime = b.ins().load(I64, flags, vmctx, vm::CTX_RUNTIME as i32);
            b.ins().load(I64, flags, runtime, vmruntime::CHAIN)
        }
        at => b.ins().iconst(I64, at as i64),
    };
    let parent = b.ins().load(I64, flags, record, rec::PARENT);
    b.ins().store(flags, parent, chain, StackChain::INNERMOST);
    // link (Detached) and native_parent (0), adjacent bytes, in one store.
    const _: () = assert!(rec::NATIVE_PARENT == rec::LINK + 1 && ParentLink::Detached as u8 == 0);
    let detached = b.ins().iconst(I16, 0);
    b.ins().store(flags, detached, record, rec::LINK);
    b.ins().jump(finish, &[]);

    // The last switch: the resumer's point is in the record's context.
    b.switch_to_block(finish);
    let returned = b.ins().iconst(I32, ContState::Returned as i64);
    b.ins().store(flags, returned, record, rec::STATE);
    let context = b.ins().iadd_imm_s(record, i64::from(rec::CONTEXT));
    b.ins().stack_switch(context, context, record);
    // Nobody resumes a returned record (resume refuses it).
    b.ins().trap(crate::traps::UNREACHABLE);
    b.seal_all_blocks();
    b.finalize(frontend);
    Ok(())
}
