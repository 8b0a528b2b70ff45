//! Inline `resume` and `suspend`: the common cases switch stacks with
//! Cranelift's `stack_switch` and no call, following the runtime's rules
//! (`libcalls/conts.rs`) on the same records; anything else branches to the
//! runtime call (`slow`), before anything was changed.
//!
//! ```text
//!   resume $ct (values; a fresh or suspended continuation)
//!     idx = low32(h) - 1;  idx < table.len                       else slow (null)
//!     C = table.records[idx]; C.revision == h >> 32               else slow (consumed)
//!     C.state is Fresh or Suspended; site.cache_vmctx == vmctx     else slow (not resolved)
//!     C.payload_len + n <= C.payload_cap                           else slow
//!     fresh without a stack: take one from the pool (call)
//!     ── commit ──  C.revision += 1; C.state = Running
//!     P = C.last_ancestor; P.parent = chain.innermost (link Host or Continuation)
//!     chain.innermost = C; P.handlers = site's tags; args after C's bound values
//!     stack limit := C's; w = stack_switch(P.context, P.context, fresh ? C : 0);
//!     stack limit back
//!     w.state == Returned ─▶ results from w's payload, release w (call) ─▶ done
//!     else clause k = w.clause ─▶ payload + handle of w ─▶ clause k's label
//!
//!   suspend $t (payload of at most PAYLOAD_INLINE values)
//!     site.cache_vmctx == vmctx; S = chain.innermost               else slow
//!     r = S; loop: r == 0 or r == entry_mark ─▶ slow (no handler, or beyond the entry)
//!                  tag in r's suspend clauses [0, first_switch) ─▶ found (P = r, k)
//!                  r = r.parent
//!     payload into S; chain.innermost = P.parent; P detached; S.last_ancestor = P
//!     S.state = Suspended; S.clause = k; stack_switch(P.context, P.context, S)
//!     results from S's payload (or a pending exception: resume_throw) ─▶ done
//! ```

use super::FuncTranslator;
use crate::libcalls::Libcall;
use crate::sites::{RESUME_CACHE_TAGS, RESUME_CACHE_VMCTX, TAG_CACHE_TAG, TAG_CACHE_VMCTX};
use crate::traps;
use crate::vmruntime;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Type, Value};
use wasmfx_fibre::{
    ContState, ParentLink, RETIRED, StackChain, offsets as rec, table_offsets as table,
};

/// A label clause of an inline resume: the branch depth and payload types
/// (the new continuation's handle follows them).
pub(super) struct InlineClause {
    pub label: u32,
    pub payload: Vec<Type>,
}

/// An inline resume's site: its leaked `ResumeSite` and clause counts.
pub(super) struct InlineSite {
    pub addr: i64,
    pub len: u32,
    pub first_switch: u32,
}

impl FuncTranslator<'_, '_> {
    fn ld(&mut self, ty: Type, base: Value, offset: i32) -> Value {
        self.b.ins().load(ty, MemFlagsData::trusted(), base, offset)
    }

    fn st(&mut self, value: Value, base: Value, offset: i32) {
        self.b
            .ins()
            .store(MemFlagsData::trusted(), value, base, offset);
    }

    /// Continues in a new block when `cond` holds, else goes to `slow`.
    fn guard(&mut self, cond: Value, slow: Block) {
        let next = self.b.create_block();
        self.b.ins().brif(cond, next, &[], slow, &[]);
        self.b.switch_to_block(next);
    }

