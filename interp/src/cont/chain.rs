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

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds the innermost link.
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
    pub fn pop(&mut self) -> Option<Link> {
        let run = self.runs.last_mut()?;
        let link = run.links.pop()?;
        if run.links.is_empty() && self.runs.len() > 1 {
            self.runs.pop();
        }
        self.len -= 1;
        Some(link)
    }

    pub fn last_mut(&mut self) -> Option<&mut Link> {
        self.runs.last_mut()?.links.last_mut()
    }

    /// The links, outermost first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Link> {
        self.runs.iter().flat_map(|run| run.links.iter())
    }

    /// The innermost link (and its index) for which `handles` answers,
    /// asked only of runs whose mask holds `bit`.
    pub fn rfind<T>(
        &self,
        bit: u64,
        mut handles: impl FnMut(&Link) -> Option<T>,
    ) -> Option<(usize, T)> {
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
            0 => vec![Run::of(std::mem::take(&mut self.runs[0].links))],
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
