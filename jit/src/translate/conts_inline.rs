//! The pieces the inline stack-switching instructions (`conts_fast.rs`)
//! are made of, each the CLIF twin of a runtime step on the shared records
//! (fibre's record.rs, table.rs, chain.rs). Checks branch to `slow` and
//! change nothing; the steps after them commit.
//!
//! ```text
//!   take_handle   raw h ─▶ record C of table.records[low32(h) - 1],
//!                 C.key == h (its revision); h from the operator just
//!                 before, a cont.new: C known, Fresh, no check       (check)
//!   ensure_stack  C.state Suspended, or Fresh with a stack (given one
//!                 by a call when it has none, then from the top)      (check)
//!   check_runnable  the same without the call (switch)                (check)
//!   put_payload   C.payload_len == 0 (n <= PAYLOAD_INLINE): values at
//!                 [0, n); else C.payload_len + n <= C.payload_cap and
//!                 values after the bound ones; C just made by cont.new:
//!                 the inline slots, no check      (the last check, commit)
//!   find_handler  innermost-first walk to the chain's mark, tag among a
//!                 record's suspend (or switch) clauses ─▶ (P, k); past a
//!                 record by its valid skip entry, else its parent; more
//!                 than INLINE_WALK parents ─▶ slow                     (check)
//!   next_depth    1 + innermost.depth (1 at the host) <= MAX_RESUME_DEPTH (check)
//!   use_handle    C.key's high half += 1 (revision + 1; one add on
//!                 memory), C.state = Running                          (commit)
//!   attach        P = C.last_ancestor; P.parent = innermost (Host or
//!                 Continuation link); innermost = C ─▶ P
//!   detach        P detached (its link; its stale parent is not read);
//!                 S.last_ancestor = P; S.state = Suspended;
//!                 P crossed ─▶ P uncrossed, chain.epoch += 1
//!                 ─▶ P.parent (the caller's new innermost, or what a
//!                 switch attaches the target to)
//!   make_handle   S.key (a call when its index must retire)
//!   current_handle  S.key, or slow when its index must retire (switch)
//! ```
//! The warm-record steps of `cont.new` and of a return are in `conts_warm.rs`.

use super::FuncTranslator;
use crate::libcalls::{Libcall, MAX_RESUME_DEPTH, STACK_DEAR};
use crate::traps;
use crate::vmruntime;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Type, Value};
use wasmfx_fibre::{
    ContState, PAYLOAD_INLINE, ParentLink, RETIRED, StackChain, offsets as rec,
    table_offsets as table,
};

// `link` and `native_parent` are adjacent bytes, stored as one word.
const _: () = assert!(rec::NATIVE_PARENT == rec::LINK + 1);

/// One revision in a record's key (fibre's record.rs, "Key").
pub(super) const KEY_REVISION_ONE: i64 = 1 << 32;

/// The least key of a record whose revision reached `RETIRED` (unsigned).
pub(super) const KEY_RETIRED: i64 = (RETIRED << 32) as i64;

/// Parent links an inline handler search follows before it leaves the
/// search to the runtime (which leaves a skip entry behind).
const INLINE_WALK: i64 = 8;

/// The little-endian 16-bit word of a record's `link` and `native_parent`.
const fn link_word(link: ParentLink, native: bool) -> i64 {
    link as i64 | (native as i64) << 8
}

/// A continuation whose handle checked out (nothing changed yet).
pub(super) struct Taken {
    pub record: Value,
    /// Its `ContState`, not yet checked (`ensure_stack` does); `None` when
    /// known to be Fresh.
    pub state: Option<Value>,
}

/// Which clauses of a handler table a search looks at.
#[derive(Clone, Copy)]
pub(super) enum Clauses {
    /// `(on $tag $label)`: `[0, first_switch)`.
    Suspend,
    /// `(on $tag switch)`: `[first_switch, len)`.
    Switch,
}

/// A handler search's hit at the first clause of the first record, in a
/// block of its own (`find_handler_peeled`), left for the caller to fill.
pub(super) struct FirstHit {
    pub block: Block,
    pub prompt: Value,
    pub clause: Value,
}

