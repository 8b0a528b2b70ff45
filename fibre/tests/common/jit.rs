//! A small Cranelift JIT for the tests: functions of i64 values, with the
//! `stack_switch` lowering turned on (`stack_switch_model=basic`).

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{AbiParam, Function, Signature, UserFuncName, Value};
use cranelift_codegen::isa::CallConv;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_jit::{JITBuilder, JITModule};
use cranelift_module::{FuncId, Linkage, Module, default_libcall_names};

pub struct Jit {
    pub module: JITModule,
    builder_context: FunctionBuilderContext,
}

impl Jit {
    pub fn new() -> Jit {
        let flags = [
            ("stack_switch_model", "basic"),
            ("preserve_frame_pointers", "true"),
            ("opt_level", "speed"),
        ];
        let builder = JITBuilder::with_flags(&flags, default_libcall_names()).expect("host isa");
        Jit {
            module: JITModule::new(builder),
            builder_context: FunctionBuilderContext::new(),
        }
    }

    /// `(i64 × params) -> i64`, System V.
    pub fn i64_signature(params: usize) -> Signature {
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.extend((0..params).map(|_| AbiParam::new(I64)));
        sig.returns.push(AbiParam::new(I64));
        sig
    }

    pub fn declare(&mut self, name: &str, sig: &Signature) -> FuncId {
        self.module
            .declare_function(name, Linkage::Local, sig)
            .expect("declare")
    }

    /// Defines the declared `id` with the body `build` makes; `build` also
    /// gets the module, to refer to other functions.
    pub fn define_declared(
        &mut self,
        id: FuncId,
        sig: Signature,
        build: impl FnOnce(&mut JITModule, &mut FunctionBuilder, &[Value]),
    ) {
        let mut ctx = self.module.make_context();
        ctx.func = Function::with_name_signature(UserFuncName::user(0, id.as_u32()), sig);
        let mut b = FunctionBuilder::new(&mut ctx.func, &mut self.builder_context);
        let entry = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.switch_to_block(entry);
        let args = b.block_params(entry).to_vec();
        build(&mut self.module, &mut b, &args);
        b.seal_all_blocks();
        b.finalize(self.module.target_config());
        self.module.define_function(id, &mut ctx).expect("define");
    }

    /// Declares and defines `name(i64 × params) -> i64`.
    #[allow(dead_code, reason = "not every test file defines plain functions")]
    pub fn define(
        &mut self,
        name: &str,
        params: usize,
        build: impl FnOnce(&mut FunctionBuilder, &[Value]),
    ) -> FuncId {
        let sig = Jit::i64_signature(params);
        let id = self.declare(name, &sig);
        self.define_declared(id, sig, |_, b, args| build(b, args));
        id
    }

    pub fn finish(&mut self) {
        self.module.finalize_definitions().expect("finalize");
    }

    pub fn address(&self, id: FuncId) -> usize {
        self.module.get_finalized_function(id) as usize
    }
}
