//! The common stack switches, done where the op loop (`dispatch.rs`) meets
//! them, or a continuation's return where the frame loop (`frames.rs`)
//! does, without leaving to the executor loop: a `resume` of a
//! continuation the interpreter suspended or of a fresh one, a `suspend`
//! that some resume of the activation handles, a `switch` that the
//! innermost resume handles, `cont.new`, and the return. Everything else
//! goes the general way (`cont.rs`), for which this file declines before
//! it changes anything; a trap after a switch here (no room for values)
//! ends the call as one there would.
//!
//! ```text
//!   resume k   k parked here, no bound values, top frame not waiting in a
//!              native continuation, chain below the depth limit
//!                running stack ─▶ new Link; k's stack ─▶ running;
//!                arguments ─▶ k's top frame, which continues
//!              or k fresh, its function interpreted (tiered: without code,
//!              its budget not spent, not to be compiled at its start)
//!                running stack ─▶ new Link; a pooled stack runs k's
//!                function with | bound values | arguments |
//!   suspend t  the innermost link whose handler table has (on t $l)
//!                running stack and the links inside it ─▶ k's record
//!                (parked); the link's stack ─▶ running, at $l with
//!                | payload | contref |
//!   switch k t the innermost link's table has (on t switch), k as for
//!              resume: running stack ─▶ its record (parked); k runs under
//!              the link instead, with | arguments | contref |
//!   cont.new   no collection due: a fresh record, its handle on top
//!   return     from a continuation's function: its stack ─▶ the pool,
//!              its record released; the link's stack ─▶ running, after
//!              the resume with | results |
//! ```
//! They are the moves of `cont.rs` for these cases, made on the op loop's
//! borrowed parts of the running stack.

use super::dispatch::Regs as Running;
use super::frames::Frames;
use crate::cache::Callee;
use crate::code::Code;
use crate::cont::site::tag_bit;
use crate::cont::{Captured, ContTable, Link, Regs};
use crate::stack::{ExecStack, copy_slots, reserve_slots};
use std::rc::Rc;
use wasmfx_core::{FuncAddr, Store, TagAddr, Trap};