/// What a handler search looks for, and where its blocks go.
struct Search {
    mark: Value,
    tag: Value,
    kind: Clauses,
    slow: Block,
    /// The clause loop: (record, steps, tags, end, clause index).
    clause_head: Block,
    /// The end: (prompt, clause index).
    found: Block,
}

impl FuncTranslator<'_, '_> {
    pub(super) fn ld(&mut self, ty: Type, base: Value, offset: i32) -> Value {
        self.b.ins().load(ty, MemFlagsData::trusted(), base, offset)
    }

    pub(super) fn st(&mut self, value: Value, base: Value, offset: i32) {
        (self.b.ins()).store(MemFlagsData::trusted(), value, base, offset);
    }

    /// Continues in a new block when `cond` holds, else goes to `slow`.
    pub(super) fn guard(&mut self, cond: Value, slow: Block) {
        let next = self.b.create_block();
        self.b.ins().brif(cond, next, &[], slow, &[]);
        self.b.switch_to_block(next);
    }

    /// The running record (0: the host stack) and the chain holding it (a
    /// constant, [`super::RuntimeAddrs`]).
    pub(super) fn innermost(&mut self) -> (Value, Value) {
        let chain = self.b.ins().iconst(I64, self.env.runtime.chain as i64);
        (self.ld(I64, chain, StackChain::INNERMOST), chain)
    }

    /// Decodes and checks the handle `raw` (see the module doc). The
    /// handle the previous operator, a `cont.new`, made comes with its
    /// record, which nothing touched since: its key is that handle, its
    /// state Fresh (no check, no load).
    pub(super) fn take_handle(&mut self, raw: Value, slow: Block) -> Taken {
        if let Some((handle, record)) = self.made_before
            && handle == raw
        {
            return Taken {
                record,
                state: None,
            };
        }
        let record = self.look_up_handle(raw, slow);
        // The key is the current handle (fibre's record.rs, "Key").
        let key = self.ld(I64, record, rec::KEY);
        let live = self.b.ins().icmp(IntCC::Equal, key, raw);
        self.guard(live, slow);
        // `ensure_stack` checks it (Suspended, or Fresh with a stack).
        let state = Some(self.ld(I32, record, rec::STATE));
        Taken { record, state }
    }

    /// The record of table entry `low32(raw) - 1`, or `slow` past the
    /// table's end.
    fn look_up_handle(&mut self, raw: Value, slow: Block) -> Value {
        let runtime = self.runtime_record();
        let header = self.ld(I64, runtime, vmruntime::CONTS);
        let low = self.b.ins().ireduce(I32, raw);
        let index = self.b.ins().iadd_imm_s(low, -1);
        let index = self.b.ins().uextend(I64, index);
        let len = self.ld(I64, header, table::LEN);
        let in_table = self.b.ins().icmp(IntCC::UnsignedLessThan, index, len);
        self.guard(in_table, slow);
        let records = self.ld(I64, header, table::RECORDS);
        let at = self.b.ins().ishl_imm_u(index, 3);
        let at = self.b.ins().iadd(records, at);
        self.ld(I64, at, 0)
    }

