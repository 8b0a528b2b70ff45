//! [`Code`]: one translated function (ops, handler table, frame shape) and
//! its `try_table` handlers.

use crate::cont::site::ContSite;
use crate::op::Op;
use wasmfx_core::{FuncAddr, InstanceId, TagAddr};

/// What a catch clause binds when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchKind {
    /// `catch $tag $l`: the payload.
    Tag(TagAddr),
    /// `catch_ref $tag $l`: the payload and the exnref.
    TagRef(TagAddr),
    /// `catch_all $l`: nothing.
    All,
    /// `catch_all_ref $l`: the exnref.
    AllRef,
}

/// One catch clause of a `try_table`, with its label resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatchClause {
    pub kind: CatchKind,
    /// pc of the label to branch to.
    pub target: u32,
    /// Slot offset from the frame base where the label's values start.
    pub height: u32,
}

/// The clauses of one `try_table`, covering the ops in `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handler {
    pub start: u32,
    pub end: u32,
    pub clauses: Box<[CatchClause]>,
}

/// A translated function.
///
/// Frame layout on the value stack (slots from the frame's `base`):
///
/// ```text
///   base                       base+num_locals            base+max_height
///   | params … | declared locals … | operand stack … (grows →) |
/// ```
#[derive(Debug)]
pub struct Code {
    /// Ends with [`Op::Return`]; every branch target is an index into it
    /// (checked by the translator; the dispatch loop fetches unchecked).
    pub ops: Box<[Op]>,
    /// `try_table` handlers, innermost first (nested ranges close inner first).
    pub handlers: Box<[Handler]>,
    /// Stack-switching instructions' operand counts and handler tables
    /// (indexed by `Op::Resume(site)` and its kin).
    pub cont_sites: Box<[ContSite]>,
    /// Names of instructions behind [`Op::Unsupported`].
    pub unsupported: Box<[Box<str>]>,
    pub num_params: u32,
    /// Params plus declared locals.
    pub num_locals: u32,
    pub num_results: u32,
    /// Locals plus the deepest operand stack: slots this frame may touch.
    pub max_height: u32,
    /// The instance whose segments `memory.init`/`table.init` read.
    pub instance: InstanceId,
    /// The function this is the code of (for backtraces).
    pub func: FuncAddr,
}

impl Code {
    /// The handlers covering `pc`, innermost first.
    pub fn handlers_at(&self, pc: u32) -> impl Iterator<Item = &Handler> {
        self.handlers
            .iter()
            .filter(move |h| h.start <= pc && pc < h.end)
    }
}