    /// The inline resume (see the module doc); ends the current block.
    /// `results` go to `done`, a clause's values to its label.
    pub(super) fn resume_inline(
        &mut self,
        cont: Value,
        args: &[Value],
        site: &InlineSite,
        clauses: &[InlineClause],
        results: &[Type],
        slow: Block,
        done: Block,
    ) -> Result<(), super::CompileError> {
        let header = self.ld(I64, self.runtime, vmruntime::CONTS);
        let low = self.b.ins().ireduce(I32, cont);
        let index = self.b.ins().iadd_imm_s(low, -1);
        let index = self.b.ins().uextend(I64, index);
        let len = self.ld(I64, header, table::LEN);
        let in_table = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        self.guard(in_table, slow);
        let records = self.ld(I64, header, table::RECORDS);
        let at = self.b.ins().ishl_imm_u(index, 3);
        let at = self.b.ins().iadd(records, at);
        let record = self.ld(I64, at, 0);
        let revision = self.ld(I64, record, rec::REVISION);
        let wanted = self.b.ins().ushr_imm_u(cont, 32);
        let live = self.b.ins().icmp(IntCC::Equal, revision, wanted);
        self.guard(live, slow);
        let state = self.ld(I32, record, rec::STATE);
        let fresh = (self.b.ins()).icmp_imm_u(IntCC::Equal, state, ContState::Fresh as i64);
        let suspended = (self.b.ins()).icmp_imm_u(IntCC::Equal, state, ContState::Suspended as i64);
        let resumable = self.b.ins().bor(fresh, suspended);
        let site_addr = self.b.ins().iconst(I64, site.addr);
        let cached = self.ld(I64, site_addr, RESUME_CACHE_VMCTX);
        let resolved = self.b.ins().icmp(IntCC::Equal, cached, self.vmctx);
        let ready = self.b.ins().band(resumable, resolved);
        self.guard(ready, slow);
        let bound = self.ld(I32, record, rec::PAYLOAD_LEN);
        let filled = self.b.ins().iadd_imm_s(bound, args.len() as i64);
        if !args.is_empty() {
            let cap = self.ld(I32, record, rec::PAYLOAD_CAP);
            let fits = self
                .b
                .ins()
                .icmp(IntCC::UnsignedLessThanOrEqual, filled, cap);
            self.guard(fits, slow);
        }
        self.ensure_stack(fresh, record);
        // Commit: use the handle and attach the segment.
        let next = self.b.ins().iadd_imm_s(revision, 1);
        self.st(next, record, rec::REVISION);
        let running = self.b.ins().iconst(I32, ContState::Running as i64);
        self.st(running, record, rec::STATE);
        let prompt = self.ld(I64, record, rec::LAST_ANCESTOR);
        let chain = self.ld(I64, self.runtime, vmruntime::CHAIN);
        let innermost = self.ld(I64, chain, StackChain::INNERMOST);
        let host = self.b.ins().iconst(I8, ParentLink::Host as i64);
        let child = self.b.ins().iconst(I8, ParentLink::Continuation as i64);
        let link = self.b.ins().select(innermost, child, host);
        self.st(link, prompt, rec::LINK);
        let native = self.b.ins().iconst(I8, 1);
        self.st(native, prompt, rec::NATIVE_PARENT);
        self.st(innermost, prompt, rec::PARENT);
        self.st(record, chain, StackChain::INNERMOST);
        let tags = self.ld(I64, site_addr, RESUME_CACHE_TAGS);
        self.st(tags, prompt, rec::HANDLER_TAGS);
        let counts = i64::from(site.len) | (i64::from(site.first_switch) << 32);
        let counts = self.b.ins().iconst(I64, counts);
        self.st(counts, prompt, rec::HANDLER_LEN);
        if !args.is_empty() {
            let base = self.ld(I64, record, rec::PAYLOAD_PTR);
            let skip = self.b.ins().uextend(I64, bound);
            let skip = self.b.ins().ishl_imm_u(skip, 3);
            let base = self.b.ins().iadd(base, skip);
            self.store_raw(base, args);
            self.st(filled, record, rec::PAYLOAD_LEN);
        }
        // The first switch into a fresh record carries its address.
        let zero = self.b.ins().iconst(I64, 0);
        let word = self.b.ins().select(fresh, record, zero);
        let back = self.switch_into(record, prompt, word);
        // Back: the record in `back` says what happened.
        let returned = self.b.create_block();
        if clauses.is_empty() {
            self.b.ins().jump(returned, &[]);
        } else {
            let state = self.ld(I32, back, rec::STATE);
            let is_returned =
                (self.b.ins()).icmp_imm_u(IntCC::Equal, state, ContState::Returned as i64);
            let suspended = self.b.create_block();
            self.b
                .ins()
                .brif(is_returned, returned, &[], suspended, &[]);
            self.b.switch_to_block(suspended);
            self.dispatch_clauses(back, clauses)?;
        }
        self.b.switch_to_block(returned);
        let values = self.load_payload(back, results);
        self.libcall(Libcall::ContRelease, &[back]);
        let args: Vec<BlockArg> = values.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(done, &args);
        Ok(())
    }

