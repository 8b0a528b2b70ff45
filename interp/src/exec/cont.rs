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
//! native stack switch.

use super::calls::call_host;
use super::{Executor, State};
use crate::cache::Callee;
use crate::cont::site::ContSite;
use crate::cont::{Body, ContTable, Link, Regs};
use crate::op::Op;
use crate::stack::{ExecStack, Frame};
use wasmfx_core::{ExnAddr, FuncAddr, TagAddr, Trap};

/// Where a continuation starts running.
enum Entry {
    Fresh(FuncAddr),
    Suspended(Regs),
}

impl Executor<'_> {
    /// Runs the stack-switching `op` whose operands are below `state.sp`.
    pub(super) fn cont_op(&mut self, state: &mut State, op: Op) -> Result<(), Trap> {
        match op {
            Op::ContNew => self.cont_new(state),
            Op::ContBind(n) => self.cont_bind(state, n as usize),
            Op::Suspend(tag) => self.suspend(state, tag),
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
        let bound = Vec::new();
        self.stack.values[top] = self.conts.create(Body::Fresh { func, bound })?;
        Ok(())
    }

    fn cont_bind(&mut self, state: &mut State, n: usize) -> Result<(), Trap> {
        let top = state.sp - 1;
        let index = self.conts.consume(self.stack.values[top])?;
        self.conts.bind(index, &self.stack.values[top - n..top]);
        self.stack.values[top - n] = self.conts.handle(index);
        state.sp = top - n + 1;
        Ok(())
    }

    fn suspend(&mut self, state: &mut State, tag: TagAddr) -> Result<(), Trap> {
        let n = self.store.tags[tag.0 as usize].sig.params.len();
        let found = self.chain.iter().enumerate().rev().find_map(|(i, link)| {
            let site = site_of(link).ok()?;
            site.suspend_target(tag).map(|target| (i, target))
        });
        let Some((i, (target, height))) = found else {
            return Err(Trap::UnhandledTag(tag));
        };
        let payload_end = state.sp;
        let top = regs_of(state, payload_end - n);
        let links: Vec<Link> = self.chain.drain(i + 1..).collect();
        let Some(link) = self.chain.pop() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let mut captured = link.parent;
        std::mem::swap(self.stack, &mut captured);
        let at = link.regs.base as usize + height as usize;
        self.stack
            .reserve(at + n + 1, self.config.max_value_stack)?;
        self.stack.values[at..at + n]
            .copy_from_slice(&captured.values[payload_end - n..payload_end]);
        let body = Body::Suspended {
            stack: captured,
            top,
            links,
            bound: Vec::new(),
        };
        self.stack.values[at + n] = self.conts.park(link.record, body);
        load_regs(state, link.regs);
        state.pc = target as usize;
        state.sp = at + n + 1;
        Ok(())
    }

    fn resume(&mut self, state: &mut State, site: u32) -> Result<(), Trap> {
        let n = self.site(state, site)?.args as usize;
        self.check_chain_depth()?;
        let top = state.sp - 1;
        let index = self.conts.consume(self.stack.values[top])?;
        let body = self.conts.take(index)?;
        let mut args = std::mem::take(&mut self.conts.scratch);
        args.clear();
        args.extend_from_slice(&self.stack.values[top - n..top]);
        let (stack, entry, links, bound) = split(body, self.conts);
        let regs = regs_of(state, top - n);
        self.push_link(stack, regs, site, index, links);
        let outcome = self.enter_cont(state, entry, &bound, &args);
        self.conts.scratch = args;
        outcome
    }

    /// `resume_throw` (fields and tag from the site) or `resume_throw_ref`.
    fn resume_throw(&mut self, state: &mut State, site: u32, by_ref: bool) -> Result<(), Trap> {
        let info = self.site(state, site)?;
        let (n, tag) = (info.args as usize, info.tag);
        self.check_chain_depth()?;
        let top = state.sp - 1;
        let index = self.conts.consume(self.stack.values[top])?;
        let fields = &self.stack.values[top - n..top];
        let exn = match (by_ref, tag) {
            (true, _) => match fields.first() {
                Some(&raw) if raw != 0 => ExnAddr((raw - 1) as u32),
                _ => {
                    self.conts.release(index);
                    return Err(Trap::NullExceptionReference);
                }
            },
            (false, Some(tag)) => self.store.alloc_exn(tag, fields.into()),
            (false, None) => return Err(Trap::Host("resume_throw without a tag".into())),
        };
        let regs = regs_of(state, top - n);
        match self.conts.take(index)? {
            // Nothing of it has run: the exception leaves at once, at the
            // resume_throw itself.
            Body::Fresh { .. } => {
                self.conts.release(index);
                let pc = state.pc - 1;
                state.sp = top - n;
                self.throw_through_chain(state, exn, pc)
            }
            body => {
                let (stack, entry, links, _bound) = split(body, self.conts);
                self.push_link(stack, regs, site, index, links);
                let Entry::Suspended(top) = entry else {
                    return Err(Trap::Host("suspended continuation without frames".into()));
                };
                let pc = top.pc as usize - 1;
                load_regs(state, top);
                self.throw_through_chain(state, exn, pc)
            }
        }
    }

    fn switch(&mut self, state: &mut State, site: u32) -> Result<(), Trap> {
        let info = self.site(state, site)?;
        let n = info.args as usize;
        let Some(tag) = info.tag else {
            return Err(Trap::Host("switch without a tag".into()));
        };
        let top = state.sp - 1;
        let index = self.conts.consume(self.stack.values[top])?;
        let handler = self
            .chain
            .iter()
            .rposition(|link| site_of(link).is_ok_and(|s| s.handles_switch(tag)));
        let Some(i) = handler else {
            self.conts.release(index);
            return Err(Trap::UnhandledTag(tag));
        };
        let body = self.conts.take(index)?;
        let mut args = std::mem::take(&mut self.conts.scratch);
        args.clear();
        args.extend_from_slice(&self.stack.values[top - n..top]);
        let current = regs_of(state, top - n);
        let captured_links: Vec<Link> = self.chain.drain(i + 1..).collect();
        let (stack, entry, links, bound) = split(body, self.conts);
        let mut captured = stack;
        std::mem::swap(self.stack, &mut captured);
        let Some(link) = self.chain.last_mut() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let switcher = std::mem::replace(&mut link.record, index);
        let body = Body::Suspended {
            stack: captured,
            top: current,
            links: captured_links,
            bound: Vec::new(),
        };
        args.push(self.conts.park(switcher, body));
        self.chain.extend(links);
        let outcome = self.enter_cont(state, entry, &bound, &args);
        self.conts.scratch = args;
        outcome
    }

    /// The running continuation returned (results at `state.base..sp`):
    /// its resumer continues after its resume with them.
    pub(super) fn cont_returned(&mut self, state: &mut State) -> Result<(), Trap> {
        let Some(link) = self.chain.pop() else {
            return Err(Trap::Host("continuation chain is empty".into()));
        };
        let results = state.base..state.sp;
        let mut returned = link.parent;
        std::mem::swap(self.stack, &mut returned);
        let at = link.regs.sp as usize;
        let end = at + results.len();
        self.stack.reserve(end, self.config.max_value_stack)?;
        self.stack.values[at..end].copy_from_slice(&returned.values[results]);
        self.conts.recycle(returned);
        self.conts.release(link.record);
        load_regs(state, link.regs);
        state.sp = end;
        Ok(())
    }

    /// Unwinds `exn` from `pc`; a continuation that does not catch it is
    /// dropped and the exception goes on at its resumer's instruction.
    ///
    /// # Errors
    /// [`Trap::UncaughtException`] when the root does not catch it either.
    pub(super) fn throw_through_chain(
        &mut self,
        state: &mut State,
        exn: ExnAddr,
        pc: usize,
    ) -> Result<(), Trap> {
        let mut at = pc;
        loop {
            let depth = if self.chain.is_empty() {
                self.entry_depth
            } else {
                0
            };
            match self.throw(state, exn, at, depth) {
                Err(Trap::UncaughtException(_)) if !self.chain.is_empty() => {
                    let Some(link) = self.chain.pop() else {
                        continue;
                    };
                    let mut dead = link.parent;
                    std::mem::swap(self.stack, &mut dead);
                    self.conts.recycle(dead);
                    self.conts.release(link.record);
                    at = link.regs.pc as usize - 1;
                    load_regs(state, link.regs);
                }
                outcome => return outcome,
            }
        }
    }

    /// After a trap: releases every running continuation and puts the root
    /// stack back in place, holding the frames of the whole chain (outermost
    /// first, each resumer at its resume instruction) for the backtrace.
    pub(super) fn unwind_chain(&mut self) {
        let links = std::mem::take(&mut self.chain);
        let mut frames = Vec::new();
        let mut stacks = Vec::with_capacity(links.len());
        for link in links {
            let mut parent = link.parent;
            frames.append(&mut parent.frames);
            frames.push(Frame {
                code: link.regs.code,
                pc: link.regs.pc,
                base: link.regs.base,
            });
            self.conts.release(link.record);
            stacks.push(parent);
        }
        let mut stacks = stacks.into_iter();
        let Some(mut root) = stacks.next() else {
            return;
        };
        frames.append(&mut self.stack.frames);
        std::mem::swap(self.stack, &mut root);
        self.stack.frames = frames;
        // `root` now holds the innermost continuation's stack.
        for dead in std::iter::once(root).chain(stacks) {
            self.conts.recycle(dead);
        }
    }

    /// Makes `stack` the running one; the current stack becomes the parent
    /// of a new link, followed by the `links` captured inside the continuation.
    fn push_link(
        &mut self,
        stack: ExecStack,
        regs: Regs,
        site: u32,
        record: u32,
        links: Vec<Link>,
    ) {
        let mut parent = stack;
        std::mem::swap(self.stack, &mut parent);
        self.chain.push(Link {
            parent,
            regs,
            site,
            record,
        });
        self.chain.extend(links);
    }

    /// Starts or continues the continuation whose stack is running, passing
    /// `bound` then `args`.
    fn enter_cont(
        &mut self,
        state: &mut State,
        entry: Entry,
        bound: &[u64],
        args: &[u64],
    ) -> Result<(), Trap> {
        let limit = self.config.max_value_stack;
        let total = bound.len() + args.len();
        match entry {
            Entry::Fresh(func) => {
                let callee = self.codes.get(self.store, func)?;
                let room = match &callee {
                    Callee::Wasm(code) => code.max_height as usize,
                    Callee::Host => host_results(self, func),
                };
                self.stack.reserve(total.max(room), limit)?;
                write_args(&mut self.stack.values, 0, bound, args);
                state.base = 0;
                match callee {
                    Callee::Wasm(code) => {
                        state.code = code;
                        self.enter(state)
                    }
                    Callee::Host => {
                        state.sp =
                            call_host(self.store, None, func, &mut self.stack.values, total)?;
                        self.cont_returned(state)
                    }
                }
            }
            Entry::Suspended(top) => {
                let at = top.sp as usize;
                self.stack.reserve(at + total, limit)?;
                write_args(&mut self.stack.values, at, bound, args);
                load_regs(state, top);
                state.sp = at + total;
                Ok(())
            }
        }
    }

    fn site(&self, state: &State, site: u32) -> Result<ContSite, Trap> {
        state
            .code
            .cont_sites
            .get(site as usize)
            .cloned()
            .ok_or_else(|| Trap::Host(format!("no stack-switching site {site}")))
    }

    /// Nested resumes are bounded like calls.
    fn check_chain_depth(&self) -> Result<(), Trap> {
        if self.chain.len() >= self.config.max_call_depth {
            return Err(Trap::CallStackExhausted);
        }
        Ok(())
    }
}

