//! The code module's side of on-stack replacement: an entry of a function
//! at one of its loops (`translate/osr.rs`) declared, and once translated
//! (here or on the compile thread) and its machine code made, defined with
//! the trampoline of its type.

use super::{Compiler, Translation, indices_with_ids, isa};
use crate::batch::direct_callees;
use crate::codegen::{self, CompiledFunction};
use crate::{CompileError, abi, signals};
use cranelift_module::{FuncId, Module as _};
use std::sync::Arc;
use std::time::Instant;
use wasmfx_core::Module;

impl Compiler {
    /// Declares the OSR entry of defined function `index` of `module` at
    /// the loop whose operator is at byte `offset`. Returns its id, what
    /// translating it needs ([`Translation::osr`], on any thread), and the
    /// functions it calls directly that are in a batch being compiled
    /// (`queued`: such calls are allowed; the entry must then be installed
    /// after that batch, and the compile queue sends that batch first).
    /// Only its own callees count: any queued function did before, so the
    /// entry of `main`'s loop in `examples/fibers/round_robin.wasm` that
    /// makes the threads pulled `dlmalloc` (10 ms of compiling, called by
    /// `malloc`, not by `main`) ahead of the threads' own small batch.
    ///
    /// # Errors
    /// The function's type has no signature, or the code module refuses
    /// the declaration.
    pub fn prepare_osr(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        index: u32,
        queued: bool,
    ) -> Result<(FuncId, Translation, Vec<u32>), CompileError> {
        self.start()?;
        self.declare_cont_starts(module)?;
        let sig = abi::wasm_signature(&abi::osr_type(module.func_type(index)))?;
        let id = self.jit()?.declare_anonymous_function(&sig)?;
        // Calls from the entry to functions compiled so far (or queued) are
        // direct; the others go through the callees' records.
        let mut func_ids = vec![None; module.funcs.len()];
        if queued {
            let queued_ids = self.queued_ids(module, memory_guards);
            for callee in direct_callees(module, index) {
                if let Some(&id) = queued_ids.get(callee as usize) {
                    func_ids[callee as usize] = id;
                }
            }
        }
        let needs = indices_with_ids(&func_ids);
        let translation = self.translation(module, memory_guards, func_ids)?;
        Ok((id, translation, needs))
    }

    /// Compiles the OSR entry of `index` at `offset` on this thread;
    /// returns its address.
    ///
    /// # Errors
    /// As [`Compiler::prepare_osr`], or when Cranelift refuses it.
    pub fn compile_osr(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        index: u32,
        offset: usize,
    ) -> Result<usize, CompileError> {
        self.start()?;
        let started = Instant::now();
        let (id, translation, _) = self.prepare_osr(module, memory_guards, index, false)?;
        let func = translation.osr(&mut self.builder_ctx, index, id, offset)?;
        let isa = isa()?;
        let mut outcomes = codegen::compile_all(&*isa, vec![(index, id, func)], 1)?;
        let mut compiled = outcomes
            .pop()
            .ok_or_else(|| CompileError::Cranelift("no code".into()))?
            .map_err(|(_, e)| e)?;
        let code = self.install_osr(module, &mut compiled, offset)?;
        self.compile_time += started.elapsed();
        Ok(code)
    }