    /// Gives a `fresh` record without a stack one (a call: the pool's).
    fn ensure_stack(&mut self, fresh: Value, record: Value) {
        let check = self.b.create_block();
        let call = self.b.create_block();
        let ready = self.b.create_block();
        self.b.ins().brif(fresh, check, &[], ready, &[]);
        self.b.switch_to_block(check);
        let base = self.ld(I64, record, rec::STACK_BASE);
        self.b.ins().brif(base, ready, &[], call, &[]);
        self.b.switch_to_block(call);
        self.libcall_checked(Libcall::ContStack, &[record]);
        self.b.ins().jump(ready, &[]);
        self.b.switch_to_block(ready);
    }

    /// Switches into `record`'s segment through `prompt`'s context with
    /// the compiled-code stack limit of `record`'s stack, passing `word`;
    /// returns the word that comes back.
    fn switch_into(&mut self, record: Value, prompt: Value, word: Value) -> Value {
        let limit = self.ld(I64, record, rec::STACK_LIMIT);
        let saved = self.ld(I64, self.runtime, vmruntime::STACK_LIMIT);
        self.st(limit, self.runtime, vmruntime::STACK_LIMIT);
        let context = self.b.ins().iadd_imm_s(prompt, i64::from(rec::CONTEXT));
        let back = self.b.ins().stack_switch(context, context, word);
        self.st(saved, self.runtime, vmruntime::STACK_LIMIT);
        self.reload_memory_cache();
        back
    }

    /// Branches to the label of `back`'s clause with its payload and handle
    /// (the last clause takes whatever the others do not).
    fn dispatch_clauses(
        &mut self,
        back: Value,
        clauses: &[InlineClause],
    ) -> Result<(), super::CompileError> {
        let clause = self.ld(I32, back, rec::CLAUSE);
        for (k, arm) in clauses.iter().enumerate() {
            if k + 1 < clauses.len() {
                let hit = self.b.ins().icmp_imm_u(IntCC::Equal, clause, k as i64);
                let take = self.b.create_block();
                let next = self.b.create_block();
                self.b.ins().brif(hit, take, &[], next, &[]);
                self.b.switch_to_block(take);
                self.take_clause(back, arm)?;
                self.b.switch_to_block(next);
            } else {
                self.take_clause(back, arm)?;
            }
        }
        Ok(())
    }

    fn take_clause(&mut self, back: Value, arm: &InlineClause) -> Result<(), super::CompileError> {
        let mut values = self.load_payload(back, &arm.payload);
        values.push(self.make_handle(back));
        self.catch_branch(arm.label, &values)
    }

    /// Loads `tys` from `record`'s payload and empties it.
    fn load_payload(&mut self, record: Value, tys: &[Type]) -> Vec<Value> {
        if tys.is_empty() {
            return Vec::new();
        }
        let base = self.ld(I64, record, rec::PAYLOAD_PTR);
        let values = self.load_raw(base, tys);
        let zero = self.b.ins().iconst(I32, 0);
        self.st(zero, record, rec::PAYLOAD_LEN);
        values
    }

    /// The raw handle of `record` now; calls out when its index must be
    /// retired first (fibre's table.rs).
    fn make_handle(&mut self, record: Value) -> Value {
        let revision = self.ld(I64, record, rec::REVISION);
        let index = self.ld(I32, record, rec::INDEX);
        let ok = self
            .b
            .ins()
            .icmp_imm_u(IntCC::UnsignedLessThan, revision, RETIRED as i64);
        let inline = self.b.create_block();
        let call = self.b.create_block();
        let merge = self.b.create_block();
        let handle = self.b.append_block_param(merge, I64);
        self.b.ins().brif(ok, inline, &[], call, &[]);
        self.b.switch_to_block(inline);
        let high = self.b.ins().ishl_imm_u(revision, 32);
        let low = self.b.ins().uextend(I64, index);
        let low = self.b.ins().iadd_imm_s(low, 1);
        let made = self.b.ins().bor(high, low);
        self.b.ins().jump(merge, &[made.into()]);
        self.b.switch_to_block(call);
        self.b.set_cold_block(call);
        let made = self
            .libcall(Libcall::ContHandle, &[record])
            .unwrap_or(revision);
        self.b.ins().trapz(made, traps::STORED_TRAP);
        self.b.ins().jump(merge, &[made.into()]);
        self.b.switch_to_block(merge);
        handle
    }