/// The handler table of the instruction a link waits in.
fn site_of(link: &Link) -> Result<&ContSite, Trap> {
    link.regs
        .code
        .cont_sites
        .get(link.site as usize)
        .ok_or_else(|| Trap::Host(format!("no stack-switching site {}", link.site)))
}

/// Splits a body into its stack (a pooled one for a fresh continuation),
/// where it starts, the links captured inside it and its bound arguments.
fn split(body: Body, conts: &mut ContTable) -> (ExecStack, Entry, Vec<Link>, Vec<u64>) {
    match body {
        Body::Fresh { func, bound } => (conts.stack(), Entry::Fresh(func), Vec::new(), bound),
        Body::Suspended {
            stack,
            top,
            links,
            bound,
        } => (stack, Entry::Suspended(top), links, bound),
    }
}

fn write_args(values: &mut [u64], at: usize, bound: &[u64], args: &[u64]) {
    values[at..at + bound.len()].copy_from_slice(bound);
    let at = at + bound.len();
    values[at..at + args.len()].copy_from_slice(args);
}

fn host_results(executor: &Executor<'_>, func: FuncAddr) -> usize {
    executor
        .store
        .funcs
        .get(func.0 as usize)
        .map_or(0, |f| f.sig.results.len())
}

fn regs_of(state: &State, sp: usize) -> Regs {
    Regs {
        code: state.code.clone(),
        pc: state.pc as u32,
        sp: sp as u32,
        base: state.base as u32,
    }
}

fn load_regs(state: &mut State, regs: Regs) {
    state.code = regs.code;
    state.pc = regs.pc as usize;
    state.sp = regs.sp as usize;
    state.base = regs.base as usize;
}
