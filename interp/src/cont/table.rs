//! [`ContTable`]: the continuation records of one store, and a pool of
//! idle [`ExecStack`]s.
//!
//! ```text
//!   records: [ Record { revision, body } … ]   a contref names (index, revision)
//!   free:    [ index … ]                         released records, reused LIFO
//!   pool:    [ ExecStack … ]                     cleared stacks, reused by resume
//!
//!   body:  Fresh(func, bound args)                 made by cont.new (+ cont.bind)
//!          Suspended { stack, top, links, bound }  captured by suspend/switch
//!          None                                    running, or released
//! ```
//!
//! Every use of a handle checks its revision against the record's and bumps
//! the record's, so each handle works once; releasing a record bumps it too,
//! so stale handles to a reused record fail as "already consumed".

use super::{Link, Regs};
use crate::stack::ExecStack;
use wasmfx_core::value::ContHandle;
use wasmfx_core::{FuncAddr, Trap};

/// Stacks kept in the pool at most.
const POOL_STACKS: usize = 256;
/// A pooled stack bigger than this many value slots is freed instead.
const POOL_MAX_SLOTS: usize = 4096;

/// What a continuation will run when resumed.
#[derive(Debug)]
pub(crate) enum Body {
    /// Not started: calls `func` with the bound arguments and then the
    /// resume's.
    Fresh { func: FuncAddr, bound: Vec<u64> },
    /// Captured by a suspend or switch: its stack, the registers of its top
    /// frame (which receives the resume's values at `top.sp`), and the
    /// links of nested resumes inside it, outermost first.
    Suspended {
        stack: ExecStack,
        top: Regs,
        links: Vec<Link>,
        bound: Vec<u64>,
    },
}

#[derive(Debug)]
struct Record {
    revision: u32,
    body: Option<Body>,
}

/// The records and stack pool (one per interpreter, hence per store).
#[derive(Debug, Default)]
pub(crate) struct ContTable {
    records: Vec<Record>,
    free: Vec<u32>,
    pool: Vec<ExecStack>,
    /// Reused buffer for arguments on their way between stacks.
    pub scratch: Vec<u64>,
}

impl ContTable {
    /// A new record holding `body`; returns its raw handle.
    ///
    /// # Errors
    /// `Trap::Host` when 2^32 - 1 records are live.
    pub fn create(&mut self, body: Body) -> Result<u64, Trap> {
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                let index = u32::try_from(self.records.len())
                    .ok()
                    .filter(|&i| i < u32::MAX)
                    .ok_or_else(|| Trap::Host("too many live continuations".into()))?;
                self.records.push(Record {
                    revision: 0,
                    body: None,
                });
                index
            }
        };
        self.records[index as usize].body = Some(body);
        Ok(self.handle(index))
    }

    /// Uses a raw handle: checks null, then that it is current, and bumps
    /// the record's revision. Returns the record index.
    ///
    /// # Errors
    /// [`Trap::NullContinuation`], then [`Trap::ContinuationAlreadyConsumed`].
    pub fn consume(&mut self, raw: u64) -> Result<u32, Trap> {
        let handle = ContHandle::from_raw(raw).ok_or(Trap::NullContinuation)?;
        if handle.is_compiled() {
            return Err(Trap::Host(
                "continuation of compiled code used by the interpreter (not supported)".into(),
            ));
        }
        let record = self
            .records
            .get_mut(handle.index as usize)
            .filter(|r| r.revision == handle.revision && r.body.is_some())
            .ok_or(Trap::ContinuationAlreadyConsumed)?;
        record.revision = record.revision.wrapping_add(1);
        Ok(handle.index)
    }

    /// The current raw handle of record `index`.
    pub fn handle(&self, index: u32) -> u64 {
        let revision = self.records.get(index as usize).map_or(0, |r| r.revision);
        ContHandle { index, revision }.to_raw()
    }

    /// Takes the body out of record `index` (it is running from now on).
    ///
    /// # Errors
    /// `Trap::Host` when the record has no body (an engine bug).
    pub fn take(&mut self, index: u32) -> Result<Body, Trap> {
        self.records
            .get_mut(index as usize)
            .and_then(|r| r.body.take())
            .ok_or_else(|| Trap::Host(format!("continuation record {index} is empty")))
    }

    /// Puts `body` back into record `index` and returns its current handle.
    pub fn park(&mut self, index: u32, body: Body) -> u64 {
        if let Some(record) = self.records.get_mut(index as usize) {
            record.body = Some(body);
        }
        self.handle(index)
    }

    /// Appends bound arguments to a parked record's body.
    pub fn bind(&mut self, index: u32, args: &[u64]) {
        match self
            .records
            .get_mut(index as usize)
            .and_then(|r| r.body.as_mut())
        {
            Some(Body::Fresh { bound, .. } | Body::Suspended { bound, .. }) => {
                bound.extend_from_slice(args)
            }
            None => {}
        }
    }

    /// Releases record `index` (returned, trapped, or consumed without
    /// running): stale handles fail, its stacks go to the pool.
    pub fn release(&mut self, index: u32) {
        let Some(record) = self.records.get_mut(index as usize) else {
            return;
        };
        record.revision = record.revision.wrapping_add(1);
        let body = record.body.take();
        self.free.push(index);
        if let Some(Body::Suspended { stack, links, .. }) = body {
            self.recycle(stack);
            for link in links {
                self.recycle(link.parent);
                self.release(link.record);
            }
        }
    }

    /// An empty stack, from the pool when it has one.
    pub fn stack(&mut self) -> ExecStack {
        self.pool.pop().unwrap_or_default()
    }

    /// Returns a stack to the pool (cleared; freed if big or the pool is full).
    pub fn recycle(&mut self, mut stack: ExecStack) {
        if self.pool.len() >= POOL_STACKS || stack.values.len() > POOL_MAX_SLOTS {
            return;
        }
        stack.clear();
        self.pool.push(stack);
    }

    /// Records holding a continuation (fresh, suspended or running).
    pub fn live(&self) -> usize {
        self.records.len() - self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fresh() -> Body {
        Body::Fresh {
            func: FuncAddr(0),
            bound: Vec::new(),
        }
    }

    #[test]
    fn handles_are_one_shot_and_null_is_checked_first() {
        let mut table = ContTable::default();
        let raw = table.create(fresh()).expect("record");
        assert_eq!(table.consume(0), Err(Trap::NullContinuation));
        let index = table.consume(raw).expect("first use");
        assert_eq!(table.consume(raw), Err(Trap::ContinuationAlreadyConsumed));
        let again = table.park(index, fresh());
        assert_ne!(again, raw);
        assert_eq!(table.consume(again), Ok(index));
    }

    #[test]
    fn released_records_are_reused_and_old_handles_fail() {
        let mut table = ContTable::default();
        let raw = table.create(fresh()).expect("record");
        let index = table.consume(raw).expect("use");
        table.release(index);
        assert_eq!(table.live(), 0);
        let reused = table.create(fresh()).expect("record");
        assert_eq!(ContHandle::from_raw(reused).map(|h| h.index), Some(index));
        assert_eq!(table.consume(raw), Err(Trap::ContinuationAlreadyConsumed));
        assert_eq!(table.live(), 1);
    }
}
