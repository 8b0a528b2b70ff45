//! Interruption checks (core's `store/interrupt.rs`), emitted at the
//! function's start and at every loop header when the store's limits ask
//! for them; code made without them has none.
//!
//! ```text
//!   state = runtime.interrupt                      (core's Interruption)
//!   fuel:  left = state.fuel - 1; state.fuel = left; due  = left < 0
//!   flag:                                            due |= state.interrupted != 0
//!   brif due, slow, on
//!   slow (cold): trap status = wasmfx_interrupt(vmctx); trapnz; jump on
//!   on: ...
//! ```

use super::FuncTranslator;
use crate::libcalls::Libcall;
use crate::vmruntime;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData};
use wasmfx_core::store::interrupt::{FUEL, INTERRUPTED};

impl FuncTranslator<'_, '_> {
    /// The check, if the module's code carries checks.
    pub(super) fn interrupt_check(&mut self) {
        let checks = self.env.interrupt;
        if !checks.any() {
            return;
        }
        let runtime = self.runtime_record();
        let state = self.load_readonly(runtime, vmruntime::INTERRUPT);
        let flags = MemFlagsData::trusted();
        let mut due = None;
        if checks.fuel {
            let fuel = self.b.ins().load(I64, flags, state, FUEL);
            let left = self.b.ins().iadd_imm_s(fuel, -1);
            self.b.ins().store(flags, left, state, FUEL);
            due = Some(self.b.ins().icmp_imm_s(IntCC::SignedLessThan, left, 0));
        }
        if checks.flag {
            let flag = self.b.ins().load(I32, flags, state, INTERRUPTED);
            let set = self.b.ins().icmp_imm_u(IntCC::NotEqual, flag, 0);
            due = Some(match due {
                Some(spent) => self.b.ins().bor(spent, set),
                None => set,
            });
        }
        let Some(due) = due else { return };
        let slow = self.b.create_block();
        let on = self.b.create_block();
        self.b.ins().brif(due, slow, &[], on, &[]);
        self.b.switch_to_block(slow);
        self.b.set_cold_block(slow);
        self.libcall_checked(Libcall::Interrupt, &[]);
        self.b.ins().jump(on, &[]);
        self.b.switch_to_block(on);
    }
}
