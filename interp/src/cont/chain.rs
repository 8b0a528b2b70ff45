//! [`LinkChain`]: the links of the resumes waiting under the running
//! stack, outermost first, kept in *runs* so that a capture and a resume
//! move whole runs, and a handler search passes whole runs, instead of
//! going link by link.
//!
//! ```text
//!   runs: [ Run { links: [L0], mask } | Run { links: [L1 … L1000], mask } ]
//!          (the base run stays,          (a run that a capture took and a
//!           its buffer reused)            resume put back whole)
//!
//!   handler search for tag t: runs innermost first; a run whose mask lacks
//!       t's bit is passed whole, else its links innermost first
//!   capture of the links after link i: the runs after i move when i ends
//!       a run; else i's run splits, its tail moving as a run of its own
//!   resume: the captured runs go on top as they are; push and pop work on
//!       the last run
//! ```
//! A run's mask has the bit (`tag % 64`) of every tag of its links' handler
//! tables (a link popped since may leave its bits: a mask only lets a
//! search pass a run that cannot hold the tag). A generator under a
//! thousand wrappers that do not handle its tag suspends past one run.

use super::Link;

/// Links in order, with the tags their handler tables hold (see the
/// module doc).
#[derive(Debug, Default)]
struct Run {
    links: Vec<Link>,
    mask: u64,
}

impl Run {
    fn of(links: Vec<Link>) -> Run {
        let mask = links.iter().fold(0, |mask, link| mask | link.tag_mask());
        Run { links, mask }
    }
}

/// The links of the running chain (or of a captured continuation),
/// outermost first (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct LinkChain {
    runs: Vec<Run>,
    len: usize,
}

impl LinkChain {
    pub const fn new() -> LinkChain {
        LinkChain {
            runs: Vec::new(),
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
        let mask = link.tag_mask();
        if self.runs.is_empty() {
            self.runs.push(Run::default());
        }
        if let Some(run) = self.runs.last_mut() {
            run.mask |= mask;
            run.links.push(link);
        }
        self.len += 1;
    }

    /// Takes the innermost link off.
    #[inline]
    pub fn pop(&mut self) -> Option<Link> {
        let run = self.runs.last_mut()?;
        let link = run.links.pop()?;
        if run.links.is_empty() && self.runs.len() > 1 {
            self.runs.pop();
        }
        self.len -= 1;
        Some(link)
    }

    #[inline]
    pub fn last_mut(&mut self) -> Option<&mut Link> {
        self.runs.last_mut()?.links.last_mut()
    }

    /// The links, outermost first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Link> {
        self.runs.iter().flat_map(|run| run.links.iter())
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
        let innermost = self.runs.last().and_then(|run| run.links.last());
        if let Some(answer) = innermost.and_then(&mut handles) {
            return Some((self.len - 1, answer));
        }
        let mut end = self.len;
        for run in self.runs.iter().rev() {
            let start = end - run.links.len();
            if run.mask & bit != 0 {
                let found = run.links.iter().enumerate().rev();
                if let Some(found) = found
                    .filter_map(|(i, link)| handles(link).map(|answer| (start + i, answer)))
                    .next()
                {
                    return Some(found);
                }
            }
            end = start;
        }
        None
    }

    /// Takes the links from index `at` on (see the module doc).
    pub fn split_off(&mut self, at: usize) -> LinkChain {
        if at >= self.len {
            return LinkChain::default();
        }
        let mut start = self.len;
        let mut r = self.runs.len();
        while start > at {
            r -= 1;
            start -= self.runs[r].links.len();
        }
        let mut runs = match at - start {
            0 if r > 0 => self.runs.split_off(r),
            // The base run keeps its buffer.
            0 => {
                let mut moved = vec![Run::of(std::mem::take(&mut self.runs[0].links))];
                moved.extend(self.runs.split_off(1));
                moved
            }
            offset => {
                let tail = self.runs[r].links.split_off(offset);
                let mut moved = self.runs.split_off(r + 1);
                moved.insert(0, Run::of(tail));
                moved
            }
        };
        runs.retain(|run| !run.links.is_empty());
        let len = self.len - at;
        self.len = at;
        LinkChain { runs, len }
    }

    /// Puts `inner`'s links on top, as their runs.
    pub fn extend(&mut self, inner: LinkChain) {
        self.len += inner.len;
        self.runs.extend(inner.runs);
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
        Box::new(self.runs.into_iter().flat_map(|run| run.links))
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
                        code.cont_sites[site as usize].suspend_target(tag).map(|t| (i, t))
                    });
                    assert_eq!(found, expected, "tag {tag:?}");
                    passed_runs += u32::from(chain.runs.len() > 1);
                }
            }
            assert_eq!(chain.len(), model.len());
            let links: Vec<(u32, u32)> = chain.iter().map(|l| (l.site, l.record)).collect();
            assert_eq!(links, model);
        }
        assert!(splits > 1_000 && passed_runs > 1_000, "{splits} {passed_runs}");
    }
}
