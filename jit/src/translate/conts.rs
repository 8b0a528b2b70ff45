//! Stack switching: `cont.new`, `cont.bind`, `suspend`, `resume`,
//! `resume_throw`, `resume_throw_ref` and `switch`, as calls into the
//! continuation runtime (`libcalls/conts.rs`) with values in a frame buffer.
//! `cont.new`, `resume` (values), `suspend` and `switch` first try their
//! inline fast path (`conts_fast.rs`), which falls back to the call.
//!
//! ```text
//!   resume: args ─▶ buffer; status = resume(contref, site, buffer, mode, n)
//!     status 1 ─▶ trap (stored)
//!     status 0 ─▶ results from buffer; pending exception? ─▶ handler
//!     status 2 + k ─▶ clause k's tag payload and new contref from buffer
//!                      ─▶ br to clause k's label
//!   site: a leaked ResumeSite (sites.rs): tag indices, suspend clauses
//!   first (the order of the handler search), and the per-instance cache
//!
//!   suspend / switch: payload ─▶ buffer; call; status ≠ 0 ─▶ trap;
//!     results from buffer; pending exception (resume_throw)? ─▶ handler
//! ```

use super::conts_fast::InlineClause;
use super::{CompileError, FuncTranslator, bad};
use crate::cont_start;
use crate::libcalls::{
    Libcall, RESUME_THROW_REF, RESUME_THROW_TAG, RESUME_VALUES, STATUS_SUSPENDED,
};
use crate::sites::{ResumeSite, TagSite};
use crate::traps;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, FuncRef, InstBuilder, Value};
use wasmfx_core::types::{CompositeType, FuncType, HeapType, ValType};
use wasmfx_fibre::PAYLOAD_INLINE;
use wasmparser::{Handle, Operator, ResumeTable};

