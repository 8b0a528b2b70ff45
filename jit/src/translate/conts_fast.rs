//! Inline `resume` and `suspend`: the common cases switch stacks with
//! Cranelift's `stack_switch` and no call, following the runtime's rules
//! (`libcalls/conts.rs`) on the same records; anything else branches to the
//! runtime call (`slow`), before anything was changed.
//!
//! ```text
//!   resume $ct (values; a fresh or suspended continuation)
//!     idx = low32(h) - 1;  idx < table.len                       else slow (null)
//!     C = table.records[idx]; C.key == h (its revision)            else slow (consumed)
//!       (h made by the operator just before, a cont.new: C is known, Fresh)
//!     site.cache_vmctx == vmctx                                    else slow (not resolved)
//!     C.state is Suspended, or Fresh (without a stack: take one from the pool,
//!     a call, then from the top)                                   else slow
//!     depth = chain.innermost's + 1 (1 at the host) <= MAX_RESUME_DEPTH else slow
//!     args after C's bound values: C.payload_len == 0 (args at [0, n)), or
//!     C.payload_len + n <= C.payload_cap                           else slow
//!     ── commit ──  C.key's high half + 1 (revision + 1); C.state = Running
//!     P = C.last_ancestor; P.parent = chain.innermost (link Host or Continuation)
//!     chain.innermost = C; P.handlers = site's cached table (16 bytes: tags, counts)
//!     stack limit := C's; w = stack_switch(P.context, P.context, C) (a fresh C
//!     starts from the word; a suspended point ignores it)
//!     stack limit back: the one at function entry (a frame never leaves its stack)
//!     w.state == Returned ─▶ results from w's payload, release w (warm, or a
//!       call: conts_inline.rs) ─▶ done
//!     else clause k = w.clause ─▶ payload + handle of w ─▶ clause k's label
//!
//!   suspend $t (payload of at most PAYLOAD_INLINE values)
//!     tag = vmctx.tags[$t] (its store address); S = chain.innermost (the chain
//!     and the runtime record at constant addresses: translate/mod.rs, RuntimeAddrs)
//!     r = S; loop: r == chain.mark ─▶ slow (no handler, or beyond the entry;
//!                  the mark, null at the host, ends every walk: fibre's skip.rs)
//!                  tag in r's suspend clauses [0, first_switch) ─▶ found (P = r, k)
//!                  r = r's skip entry's target when it holds for the tag (fibre's
//!                  skip.rs), else r.parent (past INLINE_WALK parents ─▶ slow)
//!     (the rest is emitted twice: for a hit at S's first clause, P = S and
//!     k = 0 as constants, and for the others)
//!     payload into S; chain.innermost = P.parent; P detached (crossed: epoch + 1);
//!     S.last_ancestor = P
//!     S.state = Suspended; S.clause = k; stack_switch(P.context, P.context, S)
//!     the word back is S (a compiled resume or switch passes the record it
//!     resumes): results from its payload ─▶ done; the word 0 (the runtime's
//!     resume, whose resume_throw leaves an exception pending) ─▶ results
//!     from S's, check first
//!
//!   switch $ct $t (target T: suspended, or fresh with a stack; its payload has room)
//!     T's handle checks as in resume; handler P, k among switch clauses as in
//!     suspend; S's key a handle (not RETIRED) else slow; no call on the way,
//!     so no value waits in a callee-saved register;
//!     args ++ S's handle into T's payload as in resume (or slow);
//!     ── commit ── T's handle used; S..P detached (S suspended);
//!     T's segment attached (prompt Q),
//!     Q gets P's handler table; Q.context and P.context trade places (Q gets
//!     the resumer's point, P T's own); stack limit := T's;
//!     stack_switch(P.context, P.context, T)
//!     (a fresh T starts from the word; a suspended point ignores it)
//!     results from the payload of the word (S) ─▶ done (the word 0: check first,
//!     as suspend)
//!
//!   cont.new: pop a warm record (conts_inline.rs `new_warm`), else the call
//! ```
//! The building blocks are in `conts_inline.rs`.