    /// Puts `values` after the payload of `record`, the last check of an
    /// inline resume or switch: goes to `slow` (nothing written) when they
    /// do not fit. An empty payload (no bound values) takes one compare and
    /// constant offsets (a record's capacity is at least
    /// [`PAYLOAD_INLINE`]); bound values take the capacity check and the
    /// append, laid out with the cold code. A record `cont.new` just made
    /// (`fresh`) has an empty payload in its inline slots (a new record's,
    /// or a warm one's: those have no spill buffer): no check, no pointer
    /// to load.                                               (check, commit)
    pub(super) fn put_payload(
        &mut self,
        record: Value,
        values: &[Value],
        slow: Block,
        fresh: bool,
    ) {
        if values.is_empty() {
            return;
        }
        let n = values.len();
        if fresh && n <= PAYLOAD_INLINE {
            let slots = self
                .b
                .ins()
                .iadd_imm_s(record, i64::from(rec::PAYLOAD_INLINE_SLOTS));
            self.store_raw(slots, values);
            let filled = self.b.ins().iconst(I32, n as i64);
            self.st(filled, record, rec::PAYLOAD_LEN);
            return;
        }
        let len = self.ld(I32, record, rec::PAYLOAD_LEN);
        if n > PAYLOAD_INLINE {
            let room = self.room_for(record, len, n);
            self.guard(room, slow);
            self.append_payload(record, len, values);
            return;
        }
        let [empty, bound, fits, put] = [(); 4].map(|()| self.b.create_block());
        self.b.ins().brif(len, bound, &[], empty, &[]);
        self.b.switch_to_block(empty);
        let base = self.ld(I64, record, rec::PAYLOAD_PTR);
        self.store_raw(base, values);
        let filled = self.b.ins().iconst(I32, n as i64);
        self.st(filled, record, rec::PAYLOAD_LEN);
        self.b.ins().jump(put, &[]);
        self.b.switch_to_block(bound);
        self.b.set_cold_block(bound);
        let room = self.room_for(record, len, n);
        self.b.ins().brif(room, fits, &[], slow, &[]);
        self.b.switch_to_block(fits);
        self.b.set_cold_block(fits);
        self.append_payload(record, len, values);
        self.b.ins().jump(put, &[]);
        self.b.switch_to_block(put);
    }

    /// Whether `n` values fit after the `len` in `record`'s payload.
    fn room_for(&mut self, record: Value, len: Value, n: usize) -> Value {
        let filled = self.b.ins().iadd_imm_s(len, n as i64);
        let cap = self.ld(I32, record, rec::PAYLOAD_CAP);
        (self.b.ins()).icmp(IntCC::UnsignedLessThanOrEqual, filled, cap)
    }

    /// Stores `values` after the `len` values in `record`'s payload.
    fn append_payload(&mut self, record: Value, len: Value, values: &[Value]) {
        let filled = self.b.ins().iadd_imm_s(len, values.len() as i64);
        let base = self.ld(I64, record, rec::PAYLOAD_PTR);
        let skip = self.b.ins().uextend(I64, len);
        let skip = self.b.ins().ishl_imm_u(skip, 3);
        let base = self.b.ins().iadd(base, skip);
        self.store_raw(base, values);
        self.st(filled, record, rec::PAYLOAD_LEN);
    }

    /// Loads `tys` from `record`'s payload and empties it.
    pub(super) fn load_payload(&mut self, record: Value, tys: &[Type]) -> Vec<Value> {
        if tys.is_empty() {
            return Vec::new();
        }
        let base = self.ld(I64, record, rec::PAYLOAD_PTR);
        let values = self.load_raw(base, tys);
        let zero = self.b.ins().iconst(I32, 0);
        self.st(zero, record, rec::PAYLOAD_LEN);
        values
    }

    /// Checks that `taken` can run: Suspended, or Fresh with a stack; a
    /// fresh record without one gets one (a call: the pool's), or goes to
    /// `slow` when the runtime would rather run it in place
    /// (`libcalls/in_place.rs`), else to `retry`, which takes the handle
    /// again (so that no value of the checks lives across the call, which
    /// would keep it in a callee-saved register on the hot path too). Any
    /// other state goes to `slow`. A record
    /// known to be Fresh (a `cont.new`'s, `take_handle`) takes the stack
    /// check alone, on the hot path.                               (check)
    pub(super) fn ensure_stack(&mut self, taken: &Taken, slow: Block, retry: Block) {
        let record = taken.record;
        let [check, has_stack, call, given, ready] = [(); 5].map(|()| self.b.create_block());
        let known_fresh = taken.state.is_none();
        if let Some(state) = taken.state {
            // (`has_stack`, like the suspended case's own block, keeps the
            // edges into `ready` uncritical.)
            self.jump_if_suspended(state, ready);
            const _: () = assert!(ContState::Fresh as u32 == 0);
            self.b.ins().brif(state, slow, &[], check, &[]);
        } else {
            self.b.ins().jump(check, &[]);
        }
        self.b.switch_to_block(check);
        let base = self.ld(I64, record, rec::STACK_BASE);
        self.b.ins().brif(base, has_stack, &[], call, &[]);
        self.b.switch_to_block(has_stack);
        if !known_fresh {
            self.b.set_cold_block(check);
            self.b.set_cold_block(has_stack);
        }
        self.b.ins().jump(ready, &[]);
        self.b.switch_to_block(call);
        self.b.set_cold_block(call);
        let status = self.libcall(Libcall::ContStack, &[record]);
        let status = status.unwrap_or_else(|| self.b.ins().iconst(I32, 0));
        let dear = (self.b.ins()).icmp_imm_u(IntCC::Equal, status, i64::from(STACK_DEAR));
        self.b.ins().brif(dear, slow, &[], given, &[]);
        self.b.switch_to_block(given);
        self.b.set_cold_block(given);
        self.b.ins().trapnz(status, traps::STORED_TRAP);
        self.b.ins().jump(retry, &[]);
        self.b.switch_to_block(ready);
    }

