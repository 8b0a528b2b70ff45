//! [`LinkChain`]: the links of the resumes waiting under the running
//! stack, outermost first, kept in *runs* so that a capture and a resume
//! move whole runs, and a handler search passes whole runs, instead of
//! going link by link.
//!
//! ```text
//!   below: [ Run { links: [L0], mask } , … ]   top: [L1 … L1000], top_mask
//!           (runs that a capture took and        (the innermost run: pushes
//!            a resume put back whole)             and pops work here)
//!
//!   handler search for tag t: runs innermost first; a run whose mask lacks
//!       t's bit is passed whole, else its links innermost first
//!   capture of the links after link i: the runs after i move when i ends
//!       a run; else i's run splits, its tail moving as a run of its own
//!   resume: the captured runs go on top as they are (the old top run
//!       goes below)
//! ```
//! A run's mask has the bit (`tag % 64`) of every tag of its links' handler
//! tables (a link popped since may leave its bits: a mask only lets a
//! search pass a run that cannot hold the tag). A generator under a
//! thousand wrappers that do not handle its tag suspends past one run.
//! `top` is empty only when the chain is.

use super::Link;

/// Links in order, with the tags their handler tables hold (see the
/// module doc).
#[derive(Debug, Default)]
struct Run {
    links: Vec<Link>,
    mask: u64,
}

/// The mask of `links` (see the module doc).
fn mask_of(links: &[Link]) -> u64 {
    links.iter().fold(0, |mask, link| mask | link.tag_mask())
}

/// The links of the running chain (or of a captured continuation),
/// outermost first (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct LinkChain {
    top: Vec<Link>,
    top_mask: u64,
    below: Vec<Run>,
    len: usize,
}

impl LinkChain {
    pub const fn new() -> LinkChain {
        LinkChain {
            top: Vec::new(),
            top_mask: 0,
            below: Vec::new(),
            len: 0,
        }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the innermost link.
    #[inline]
    pub fn push(&mut self, link: Link) {
        self.top_mask |= link.tag_mask();
        self.top.push(link);
        self.len += 1;
    }

    /// Takes the innermost link off.
    #[inline]
    pub fn pop(&mut self) -> Option<Link> {
        let link = self.top.pop()?;
        self.len -= 1;
        if self.top.is_empty() && !self.below.is_empty() {
            self.refill();
        }
        Some(link)
    }

    /// Makes the innermost run below the top run (the top is empty).
    fn refill(&mut self) {
        if let Some(run) = self.below.pop() {
            self.top = run.links;
            self.top_mask = run.mask;
        }
    }

    /// The innermost link.
    #[inline]
    pub fn last(&self) -> Option<&Link> {
        self.top.last()
    }

    #[inline]
    pub fn last_mut(&mut self) -> Option<&mut Link> {
        self.top.last_mut()
    }

    /// The links, outermost first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Link> {
        (self.below.iter())
            .flat_map(|run| run.links.iter())
            .chain(self.top.iter())
    }

    /// The innermost link (and its index) for which `handles` answers,
    /// asked only of runs whose mask holds `bit`.
    #[inline]
    pub fn rfind<T>(
        &self,
        bit: u64,
        mut handles: impl FnMut(&Link) -> Option<T>,
    ) -> Option<(usize, T)> {
        // The common case first: the innermost resume handles it.
        let (innermost, outer) = self.top.split_last()?;
        if let Some(answer) = handles(innermost) {
            return Some((self.len - 1, answer));
        }
        let mut end = self.len - 1;
        let mut search = |links: &[Link], mask: u64| {
            let start = end - links.len();
            end = start;
            if mask & bit == 0 {
                return None;
            }
            let found = links.iter().enumerate().rev();
            found
                .filter_map(|(i, link)| handles(link).map(|answer| (start + i, answer)))
                .next()
        };
        if let Some(found) = search(outer, self.top_mask) {
            return Some(found);
        }
        self.below
            .iter()
            .rev()
            .find_map(|run| search(&run.links, run.mask))
    }

    /// Takes the links from index `at` on (see the module doc).
    pub fn split_off(&mut self, at: usize) -> LinkChain {
        if at >= self.len {
            return LinkChain::default();
        }
        let top_start = self.len - self.top.len();
        let moved_len = self.len - at;
        self.len = at;
        if at > top_start {
            // Inside the top run: its tail moves.
            let tail = self.top.split_off(at - top_start);
            return LinkChain {
                top_mask: mask_of(&tail),
                top: tail,
                below: Vec::new(),
                len: moved_len,
            };
        }
        // The top run moves whole, with the runs below it from `at` on.
        let mut moved = LinkChain {
            top: std::mem::take(&mut self.top),
            top_mask: self.top_mask,
            below: Vec::new(),
            len: moved_len,
        };
        if at == top_start {
            // The common case: just the top run.
            self.refill();
            return moved;
        }
        let mut start = top_start;
        let mut r = self.below.len();
        while start > at {
            r -= 1;
            start -= self.below[r].links.len();
        }
        if start < at {
            // Run r splits: its tail moves as a run of its own.
            let tail = self.below[r].links.split_off(at - start);
            moved.below.push(Run {
                mask: mask_of(&tail),
                links: tail,
            });
            r += 1;
        }
        moved.below.append(&mut self.below.split_off(r));
        // What is left ends with run r - 1 (or the split run's head).
        self.refill();
        moved
    }

