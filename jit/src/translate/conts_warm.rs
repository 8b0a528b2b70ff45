//! Compiled `cont.new` and the release of a returned continuation on
//! warm records (fibre's table.rs, "Warm records"): the CLIF twins of
//! `ContTable::take_warm` and `ContTable::park_warm`, with the runtime
//! calls as their fallbacks.
//!
//! ```text
//!   new_warm          r = table.warm; r == 0 ─▶ cont_new call
//!                     table.warm = r.parent; warm_len -= 1; r.parent = 0
//!                     r.state = Fresh; r.func = f
//!                     compiled start for the type? r.context.ip = start,
//!                       r.func_ref = func_refs[f]   (cont_start.rs)
//!                     ─▶ r's handle, and r (after the call: read from the
//!                     table) for a resume that comes next (take_handle)
//!   release_returned  warm_len < MAX_WARM, payload inline (no spill), no
//!                     interpreter frames, revision + 1 < RETIRED, a stack
//!                     else ─▶ cont_release call
//!                     key += 2^32 (revision + 1); clause and handlers
//!                     cleared (state Returned, payload empty: already);
//!                     last_ancestor = r; context = {its frames' start - 8,
//!                     0, fibre_main};
//!                     entry = run_fibre; push on table.warm
//! ```

use super::FuncTranslator;
use super::conts_inline::{KEY_RETIRED, KEY_REVISION_ONE};
use crate::libcalls::Libcall;
use crate::traps;
use crate::vmruntime;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8, I32, I64};
use cranelift_codegen::ir::{FuncRef, InstBuilder, Value};
use wasmfx_fibre::{ContState, MAX_WARM, PAYLOAD_INLINE, offsets as rec, table_offsets as table};

impl FuncTranslator<'_, '_> {
    /// `cont.new` of the non-null raw funcref `func`: a warm record when
    /// the table has one (started by `start`, the compiled start of the
    /// continuation type, when there is one), else the runtime call;
    /// returns the raw handle.
    pub(super) fn new_warm(&mut self, func: Value, start: Option<FuncRef>) -> Value {
        let runtime = self.runtime_record();
        let header = self.ld(I64, runtime, vmruntime::CONTS);
        let record = self.ld(I64, header, table::WARM);
        let warm = self.b.create_block();
        let call = self.b.create_block();
        let done = self.b.create_block();
        let handle = self.b.append_block_param(done, I64);
        let made_record = self.b.append_block_param(done, I64);
        self.b.ins().brif(record, warm, &[], call, &[]);

        self.b.switch_to_block(warm);
        let next = self.ld(I64, record, rec::PARENT);
        self.st(next, header, table::WARM);
        let count = self.ld(I64, header, table::WARM_LEN);
        let count = self.b.ins().iadd_imm_s(count, -1);
        self.st(count, header, table::WARM_LEN);
        let null = self.b.ins().iconst(I64, 0);
        self.st(null, record, rec::PARENT);
        let fresh = self.b.ins().iconst(I32, ContState::Fresh as i64);
        self.st(fresh, record, rec::STATE);
        let addr = self.b.ins().iadd_imm_s(func, -1);
        let addr32 = self.b.ins().ireduce(I32, addr);
        self.st(addr32, record, rec::FUNC);
        if let Some(start) = start {
            // The context is at the stack's start (park); begin there.
            let ip = self.b.ins().func_addr(I64, start);
            self.st(ip, record, rec::CONTEXT + 16);
            let refs = self.ld(I64, runtime, vmruntime::FUNC_REFS);
            let at = self.b.ins().ishl_imm_u(addr, 3);
            let at = self.b.ins().iadd(refs, at);
            let func_ref = self.ld(I64, at, 0);
            self.st(func_ref, record, rec::FUNC_REF);
        }
        let made = self.make_handle(record);
        self.b.ins().jump(done, &[made.into(), record.into()]);

        self.b.switch_to_block(call);
        let made = (self.libcall(Libcall::ContNew, &[func])).unwrap_or(func);
        self.b.ins().trapz(made, traps::STORED_TRAP);
        let record = self.record_of_handle(made);
        self.b.ins().jump(done, &[made.into(), record.into()]);
        self.b.switch_to_block(done);
        self.just_made = Some((handle, made_record));
        handle
    }