    /// Checks that `taken` can run without a call: Suspended, or Fresh with
    /// a stack; anything else goes to `slow` (the runtime gives a stack).
    /// For `switch`, whose inline path then makes no call, so the register
    /// allocator keeps its values in registers.                     (check)
    pub(super) fn check_runnable(&mut self, taken: &Taken, slow: Block) {
        let ready = self.b.create_block();
        let state = match taken.state {
            Some(state) => state,
            None => self.b.ins().iconst(I32, ContState::Fresh as i64),
        };
        self.jump_if_suspended(state, ready);
        const _: () = assert!(ContState::Fresh as u32 == 0);
        let base = self.ld(I64, taken.record, rec::STACK_BASE);
        let has_stack = self.b.ins().icmp_imm_u(IntCC::NotEqual, base, 0);
        let is_fresh = self.b.ins().icmp_imm_u(IntCC::Equal, state, 0);
        let ok = self.b.ins().band(is_fresh, has_stack);
        self.b.ins().brif(ok, ready, &[], slow, &[]);
        self.b.switch_to_block(ready);
    }

    /// One compare for the common case, a suspended continuation: jumps to
    /// `ready` through a block of its own (so the hot path's register moves
    /// fall through), else continues in a cold block laid out after the
    /// function's hot code.
    fn jump_if_suspended(&mut self, state: Value, ready: Block) {
        let [go, other] = [(); 2].map(|()| self.b.create_block());
        let suspended = (self.b.ins()).icmp_imm_u(IntCC::Equal, state, ContState::Suspended as i64);
        self.b.ins().brif(suspended, go, &[], other, &[]);
        self.b.switch_to_block(go);
        self.b.ins().jump(ready, &[]);
        self.b.switch_to_block(other);
        self.b.set_cold_block(other);
    }

    /// The raw handle of `record` now, its key; goes to `slow` when its
    /// revision reached `RETIRED` (the runtime retires its index). (check)
    pub(super) fn current_handle(&mut self, record: Value, slow: Block) -> Value {
        let key = self.ld(I64, record, rec::KEY);
        let ok = (self.b.ins()).icmp_imm_u(IntCC::UnsignedLessThan, key, KEY_RETIRED);
        self.guard(ok, slow);
        key
    }

    /// Uses the handle of `taken` up: bumps the revision, marks it running.
    /// The handle's revision is below `RETIRED`: the key's high half (the
    /// revision, little-endian) takes the add alone, one instruction on
    /// memory (its load has no other use).
    pub(super) fn use_handle(&mut self, taken: &Taken) {
        let revision = self.ld(I32, taken.record, rec::KEY + 4);
        let next = self.b.ins().iadd_imm_s(revision, 1);
        self.st(next, taken.record, rec::KEY + 4);
        let running = self.b.ins().iconst(I32, ContState::Running as i64);
        self.st(running, taken.record, rec::STATE);
    }

    /// Puts `record`'s segment on top of `chain` (whose innermost is
    /// `innermost`), its prompt linked by `link` (the word of
    /// [`link_word`]: Host when `innermost` is 0, else Continuation, both
    /// native); returns the segment's prompt.
    pub(super) fn attach(
        &mut self,
        record: Value,
        chain: Value,
        innermost: Value,
        link: Value,
    ) -> Value {
        let prompt = self.ld(I64, record, rec::LAST_ANCESTOR);
        // link and native_parent in one store.
        self.st(link, prompt, rec::LINK);
        self.st(innermost, prompt, rec::PARENT);
        self.st(record, chain, StackChain::INNERMOST);
        prompt
    }

