//! [`ContSite`]: what the translator resolved for one stack-switching
//! instruction (`resume`, `resume_throw`, `resume_throw_ref`, `switch`):
//! operand counts and the handler table of a resume.
//!
//! ```text
//!   operand stack at the instruction        pushed when control comes back
//!   resume           | args … | contref |   continuation's results
//!   resume_throw     | tag fields … | contref |
//!   resume_throw_ref | exnref | contref |
//!   switch           | args … | contref |   values the next resume passes
//! ```
//! A handler label receives, at its height, the tag's payload and then the
//! new continuation: `| … label height | payload … | contref |`.

use wasmfx_core::TagAddr;

/// What a matching clause does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClauseKind {
    /// `(on $tag $label)`: branch to `target` with the values at `height`
    /// (slots from the frame base).
    Label { target: u32, height: u32 },
    /// `(on $tag switch)`: a `switch` to this tag runs its target here.
    Switch,
}

/// One clause of a resume's handler table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumeClause {
    pub tag: TagAddr,
    pub kind: ClauseKind,
}

/// A resolved stack-switching instruction (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContSite {
    /// Values below the contref that the instruction consumes.
    pub args: u32,
    /// The tag of `resume_throw` and `switch`.
    pub tag: Option<TagAddr>,
    /// The handler table (empty for `switch`), in source order.
    pub clauses: Box<[ResumeClause]>,
    /// The [`tag_bit`]s of the table's tags.
    pub mask: u64,
}

/// A tag's bit in the masks of handler tables (`chain.rs`).
pub fn tag_bit(tag: TagAddr) -> u64 {
    1 << (tag.0 % 64)
}

impl ContSite {
    /// Where a `suspend` to `tag` lands: the first `(on $tag $label)`.
    pub fn suspend_target(&self, tag: TagAddr) -> Option<(u32, u32)> {
        self.clauses.iter().find_map(|clause| match clause.kind {
            ClauseKind::Label { target, height } if clause.tag == tag => Some((target, height)),
            _ => None,
        })
    }

    /// Whether a `switch` to `tag` is handled here.
    pub fn handles_switch(&self, tag: TagAddr) -> bool {
        self.clauses
            .iter()
            .any(|clause| clause.tag == tag && clause.kind == ClauseKind::Switch)
    }
}
