//! [`StackChain`]: the continuations active on one thread of execution,
//! innermost first, linked through their records' `parent`.
//!
//! ```text
//!   StackChain.innermost ─▶ C3 ──parent──▶ C2 ──parent──▶ C1 ──link: Host──▶ (host stack)
//!                           runs           resumed C3     resumed C2
//! ```
//!
//! A `resume` attaches the continuation it resumes and installs its handler
//! table on the segment's outermost record (the prompt); handler search
//! walks innermost-first and stops at the first prompt whose table holds the
//! tag. A suspend to prompt P detaches the whole segment from the innermost
//! record up to P: the innermost becomes the captured continuation and
//! remembers P as its `last_ancestor`, so a later resume re-attaches the
//! whole segment at once.
//!
//! A prompt installed for Rust code (the interpreter resuming a native
//! continuation) may end its switch clauses with [`FORWARD_SWITCH`]: a
//! `switch` that reaches it stops there like a suspend, and its resumer
//! performs the switch on its own terms (its own handlers lie further out,
//! where no native switch can reach past its Rust frames).
//!
//! Each prompt keeps its *depth*: the resumes nested around and including
//! its own, one more than the innermost record's when it was attached. A
//! resume whose depth would pass a limit fails ("call stack exhausted"), as
//! the interpreter's nested resumes do, so a nest of continuations cannot
//! take all memory. A record inside a captured segment keeps the depth it
//! had when it was attached, so after the segment is resumed higher up, a
//! resume from inside it may count more than its true depth (at most the
//! depth the segment had).
//!
//! Each link also says whether reaching the parent takes a native switch
//! (the child runs on its own fibre stack) or not (an interpreted child
//! whose frames are on the heap and which runs on its parent's stack).
//!
//! Handler search jumps runs of prompts it walked before (skip.rs): the
//! chain's *epoch* says which shortcuts still hold, and its *mark* (the
//! innermost record when compiled code was entered from the host, where
//! compiled code's inline search stops) is where they end.
//!
//! ```text
//!   StackChain (24 bytes, #[repr(C)])
//!   +0   innermost   *ContRecord   the record that runs (null: the host stack)
//!   +8   epoch       u64           bumped when a detach cuts a link a shortcut jumps
//!   +16  mark        *ContRecord   set by compiled code's host entries (null: none)
//! ```
//!
//! The chain is a plain value owned by whoever runs the thread (the store's
//! runtime record), not a thread-local, so compiled code can read it at a
//! fixed offset.

use crate::record::{ContRecord, HandlerTable, ParentLink};
use crate::skip::{self, MIN_SKIPPED, SkipEntry};
use std::ptr::NonNull;

/// Which clauses of a handler table a search looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    /// `(on $tag $label)`: the clauses before `first_switch`.
    Suspend,
    /// `(on $tag switch)`: the clauses from `first_switch`.
    Switch,
}

/// A switch clause that matches every tag (see the module doc). Never a
/// tag identity: those are store addresses.
pub const FORWARD_SWITCH: u64 = u64::MAX;

/// Where a handler search ended: the prompt's record and the clause index
/// in its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerMatch {
    pub prompt: NonNull<ContRecord>,
    pub clause: u32,
}

/// The chain of active continuations of one thread; null when the host's
/// own stack runs. Every switch writes it, so it has a cache line of its
/// own: data read at switches (tag tables, site caches) that shared its
/// line would stall behind those writes.
#[repr(C, align(64))]
#[derive(Debug)]
pub struct StackChain {
    innermost: *mut ContRecord,
    pub(crate) epoch: u64,
    mark: *mut ContRecord,
}

impl Default for StackChain {
    fn default() -> Self {
        StackChain::new()
    }
}

impl StackChain {
    /// Offsets of the fields, for compiled code.
    pub const INNERMOST: i32 = 0;
    pub const EPOCH: i32 = 8;
    pub const MARK: i32 = 16;

    pub const fn new() -> StackChain {
        StackChain {
            innermost: std::ptr::null_mut(),
            epoch: 1,
            mark: std::ptr::null_mut(),
        }
    }