    /// The link word [`FuncTranslator::attach`] stores for a segment put
    /// under `innermost`, picked without a branch.
    pub(super) fn link_under(&mut self, innermost: Value) -> Value {
        let host = self.b.ins().iconst(I16, link_word(ParentLink::Host, true));
        let child = (self.b.ins()).iconst(I16, link_word(ParentLink::Continuation, true));
        self.b.ins().select(innermost, child, host)
    }

    /// The depth of a resume attached under `innermost` now (fibre's
    /// `StackChain::next_depth`: one more than the innermost record's, 1 at
    /// the host) and the link word it attaches with (Host at the host,
    /// else Continuation), one branch for both; goes to `slow` past
    /// [`MAX_RESUME_DEPTH`], where the runtime traps (only a resume under
    /// a record can be that deep).                                   (check)
    pub(super) fn next_depth(&mut self, innermost: Value, slow: Block) -> (Value, Value) {
        let inner = self.b.create_block();
        let merge = self.b.create_block();
        let depth = self.b.append_block_param(merge, I32);
        let link = self.b.append_block_param(merge, I16);
        let one = self.b.ins().iconst(I32, 1);
        let host = self.b.ins().iconst(I16, link_word(ParentLink::Host, true));
        (self.b.ins()).brif(innermost, inner, &[], merge, &[one.into(), host.into()]);
        self.b.switch_to_block(inner);
        let inner_depth = self.ld(I32, innermost, rec::DEPTH);
        let next = self.b.ins().iadd_imm_s(inner_depth, 1);
        let limit = i64::from(MAX_RESUME_DEPTH);
        let within = (self.b.ins()).icmp_imm_u(IntCC::UnsignedLessThanOrEqual, next, limit);
        let child = (self.b.ins()).iconst(I16, link_word(ParentLink::Continuation, true));
        (self.b.ins()).brif(within, merge, &[next.into(), child.into()], slow, &[]);
        self.b.switch_to_block(merge);
        (depth, link)
    }

    /// Takes the segment `suspender` .. `prompt` off `chain`; returns the
    /// new innermost record (the prompt's parent, 0 for the host), which
    /// the caller stores in the chain (or attaches another segment to).
    /// Cutting a link that a skip entry may jump bumps the chain's epoch
    /// (fibre's skip.rs).
    pub(super) fn detach(&mut self, chain: Value, suspender: Value, prompt: Value) -> Value {
        let above = self.ld(I64, prompt, rec::PARENT);
        // The link says Detached; `parent` keeps a stale pointer that
        // nothing reads without a Continuation link (an attach, or a warm
        // park, writes it first).
        let detached = (self.b.ins()).iconst(I16, link_word(ParentLink::Detached, false));
        self.st(detached, prompt, rec::LINK);
        self.st(prompt, suspender, rec::LAST_ANCESTOR);
        let suspended = self.b.ins().iconst(I32, ContState::Suspended as i64);
        self.st(suspended, suspender, rec::STATE);
        let crossed = self.ld(I8, prompt, rec::CROSSED);
        let bump = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(crossed, bump, &[], done, &[]);
        self.b.switch_to_block(bump);
        self.b.set_cold_block(bump);
        let zero = self.b.ins().iconst(I8, 0);
        self.st(zero, prompt, rec::CROSSED);
        let epoch = self.ld(I64, chain, StackChain::EPOCH);
        let epoch = self.b.ins().iadd_imm_s(epoch, 1);
        self.st(epoch, chain, StackChain::EPOCH);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
        above
    }

