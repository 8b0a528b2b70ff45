//! Stack-switching ops: moving [`ExecStack`]s between the executor and
//! continuation records (see `crate::cont` for the chain picture).
//!
//! ```text
//!   resume k      the running stack ─▶ new Link (with the resume's site);
//!                 k's stack (and the Links captured inside k) ─▶ running
//!   suspend t     innermost Link i whose site has (on t $l): the running
//!                 stack + Links after i ─▶ record of Link i; Link i's parent
//!                 runs at $l with | payload | contref |
//!   switch k t    innermost Link i with (on t switch): like suspend, but k
//!                 takes Link i's place and receives | args | contref |
//!   return        the running stack ─▶ pool; the last Link's parent gets
//!                 the results after its resume
//!   throw         unwinds the running stack; uncaught, it drops that stack
//!                 and goes on at its resumer's resume instruction
//! ```
//! Every transfer is O(values moved + links moved): no Rust recursion, no
//! native stack switch. The moves themselves are in `cont_transfer.rs`.

use super::cont_transfer::{Entry, load_regs, regs_of, site_of, split};
use super::native::NativeKind;
use super::{Executor, Resumption, State};
use crate::cont::site::tag_bit;
use crate::cont::{Captured, ContTable, Start};
use crate::op::Op;
use wasmfx_core::{ExnAddr, FuncAddr, TagAddr, Trap};