    /// Defines the machine code of an OSR entry (at the loop at `offset`) of
    /// a function of `module` (and the trampoline of its type, if new);
    /// returns its address. `f` keeps its buffers, as in
    /// [`Compiler::install`].
    ///
    /// # Errors
    /// When the code module refuses the definition.
    pub fn install_osr(
        &mut self,
        module: &Module,
        f: &mut CompiledFunction,
        offset: usize,
    ) -> Result<usize, CompileError> {
        self.start()?;
        let ty = abi::osr_type(module.func_type(f.index));
        self.define_placed(f)?;
        self.define_referenced_starts(&f.relocs)?;
        let trampoline = match self.trampoline(&ty) {
            Some(_) => None,
            None => Some(self.define_trampoline(&ty)?),
        };
        self.jit()?.finalize_definitions()?;
        let start = self.jit()?.get_finalized_function(f.id) as usize;
        crate::perf_map::record(start, f.bytes.len(), module, f.index, Some(offset));
        signals::register(start, f.bytes.len(), std::mem::take(&mut f.traps));
        self.regions.push(start);
        if let Some(id) = trampoline {
            let address = self.jit()?.get_finalized_function(id) as usize;
            let key = (abi::clif_types(&ty.params)?, abi::clif_types(&ty.results)?);
            self.trampolines.insert(key, address);
        }
        self.compiled_functions += 1;
        Ok(start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::dominator_tree::DominatorTree;
    use cranelift_codegen::flowgraph::ControlFlowGraph;
    use cranelift_codegen::loop_analysis::LoopAnalysis;
    use wasmfx_core::TypeRegistry;
    use wasmparser::{BinaryReader, FunctionBody, Operator};

    /// The offsets of `module`'s first function's `loop` operators.
    fn loop_offsets(module: &Module) -> Vec<usize> {
        let body = &module.bodies[0];
        let bytes = &module.bytes[body.range.clone()];
        let reader = FunctionBody::new(BinaryReader::new(bytes, body.range.start as u64));
        let mut ops = reader.get_operators_reader().expect("operators");
        let mut offsets = Vec::new();
        while !ops.eof() {
            let (op, offset) = ops.read_with_offset().expect("operator");
            if matches!(op, Operator::Loop { .. }) {
                offsets.push(offset as usize);
            }
        }
        offsets
    }

    #[test]
    fn loops_around_the_target_stay_natural_loops() {
        // Entered at the inner loop, the outer one must not keep a second
        // entry at its own header (through the path from the first op):
        // Cranelift's loop analysis would not count it.
        let bytes = wat::parse_str(
            r#"(module (func (param $n i32) (result i32)
                (local $i i32) (local $j i32) (local $sum i32)
                (loop $outer
                  (local.set $j (i32.const 0))
                  (loop $inner
                    (local.set $sum (i32.add (local.get $sum) (local.get $j)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
                (local.get $sum)))"#,
        )
        .expect("wat");
        let module = Arc::new(Module::new(&Arc::new(TypeRegistry::new()), &bytes).expect("valid"));
        let inner = loop_offsets(&module)[1];
        let mut compiler = Compiler::new();
        let (id, translation, _) = compiler
            .prepare_osr(&module, &[], 0, false)
            .expect("declared");
        let func = (translation.osr(&mut compiler.builder_ctx, 0, id, inner)).expect("translated");
        // The cut leaves the dead path's blocks unreachable: still valid IR.
        let isa = isa().expect("isa");
        cranelift_codegen::verify_function(&func, &*isa).expect("verified");
        let cfg = ControlFlowGraph::with_function(&func);
        let domtree = DominatorTree::with_function(&func, &cfg);
        let mut loops = LoopAnalysis::new();
        loops.compute(&func, &cfg, &domtree);
        assert_eq!(loops.loops().count(), 2);
    }

    #[test]
    fn an_entry_waits_only_for_the_queued_functions_it_calls() {
        // Functions 1 and 2 are queued in a batch; the loop of function 0
        // calls 1 only.
        let bytes = wat::parse_str(
            r#"(module
                (func (param $n i32)
                  (loop $again
                    (call 1)
                    (br_if $again (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
                (func)
                (func))"#,
        )
        .expect("wat");
        let module = Arc::new(Module::new(&Arc::new(TypeRegistry::new()), &bytes).expect("valid"));
        let mut compiler = Compiler::new();
        let prepared = compiler
            .prepare(&module, &[], &|i| i > 0)
            .expect("declared");
        assert!(matches!(prepared, super::super::Prepared::Batch(_)));
        let (_, _, needs) = compiler
            .prepare_osr(&module, &[], 0, true)
            .expect("declared");
        assert_eq!(needs, [1]);
    }
}