/// A `(on $tag $label)` clause, in the order the site table lists it.
struct LabelClause {
    tag: u32,
    label: u32,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_cont(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match op {
            Operator::ContNew { cont_type_index } => {
                let func = self.pop()?;
                self.b.ins().trapz(func, traps::NULL_FUNCTION_REFERENCE);
                let start = self.cont_start(*cont_type_index)?;
                let raw = self.new_warm(func, start);
                self.push(raw);
            }
            Operator::ContBind {
                argument_index,
                result_index,
            } => {
                let from = self.cont_sig(*argument_index)?.params.len();
                let to = self.cont_sig(*result_index)?.params.len();
                let n = from.checked_sub(to).ok_or_else(|| bad("cont.bind"))?;
                let cont = self.pop()?;
                let args = self.pop_n(n)?;
                let buffer = self.slot_buffer(n);
                self.store_raw(buffer, &args);
                let count = self.b.ins().iconst(I32, n as i64);
                let raw = self
                    .libcall(Libcall::ContBind, &[cont, buffer, count])
                    .ok_or_else(|| bad("cont.bind"))?;
                self.b.ins().trapz(raw, traps::STORED_TRAP);
                self.push(raw);
            }
            Operator::Suspend { tag_index } => {
                let sig = self.tag_sig(*tag_index)?;
                let args = self.pop_n(sig.params.len())?;
                let result_types = self.types_of(&sig.results)?;
                let site = TagSite::leak(*tag_index) as i64;
                let (slow, done) = self.slow_and_done(&result_types);
                let checked = self.block_with(&result_types);
                if args.len() <= PAYLOAD_INLINE {
                    let ends = (done, checked);
                    self.suspend_inline(*tag_index, &args, &result_types, slow, ends);
                } else {
                    self.b.ins().jump(slow, &[]);
                }
                self.b.switch_to_block(slow);
                let buffer = self.slot_buffer(sig.params.len().max(sig.results.len()));
                self.store_raw(buffer, &args);
                let site = self.b.ins().iconst(I64, site);
                let count = self.b.ins().iconst(I32, args.len() as i64);
                self.libcall_checked(Libcall::Suspend, &[site, buffer, count]);
                let values = self.load_raw(buffer, &result_types);
                self.jump(done, &values);
                self.finish_checked(done, checked);
            }
            Operator::Switch {
                cont_type_index,
                tag_index,
            } => {
                let sig = self.cont_sig(*cont_type_index)?;
                let (last, params) = sig.params.split_last().ok_or_else(|| bad("switch"))?;
                let results = self.switcher_results(*last)?;
                let cont = self.pop()?;
                let args = self.pop_n(params.len())?;
                let result_types = self.types_of(&results)?;
                let site = TagSite::leak(*tag_index) as i64;
                let (slow, done) = self.slow_and_done(&result_types);
                let checked = self.block_with(&result_types);
                let ends = (done, checked);
                self.switch_inline(*tag_index, cont, &args, &result_types, slow, ends);
                self.b.switch_to_block(slow);
                let buffer = self.slot_buffer(params.len().max(results.len()));
                self.store_raw(buffer, &args);
                let site = self.b.ins().iconst(I64, site);
                let count = self.b.ins().iconst(I32, args.len() as i64);
                self.libcall_checked(Libcall::Switch, &[cont, site, buffer, count]);
                let values = self.load_raw(buffer, &result_types);
                self.jump(done, &values);
                self.finish_checked(done, checked);
            }
            Operator::Resume {
                cont_type_index,
                resume_table,
            } => {
                let n = self.cont_sig(*cont_type_index)?.params.len();
                let cont = self.pop()?;
                let args = self.pop_n(n)?;
                self.resume(
                    *cont_type_index,
                    resume_table,
                    cont,
                    &args,
                    RESUME_VALUES,
                    n,
                )?;
            }
            Operator::ResumeThrow {
                cont_type_index,
                tag_index,
                resume_table,
            } => {
                let n = self.tag_sig(*tag_index)?.params.len();
                let cont = self.pop()?;
                let args = self.pop_n(n)?;
                let (ct, tag) = (*cont_type_index, *tag_index as usize);
                self.resume(ct, resume_table, cont, &args, RESUME_THROW_TAG, tag)?;
            }
            Operator::ResumeThrowRef {
                cont_type_index,
                resume_table,
            } => {
                let cont = self.pop()?;
                let exn = self.pop()?;
                let ct = *cont_type_index;
                self.resume(ct, resume_table, cont, &[exn], RESUME_THROW_REF, 0)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The resume family (see the module doc). `arg` is the argument count
    /// or the thrown tag's index.
    fn resume(
        &mut self,
        cont_type: u32,
        table: &ResumeTable,
        cont: Value,
        args: &[Value],
        mode: u32,
        arg: usize,
    ) -> Result<(), CompileError> {
        let results = self.cont_sig(cont_type)?.results.clone();
        let mut labels = Vec::new();
        let mut switch_tags = Vec::new();
        for handle in &table.handlers {
            match *handle {
                Handle::OnLabel { tag, label } => labels.push(LabelClause { tag, label }),
                Handle::OnSwitch { tag } => switch_tags.push(tag),
            }
        }
        let mut payloads = Vec::with_capacity(labels.len());
        for clause in &labels {
            payloads.push(self.tag_sig(clause.tag)?.params.clone());
        }
        let slots = payloads
            .iter()
            .map(|p| p.len() + 1)
            .chain([args.len(), results.len()])
            .max()
            .unwrap_or(0);
        let mut tags: Vec<u32> = labels.iter().map(|c| c.tag).collect();
        tags.extend(&switch_tags);
        // The site lives as long as the code that points at it (sites.rs).
        let site = ResumeSite::new(labels.len() as u32, tags).leak() as i64;
        let result_types = self.types_of(&results)?;
        let (slow, done) = self.slow_and_done(&result_types);
        if mode == RESUME_VALUES {
            let mut clauses = Vec::with_capacity(labels.len());
            for (clause, payload) in labels.iter().zip(&payloads) {
                let payload = self.types_of(payload)?;
                clauses.push(InlineClause {
                    label: clause.label,
                    payload,
                });
            }
            self.resume_inline(cont, args, site, &clauses, &result_types, slow, done)?;
        } else {
            self.b.ins().jump(slow, &[]);
        }
        self.b.switch_to_block(slow);
        let buffer = self.slot_buffer(slots);
        self.store_raw(buffer, args);
        let site = self.b.ins().iconst(I64, site);
        let mode = self.b.ins().iconst(I32, i64::from(mode));
        let arg = self.b.ins().iconst(I32, arg as i64);
        let status = self
            .libcall(Libcall::Resume, &[cont, site, buffer, mode, arg])
            .ok_or_else(|| bad("resume"))?;
        let trapped = self.b.ins().icmp_imm_u(IntCC::Equal, status, 1);
        self.b.ins().trapnz(trapped, traps::STORED_TRAP);
        for (k, (clause, payload)) in labels.iter().zip(&payloads).enumerate() {
            let hit = self.b.ins().icmp_imm_u(
                IntCC::Equal,
                status,
                i64::from(STATUS_SUSPENDED) + k as i64,
            );
            let take = self.b.create_block();
            let next = self.b.create_block();
            self.b.ins().brif(hit, take, &[], next, &[]);
            self.b.switch_to_block(take);
            let mut types = self.types_of(payload)?;
            types.push(I64);
            let values = self.load_raw(buffer, &types);
            self.catch_branch(clause.label, &values)?;
            self.b.switch_to_block(next);
        }
        let values = self.load_raw(buffer, &result_types);
        self.jump(done, &values);
        self.finish_at(done)
    }

    /// The runtime-call block of an instruction with an inline path (cold:
    /// laid out after the function's hot code), and the block both
    /// continue in (params: the instruction's results).
    fn slow_and_done(&mut self, results: &[cranelift_codegen::ir::Type]) -> (Block, Block) {
        let done = self.block_with(results);
        let slow = self.b.create_block();
        self.b.set_cold_block(slow);
        (slow, done)
    }

    /// A new block with params of types `tys`.
    fn block_with(&mut self, tys: &[cranelift_codegen::ir::Type]) -> Block {
        let block = self.b.create_block();
        for &ty in tys {
            self.b.append_block_param(block, ty);
        }
        block
    }

    /// Continues at `done` (params: the instruction's results), which
    /// branches away if an exception is pending, else on to `checked`
    /// (same params), where the inline path that knows none is pending
    /// joins; pushes `checked`'s params. `done` is cold (the runtime's
    /// paths), so `checked` follows the inline path in the layout.
    fn finish_checked(&mut self, done: Block, checked: Block) {
        self.b.set_cold_block(done);
        self.b.switch_to_block(done);
        let args: Vec<BlockArg> = (self.b.block_params(done).iter())
            .map(|&v| v.into())
            .collect();
        self.check_pending_then(checked, &args);
        for v in self.b.block_params(checked).to_vec() {
            self.push(v);
        }
    }

    /// Continues at `done`: its params are the instruction's results; then
    /// branches away if an exception is pending.
    fn finish_at(&mut self, done: Block) -> Result<(), CompileError> {
        self.b.switch_to_block(done);
        for v in self.b.block_params(done).to_vec() {
            self.push(v);
        }
        self.check_pending();
        Ok(())
    }

    /// The compiled start of continuations of type `index`
    /// (`cont_start.rs`), if its signature has one.
    fn cont_start(&mut self, index: u32) -> Result<Option<FuncRef>, CompileError> {
        let ty = self.cont_sig(index)?;
        let id = cont_start::start_key(&ty).and_then(|key| self.env.cont_starts.get(&key));
        Ok(id.map(|&id| self.func_ref(id, cont_start::start_signature(), true)))
    }

    /// The function type of continuation type `index`.
    fn cont_sig(&self, index: u32) -> Result<FuncType, CompileError> {
        let module = self.env.module;
        match module.type_defs.get(index as usize) {
            Some(CompositeType::Cont(ft)) => module
                .registry
                .func_type(*ft)
                .map(|f| (*f).clone())
                .ok_or_else(|| bad("continuation type")),
            _ => Err(bad("not a continuation type")),
        }
    }

    /// The parameters of the continuation type a `switch` hands the target
    /// (its last parameter's type): what the switch itself returns.
    fn switcher_results(&self, last: ValType) -> Result<Vec<ValType>, CompileError> {
        let ValType::Ref(rt) = last else {
            return Err(bad("switch target type"));
        };
        let HeapType::Concrete(id) = rt.heap else {
            return Err(bad("switch target type"));
        };
        let registry = &self.env.module.registry;
        let ft = registry
            .cont_func_type(id)
            .and_then(|ft| registry.func_type(ft))
            .ok_or_else(|| bad("switch target type"))?;
        Ok(ft.params.to_vec())
    }

    fn tag_sig(&self, tag: u32) -> Result<FuncType, CompileError> {
        let module = self.env.module;
        let ty = module
            .tags
            .get(tag as usize)
            .ok_or_else(|| bad("no such tag"))?;
        module
            .registry
            .func_type(ty.func_type)
            .map(|f| (*f).clone())
            .ok_or_else(|| bad("tag type"))
    }
}
