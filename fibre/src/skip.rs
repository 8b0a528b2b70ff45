//! Handler-search shortcuts, so that a suspend past many prompts does not
//! walk them all every time.
//!
//! A search that walked from the innermost record X past several prompts
//! that do not handle its tag leaves X a *skip entry*: where it may jump,
//! and which tags the jumped prompts handle (one bit per tag, `tag % 64`).
//!
//! ```text
//!   X ──parent──▶ Y ──parent──▶ Z ──parent──▶ P (handles t) ──▶ …
//!   X.skip = { to: P, mask: bits of the tags in X's, Y's and Z's tables,
//!              epoch: the chain's epoch }
//!   X, Y, Z: crossed (an entry jumps their parent links)
//! ```
//! A search at record R looks at R's own table first; then, when R's entry
//! is of the chain's epoch and the tag's bit is not in its mask, it goes on
//! at the entry's `to`, else at R's parent. Entries compose: a new one may
//! jump what older valid ones jumped. A generator under D wrappers that
//! suspends to the driver each time walks the D records once, then jumps.
//!
//! Why a valid entry is right:
//! - The links it jumps change only when one is cut, and a link is cut only
//!   by a detach at its record (a suspend or switch capturing up to it, or
//!   the record's return). A detach at a `crossed` record bumps the chain's
//!   epoch, which retires every entry. A returning record is the innermost,
//!   so no entry that is still used jumps its link (an entry on a record
//!   inside a captured segment jumps only links inside it, or the segment's
//!   root was crossed and its capture bumped).
//! - The tables it covers change only at prompts as they are attached, and
//!   an attached prompt's old link was cut (by a bumping detach if jumped).
//! - It never jumps the chain's mark (compiled code's host entry, where its
//!   inline search stops): entries end there. The mark is always the
//!   innermost record when set, so no older entry jumps it.
//! - Records made fresh again forget their entry and mark.
//!
//! Compiled code's inline search reads entries the same way; only the
//! runtime makes them (the inline search hands long walks to it).

use crate::chain::FORWARD_SWITCH;
use crate::record::{ContRecord, HandlerTable};

/// A record's shortcut for handler searches (see the module doc).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkipEntry {
    pub to: *mut ContRecord,
    pub mask: u64,
    /// The chain epoch it was made in; 0 for none (epochs start at 1).
    pub epoch: u64,
}

impl SkipEntry {
    pub const NONE: SkipEntry = SkipEntry {
        to: std::ptr::null_mut(),
        mask: 0,
        epoch: 0,
    };
}

/// Searches that passed fewer records than this leave no entry.
pub const MIN_SKIPPED: u32 = 2;

/// The mask bit of `tag`.
#[inline]
pub const fn tag_bit(tag: u64) -> u64 {
    1 << (tag % 64)
}

/// The bits of every tag in `table` (all of them for a table that
/// forwards every switch).
pub(crate) fn table_mask(table: &HandlerTable) -> u64 {
    if table.tags.is_null() {
        return 0;
    }
    // SAFETY: set_handlers' contract: `len` valid tags while installed.
    let tags = unsafe { std::slice::from_raw_parts(table.tags, table.len as usize) };
    tags.iter().fold(0, |mask, &tag| match tag {
        FORWARD_SWITCH => u64::MAX,
        tag => mask | tag_bit(tag),
    })
}

/// Where a search at `record` for a tag of mask bit `bit` goes after
/// `record`'s own table: its entry's target when the entry holds in
/// `epoch` and does not cover the bit (`Some((to, mask))`), else `None`
/// (the parent).
#[inline]
pub(crate) fn jump(record: &ContRecord, bit: u64, epoch: u64) -> Option<(*mut ContRecord, u64)> {
    let skip = record.skip();
    let jumps = skip.epoch == epoch && skip.mask & bit == 0;
    #[cfg(test)]
    tests::JUMPS.with(|n| n.set(n.get() + u64::from(jumps)));
    jumps.then_some((skip.to, skip.mask))
}

#[cfg(test)]
mod tests {
    use crate::chain::{HandlerKind, HandlerMatch, StackChain};
    use crate::record::{ContRecord, HandlerTable};
    use crate::{ContArena, FORWARD_SWITCH};
    use std::cell::Cell;
    use std::ptr::NonNull;

    thread_local! {
        /// Jumps taken by searches on this thread.
        pub(super) static JUMPS: Cell<u64> = const { Cell::new(0) };
    }

    /// The search without shortcuts: every record, innermost first.
    fn walk(chain: &StackChain, tag: u64, kind: HandlerKind) -> Option<HandlerMatch> {
        chain.iter().find_map(|record| {
            // SAFETY: records on the chain are live.
            let table = unsafe { record.as_ref().handlers() };
            crate::chain::clause_of(&table, tag, kind).map(|clause| HandlerMatch {
                prompt: record,
                clause,
            })
        })
    }