    /// The record a handle the runtime just made names (its index is in
    /// the table: no check).
    fn record_of_handle(&mut self, raw: Value) -> Value {
        let runtime = self.runtime_record();
        let header = self.ld(I64, runtime, vmruntime::CONTS);
        let records = self.ld(I64, header, table::RECORDS);
        let low = self.b.ins().ireduce(I32, raw);
        let index = self.b.ins().iadd_imm_s(low, -1);
        let index = self.b.ins().uextend(I64, index);
        let at = self.b.ins().ishl_imm_u(index, 3);
        let at = self.b.ins().iadd(records, at);
        self.ld(I64, at, 0)
    }

    /// Releases `record`, whose function returned to an inline resume:
    /// parks it warm when it qualifies, else calls out (see the module doc).
    pub(super) fn release_returned(&mut self, record: Value) {
        let runtime = self.runtime_record();
        let header = self.ld(I64, runtime, vmruntime::CONTS);
        let count = self.ld(I64, header, table::WARM_LEN);
        let cap = self.ld(I32, record, rec::PAYLOAD_CAP);
        let interp = self.ld(I64, record, rec::INTERP);
        // Revision + 1 below RETIRED: the key below KEY_RETIRED less one
        // revision (the key one revision on may carry out).
        let key = self.ld(I64, record, rec::KEY);
        let bumped = self.b.ins().iadd_imm_s(key, KEY_REVISION_ONE);
        let base = self.ld(I64, record, rec::STACK_BASE);
        let tests = [
            (count, IntCC::UnsignedLessThan, MAX_WARM as i64),
            (cap, IntCC::Equal, PAYLOAD_INLINE as i64),
            (interp, IntCC::Equal, 0),
            (key, IntCC::UnsignedLessThan, KEY_RETIRED - KEY_REVISION_ONE),
            (base, IntCC::NotEqual, 0),
        ];
        let park = self.b.create_block();
        let call = self.b.create_block();
        let done = self.b.create_block();
        // One compare and branch each (cheaper than combining the flags).
        for (value, cc, imm) in tests {
            let holds = self.b.ins().icmp_imm_u(cc, value, imm);
            let next = self.b.create_block();
            self.b.ins().brif(holds, next, &[], call, &[]);
            self.b.switch_to_block(next);
        }
        self.b.ins().jump(park, &[]);

        // Reset as ContRecord::reset_warm (the link as the return's detach
        // left it; the state already Returned and the payload empty: the
        // return and the resume's read of the results did that), then push.
        self.b.switch_to_block(park);
        self.st(bumped, record, rec::KEY);
        let zero32 = self.b.ins().iconst(I32, 0);
        self.st(zero32, record, rec::CLAUSE);
        let zero = self.b.ins().iconst(I64, 0);
        self.st(zero, record, rec::HANDLER_TAGS);
        self.st(zero, record, rec::HANDLER_LEN);
        self.st(zero, record, rec::SKIP_EPOCH);
        let zero8 = self.b.ins().iconst(I8, 0);
        self.st(zero8, record, rec::CROSSED);
        self.st(record, record, rec::LAST_ANCESTOR);
        // Where the record's frames start (fibre's `start_sp` of its top,
        // kept in the record), as `restart` does.
        let start = self.ld(I64, record, rec::STACK_START);
        let sp = self.b.ins().iadd_imm_s(start, -8);
        self.st(zero, sp, 0);
        self.st(sp, record, rec::CONTEXT);
        self.st(zero, record, rec::CONTEXT + 8);
        let start = wasmfx_fibre::native::start_address() as i64;
        let start = self.b.ins().iconst(I64, start);
        self.st(start, record, rec::CONTEXT + 16);
        let entry = crate::libcalls::run_fibre_entry() as usize as i64;
        let entry = self.b.ins().iconst(I64, entry);
        self.st(entry, record, rec::ENTRY);
        let first = self.ld(I64, header, table::WARM);
        self.st(first, record, rec::PARENT);
        self.st(record, header, table::WARM);
        let count = self.b.ins().iadd_imm_s(count, 1);
        self.st(count, header, table::WARM_LEN);
        self.b.ins().jump(done, &[]);

        self.b.switch_to_block(call);
        self.libcall(Libcall::ContRelease, &[record]);
        self.b.ins().jump(done, &[]);
        self.b.switch_to_block(done);
    }
}