    /// Sets the mark (see the module doc) to `record`, which must be the
    /// innermost record or null; returns the old one, to put back.
    pub fn set_mark(&mut self, record: *mut ContRecord) -> *mut ContRecord {
        std::mem::replace(&mut self.mark, record)
    }

    /// The mark: compiled code's inline search stops there.
    pub fn mark(&self) -> *mut ContRecord {
        self.mark
    }

    /// The record that runs now (`None`: the host stack).
    #[inline]
    pub fn innermost(&self) -> Option<NonNull<ContRecord>> {
        NonNull::new(self.innermost)
    }

    /// The depth a resume attached now gets: one more than the innermost
    /// record's (the records of a segment inside the chain keep the depth
    /// they had as prompts, at most what they were then; see the module
    /// doc). Compiled code computes it inline the same way.
    #[inline]
    pub fn next_depth(&self) -> u32 {
        // SAFETY: records on the chain are live (attach's contract).
        let inner = self
            .innermost()
            .map_or(0, |r| unsafe { r.as_ref().depth() });
        inner.saturating_add(1)
    }

    /// Puts the segment `record` .. `record.last_ancestor` on top of the
    /// chain: its outermost record's parent becomes the current innermost
    /// (or the host), its depth [`StackChain::next_depth`], and `record`
    /// runs. Returns the segment's outermost record, the prompt of this
    /// resume (where its handler table goes).
    ///
    /// # Safety
    /// `record` must be a live, detached (captured) continuation whose
    /// segment links are intact, and stay live while attached.
    #[inline]
    pub unsafe fn attach(
        &mut self,
        record: NonNull<ContRecord>,
        native: bool,
    ) -> NonNull<ContRecord> {
        // SAFETY: the caller promises a live record with an intact segment.
        let outermost = unsafe { record.as_ref().last_ancestor() };
        let mut outermost = NonNull::new(outermost).unwrap_or(record);
        let link = if self.innermost.is_null() {
            ParentLink::Host
        } else {
            ParentLink::Continuation
        };
        let depth = self.next_depth();
        // SAFETY: as above; the outermost record is live too.
        unsafe {
            outermost.as_mut().set_parent(link, self.innermost, native);
            outermost.as_mut().set_depth(depth);
        }
        self.innermost = record.as_ptr();
        outermost
    }

    /// Takes the segment from the innermost record up to `prompt` off the
    /// chain (a suspend to `prompt`, or the end of its resume). `prompt`'s
    /// parent runs next. Returns the innermost record, which now remembers
    /// `prompt` as its last ancestor.
    ///
    /// # Safety
    /// `prompt` must be on this chain.
    #[inline]
    pub unsafe fn detach(
        &mut self,
        mut prompt: NonNull<ContRecord>,
    ) -> Option<NonNull<ContRecord>> {
        let mut innermost = NonNull::new(self.innermost)?;
        // SAFETY: records on the chain are live (attach's contract).
        unsafe {
            let cut = prompt.as_mut();
            self.innermost = cut.parent().map_or(std::ptr::null_mut(), |p| p.as_ptr());
            cut.set_parent(ParentLink::Detached, std::ptr::null_mut(), false);
            if cut.crossed() {
                // A shortcut may jump the link just cut (skip.rs).
                cut.set_crossed(false);
                self.epoch += 1;
            }
            innermost.as_mut().set_last_ancestor(prompt.as_ptr());
        }
        Some(innermost)
    }