    /// Whether the innermost record's valid entry jumps the chain's mark
    /// (from above it: compiled code's inline search would miss it).
    fn jumps_the_mark(chain: &StackChain) -> bool {
        let Some(start) = chain.innermost() else {
            return false;
        };
        // SAFETY: chain records are live.
        let skip = unsafe { start.as_ref().skip() };
        if skip.epoch != chain.epoch || start.as_ptr() == chain.mark() {
            return false;
        }
        (chain.iter().skip(1))
            .take_while(|r| r.as_ptr() != skip.to)
            .any(|r| r.as_ptr() == chain.mark())
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// Handler tables the test installs: tags 0..=4 in a few shapes, one
    /// that forwards every switch, and none.
    const TABLES: &[(&[u64], u32)] = &[
        (&[], 0),
        (&[0], 1),
        (&[1], 1),
        (&[2, 3], 2),
        (&[3], 0),
        (&[1, 4], 1),
        (&[4, FORWARD_SWITCH], 1),
    ];

    fn table(index: u64) -> HandlerTable {
        let (tags, first_switch) = TABLES[index as usize];
        HandlerTable {
            tags: tags.as_ptr(),
            len: tags.len() as u32,
            first_switch,
        }
    }

    /// Random resumes (deep nests, long runs of one table), suspends and
    /// switches (capturing at any prompt, so shortcuts are cut), returns,
    /// and host marks: the search with shortcuts always finds what the
    /// plain walk finds.
    #[test]
    fn searches_with_shortcuts_find_what_the_walk_finds() {
        let mut arena = ContArena::new();
        let mut chain = StackChain::new();
        let mut captured: Vec<NonNull<ContRecord>> = Vec::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut searches = 0;
        // The driver at the bottom handles every tag, and stays.
        const DRIVER: [u64; 5] = [0, 1, 2, 3, 4];
        let driver = arena.alloc().expect("memory");
        // SAFETY: a live detached record; the table is static.
        unsafe {
            let mut prompt = chain.attach(driver, true);
            prompt.as_mut().set_handlers(HandlerTable {
                tags: DRIVER.as_ptr(),
                len: 5,
                first_switch: 3,
            });
        }
        for _ in 0..200_000 {
            let depth = chain.iter().count();
            match rng.below(32) {
                // Resume a fresh record or a captured segment.
                0..=13 if depth < 100 => {
                    let record = match rng.below(3) {
                        0 | 1 if !captured.is_empty() => {
                            let at = rng.below(captured.len() as u64) as usize;
                            captured.swap_remove(at)
                        }
                        _ => arena.alloc().expect("memory"),
                    };
                    // Mostly the table of a wrapper that handles tag 3, or
                    // of a driver that handles tag 0.
                    let pick = match rng.below(8) {
                        0 => rng.below(TABLES.len() as u64),
                        1 => 1,
                        _ => 4,
                    };
                    // SAFETY: a live detached record; the tables are static.
                    unsafe {
                        let mut prompt = chain.attach(record, true);
                        prompt.as_mut().set_handlers(table(pick));
                    }
                }
                // Suspend or switch to a tag, capturing up to its prompt.
                14..=27 => {
                    // Mostly a tag that the wrappers' table does not handle.
                    let tag = match rng.below(2) {
                        0 => 0,
                        _ => rng.below(5),
                    };
                    let kind = match rng.below(4) {
                        0 => HandlerKind::Switch,
                        _ => HandlerKind::Suspend,
                    };
                    let expected = walk(&chain, tag, kind);
                    let mark = chain.mark();
                    let found = chain.find_handler(tag, kind);
                    assert_eq!(found, expected, "tag {tag} {kind:?}");
                    searches += 1;
                    assert!(!jumps_the_mark(&chain), "an entry jumps the mark");
                    let Some(found) = found else { continue };
                    // Not past the mark (compiled code would trap there).
                    let past_mark = chain
                        .iter()
                        .take_while(|&r| r != found.prompt)
                        .any(|r| r.as_ptr() == mark);
                    if past_mark || found.prompt.as_ptr() == mark || found.prompt == driver {
                        continue;
                    }
                    // SAFETY: the prompt is on the chain.
                    let innermost = unsafe { chain.detach(found.prompt) }.expect("not empty");
                    captured.push(innermost);
                }
                // The innermost record returns (unless a mark holds it).
                28 | 29 => {
                    let Some(innermost) = chain.innermost().filter(|&r| r != driver) else {
                        continue;
                    };
                    if innermost.as_ptr() == chain.mark() {
                        chain.set_mark(std::ptr::null_mut());
                    }
                    // SAFETY: the innermost record, detached as its own
                    // prompt, then released: nothing else names it.
                    unsafe {
                        chain.detach(innermost);
                        arena.release(innermost);
                    }
                }
                // A host entry marks the innermost record.
                30 => {
                    chain.set_mark(
                        chain
                            .innermost()
                            .map_or(std::ptr::null_mut(), |r| r.as_ptr()),
                    );
                }
                _ => {
                    chain.set_mark(std::ptr::null_mut());
                }
            }
        }
        let jumps = JUMPS.with(Cell::get);
        assert!(searches > 50_000, "{searches}");
        assert!(jumps > 10_000, "shortcuts taken: {jumps}");
    }
}