    /// The innermost prompt from `from` (the innermost record of `chain`)
    /// outwards, before the chain's mark, whose `kind` clauses hold `tag`:
    /// jumps to a block with params (prompt, clause index), which it
    /// returns switched to. A record's own table first; then its skip
    /// entry when valid for the tag, else its parent (fibre's skip.rs). A
    /// walk past more than [`INLINE_WALK`] parents goes to `slow`, where
    /// the runtime's search leaves the entry that later walks jump by.
    pub(super) fn find_handler(
        &mut self,
        chain: Value,
        from: Value,
        tag: Value,
        kind: Clauses,
        slow: Block,
    ) -> (Value, Value) {
        let (found, _) = self.find_handler_peeled(chain, from, tag, kind, slow, false);
        found
    }

    /// [`FuncTranslator::find_handler`]; with `peel`, a hit at the first
    /// clause of `from` goes to a block of its own, returned empty with
    /// its (prompt, clause) for the caller to fill (which then does the
    /// rest twice, and moves no block parameters on the common path).
    pub(super) fn find_handler_peeled(
        &mut self,
        chain: Value,
        from: Value,
        tag: Value,
        kind: Clauses,
        slow: Block,
        peel: bool,
    ) -> ((Value, Value), Option<FirstHit>) {
        let mark = self.ld(I64, chain, StackChain::MARK);
        let record_head = self.b.create_block();
        let r = self.b.append_block_param(record_head, I64);
        let steps = self.b.append_block_param(record_head, I32);
        let clause_head = self.b.create_block();
        let [cr, csteps, ctags, cend, ci] =
            [I64, I32, I64, I32, I32].map(|ty| self.b.append_block_param(clause_head, ty));
        let found = self.b.create_block();
        let prompt = self.b.append_block_param(found, I64);
        let clause = self.b.append_block_param(found, I32);
        let search = Search {
            mark,
            tag,
            kind,
            slow,
            clause_head,
            found,
        };
        // The first record peeled off the walk (most searches end there):
        // no loop parameters to move.
        let zero = self.b.ins().iconst(I32, 0);
        let first = self.search_record(&search, from, zero, peel);
        self.b.switch_to_block(record_head);
        self.search_record(&search, r, steps, false);

        self.b.switch_to_block(clause_head);
        let more = self.b.ins().icmp(IntCC::UnsignedLessThan, ci, cend);
        let compare = self.b.create_block();
        let missed = self.b.create_block();
        self.b.ins().brif(more, compare, &[], missed, &[]);
        self.b.switch_to_block(compare);
        let offset = self.b.ins().uextend(I64, ci);
        let offset = self.b.ins().ishl_imm_u(offset, 3);
        let at = self.b.ins().iadd(ctags, offset);
        let candidate = self.ld(I64, at, 0);
        let hit = self.b.ins().icmp(IntCC::Equal, candidate, tag);
        let next = self.b.ins().iadd_imm_s(ci, 1);
        let again = [cr, csteps, ctags, cend, next].map(BlockArg::from);
        (self.b.ins()).brif(hit, found, &[cr.into(), ci.into()], clause_head, &again);

        // Not here: the skip entry when it holds for the tag, else up.
        self.b.switch_to_block(missed);
        let entry_epoch = self.ld(I64, cr, rec::SKIP_EPOCH);
        let epoch = self.ld(I64, chain, StackChain::EPOCH);
        let covered = self.ld(I64, cr, rec::SKIP_MASK);
        let one = self.b.ins().iconst(I64, 1);
        let bit = self.b.ins().ishl(one, tag);
        let covered = self.b.ins().band(covered, bit);
        let current = self.b.ins().icmp(IntCC::Equal, entry_epoch, epoch);
        let uncovered = self.b.ins().icmp_imm_u(IntCC::Equal, covered, 0);
        let jumps = self.b.ins().band(current, uncovered);
        let jump = self.b.create_block();
        let parent = self.b.create_block();
        self.b.ins().brif(jumps, jump, &[], parent, &[]);
        self.b.switch_to_block(jump);
        let to = self.ld(I64, cr, rec::SKIP_TO);
        self.b.ins().jump(record_head, &[to.into(), csteps.into()]);
        self.b.switch_to_block(parent);
        let walked = self.b.ins().iadd_imm_s(csteps, 1);
        let near = (self.b.ins()).icmp_imm_u(IntCC::UnsignedLessThanOrEqual, walked, INLINE_WALK);
        self.guard(near, slow);
        let up = self.ld(I64, cr, rec::PARENT);
        self.b.ins().jump(record_head, &[up.into(), walked.into()]);

        self.b.switch_to_block(found);
        ((prompt, clause), first)
    }