    /// Puts `inner`'s links on top, as their runs.
    pub fn extend(&mut self, mut inner: LinkChain) {
        if inner.len == 0 {
            return;
        }
        if !self.top.is_empty() {
            let links = std::mem::replace(&mut self.top, std::mem::take(&mut inner.top));
            self.below.push(Run {
                links,
                mask: self.top_mask,
            });
        } else {
            self.top = std::mem::take(&mut inner.top);
        }
        self.top_mask = inner.top_mask;
        // Inner's runs go between the old top run and inner's top.
        if !inner.below.is_empty() {
            self.below.append(&mut inner.below);
        }
        self.len += inner.len;
    }
}

impl<'a> IntoIterator for &'a LinkChain {
    type Item = &'a Link;
    type IntoIter = Box<dyn DoubleEndedIterator<Item = &'a Link> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl IntoIterator for LinkChain {
    type Item = Link;
    type IntoIter = Box<dyn Iterator<Item = Link>>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(
            (self.below.into_iter())
                .flat_map(|run| run.links)
                .chain(self.top),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::cont::Regs;
    use crate::cont::site::{ClauseKind, ContSite, ResumeClause, tag_bit};
    use crate::op::Op;
    use std::rc::Rc;
    use wasmfx_core::{FuncAddr, InstanceId, TagAddr};

    /// Code whose site `k` handles tag `k % 5` and, for odd `k`, tag 70
    /// (bit 6, as tag 6's).
    fn code() -> Rc<Code> {
        let sites = (0..10u32)
            .map(|k| {
                let mut tags = vec![TagAddr(k % 5)];
                if k % 2 == 1 {
                    tags.push(TagAddr(70));
                }
                let clauses: Box<[ResumeClause]> = (tags.iter())
                    .map(|&tag| ResumeClause {
                        tag,
                        kind: ClauseKind::Label {
                            target: k,
                            height: 0,
                        },
                    })
                    .collect();
                let mask = tags.iter().fold(0, |mask, &tag| mask | tag_bit(tag));
                ContSite {
                    args: 0,
                    tag: None,
                    clauses,
                    mask,
                }
            })
            .collect();
        Rc::new(Code {
            ops: Box::new([Op::Return]),
            handlers: Box::new([]),
            cont_sites: sites,
            unsupported: Box::new([]),
            num_params: 0,
            num_locals: 0,
            num_results: 0,
            max_height: 0,
            instance: InstanceId(0),
            func: FuncAddr(0),
        })
    }

    fn link(code: &Rc<Code>, site: u32, record: u32) -> Link {
        Link {
            parent: Default::default(),
            regs: Regs {
                code: code.clone(),
                pc: 0,
                sp: 0,
                base: 0,
                native: 0,
            },
            site,
            record,
        }
    }

    /// Random pushes, pops, captures (split anywhere) and resumes (captured
    /// chains put back) against a plain vector of (site, record): the same
    /// links in the same order, and every search finds the innermost link
    /// whose site handles the tag.
    #[test]
    fn runs_behave_as_one_vector() {
        let code = code();
        let mut chain = LinkChain::new();
        let mut model: Vec<(u32, u32)> = Vec::new();
        let mut captured: Vec<(LinkChain, Vec<(u32, u32)>)> = Vec::new();
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let mut record = 0;
        let (mut passed_runs, mut splits) = (0, 0);
        for _ in 0..100_000 {
            match next(10) {
                0..=3 if model.len() < 200 => {
                    let site = next(10) as u32;
                    record += 1;
                    chain.push(link(&code, site, record));
                    model.push((site, record));
                }
                4 => {
                    let got = chain.pop().map(|l| (l.site, l.record));
                    assert_eq!(got, model.pop());
                }
                5 | 6 if !model.is_empty() => {
                    let at = next(model.len() as u64 + 1) as usize;
                    let moved = chain.split_off(at);
                    let moved_model = model.split_off(at);
                    splits += u32::from(!moved_model.is_empty());
                    captured.push((moved, moved_model));
                }
                7 if !captured.is_empty() => {
                    let at = next(captured.len() as u64) as usize;
                    let (inner, inner_model) = captured.swap_remove(at);
                    chain.extend(inner);
                    model.extend(inner_model);
                }
                _ => {
                    let tag = TagAddr(match next(3) {
                        0 => 70,
                        _ => next(6) as u32,
                    });
                    let found = chain.rfind(tag_bit(tag), |l| {
                        code.cont_sites[l.site as usize].suspend_target(tag)
                    });
                    let expected = (model.iter().enumerate().rev()).find_map(|(i, &(site, _))| {
                        code.cont_sites[site as usize]
                            .suspend_target(tag)
                            .map(|t| (i, t))
                    });
                    assert_eq!(found, expected, "tag {tag:?}");
                    passed_runs += u32::from(!chain.below.is_empty());
                }
            }
            assert_eq!(chain.len(), model.len());
            let links: Vec<(u32, u32)> = chain.iter().map(|l| (l.site, l.record)).collect();
            assert_eq!(links, model);
        }
        assert!(
            splits > 1_000 && passed_runs > 1_000,
            "{splits} {passed_runs}"
        );
    }
}