use super::FuncTranslator;
use super::conts_inline::Clauses;
use crate::sites::{RESUME_CACHE_HANDLERS, RESUME_CACHE_VMCTX};
use crate::vmruntime;
use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64, I64X2};
use cranelift_codegen::ir::{
    Block, BlockArg, InstBuilder, MemFlagsData, StackSlotData, StackSlotKind, Type, Value,
};
use wasmfx_core::vm::offsets;
use wasmfx_fibre::{ContState, StackChain, offsets as rec};

/// A label clause of an inline resume: the branch depth and payload types
/// (the new continuation's handle follows them).
pub(super) struct InlineClause {
    pub label: u32,
    pub payload: Vec<Type>,
}

impl FuncTranslator<'_, '_> {
    /// The inline resume (see the module doc); ends the current block.
    /// `results` go to `done`, a clause's values to its label.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn resume_inline(
        &mut self,
        cont: Value,
        args: &[Value],
        site_addr: i64,
        clauses: &[InlineClause],
        results: &[Type],
        slow: Block,
        done: Block,
    ) -> Result<(), super::CompileError> {
        // Where a fresh continuation that was given a stack starts again.
        let retry = self.b.create_block();
        self.b.ins().jump(retry, &[]);
        self.b.switch_to_block(retry);
        let taken = self.take_handle(cont, slow);
        let site = self.b.ins().iconst(I64, site_addr);
        let cached = self.ld(I64, site, RESUME_CACHE_VMCTX);
        // The handler table with the check, from the site's address at
        // hand; only stored after the commit. (Nothing keeps the vector
        // across the call that gives a stack: that path starts over.)
        let handlers = self.ld(I64X2, site, RESUME_CACHE_HANDLERS);
        let resolved = self.b.ins().icmp(IntCC::Equal, cached, self.vmctx);
        self.guard(resolved, slow);
        self.ensure_stack(&taken, slow, retry);
        let (innermost, chain) = self.innermost();
        let (depth, link) = self.next_depth(innermost, slow);
        // Commit: the arguments (or slow), use the handle, attach the segment.
        self.put_payload(taken.record, args, slow, taken.state.is_none());
        self.use_handle(&taken);
        let prompt = self.attach(taken.record, chain, innermost, link);
        self.st(depth, prompt, rec::DEPTH);
        self.st(handlers, prompt, rec::HANDLER_TAGS);
        // The first switch into a fresh record carries its address; a
        // suspended point ignores the word (every suspend of the engine
        // does), so it gets the same one: no select, nothing kept live.
        let back = self.switch_into(taken.record, prompt, taken.record)?;
        // Back: the record in `back` says what happened.
        let returned = self.b.create_block();
        if clauses.is_empty() {
            self.b.ins().jump(returned, &[]);
        } else {
            let state = self.ld(I32, back, rec::STATE);
            let is_returned =
                (self.b.ins()).icmp_imm_u(IntCC::Equal, state, ContState::Returned as i64);
            let suspended = self.b.create_block();
            (self.b.ins()).brif(is_returned, returned, &[], suspended, &[]);
            self.b.switch_to_block(suspended);
            self.dispatch_clauses(back, clauses)?;
        }
        self.b.switch_to_block(returned);
        let values = self.load_payload(back, results);
        self.release_returned(back);
        let args: Vec<BlockArg> = values.iter().map(|&v| v.into()).collect();
        self.b.ins().jump(done, &args);
        Ok(())
    }

    /// Switches into `record`'s segment through `prompt`'s context with
    /// the compiled-code stack limit of `record`'s stack, passing `word`;
    /// returns the word that comes back.
    fn switch_into(
        &mut self,
        record: Value,
        prompt: Value,
        word: Value,
    ) -> Result<Value, super::CompileError> {
        let limit = self.ld(I64, record, rec::STACK_LIMIT);
        let runtime = self.runtime_record();
        self.st(limit, runtime, vmruntime::STACK_LIMIT);
        let context = self.b.ins().iadd_imm_s(prompt, i64::from(rec::CONTEXT));
        let back = self.stack_switch(context, context, word);
        let ours = self.entry_limit();
        let runtime = self.runtime_record();
        self.st(ours, runtime, vmruntime::STACK_LIMIT);
        self.reload_memory_cache();
        Ok(back)
    }

    /// `stack_switch`, after which the code goes on in a block of its own:
    /// constants (the runtime's addresses) are made again in each block
    /// that uses them, not kept across the switch, which clobbers every
    /// register.
    fn stack_switch(&mut self, store: Value, load: Value, word: Value) -> Value {
        let back = self.b.ins().stack_switch(store, load, word);
        let after = self.b.create_block();
        self.b.ins().jump(after, &[]);
        self.b.switch_to_block(after);
        back
    }

    /// The stack limit this frame runs under: the one at function entry,
    /// kept in a stack slot of its own (stored in the entry block on first
    /// use, loaded at each use). As an SSA value it would live across the
    /// switches, where the register allocator spills it and, around loops,
    /// stores it back to its slot again. A frame never leaves its stack,
    /// and whoever lets it run again sets that stack's limit (a resume, a
    /// call's return, a switch back), so the value holds whenever the frame
    /// runs; a resume puts it back with no load before.
    fn entry_limit(&mut self) -> Value {
        let slot = match self.entry_limit {
            Some(slot) => slot,
            None => {
                let data = StackSlotData::new(StackSlotKind::ExplicitSlot, 8, 3);
                let slot = self.b.create_sized_stack_slot(data);
                let mut pos = FuncCursor::new(self.b.func).after_inst(self.runtime_load);
                let flags = MemFlagsData::trusted();
                let limit = (pos.ins()).load(I64, flags, self.runtime, vmruntime::STACK_LIMIT);
                pos.ins().stack_store(I64, limit, slot, 0);
                self.entry_limit = Some(slot);
                slot
            }
        };
        self.b.ins().stack_load(I64, I64, slot, 0)
    }

    /// Branches to the label of `back`'s clause with its payload and handle
    /// (the last clause takes whatever the others do not).
    fn dispatch_clauses(
        &mut self,
        back: Value,
        clauses: &[InlineClause],
    ) -> Result<(), super::CompileError> {
        // One clause takes every suspension: no clause to read.
        let clause = (clauses.len() > 1).then(|| self.ld(I32, back, rec::CLAUSE));
        for (k, arm) in clauses.iter().enumerate() {
            if let Some(clause) = clause
                && k + 1 < clauses.len()
            {
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

    /// The identity of the instance's tag `index` (its store address,
    /// which handler tables hold): from the context's tag array, which
    /// never changes while code runs, so a loop's suspend finds it hoisted
    /// (one reload after the switch instead of two loads).
    fn tag_identity(&mut self, index: u32) -> Value {
        let tags = self.load_readonly(self.vmctx, offsets::CTX_TAGS as i32);
        let flags = MemFlagsData::trusted().with_readonly().with_can_move();
        // A plain load (Cranelift hoists no extending one) and the extend.
        let tag = (self.b.ins()).load(I32, flags, tags, 4 * index as i32);
        self.b.ins().uextend(I64, tag)
    }

    /// The inline suspend (see the module doc); ends the current block,
    /// going to `done` with the results or to `slow`.
    pub(super) fn suspend_inline(
        &mut self,
        tag_index: u32,
        args: &[Value],
        results: &[Type],
        slow: Block,
        (done, checked): (Block, Block),
    ) {
        let tag = self.tag_identity(tag_index);
        let (suspender, chain) = self.innermost();
        let kind = Clauses::Suspend;
        let (found, first) = self.find_handler_peeled(chain, suspender, tag, kind, slow, true);
        // The rest twice: for a hit at the suspender's first clause (the
        // common case, with constants) and for the others.
        let ends = (done, checked);
        self.suspend_found(suspender, chain, found, args, results, ends);
        if let Some(hit) = first {
            self.b.switch_to_block(hit.block);
            let found = (hit.prompt, hit.clause);
            self.suspend_found(suspender, chain, found, args, results, ends);
        }
    }

    /// The inline suspend once its handler is found: `prompt` and the
    /// index of its `clause`.
    fn suspend_found(
        &mut self,
        suspender: Value,
        chain: Value,
        (prompt, clause): (Value, Value),
        args: &[Value],
        results: &[Type],
        (done, checked): (Block, Block),
    ) {
        // Found: payload into the suspender, detach it up to the prompt.
        if !args.is_empty() {
            let base = self.ld(I64, suspender, rec::PAYLOAD_PTR);
            self.store_raw(base, args);
        }
        let n = self.b.ins().iconst(I32, args.len() as i64);
        self.st(n, suspender, rec::PAYLOAD_LEN);
        let above = self.detach(chain, suspender, prompt);
        self.st(above, chain, StackChain::INNERMOST);
        self.st(clause, suspender, rec::CLAUSE);
        let context = self.b.ins().iadd_imm_s(prompt, i64::from(rec::CONTEXT));
        let word = self.stack_switch(context, context, suspender);
        self.resumed(suspender, word, results, done, checked);
    }

    /// Back at a suspend or switch point with `word`: whoever resumed
    /// `suspender` set our stack limit and its payload; its values go to
    /// `checked` when the word is not 0 (compiled code's inline resume or
    /// switch, which runs with no exception pending and never leaves one),
    /// else to `done`, which checks for the exception a `resume_throw`
    /// leaves pending (the runtime's resumes pass 0 to a suspended point).
    /// A compiled resume or switch passes the record it resumes, which is
    /// `suspender` (the handle it used names it): the values come from the
    /// word, not from `suspender` kept across the switch.
    fn resumed(
        &mut self,
        suspender: Value,
        word: Value,
        results: &[Type],
        done: Block,
        checked: Block,
    ) {
        self.reload_memory_cache();
        if results.is_empty() {
            self.b.ins().brif(word, checked, &[], done, &[]);
            return;
        }
        let compiled = self.b.create_block();
        let runtime = self.b.create_block();
        self.b.set_cold_block(runtime);
        self.b.ins().brif(word, compiled, &[], runtime, &[]);
        for (block, record, to) in [(compiled, word, checked), (runtime, suspender, done)] {
            self.b.switch_to_block(block);
            let values = self.load_payload(record, results);
            let args: Vec<BlockArg> = values.iter().map(|&v| v.into()).collect();
            self.b.ins().jump(to, &args);
        }
    }

    /// The inline switch (see the module doc); ends the current block,
    /// going to `done` with the results or to `slow`.
    pub(super) fn switch_inline(
        &mut self,
        tag_index: u32,
        target: Value,
        args: &[Value],
        results: &[Type],
        slow: Block,
        (done, checked): (Block, Block),
    ) {
        let taken = self.take_handle(target, slow);
        let tag = self.tag_identity(tag_index);
        let (suspender, chain) = self.innermost();
        let (prompt, _) = self.find_handler(chain, suspender, tag, Clauses::Switch, slow);
        self.check_runnable(&taken, slow);
        let mut values = args.to_vec();
        values.push(self.current_handle(suspender, slow));
        // Commit: hand the target our arguments and handle (or slow),
        // capture S..P; the target's segment takes S..P's place.
        self.put_payload(taken.record, &values, slow, taken.state.is_none());
        self.use_handle(&taken);
        let innermost = self.detach(chain, suspender, prompt);
        let link = self.link_under(innermost);
        let target_prompt = self.attach(taken.record, chain, innermost, link);
        // The target takes the old prompt's place: its depth too.
        let depth = self.ld(I32, prompt, rec::DEPTH);
        self.st(depth, target_prompt, rec::DEPTH);
        let handlers = self.ld(I64X2, prompt, rec::HANDLER_TAGS);
        self.st(handlers, target_prompt, rec::HANDLER_TAGS);
        // The resumer's point and the target's own point trade places: the
        // target's prompt gets the resumer's, the old prompt the target's,
        // which the switch loads there before it stores ours in its place
        // (the captured segment's resume point). Word by word, as
        // `stack_switch` stored them: a 16-byte load of two fresh 8-byte
        // stores is not store-forwarded (tried: 6 fewer instructions, 25%
        // slower).
        for word in 0..3 {
            let offset = rec::CONTEXT + 8 * word;
            let own = self.ld(I64, target_prompt, offset);
            let resumer = self.ld(I64, prompt, offset);
            self.st(resumer, target_prompt, offset);
            self.st(own, prompt, offset);
        }
        let limit = self.ld(I64, taken.record, rec::STACK_LIMIT);
        let runtime = self.runtime_record();
        self.st(limit, runtime, vmruntime::STACK_LIMIT);
        // A fresh target starts from its address; a suspended point ignores
        // the word, so it gets the same one (no select, nothing kept live).
        let word = taken.record;
        let context = self.b.ins().iadd_imm_s(prompt, i64::from(rec::CONTEXT));
        let word = self.stack_switch(context, context, word);
        self.resumed(suspender, word, results, done, checked);
    }
}