    /// The inline suspend (see the module doc); ends the current block,
    /// going to `done` with the results or to `slow`.
    pub(super) fn suspend_inline(
        &mut self,
        site: i64,
        args: &[Value],
        results: &[Type],
        slow: Block,
        done: Block,
    ) {
        let site = self.b.ins().iconst(I64, site);
        let cached = self.ld(I64, site, TAG_CACHE_VMCTX);
        let resolved = self.b.ins().icmp(IntCC::Equal, cached, self.vmctx);
        self.guard(resolved, slow);
        let tag = self.ld(I64, site, TAG_CACHE_TAG);
        let chain = self.ld(I64, self.runtime, vmruntime::CHAIN);
        let suspender = self.ld(I64, chain, StackChain::INNERMOST);
        let mark = self.ld(I64, self.runtime, vmruntime::ENTRY_MARK);
        // The search: records innermost first, their suspend clauses in order.
        let record_head = self.b.create_block();
        let r = self.b.append_block_param(record_head, I64);
        let clause_head = self.b.create_block();
        let (cr, ctags, cfirst, ci) = (
            self.b.append_block_param(clause_head, I64),
            self.b.append_block_param(clause_head, I64),
            self.b.append_block_param(clause_head, I32),
            self.b.append_block_param(clause_head, I32),
        );
        let found = self.b.create_block();
        let (prompt, clause) = (
            self.b.append_block_param(found, I64),
            self.b.append_block_param(found, I32),
        );
        self.b.ins().jump(record_head, &[suspender.into()]);

        self.b.switch_to_block(record_head);
        let at_end = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
        let at_mark = self.b.ins().icmp(IntCC::Equal, r, mark);
        let stop = self.b.ins().bor(at_end, at_mark);
        let search = self.b.create_block();
        self.b.ins().brif(stop, slow, &[], search, &[]);
        self.b.switch_to_block(search);
        let tags = self.ld(I64, r, rec::HANDLER_TAGS);
        let first_switch = self.ld(I32, r, rec::HANDLER_FIRST_SWITCH);
        let zero = self.b.ins().iconst(I32, 0);
        let start = [r, tags, first_switch, zero].map(BlockArg::from);
        self.b.ins().jump(clause_head, &start);

        self.b.switch_to_block(clause_head);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, ci, cfirst);
        let compare = self.b.create_block();
        let parent = self.b.create_block();
        self.b.ins().brif(more, compare, &[], parent, &[]);
        self.b.switch_to_block(compare);
        let offset = self.b.ins().uextend(I64, ci);
        let offset = self.b.ins().ishl_imm_u(offset, 3);
        let at = self.b.ins().iadd(ctags, offset);
        let candidate = self.ld(I64, at, 0);
        let hit = self.b.ins().icmp(IntCC::Equal, candidate, tag);
        let next_i = self.b.ins().iadd_imm_s(ci, 1);
        let again = [cr, ctags, cfirst, next_i].map(BlockArg::from);
        self.b
            .ins()
            .brif(hit, found, &[cr.into(), ci.into()], clause_head, &again);
        self.b.switch_to_block(parent);
        let up = self.ld(I64, cr, rec::PARENT);
        self.b.ins().jump(record_head, &[up.into()]);

        // Found: payload into the suspender, detach it up to the prompt.
        self.b.switch_to_block(found);
        if !args.is_empty() {
            let base = self.ld(I64, suspender, rec::PAYLOAD_PTR);
            self.store_raw(base, args);
        }
        let n = self.b.ins().iconst(I32, args.len() as i64);
        self.st(n, suspender, rec::PAYLOAD_LEN);
        let above = self.ld(I64, prompt, rec::PARENT);
        self.st(above, chain, StackChain::INNERMOST);
        let detached = self.b.ins().iconst(I8, ParentLink::Detached as i64);
        self.st(detached, prompt, rec::LINK);
        let zero8 = self.b.ins().iconst(I8, 0);
        self.st(zero8, prompt, rec::NATIVE_PARENT);
        let null = self.b.ins().iconst(I64, 0);
        self.st(null, prompt, rec::PARENT);
        self.st(prompt, suspender, rec::LAST_ANCESTOR);
        let suspended = self.b.ins().iconst(I32, ContState::Suspended as i64);
        self.st(suspended, suspender, rec::STATE);
        self.st(clause, suspender, rec::CLAUSE);
        let context = self.b.ins().iadd_imm_s(prompt, i64::from(rec::CONTEXT));
        self.b.ins().stack_switch(context, context, suspender);
        self.reload_memory_cache();
        // Resumed: whoever resumed us set our stack limit and payload.
        let values = self.load_payload(suspender, results);
        let args: Vec<BlockArg> = values.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(done, &args);
    }
}
