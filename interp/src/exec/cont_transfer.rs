//! The stack moves behind the stack-switching ops (`cont.rs`): entering a
//! continuation, returning from one, unwinding an exception or a trap
//! through the chain.
//!
//! ```text
//!   push_link     running stack ─▶ Link.parent; continuation's stack ─▶ running
//!   enter_cont    arguments (bound ones first) ─▶ the continuation's entry:
//!                 a fresh function's params, or the suspended top frame's sp
//!   cont_returned results ─▶ resumer's sp; stack ─▶ pool; record released
//!   throw_through_chain / unwind_chain   the same release, for exceptions
//!                 (which go on at the resume) and traps (which end the call)
//! ```

use super::calls::call_host;
use super::{Executor, State};
use crate::cache::Callee;
use crate::cont::site::ContSite;
use crate::cont::{Captured, CapturedLinks, ContTable, Link, Regs, Start};
use crate::stack::{ExecStack, Frame};
use wasmfx_core::{ExnAddr, FuncAddr, TagAddr, Trap};

/// Where a continuation starts running.
pub(super) enum Entry {
    Fresh(FuncAddr),
    Suspended(Regs),
}

impl Executor<'_> {
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
        self.stack
            .reserve(end, self.interp.config.max_value_stack)?;
        self.stack.values[at..end].copy_from_slice(&returned.values[results]);
        self.interp.conts.recycle(returned);
        self.interp
            .conts
            .release(&mut self.store.conts, link.record);
        load_regs(state, link.regs);
        state.sp = end;
        Ok(())
    }

    /// Drops the running continuation (it threw or trapped out): its
    /// resumer's stack and registers are running again. Returns the pc just
    /// past the resumer's instruction, `None` when nothing was running.
    fn drop_innermost(&mut self, state: &mut State) -> Option<usize> {
        let link = self.chain.pop()?;
        let mut dead = link.parent;
        std::mem::swap(self.stack, &mut dead);
        self.interp.conts.recycle(dead);
        self.interp
            .conts
            .release(&mut self.store.conts, link.record);
        let pc = link.regs.pc as usize;
        load_regs(state, link.regs);
        Some(pc)
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
                    if let Some(resume_pc) = self.drop_innermost(state) {
                        at = resume_pc - 1;
                    }
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
            self.interp
                .conts
                .release(&mut self.store.conts, link.record);
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
            self.interp.conts.recycle(dead);
        }
    }

    /// Makes `stack` the running one; the current stack becomes the parent
    /// of a new link, followed by the `links` captured inside the continuation.
    pub(super) fn push_link(
        &mut self,
        stack: ExecStack,
        regs: Regs,
        site: u32,
        record: u32,
        links: CapturedLinks,
    ) {
        let mut parent = stack;
        std::mem::swap(self.stack, &mut parent);
        self.chain.push(Link {
            parent,
            regs,
            site,
            record,
        });
        if let Some(links) = links {
            self.chain.extend(*links);
        }
    }

    /// Starts or continues the continuation whose stack is running, passing
    /// `args` (its bound values first).
    pub(super) fn enter_cont(
        &mut self,
        state: &mut State,
        entry: Entry,
        args: &[u64],
    ) -> Result<(), Trap> {
        let limit = self.interp.config.max_value_stack;
        let total = args.len();
        match entry {
            Entry::Fresh(func) => {
                // Continuations run interpreted code (see `tiering.rs`).
                let callee = match self.interp.codes.get(self.store, func)? {
                    Callee::Hot(code) | Callee::Compiled(code) => Callee::Wasm(code),
                    callee => callee,
                };
                let room = match &callee {
                    Callee::Wasm(code) | Callee::Hot(code) | Callee::Compiled(code) => {
                        code.max_height as usize
                    }
                    Callee::Host => host_results(self, func),
                };
                self.stack.reserve(total.max(room), limit)?;
                self.stack.values[..total].copy_from_slice(args);
                state.base = 0;
                match callee {
                    Callee::Wasm(code) | Callee::Hot(code) | Callee::Compiled(code) => {
                        state.code = code;
                        self.enter(state)
                    }
                    Callee::Host => {
                        match call_host(self.store, None, func, &mut self.stack.values, total) {
                            Ok(sp) => {
                                state.sp = sp;
                                self.cont_returned(state)
                            }
                            Err(trap) => {
                                // No Wasm frame ran inside it: the resumer is
                                // the innermost frame of the backtrace.
                                self.drop_innermost(state);
                                Err(trap)
                            }
                        }
                    }
                }
            }
            Entry::Suspended(top) if top.native != 0 => {
                let kind = super::native::kind_at(&top)?;
                let index = ContTable::waited_in(&self.store.conts, top.native)?;
                load_regs(state, top);
                self.native_resume(state, kind, index, super::Resumption::Values(args))
            }
            Entry::Suspended(top) => {
                let at = top.sp as usize;
                self.stack.reserve(at + total, limit)?;
                self.stack.values[at..at + total].copy_from_slice(args);
                load_regs(state, top);
                state.sp = at + total;
                Ok(())
            }
        }
    }

    /// Takes the links after link `i` (the resumes nested inside the
    /// continuation that link `i` runs), outermost first.
    pub(super) fn links_inside(&mut self, i: usize) -> CapturedLinks {
        if i + 1 >= self.chain.len() {
            // The common case: the handler is the innermost resume.
            return None;
        }
        Some(Box::new(self.chain.split_off(i + 1)))
    }

    /// The operand count and tag of site `site` of the running function.
    pub(super) fn site(&self, state: &State, site: u32) -> Result<(usize, Option<TagAddr>), Trap> {
        state
            .code
            .cont_sites
            .get(site as usize)
            .map(|s| (s.args as usize, s.tag))
            .ok_or_else(|| Trap::Host(format!("no stack-switching site {site}")))
    }

    /// Nested resumes are bounded like calls.
    pub(super) fn check_chain_depth(&self) -> Result<(), Trap> {
        if self.chain.len() >= self.interp.config.max_call_depth {
            return Err(Trap::CallStackExhausted);
        }
        Ok(())
    }
}

/// The handler table of the instruction a link waits in.
pub(super) fn site_of(link: &Link) -> Result<&ContSite, Trap> {
    link.regs
        .code
        .cont_sites
        .get(link.site as usize)
        .ok_or_else(|| Trap::Host(format!("no stack-switching site {}", link.site)))
}

/// Splits where a continuation starts into its stack (a pooled one for a
/// fresh continuation), its entry and the links captured inside it.
pub(super) fn split(start: Start, conts: &mut ContTable) -> (ExecStack, Entry, CapturedLinks) {
    match start {
        Start::Fresh(func) => (conts.stack(), Entry::Fresh(func), None),
        Start::Suspended(Captured { stack, top, links }) => (stack, Entry::Suspended(top), links),
    }
}

fn host_results(executor: &Executor<'_>, func: FuncAddr) -> usize {
    executor
        .store
        .funcs
        .get(func.0 as usize)
        .map_or(0, |f| f.sig.results.len())
}

pub(super) fn regs_of(state: &State, sp: usize) -> Regs {
    Regs {
        code: state.code.clone(),
        pc: state.pc as u32,
        sp: sp as u32,
        base: state.base as u32,
        native: 0,
    }
}

pub(super) fn load_regs(state: &mut State, regs: Regs) {
    state.code = regs.code;
    state.pc = regs.pc as usize;
    state.sp = regs.sp as usize;
    state.base = regs.base as usize;
}