    /// The active records, innermost first.
    pub fn iter(&self) -> ChainIter<'_> {
        ChainIter {
            next: NonNull::new(self.innermost),
            _chain: std::marker::PhantomData,
        }
    }

    /// The innermost prompt whose handler table has a `kind` clause for
    /// `tag` (a switch stops at a [`FORWARD_SWITCH`] clause too). Jumps
    /// runs of prompts by their records' skip entries, and leaves the
    /// innermost record one when it passed several (skip.rs).
    pub fn find_handler(&self, tag: u64, kind: HandlerKind) -> Option<HandlerMatch> {
        let start = self.innermost()?;
        let bit = skip::tag_bit(tag);
        // What a new entry for `start` jumps: the tags' bits and the
        // records passed, up to the mark once met.
        let (mut mask, mut passed, mut capped) = (0, 0, None);
        let mut record = start;
        let found = loop {
            if record.as_ptr() == self.mark && capped.is_none() {
                capped = Some(record);
            }
            // SAFETY: records on the chain are live (attach's contract),
            // and so are the targets of valid skip entries (skip.rs).
            let here = unsafe { record.as_ref() };
            let table = here.handlers();
            if let Some(clause) = clause_of(&table, tag, kind) {
                break HandlerMatch {
                    prompt: record,
                    clause,
                };
            }
            let (next, jumped) = match skip::jump(here, bit, self.epoch) {
                Some((to, jumped)) => (NonNull::new(to), jumped),
                None => (here.parent(), skip::table_mask(&table)),
            };
            if capped.is_none() {
                mask |= jumped;
                passed += 1;
            }
            record = next?;
        };
        if passed >= MIN_SKIPPED {
            let end = capped.unwrap_or(found.prompt);
            // SAFETY: `start` .. `end` is the path just walked.
            unsafe { self.leave_entry(start, end, bit, mask) };
        }
        Some(found)
    }

    /// Gives `start` a skip entry to `end`, marking the records whose
    /// parent links it jumps without an older entry as crossed.
    ///
    /// # Safety
    /// `end` must be where a search from `start` for a tag of bit `bit`
    /// went without a match, now (the same path is walked again).
    unsafe fn leave_entry(
        &self,
        mut start: NonNull<ContRecord>,
        end: NonNull<ContRecord>,
        bit: u64,
        mask: u64,
    ) {
        let mut record = start;
        while record != end {
            // SAFETY: on the path just walked (the caller's promise).
            let here = unsafe { record.as_mut() };
            let next = match skip::jump(here, bit, self.epoch) {
                Some((to, _)) => to,
                None => {
                    here.set_crossed(true);
                    here.parent_ptr()
                }
            };
            let Some(next) = NonNull::new(next) else {
                return;
            };
            record = next;
        }
        let entry = SkipEntry {
            to: end.as_ptr(),
            mask,
            epoch: self.epoch,
        };
        // SAFETY: as above.
        unsafe { start.as_mut().set_skip(entry) };
    }
}

/// The index of `table`'s `kind` clause for `tag`, if it has one.
pub(crate) fn clause_of(table: &HandlerTable, tag: u64, kind: HandlerKind) -> Option<u32> {
    if table.tags.is_null() {
        return None;
    }
    // SAFETY: set_handlers' contract: `len` valid tags while installed.
    let tags = unsafe { std::slice::from_raw_parts(table.tags, table.len as usize) };
    let first_switch = (table.first_switch as usize).min(tags.len());
    let at = match kind {
        HandlerKind::Suspend => tags[..first_switch].iter().position(|&t| t == tag)?,
        HandlerKind::Switch => {
            (tags[first_switch..].iter()).position(|&t| t == tag || t == FORWARD_SWITCH)?
                + first_switch
        }
    };
    Some(at as u32)
}

/// Iterator over a chain's records, innermost first.
pub struct ChainIter<'a> {
    next: Option<NonNull<ContRecord>>,
    _chain: std::marker::PhantomData<&'a StackChain>,
}