impl Frames<'_> {
    /// Exchanges the running stack with `other` (the three parts the
    /// frame loop borrows).
    fn swap_running(&mut self, other: &mut ExecStack) {
        std::mem::swap(self.values, &mut other.values);
        std::mem::swap(self.frames, &mut other.frames);
        std::mem::swap(self.resumptions, &mut other.resumptions);
    }

    /// The running frame's registers as it stops at the op before
    /// `regs.pc`, its operands below `sp`; `code` runs from now on.
    fn stop_running(&mut self, regs: &Running, sp: usize, code: Rc<Code>) -> Regs {
        Regs {
            code: std::mem::replace(self.current, code),
            pc: regs.pc as u32,
            sp: sp as u32,
            base: regs.base as u32,
            native: 0,
        }
    }

    /// Puts the resumer (its stack `parent` and registers) on the chain,
    /// under continuation `record`, which runs from now on.
    fn push_resumer(&mut self, parent: ExecStack, regs: Regs, site: u32, record: u32) {
        self.chain.push(Link {
            parent,
            regs,
            site,
            record,
        });
    }

    /// `cont.new` of the function reference on top of the stack, unless
    /// the continuation collector is due (which `cont.rs` runs first) or
    /// the reference is null (its trap too).
    ///
    /// # Errors
    /// When no record is left.
    #[inline(never)]
    pub(super) fn fast_cont_new(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
    ) -> Result<bool, Trap> {
        let top = regs.sp - 1;
        let raw = self.values[top];
        if raw == 0 || store.conts.wants_collection() {
            return Ok(false);
        }
        let func = FuncAddr((raw - 1) as u32);
        self.values[top] = self.interp.conts.create(&mut store.conts, func)?;
        Ok(true)
    }

    /// The running continuation's function returns (its frame is the
    /// stack's last, its results on top): its resumer continues after
    /// its resume with them, as `cont_returned` does. Only in the frame
    /// loop of an executor (whose chain it is), with a continuation running.
    ///
    /// # Errors
    /// A trap from reserving the resumer's value slots.
    pub(super) fn fast_return(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
    ) -> Result<(), Trap> {
        let n = self.current.num_results as usize;
        let results = regs.sp - n..regs.sp;
        let Some(link) = self.chain.pop() else {
            return Ok(());
        };
        let mut returned = link.parent;
        self.swap_running(&mut returned);
        *self.current = link.regs.code;
        let at = link.regs.sp as usize;
        regs.pc = link.regs.pc as usize;
        regs.sp = at + n;
        regs.base = link.regs.base as usize;
        self.chain_changed();
        reserve_slots(self.values, at + n, self.limit)?;
        copy_slots(&mut self.values[at..at + n], &returned.values[results]);
        self.interp.conts.recycle(returned);
        self.interp.conts.release(&mut store.conts, link.record);
        Ok(())
    }

    /// Runs `resume` (the op just before `regs.pc`) here when it is
    /// one of the cases above; false when it must go the general way
    /// (nothing changed then). Only for [`Frames::switches`].
    ///
    /// # Errors
    /// A trap from reserving value slots (the limit), after the switch.
    #[inline(never)]
    pub(super) fn fast_resume(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
        site: u32,
    ) -> Result<bool, Trap> {
        let Some(n) = self
            .current
            .cont_sites
            .get(site as usize)
            .map(|s| s.args as usize)
        else {
            return Ok(false);
        };
        if self.chain.len() >= self.interp.config.max_call_depth {
            return Ok(false);
        }
        let top = regs.sp - 1;
        let raw = self.values[top];
        let Some((index, captured)) = self.interp.conts.take_resumable(&mut store.conts, raw)
        else {
            return self.fast_start(store, regs, site, n);
        };
        let Captured {
            mut stack,
            top: resumed,
            links,
        } = captured;
        stack.resumptions = stack.resumptions.saturating_add(1);
        if stack.resumptions == crate::LONG_LIVED_AFTER
            && let Ok(func) = crate::cont::ContTable::func(&store.conts, index)
        {
            self.tiering.long_lived(func);
        }
        // The resumer's stack goes into the link; k's runs.
        self.swap_running(&mut stack);
        let link_regs = self.stop_running(regs, top - n, resumed.code);
        self.push_resumer(stack, link_regs, site, index);
        let args = match self.chain.last() {
            Some(link) => &link.parent.values[top - n..top],
            None => &[],
        };
        let at = resumed.sp as usize;
        let end = at + n;
        regs.pc = resumed.pc as usize;
        regs.sp = end;
        regs.base = resumed.base as usize;
        reserve_slots(self.values, end, self.limit)?;
        copy_slots(&mut self.values[at..end], args);
        if let Some(links) = links {
            self.chain.extend(*links);
        }
        self.chain_changed();
        Ok(true)
    }

    /// `resume` of a fresh continuation of an interpreted function, with
    /// the interpreter alone (no tiering to ask where it runs): a pooled
    /// stack runs the function with the bound values and the `n`
    /// arguments, as `cont.rs` does.
    #[inline(never)]
    fn fast_start(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
        site: u32,
        n: usize,
    ) -> Result<bool, Trap> {
        let top = regs.sp - 1;
        let raw = self.values[top];
        let Some(func) = ContTable::fresh_func(&store.conts, raw) else {
            return Ok(false);
        };
        // Alone, the interpreter runs every function. Tiered, it starts
        // here only a function that stays interpreted: one without code
        // whose tier-up budget is not spent (the start counts toward it,
        // as `Executor::runs_natively` counts it), and which is not to be
        // compiled before its first continuation starts (asked once per
        // function: then it is compiled now and starts natively, the
        // general way).
        // So does a compiled function whose continuations the tiering
        // runs as heap frames while native stacks are dear.
        let alone = self.tiering.interpreter_only();
        let code = match self.interp.codes.get(store, func) {
            Ok(Callee::Wasm(code)) => code,
            Ok(Callee::Hot(code) | Callee::Compiled(code)) if alone => code,
            Ok(Callee::Compiled(code)) if self.tiering.starts_as_heap_frames(func) => code,
            _ => return Ok(false),
        };
        if !alone && self.tiering.compile_at_start(store, func) {
            self.interp.codes.mark_compiled(func);
            return Ok(false);
        }
        let index = self.interp.conts.consume(&mut store.conts, raw)?;
        let mut args = std::mem::take(&mut self.interp.conts.scratch);
        args.clear();
        let started = self.interp.conts.start(&mut store.conts, index, &mut args);
        if let Err(trap) = started {
            self.interp.conts.scratch = args;
            return Err(trap);
        }
        args.extend_from_slice(&self.values[top - n..top]);
        // The resumer's stack goes into the link; a pooled one runs.
        let mut stack = self.interp.conts.stack();
        self.swap_running(&mut stack);
        let link_regs = self.stop_running(regs, top - n, code);
        self.push_resumer(stack, link_regs, site, index);
        self.chain_changed();
        let code = &**self.current;
        let (params, locals) = (args.len(), code.num_locals as usize);
        regs.pc = 0;
        regs.base = 0;
        regs.sp = locals;
        let reserved = reserve_slots(
            self.values,
            params.max(code.max_height as usize),
            self.limit,
        );
        if let Err(trap) = reserved {
            self.interp.conts.scratch = args;
            return Err(trap);
        }
        copy_slots(&mut self.values[..params], &args);
        if locals > params {
            self.values[params..locals].fill(0);
        }
        self.interp.conts.scratch = args;
        Ok(true)
    }

    /// Runs `switch` (the op just before `regs.pc`) here when it is
    /// one of the cases above; false when it must go the general way
    /// (nothing changed then). Only for [`Frames::switches`].
    ///
    /// # Errors
    /// A trap from reserving value slots (the limit), after the switch.
    #[inline(never)]
    pub(super) fn fast_switch(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
        site: u32,
    ) -> Result<bool, Trap> {
        let (n, tag) = match self.current.cont_sites.get(site as usize) {
            Some(s) => (s.args as usize, s.tag),
            None => return Ok(false),
        };
        let Some(link) = self.chain.last() else {
            return Ok(false);
        };
        let handles = |tag| {
            let site = link.regs.code.cont_sites.get(link.site as usize);
            site.is_some_and(|s| s.handles_switch(tag))
        };
        if !tag.is_some_and(handles) {
            return Ok(false);
        }
        let top = regs.sp - 1;
        let raw = self.values[top];
        let Some((index, captured)) = self.interp.conts.take_resumable(&mut store.conts, raw)
        else {
            return Ok(false);
        };
        let Captured {
            mut stack,
            top: resumed,
            links,
        } = captured;
        // The switcher's stack goes into its record; k runs under the link.
        let switcher = self.stop_running(regs, top - n, resumed.code);
        self.swap_running(&mut stack);
        let Some(link) = self.chain.last_mut() else {
            return Ok(false);
        };
        let record = std::mem::replace(&mut link.record, index);
        let at = resumed.sp as usize;
        let end = at + n + 1;
        regs.pc = resumed.pc as usize;
        regs.sp = end;
        regs.base = resumed.base as usize;
        reserve_slots(self.values, end, self.limit)?;
        copy_slots(&mut self.values[at..end - 1], &stack.values[top - n..top]);
        let body = Captured {
            stack,
            top: switcher,
            links: None,
        };
        self.values[end - 1] = self.interp.conts.park(&mut store.conts, record, body)?;
        if let Some(links) = links {
            self.chain.extend(*links);
        }
        self.chain_changed();
        Ok(true)
    }

    /// Runs `suspend` (the op just before `regs.pc`) here when it is
    /// one of the cases above; false when it must go the general way
    /// (nothing changed then). Only for [`Frames::switches`].
    ///
    /// # Errors
    /// A trap from reserving value slots (the limit), after the switch.
    #[inline(never)]
    pub(super) fn fast_suspend(
        &mut self,
        store: &mut Store,
        regs: &mut Running,
        tag: TagAddr,
    ) -> Result<bool, Trap> {
        // The innermost resume first: that is the common case.
        let innermost = (self.chain.last()).and_then(|link| suspend_target(link, tag));
        let found = match innermost {
            Some(found) => Some((self.chain.len() - 1, found)),
            None => (self.chain).rfind(tag_bit(tag), |link| suspend_target(link, tag)),
        };
        let (Some((i, (target, height))), Some(t)) = (found, store.tags.get(tag.0 as usize)) else {
            return Ok(false);
        };
        let n = t.sig.params.len();
        // The resumes nested inside the continuation go with it.
        let links = (i + 1 < self.chain.len()).then(|| Box::new(self.chain.split_off(i + 1)));
        let Some(link) = self.chain.pop() else {
            return Ok(false);
        };
        let payload_end = regs.sp;
        let suspended = self.stop_running(regs, payload_end - n, link.regs.code);
        // The continuation's stack goes into its record; the resumer's runs.
        let mut captured = link.parent;
        self.swap_running(&mut captured);
        let at = link.regs.base as usize + height as usize;
        regs.pc = target as usize;
        regs.sp = at + n + 1;
        regs.base = link.regs.base as usize;
        self.chain_changed();
        reserve_slots(self.values, at + n + 1, self.limit)?;
        copy_slots(
            &mut self.values[at..at + n],
            &captured.values[payload_end - n..payload_end],
        );
        let body = Captured {
            stack: captured,
            top: suspended,
            links,
        };
        self.values[at + n] = self
            .interp
            .conts
            .park(&mut store.conts, link.record, body)?;
        Ok(true)
    }
}

/// Where a suspend to `tag` lands in the resume `link` waits in: the
/// handler's pc and the height of its label, if its table handles `tag`.
fn suspend_target(link: &Link, tag: TagAddr) -> Option<(u32, u32)> {
    let site = link.regs.code.cont_sites.get(link.site as usize);
    site?.suspend_target(tag)
}