impl Executor<'_> {
    /// Runs the stack-switching `op` whose operands are below `state.sp`.
    pub(super) fn cont_op(&mut self, state: &mut State, op: Op) -> Result<(), Trap> {
        match op {
            Op::ContNew => self.cont_new(state),
            Op::ContBind(n) => self.cont_bind(state, n as usize),
            Op::Suspend(tag) => self.suspend(state, tag, 0),
            Op::Resume(site) => self.resume(state, site),
            Op::ResumeThrow(site) | Op::ResumeThrowRef(site) => {
                self.resume_throw(state, site, matches!(op, Op::ResumeThrowRef(_)))
            }
            Op::Switch(site) => self.switch(state, site),
            _ => Err(Trap::Host(format!("not a stack-switching op: {op:?}"))),
        }
    }

    fn cont_new(&mut self, state: &mut State) -> Result<(), Trap> {
        let top = state.sp - 1;
        let func = match self.stack.values[top] {
            0 => return Err(Trap::NullFunctionReference),
            raw => FuncAddr((raw - 1) as u32),
        };
        self.collect_if_due();
        self.stack.values[top] = self.interp.conts.create(&mut self.store.conts, func)?;
        Ok(())
    }

    fn cont_bind(&mut self, state: &mut State, n: usize) -> Result<(), Trap> {
        let top = state.sp - 1;
        let index = self
            .interp
            .conts
            .consume(&mut self.store.conts, self.stack.values[top])?;
        self.interp.conts.bind(
            &mut self.store.conts,
            index,
            &self.stack.values[top - n..top],
        )?;
        self.stack.values[top - n] = self.interp.conts.handle(&mut self.store.conts, index)?;
        state.sp = top - n + 1;
        Ok(())
    }

    /// `suspend` to `tag`, its payload on top of the stack. `native`: the
    /// native continuation the suspended frame waits in (`Regs::native`:
    /// a raw handle, or 0), which takes the values it is resumed with
    /// (`native.rs`).
    pub(super) fn suspend(
        &mut self,
        state: &mut State,
        tag: TagAddr,
        native: u64,
    ) -> Result<(), Trap> {
        let n = self.store.tags[tag.0 as usize].sig.params.len();
        let found =
            (self.chain).rfind(tag_bit(tag), |link| site_of(link).ok()?.suspend_target(tag));
        let Some((i, (target, height))) = found else {
            return match self.mode.suspends_out {
                true => self.suspend_outward(state, tag, state.sp, n, None, native),
                false => Err(Trap::UnhandledTag(tag)),
            };
        };
        let payload_end = state.sp;
        let mut top = regs_of(state, payload_end - n);
        top.native = native;
        let links = self.links_inside(i);
        let Some(link) = self.chain.pop() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let mut captured = link.parent;
        std::mem::swap(self.stack, &mut captured);
        let at = link.regs.base as usize + height as usize;
        self.stack
            .reserve(at + n + 1, self.interp.config.max_value_stack)?;
        self.stack.values[at..at + n]
            .copy_from_slice(&captured.values[payload_end - n..payload_end]);
        let body = Captured {
            stack: captured,
            top,
            links,
        };
        self.stack.values[at + n] =
            self.interp
                .conts
                .park(&mut self.store.conts, link.record, body)?;
        load_regs(state, link.regs);
        state.pc = target as usize;
        state.sp = at + n + 1;
        Ok(())
    }

    fn resume(&mut self, state: &mut State, site: u32) -> Result<(), Trap> {
        let (n, _) = self.site(state, site)?;
        self.check_chain_depth()?;
        let top = state.sp - 1;
        let index = self
            .interp
            .conts
            .consume(&mut self.store.conts, self.stack.values[top])?;
        if self.runs_natively(index)? {
            let args = self.stack.values[top - n..top].to_vec();
            state.sp = top - n;
            let kind = NativeKind::Resume(site);
            return self.native_resume(state, kind, index, Resumption::Values(&args));
        }
        let mut args = std::mem::take(&mut self.interp.conts.scratch);
        args.clear();
        let func = ContTable::func(&self.store.conts, index);
        let start = self
            .interp
            .conts
            .start(&mut self.store.conts, index, &mut args);
        args.extend_from_slice(&self.stack.values[top - n..top]);
        let outcome = start.and_then(|start| {
            let (mut stack, entry, links) = split(start, &mut self.interp.conts);
            if matches!(entry, Entry::Suspended(_)) {
                stack.resumptions = stack.resumptions.saturating_add(1);
                if let (crate::LONG_LIVED_AFTER, Ok(func)) = (stack.resumptions, func) {
                    self.tiering.long_lived(func);
                }
            }
            let regs = regs_of(state, top - n);
            self.push_link(stack, regs, site, index, links);
            self.enter_cont(state, entry, &args)
        });
        self.interp.conts.scratch = args;
        outcome
    }

    /// `resume_throw` (fields and tag from the site) or `resume_throw_ref`.
    fn resume_throw(&mut self, state: &mut State, site: u32, by_ref: bool) -> Result<(), Trap> {
        let (n, tag) = self.site(state, site)?;
        self.check_chain_depth()?;
        let top = state.sp - 1;
        let index = self
            .interp
            .conts
            .consume(&mut self.store.conts, self.stack.values[top])?;
        let fields = &self.stack.values[top - n..top];
        let exn = match (by_ref, tag) {
            (true, _) => match fields.first() {
                Some(&raw) if raw != 0 => ExnAddr((raw - 1) as u32),
                _ => {
                    self.interp.conts.release(&mut self.store.conts, index);
                    return Err(Trap::NullExceptionReference);
                }
            },
            (false, Some(tag)) => self.store.alloc_exn(tag, fields.into()),
            (false, None) => return Err(Trap::Host("resume_throw without a tag".into())),
        };
        if self.runs_natively(index)? {
            state.sp = top - n;
            let kind = NativeKind::Resume(site);
            return self.native_resume(state, kind, index, Resumption::Throw(exn));
        }
        let regs = regs_of(state, top - n);
        // Bound values are dropped: the continuation receives an exception.
        let mut bound = std::mem::take(&mut self.interp.conts.scratch);
        bound.clear();
        let start = self
            .interp
            .conts
            .start(&mut self.store.conts, index, &mut bound);
        self.interp.conts.scratch = bound;
        match start? {
            // Nothing of it has run: the exception leaves at once, at the
            // resume_throw itself.
            Start::Fresh(_) => {
                self.interp.conts.release(&mut self.store.conts, index);
                let pc = state.pc - 1;
                state.sp = top - n;
                self.throw_through_chain(state, exn, pc)
            }
            start => {
                let (stack, entry, links) = split(start, &mut self.interp.conts);
                self.push_link(stack, regs, site, index, links);
                let Entry::Suspended(top) = entry else {
                    return Err(Trap::Host("suspended continuation without frames".into()));
                };
                if top.native != 0 {
                    // Its top frame waits in a native continuation: the
                    // exception is raised in there.
                    let kind = super::native::kind_at(&top)?;
                    let native = ContTable::waited_in(&self.store.conts, top.native)?;
                    load_regs(state, top);
                    return self.native_resume(state, kind, native, Resumption::Throw(exn));
                }
                let pc = top.pc as usize - 1;
                load_regs(state, top);
                self.throw_through_chain(state, exn, pc)
            }
        }
    }

    fn switch(&mut self, state: &mut State, site: u32) -> Result<(), Trap> {
        let (n, tag) = self.site(state, site)?;
        let Some(tag) = tag else {
            return Err(Trap::Host("switch without a tag".into()));
        };
        self.switch_to_tag(state, tag, n, 0)
    }

    /// `switch` to `tag`'s handler, with the target continuation on top of
    /// the stack and its `n` arguments below. `native` as for
    /// [`Executor::suspend`]: a frame forwarding a native continuation's
    /// switch (`native.rs`) waits in it.
    pub(super) fn switch_to_tag(
        &mut self,
        state: &mut State,
        tag: TagAddr,
        n: usize,
        native: u64,
    ) -> Result<(), Trap> {
        let top = state.sp - 1;
        let index = self
            .interp
            .conts
            .consume(&mut self.store.conts, self.stack.values[top])?;
        let handler = (self.chain).rfind(tag_bit(tag), |link| {
            site_of(link)
                .is_ok_and(|s| s.handles_switch(tag))
                .then_some(())
        });
        let handler = handler.map(|(i, ())| i);
        let Some(i) = handler else {
            if self.mode.suspends_out {
                return self.suspend_outward(state, tag, top, n, Some(index), native);
            }
            self.interp.conts.release(&mut self.store.conts, index);
            return Err(Trap::UnhandledTag(tag));
        };
        if self.runs_natively(index)? {
            return self.switch_to_native(state, i, index, top, n, native);
        }
        let mut args = std::mem::take(&mut self.interp.conts.scratch);
        args.clear();
        let start = match self
            .interp
            .conts
            .start(&mut self.store.conts, index, &mut args)
        {
            Ok(start) => start,
            Err(trap) => {
                self.interp.conts.scratch = args;
                return Err(trap);
            }
        };
        args.extend_from_slice(&self.stack.values[top - n..top]);
        let mut current = regs_of(state, top - n);
        current.native = native;
        let captured_links = self.links_inside(i);
        let (stack, entry, links) = split(start, &mut self.interp.conts);
        let mut captured = stack;
        std::mem::swap(self.stack, &mut captured);
        let Some(link) = self.chain.last_mut() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let switcher = std::mem::replace(&mut link.record, index);
        let body = Captured {
            stack: captured,
            top: current,
            links: captured_links,
        };
        match self
            .interp
            .conts
            .park(&mut self.store.conts, switcher, body)
        {
            Ok(handle) => args.push(handle),
            Err(trap) => {
                self.interp.conts.scratch = args;
                return Err(trap);
            }
        }
        if let Some(links) = links {
            self.chain.extend(*links);
        }
        let outcome = self.enter_cont(state, entry, &args);
        self.interp.conts.scratch = args;
        outcome
    }

    /// `switch` to `index`, whose frames are native, handled by link `i`:
    /// the running continuation is captured (parked in link `i`'s record,
    /// as any switch does), and link `i`'s resumer resumes the target
    /// natively at its resume instruction, with the `n` arguments below
    /// `top` and the captured continuation. `native` as for
    /// [`Executor::switch_to_tag`].
    fn switch_to_native(
        &mut self,
        state: &mut State,
        i: usize,
        index: u32,
        top: usize,
        n: usize,
        native: u64,
    ) -> Result<(), Trap> {
        let mut args = self.stack.values[top - n..top].to_vec();
        let mut current = regs_of(state, top - n);
        current.native = native;
        let captured_links = self.links_inside(i);
        let Some(link) = self.chain.pop() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let mut captured = link.parent;
        std::mem::swap(self.stack, &mut captured);
        let body = Captured {
            stack: captured,
            top: current,
            links: captured_links,
        };
        let handle = self
            .interp
            .conts
            .park(&mut self.store.conts, link.record, body)?;
        args.push(handle);
        let site = link.site;
        load_regs(state, link.regs);
        let kind = NativeKind::Resume(site);
        self.native_resume(state, kind, index, Resumption::Values(&args))
    }
}
