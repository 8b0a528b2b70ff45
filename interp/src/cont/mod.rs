//! The interpreter side of stack switching: its part of the continuation
//! records, the chain of resumers, and the stack pool.
//!
//! Records (revision, state, function, bound values) are the store's
//! `wasmfx_fibre::ContRecord`s, shared with compiled code (`Store::conts`).
//! What the interpreter adds is heap frames: a `Captured` (its own
//! [`ExecStack`] plus the registers of its top frame) kept by record index
//! while the record is `Parked`. Running it moves that `ExecStack` into the
//! executor (the resumer's goes into a `Link`); suspending moves it back.
//! No native stack switch and no Rust recursion happens.
//!
//! ```text
//!   executor.stack ── the running stack (innermost continuation, or the root)
//!   executor.chain ── [ Link 0 (root resumer) | Link 1 | … | Link n-1 ]  (in runs: chain.rs)
//!                        each: parent ExecStack, its registers at the resume,
//!                              the resume's handler table (site), the record
//!                              of the continuation running under it
//!
//!   suspend to the handler of Link i:
//!     record(Link i) ◀── running stack + registers + Links i+1..n-1  (captured)
//!     executor.stack ◀── Link i's parent, which continues at the handler label
//! ```
//!
//! `site.rs` holds what the translator resolved per instruction,
//! `table.rs` the records' interpreter side (one-shot handles through the
//! store's table, captured frames) and the stack pool.

mod chain;
pub mod site;
mod table;

pub(crate) use chain::LinkChain;
pub(crate) use table::{ContTable, Start};

use crate::code::Code;
use crate::stack::ExecStack;
use std::rc::Rc;

/// Registers of a frame that is not running.
#[derive(Debug, Clone)]
pub(crate) struct Regs {
    pub code: Rc<Code>,
    pub pc: u32,
    /// One past its top operand.
    pub sp: u32,
    pub base: u32,
    /// A continuation whose frames are native (compiled code suspended
    /// it) that this frame waits in, as a raw handle of its record (index
    /// and revision; 0: none). Nothing else names that record, so the
    /// collector finds it here, and resuming checks the revision. The
    /// frame's instruction (the op before pc: a resume, or a call) resumes
    /// that record with the values this frame receives (`exec/native.rs`).
    pub native: u64,
}

/// The heap frames of a continuation suspended by the interpreter: its
/// stack, the registers of its top frame (which receives the resume's
/// values at `top.sp`), and the links of resumes nested inside it,
/// outermost first.
#[derive(Debug)]
pub(crate) struct Captured {
    pub stack: ExecStack,
    pub top: Regs,
    pub links: CapturedLinks,
}

/// The links of resumes nested inside a captured continuation, outermost
/// first. Boxed: there rarely are any, and a parked continuation then
/// spends one word on them (it takes 96 bytes).
pub(crate) type CapturedLinks = Option<Box<LinkChain>>;

/// A resumer waiting in `resume` (or a `switch` target's handler): one
/// link of the chain of running continuations.
#[derive(Debug)]
pub(crate) struct Link {
    /// The resumer's stack, set aside while the continuation runs.
    pub parent: ExecStack,
    /// The resumer's registers: pc after its instruction, sp below the
    /// operands that instruction consumed.
    pub regs: Regs,
    /// Index of the instruction's [`site::ContSite`] in `regs.code`.
    pub site: u32,
    /// The record of the continuation running under this link.
    pub record: u32,
}

impl Link {
    /// The [`site::tag_bit`]s of its resume's handler table (all of them
    /// when the site is unknown).
    #[inline]
    pub fn tag_mask(&self) -> u64 {
        let sites = &self.regs.code.cont_sites;
        sites
            .get(self.site as usize)
            .map_or(u64::MAX, |site| site.mask)
    }
}