    /// One record `r` (after `steps` parent links) of a handler search:
    /// the mark ends the search (slow); the first clause of its `kind`
    /// takes one compare (for suspend clauses at a constant offset), the
    /// rest go to the clause loop. With `hit_apart`, a hit there goes to a
    /// block of its own, returned empty with (prompt, clause).
    fn search_record(
        &mut self,
        search: &Search,
        r: Value,
        steps: Value,
        hit_apart: bool,
    ) -> Option<FirstHit> {
        // No null check: the walk meets the mark (null for the host) before
        // it could pass the chain's end, and skip entries end at the mark
        // too (fibre's skip.rs).
        let at_mark = self.b.ins().icmp(IntCC::Equal, r, search.mark);
        let inside = self.b.create_block();
        self.b.ins().brif(at_mark, search.slow, &[], inside, &[]);
        self.b.switch_to_block(inside);
        let tags = self.ld(I64, r, rec::HANDLER_TAGS);
        let first_switch = self.ld(I32, r, rec::HANDLER_FIRST_SWITCH);
        let (start, end) = match search.kind {
            Clauses::Suspend => (self.b.ins().iconst(I32, 0), first_switch),
            Clauses::Switch => (first_switch, self.ld(I32, r, rec::HANDLER_LEN)),
        };
        let any = self.b.ins().icmp(IntCC::UnsignedLessThan, start, end);
        let first = self.b.create_block();
        let none = self.b.create_block();
        self.b.ins().brif(any, first, &[], none, &[]);
        self.b.switch_to_block(none);
        let begin = [r, steps, tags, end, start].map(BlockArg::from);
        self.b.ins().jump(search.clause_head, &begin);
        self.b.switch_to_block(first);
        let candidate = match search.kind {
            Clauses::Suspend => self.ld(I64, tags, 0),
            Clauses::Switch => {
                let offset = self.b.ins().uextend(I64, start);
                let offset = self.b.ins().ishl_imm_u(offset, 3);
                let at = self.b.ins().iadd(tags, offset);
                self.ld(I64, at, 0)
            }
        };
        let hit = self.b.ins().icmp(IntCC::Equal, candidate, search.tag);
        // Branch arguments in blocks of their own, made on their path.
        let first_hit = self.b.create_block();
        let first_missed = self.b.create_block();
        self.b.ins().brif(hit, first_hit, &[], first_missed, &[]);
        if !hit_apart {
            self.b.switch_to_block(first_hit);
            self.b.ins().jump(search.found, &[r.into(), start.into()]);
        }
        self.b.switch_to_block(first_missed);
        let second = self.b.ins().iadd_imm_s(start, 1);
        let rest = [r, steps, tags, end, second].map(BlockArg::from);
        self.b.ins().jump(search.clause_head, &rest);
        hit_apart.then_some(FirstHit {
            block: first_hit,
            prompt: r,
            clause: start,
        })
    }

    /// The raw handle of `record` now: its key, unless its revision
    /// reached `RETIRED` and its index must be retired first (a call;
    /// fibre's table.rs).
    pub(super) fn make_handle(&mut self, record: Value) -> Value {
        let key = self.ld(I64, record, rec::KEY);
        let ok = (self.b.ins()).icmp_imm_u(IntCC::UnsignedLessThan, key, KEY_RETIRED);
        let call = self.b.create_block();
        let merge = self.b.create_block();
        let handle = self.b.append_block_param(merge, I64);
        self.b.ins().brif(ok, merge, &[key.into()], call, &[]);
        self.b.switch_to_block(call);
        self.b.set_cold_block(call);
        let made = (self.libcall(Libcall::ContHandle, &[record])).unwrap_or(key);
        self.b.ins().trapz(made, traps::STORED_TRAP);
        self.b.ins().jump(merge, &[made.into()]);
        self.b.switch_to_block(merge);
        handle
    }
}