impl Iterator for ChainIter<'_> {
    type Item = NonNull<ContRecord>;

    fn next(&mut self) -> Option<NonNull<ContRecord>> {
        let record = self.next?;
        // SAFETY: records on the chain are live (attach's contract).
        self.next = unsafe { record.as_ref().parent() };
        Some(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ContArena;
    use crate::record::HandlerTable;

    fn table(tags: &[u64], first_switch: u32) -> HandlerTable {
        HandlerTable {
            tags: tags.as_ptr(),
            len: tags.len() as u32,
            first_switch,
        }
    }

    #[test]
    fn the_innermost_offset_is_the_fields() {
        use std::mem::offset_of;
        assert_eq!(
            offset_of!(StackChain, innermost),
            StackChain::INNERMOST as usize
        );
        assert_eq!(offset_of!(StackChain, epoch), StackChain::EPOCH as usize);
        assert_eq!(offset_of!(StackChain, mark), StackChain::MARK as usize);
        assert_eq!(size_of::<StackChain>(), 64, "a cache line of its own");
        assert_eq!(align_of::<StackChain>(), 64);
    }

    #[test]
    fn nested_resumes_walk_innermost_first() {
        let mut arena = ContArena::new();
        let (c1, c2, c3) = (
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
        );
        let mut chain = StackChain::new();
        // SAFETY: live, detached records of `arena`.
        unsafe {
            assert_eq!(chain.attach(c1, false), c1);
            chain.attach(c2, true);
            chain.attach(c3, false);
            assert_eq!(c1.as_ref().link(), ParentLink::Host);
            assert!(c2.as_ref().native_parent());
        }
        assert_eq!(chain.iter().collect::<Vec<_>>(), vec![c3, c2, c1]);
        // SAFETY: c3 is on the chain.
        assert_eq!(unsafe { chain.detach(c3) }, Some(c3));
        assert_eq!(chain.innermost(), Some(c2));
    }

    #[test]
    fn handler_search_takes_the_innermost_matching_prompt() {
        let mut arena = ContArena::new();
        let (mut c1, mut c2) = (
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
        );
        let outer = [7, 8, 9];
        let inner = [8, 5];
        let mut chain = StackChain::new();
        // SAFETY: live records; the tag arrays outlive the chain's use.
        unsafe {
            c1.as_mut().set_handlers(table(&outer, 2));
            c2.as_mut().set_handlers(table(&inner, 1));
            chain.attach(c1, true);
            chain.attach(c2, true);
        }
        let found = |tag, kind| chain.find_handler(tag, kind).map(|m| (m.prompt, m.clause));
        assert_eq!(found(8, HandlerKind::Suspend), Some((c2, 0)));
        assert_eq!(found(5, HandlerKind::Suspend), None, "5 is a switch clause");
        assert_eq!(found(5, HandlerKind::Switch), Some((c2, 1)));
        assert_eq!(found(7, HandlerKind::Suspend), Some((c1, 0)));
        assert_eq!(found(9, HandlerKind::Switch), Some((c1, 2)));
        assert_eq!(found(4, HandlerKind::Suspend), None);
    }

    #[test]
    fn a_forwarding_prompt_stops_every_switch_but_no_suspend() {
        let mut arena = ContArena::new();
        let (mut c1, mut c2) = (
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
        );
        let outer = [3, 6];
        // Rust's prompt: suspend clause 4, its own switch clause 5, forward.
        let forwarding = [4, 5, FORWARD_SWITCH];
        let mut chain = StackChain::new();
        // SAFETY: live records; the tag arrays outlive the chain's use.
        unsafe {
            c1.as_mut().set_handlers(table(&outer, 1));
            c2.as_mut().set_handlers(table(&forwarding, 1));
            chain.attach(c1, true);
            chain.attach(c2, true);
        }
        let found = |tag, kind| chain.find_handler(tag, kind).map(|m| (m.prompt, m.clause));
        assert_eq!(
            found(5, HandlerKind::Switch),
            Some((c2, 1)),
            "own clause first"
        );
        assert_eq!(found(6, HandlerKind::Switch), Some((c2, 2)), "forwarded");
        assert_eq!(found(3, HandlerKind::Suspend), Some((c1, 0)));
    }

    #[test]
    fn a_suspend_past_prompts_captures_and_restores_the_segment() {
        let mut arena = ContArena::new();
        let (c1, c2, c3) = (
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
            arena.alloc().expect("memory"),
        );
        let mut chain = StackChain::new();
        // SAFETY: live, detached records of `arena`.
        unsafe {
            chain.attach(c1, true);
            chain.attach(c2, true);
            chain.attach(c3, true);
            // c3 suspends to c2's prompt: c3 and c2 are captured together.
            assert_eq!(chain.detach(c2), Some(c3));
            assert_eq!(chain.iter().collect::<Vec<_>>(), vec![c1]);
            assert_eq!(c3.as_ref().last_ancestor(), c2.as_ptr());
            // Resuming the captured continuation brings both back.
            assert_eq!(chain.attach(c3, true), c2);
        }
        assert_eq!(chain.iter().collect::<Vec<_>>(), vec![c3, c2, c1]);
    }
}
