//! [`ContTable`]: the interpreter's side of the store's continuation
//! records (`Store::conts`, a `wasmfx_fibre::ContTable` both tiers share),
//! and a pool of idle [`ExecStack`]s. Every method that touches records
//! takes the store's table.
//!
//! ```text
//!   records  (store)  index ─▶ ContRecord: revision, state, func,
//!                                 payload (the values cont.bind bound)
//!   parked   (ours)   index ─▶ Some(Captured { stack, top, links }), 96
//!                                 bytes, while the interpreter holds it
//!                                 suspended
//!   compact  (ours)   index ─▶ [u64; 4], the value slots of a parked
//!                                 stack that lent its Vec (see `compact`)
//!   pool              [ ExecStack … ]  cleared stacks, reused by resume
//! ```
//!
//! A contref names (index, revision): every use checks the revision
//! against the record's and bumps it, so each handle works once; releasing
//! a record bumps it too, so stale handles to a reused record fail as
//! "already consumed". A record that never left the interpreter has no
//! native stack: suspending and resuming it moves heap frames only.

use super::Captured;
use crate::stack::ExecStack;
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, Trap};
use wasmfx_fibre::{ContRecord, ContState, RETIRED, raw_handle};

/// The store's continuation records.
type Records = wasmfx_fibre::ContTable;

/// Stacks kept in the pool at most.
const POOL_STACKS: usize = 256;
/// A pooled stack bigger than this many value slots is freed instead.
const POOL_MAX_SLOTS: usize = 4096;
/// Value slots a compacted parked stack has at most (see `compact`).
const COMPACT_SLOTS: usize = 4;

/// Where a resumed continuation starts.
#[derive(Debug)]
pub(crate) enum Start {
    /// Not started: calls `func` (bound values first, then the resume's).
    Fresh(FuncAddr),
    /// Captured by a suspend or switch.
    Suspended(Captured),
}

/// The records' interpreter side and the stack pool (one per interpreter,
/// hence per store).
#[derive(Debug, Default)]
pub(crate) struct ContTable {
    /// Heap frames of records suspended by the interpreter, by record index.
    parked: Vec<Option<Captured>>,
    /// Which parked records hold a *call* that suspended outward
    /// ([`ContTable::park_new`]), or frames that compiled code runs in
    /// place and holds while their suspension goes on past it
    /// ([`ContTable::hold`]): their runners name them by index, not by
    /// handle, so the collector keeps them (`exec/collect.rs`).
    calls: Vec<bool>,
    /// Value slots of parked stacks that gave their `Vec` to a stack
    /// taken from an empty pool ([`ContTable::stack`]): the stack parked
    /// last, when it has at most [`COMPACT_SLOTS`], keeps its slots here
    /// (by record index, `compact_len` of them; 0: not compacted) and
    /// gets a `Vec` again when it runs. Holding many small continuations
    /// (`cont_held`) then allocates nothing per continuation: each held
    /// one had its own `Vec`, a `malloc` and a `free`, which take a lock
    /// once the compile thread exists.
    compact: Vec<[u64; COMPACT_SLOTS]>,
    compact_len: Vec<u8>,
    /// The record parked last (its slot may be empty by now).
    last_parked: u32,
    pool: Vec<ExecStack>,
    /// Young continuations (resumed fewer than [`crate::LONG_LIVED_AFTER`]
    /// times so far) started or resumed as heap frames by the interpreter
    /// itself (for `osr_watch.rs`).
    pub runs: u64,
    /// Reused buffer for arguments on their way between stacks.
    pub scratch: Vec<u64>,
}

impl ContTable {
    /// Record `index` (of a handle this table checked).
    #[inline]
    fn record(records: &Records, index: u32) -> Result<NonNull<ContRecord>, Trap> {
        records
            .record(index)
            .ok_or_else(|| Trap::Host(format!("no continuation record {index}")))
    }

    /// A fresh record that calls `func`; returns its raw handle.
    ///
    /// # Errors
    /// `Trap::Host` when no record index is left.
    pub fn create(&mut self, records: &mut Records, func: FuncAddr) -> Result<u64, Trap> {
        let mut record = records.alloc().map_err(Trap::from)?;
        // SAFETY: a live record of the table, used by nothing else yet.
        unsafe { record.as_mut().set_func(func.0) };
        records.handle(record).map_err(Trap::from)
    }

    /// Uses a raw handle: checks null, then that it is current, and bumps
    /// the record's revision. Returns the record index.
    ///
    /// # Errors
    /// [`Trap::NullContinuation`], then [`Trap::ContinuationAlreadyConsumed`].
    #[inline]
    pub fn consume(&mut self, records: &mut Records, raw: u64) -> Result<u32, Trap> {
        let record = records.consume(raw).map_err(Trap::from)?;
        // SAFETY: the table hands out live records.
        Ok(unsafe { record.as_ref().index() })
    }

    /// The current raw handle of record `index`. A record whose revision is
    /// about to wrap moves to a new index (see `wasmfx_fibre::ContTable`):
    /// its captured frames move with it.
    ///
    /// # Errors
    /// `Trap::Host` when no index is left for the move.
    #[inline]
    pub fn handle(&mut self, records: &mut Records, index: u32) -> Result<u64, Trap> {
        let record = Self::record(records, index)?;
        self.handle_of(records, record)
    }

    /// [`ContTable::handle`] of a record at hand.
    #[inline]
    fn handle_of(
        &mut self,
        records: &mut Records,
        record: NonNull<ContRecord>,
    ) -> Result<u64, Trap> {
        // SAFETY: a live record of the table.
        let (index, revision) = unsafe { (record.as_ref().index(), record.as_ref().revision()) };
        if revision < RETIRED {
            return Ok(raw_handle(index, revision));
        }
        let raw = records.handle(record).map_err(Trap::from)?;
        // SAFETY: as above.
        let now = unsafe { record.as_ref().index() };
        let parked = self.take_slot(index);
        let call = self.calls.get_mut(index as usize).map(std::mem::take);
        self.put(now, parked)?;
        self.calls[now as usize] = call.unwrap_or(false);
        Ok(raw)
    }

    /// Appends bound arguments to record `index`.
    ///
    /// # Errors
    /// `Trap::Host` beyond `u32::MAX` bound values.
    pub fn bind(&mut self, records: &mut Records, index: u32, args: &[u64]) -> Result<(), Trap> {
        let mut record = Self::record(records, index)?;
        // SAFETY: a live record of the table, not running (just consumed).
        unsafe { record.as_mut().push_payload(args) }
            .map_err(|_| Trap::Host("too many bound values".into()))
    }

    /// Starts running record `index`: moves its bound values to the end of
    /// `args` and returns where it starts.
    ///
    /// # Errors
    /// `Trap::Host` when compiled code suspended the record (its frames are
    /// on a native stack).
    pub fn start(
        &mut self,
        records: &mut Records,
        index: u32,
        args: &mut Vec<u64>,
    ) -> Result<Start, Trap> {
        let mut record = Self::record(records, index)?;
        // SAFETY: a live record of the table, just consumed by the caller.
        let target = unsafe { record.as_mut() };
        let parked = match target.state() {
            ContState::Fresh => None,
            ContState::Parked => {
                if let Some(call) = self.calls.get_mut(index as usize) {
                    *call = false;
                }
                self.take_slot(index)
            }
            // Suspended by compiled code: its frames are on a native stack.
            _ => {
                return Err(Trap::Host(
                    "continuation suspended by compiled code resumed by interpreted code \
                     (not supported)"
                        .into(),
                ));
            }
        };
        let start = match parked {
            Some(parked) => Start::Suspended(parked),
            None if target.state() == ContState::Fresh => Start::Fresh(FuncAddr(target.func())),
            None => return Err(Trap::Host(format!("continuation record {index} is empty"))),
        };
        args.extend_from_slice(target.payload());
        target.clear_payload();
        target.set_state(ContState::Running);
        match &start {
            Start::Fresh(_) => self.runs += 1,
            Start::Suspended(captured) => self.count_run(captured),
        }
        Ok(start)
    }

    /// A new record holding the parked activation `captured` of `root`
    /// (see `exec/outward.rs`); returns its index.
    ///
    /// # Errors
    /// `Trap::Host` when no record index is left.
    pub fn park_at(
        &mut self,
        records: &mut Records,
        index: u32,
        root: FuncAddr,
        captured: Captured,
    ) -> Result<u32, Trap> {
        let mut record = Self::record(records, index)?;
        self.put(index, Some(captured))?;
        // SAFETY: a live record of the table, consumed by our caller's
        // resumer, detached and without a stack.
        unsafe {
            record.as_mut().set_func(root.0);
            record.as_mut().set_state(ContState::Parked);
        }
        Ok(index)
    }

    pub fn park_new(
        &mut self,
        records: &mut Records,
        root: FuncAddr,
        captured: Captured,
    ) -> Result<u32, Trap> {
        let mut record = records.alloc().map_err(Trap::from)?;
        // SAFETY: a live record of the table, used by nothing else yet.
        let index = unsafe { record.as_ref().index() };
        if let Err(trap) = self.put(index, Some(captured)) {
            // SAFETY: just allocated, on no chain, no stack.
            let _ = unsafe { records.release(record) };
            return Err(trap);
        }
        self.calls[index as usize] = true;
        // SAFETY: as above.
        unsafe {
            record.as_mut().set_func(root.0);
            record.as_mut().set_state(ContState::Parked);
        }
        Ok(index)
    }

    /// Whether record `index` holds native frames (compiled code suspended
    /// it), and its function.
    pub fn native_state(records: &Records, index: u32) -> Result<(bool, FuncAddr), Trap> {
        let record = Self::record(records, index)?;
        // SAFETY: a live record of the table.
        let (state, func) = unsafe { (record.as_ref().state(), record.as_ref().func()) };
        Ok((state == ContState::Suspended, FuncAddr(func)))
    }

    /// The raw handle by which a frame waits in record `index`, whose
    /// frames are native (`Regs::native`). Unlike [`ContTable::handle`] it
    /// never moves the record: native frames name it by index too.
    ///
    /// # Errors
    /// `Trap::Host` for an index without a record.
    pub fn waiter_handle(records: &Records, index: u32) -> Result<u64, Trap> {
        let record = Self::record(records, index)?;
        // SAFETY: a live record of the table.
        Ok(raw_handle(index, unsafe { record.as_ref().revision() }))
    }

    /// The record a frame waits in (its `Regs::native`), checked: still the
    /// revision the frame saw, and suspended.
    ///
    /// # Errors
    /// `Trap::Host` when that record was freed or reused, which the
    /// collector's roots rule out.
    pub fn waited_in(records: &Records, raw: u64) -> Result<u32, Trap> {
        let index = (raw as u32).wrapping_sub(1);
        let record = Self::record(records, index)?;
        // SAFETY: a live record of the table.
        let (revision, state) = unsafe { (record.as_ref().revision(), record.as_ref().state()) };
        if revision != raw >> 32 || state != ContState::Suspended {
            return Err(Trap::Host(format!(
                "the native frames a continuation waits in (record {index}) are gone"
            )));
        }
        Ok(index)
    }

    /// Whether record `index` is fresh.
    pub fn is_fresh(records: &Records, index: u32) -> bool {
        // SAFETY: a live record of the table.
        Self::record(records, index)
            .is_ok_and(|r| unsafe { r.as_ref().state() } == ContState::Fresh)
    }

    /// The function of record `index` (for a parked activation: its root).
    ///
    /// # Errors
    /// `Trap::Host` for an index without a record.
    pub fn func(records: &Records, index: u32) -> Result<FuncAddr, Trap> {
        let record = Self::record(records, index)?;
        // SAFETY: a live record of the table.
        Ok(FuncAddr(unsafe { record.as_ref().func() }))
    }

    /// Takes the frames parked in record `index` to run them (whatever
    /// runs the record now: the interpreter, or compiled code that adopted
    /// it); the record is running from now on.
    #[inline]
    pub fn take_parked(&mut self, records: &mut Records, index: u32) -> Option<Captured> {
        let captured = self.take_slot(index)?;
        self.calls[index as usize] = false;
        if let Some(mut record) = records.record(index) {
            // SAFETY: a live record of the table whose frames we held.
            unsafe { record.as_mut().set_state(ContState::Running) };
        }
        Some(captured)
    }

    /// Marks record `index`, fresh and consumed by compiled code that runs
    /// it in place (`Interpreter::start_in_place`), as running.
    ///
    /// # Errors
    /// `Trap::Host` for an index without a record.
    pub fn set_running(records: &mut Records, index: u32) -> Result<(), Trap> {
        let mut record = Self::record(records, index)?;
        // SAFETY: a live record of the table, which its resumer consumed:
        // nothing else reads or writes it while it runs here.
        unsafe { record.as_mut().set_state(ContState::Running) };
        Ok(())
    }

    /// Counts the frames parked in record `index` among the parked calls
    /// (see `calls`) until they are taken or released.
    pub fn hold(&mut self, index: u32) {
        let parked = self.parked.get(index as usize).is_some_and(Option::is_some);
        if let (true, Some(call)) = (parked, self.calls.get_mut(index as usize)) {
            *call = true;
        }
    }

    /// Records holding a parked call (see `calls`).
    pub fn parked_calls(&self) -> impl Iterator<Item = u32> + '_ {
        (self.calls.iter().enumerate()).filter_map(|(index, &call)| call.then_some(index as u32))
    }

    /// The frames parked in record `index`, if the interpreter holds any.
    pub fn parked(&self, index: u32) -> Option<&Captured> {
        self.parked.get(index as usize)?.as_ref()
    }

    /// The function of the record `raw` names, when the handle is current
    /// and the record fresh (nothing changed).
    #[inline]
    pub fn fresh_func(records: &Records, raw: u64) -> Option<FuncAddr> {
        let record = records.lookup(raw).ok()?;
        // SAFETY: a live record of the table.
        let target = unsafe { record.as_ref() };
        (target.state() == ContState::Fresh).then(|| FuncAddr(target.func()))
    }

    /// Takes the frames parked in the record `raw` names, to run them, when
    /// that is all a resume has to do: the handle is current, the record is
    /// parked here with no bound values, and its top frame waits in no
    /// native continuation. It then uses the handle up and marks the record
    /// running; otherwise it changes nothing (`None`), and the general path
    /// ([`ContTable::consume`], [`ContTable::start`]) says what is wrong.
    #[inline(always)]
    pub fn take_resumable(&mut self, records: &mut Records, raw: u64) -> Option<(u32, Captured)> {
        let mut record = records.lookup(raw).ok()?;
        // SAFETY: a live record of the table.
        let (state, bound, index) = unsafe {
            let target = record.as_ref();
            (target.state(), target.payload().len(), target.index())
        };
        let slot = self.parked.get(index as usize)?;
        let plain = slot.as_ref().is_some_and(|parked| parked.top.native == 0);
        if state != ContState::Parked || bound != 0 || !plain {
            return None;
        }
        let captured = self.take_slot(index)?;
        // SAFETY: `lookup` found it just now; nothing used its handle since.
        unsafe { records.consume_found(record) };
        if let Some(call) = self.calls.get_mut(index as usize) {
            *call = false;
        }
        // SAFETY: as above; its resumer (our caller) runs it now.
        unsafe { record.as_mut().set_state(ContState::Running) };
        self.count_run(&captured);
        Some((index, captured))
    }

    /// Counts a run of `captured` in [`ContTable::runs`] if it is young.
    #[inline]
    fn count_run(&mut self, captured: &Captured) {
        self.runs += u64::from(captured.stack.resumptions < crate::LONG_LIVED_AFTER);
    }

    /// Parks `captured` in record `index` (suspended) and returns the
    /// record's current handle.
    ///
    /// # Errors
    /// As [`ContTable::handle`].
    pub fn park(
        &mut self,
        records: &mut Records,
        index: u32,
        captured: Captured,
    ) -> Result<u64, Trap> {
        let mut record = Self::record(records, index)?;
        self.put(index, Some(captured))?;
        // SAFETY: a live record of the table whose frames we hold.
        unsafe { record.as_mut().set_state(ContState::Parked) };
        self.handle_of(records, record)
    }

    #[inline]
    fn put(&mut self, index: u32, parked: Option<Captured>) -> Result<(), Trap> {
        self.last_parked = index;
        if let (Some(slot), Some(call)) = (
            self.parked.get_mut(index as usize),
            self.calls.get_mut(index as usize),
        ) {
            *call = false;
            *slot = parked;
            return Ok(());
        }
        self.put_growing(index, parked)
    }

    /// Takes the frames parked in record `index`; a compacted stack gets
    /// its value slots back in a `Vec` first (see `compact`).
    #[inline(always)]
    fn take_slot(&mut self, index: u32) -> Option<Captured> {
        let slot = self.parked.get_mut(index as usize)?;
        if slot.as_ref()?.stack.values.capacity() == 0 {
            self.expand(index);
            return self.parked.get_mut(index as usize)?.take();
        }
        slot.take()
    }

    /// Gives the parked stack of record `index` its compacted value slots
    /// back, in a `Vec` (see `compact`).
    #[cold]
    #[inline(never)]
    fn expand(&mut self, index: u32) {
        let at = index as usize;
        let Some(len) = self.compact_len.get_mut(at) else {
            return;
        };
        let n = std::mem::take(len) as usize;
        if n == 0 {
            return;
        }
        let mut values = self
            .pool
            .pop()
            .map(|stack| stack.values)
            .unwrap_or_default();
        values.clear();
        values.extend_from_slice(&self.compact[at][..n]);
        if let Some(Some(captured)) = self.parked.get_mut(at) {
            captured.stack.values = values;
        }
    }

    /// The value slots of the stack parked last, moved to `compact` when
    /// they fit, and its `Vec`, for [`ContTable::stack`] (see `compact`).
    #[cold]
    #[inline(never)]
    fn compact_last(&mut self) -> Option<Vec<u64>> {
        let at = self.last_parked as usize;
        let captured = self.parked.get_mut(at)?.as_mut()?;
        let n = captured.stack.values.len();
        if n == 0 || n > COMPACT_SLOTS {
            return None;
        }
        if at >= self.compact.len() {
            let more = at + 1 - self.compact.len();
            if self.compact.try_reserve(more).is_err()
                || self.compact_len.try_reserve(more).is_err()
            {
                return None;
            }
            self.compact.resize(at + 1, [0; COMPACT_SLOTS]);
            self.compact_len.resize(at + 1, 0);
        }
        self.compact[at][..n].copy_from_slice(&captured.stack.values);
        self.compact_len[at] = n as u8;
        Some(std::mem::take(&mut captured.stack.values))
    }

    /// The compacted value slots of the frames parked in record `index`
    /// (empty unless compacted: then they are in its stack).
    pub fn compacted(&self, index: u32) -> &[u64] {
        let at = index as usize;
        match self.compact_len.get(at) {
            Some(&n) if n > 0 => &self.compact[at][..n as usize],
            _ => &[],
        }
    }

    /// [`ContTable::put`] where the slots may have to grow first.
    #[cold]
    #[inline(never)]
    fn put_growing(&mut self, index: u32, parked: Option<Captured>) -> Result<(), Trap> {
        if let Some(call) = self.calls.get_mut(index as usize) {
            *call = false;
        }
        match self.parked.get_mut(index as usize) {
            Some(slot) => *slot = parked,
            None => {
                // As many slots as records: the guest decides how many.
                let more = index as usize + 1 - self.parked.len();
                if self.parked.try_reserve(more).is_err() {
                    (self.parked.try_reserve_exact(more)).map_err(|_| cannot_park())?;
                }
                self.calls.try_reserve(more).map_err(|_| cannot_park())?;
                self.parked.resize_with(index as usize, || None);
                self.parked.push(parked);
                self.calls.resize(index as usize + 1, false);
            }
        }
        Ok(())
    }

    /// Releases record `index` (returned, trapped, or consumed without
    /// running): stale handles fail, its stacks go to the pool.
    pub fn release(&mut self, records: &mut Records, index: u32) {
        if let Some(record) = records.record(index) {
            // SAFETY: a live record that the interpreter holds: off any
            // native chain, with nothing running on a native stack. A
            // native stack (none in practice) is unmapped, dropped here.
            let _ = unsafe { records.release(record) };
        }
        let parked = self.parked.get_mut(index as usize).and_then(Option::take);
        if let Some(len) = self.compact_len.get_mut(index as usize) {
            *len = 0;
        }
        if let Some(call) = self.calls.get_mut(index as usize) {
            *call = false;
        }
        if let Some(Captured { stack, links, .. }) = parked {
            self.recycle(stack);
            for link in links.into_iter().flat_map(|links| *links) {
                self.recycle(link.parent);
                self.release(records, link.record);
            }
        }
    }

    /// An empty stack, from the pool when it has one.
    pub fn stack(&mut self) -> ExecStack {
        match self.pool.pop() {
            Some(stack) => stack,
            None => ExecStack {
                values: self.compact_last().unwrap_or_default(),
                ..ExecStack::default()
            },
        }
    }

    /// Returns a stack to the pool (cleared; freed if big or the pool is full).
    pub fn recycle(&mut self, mut stack: ExecStack) {
        if self.pool.len() >= POOL_STACKS || stack.values.len() > POOL_MAX_SLOTS {
            return;
        }
        stack.clear();
        self.pool.push(stack);
    }
}

/// The trap for a parked continuation the host has no memory for.
#[cold]
fn cannot_park() -> Trap {
    wasmfx_core::reserve::release();
    Trap::ResourceLimit("out of memory: cannot park a continuation".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmfx_core::value::ContHandle;

    #[test]
    fn handles_are_one_shot_and_null_is_checked_first() {
        let (mut table, mut records) = (ContTable::default(), Records::default());
        let raw = table.create(&mut records, FuncAddr(0)).expect("record");
        assert_eq!(table.consume(&mut records, 0), Err(Trap::NullContinuation));
        let index = table.consume(&mut records, raw).expect("first use");
        assert_eq!(
            table.consume(&mut records, raw),
            Err(Trap::ContinuationAlreadyConsumed)
        );
        let again = table.handle(&mut records, index).expect("handle");
        assert_ne!(again, raw);
        assert_eq!(table.consume(&mut records, again), Ok(index));
    }

    #[test]
    fn released_records_are_reused_and_old_handles_fail() {
        let (mut table, mut records) = (ContTable::default(), Records::default());
        let raw = table.create(&mut records, FuncAddr(0)).expect("record");
        let index = table.consume(&mut records, raw).expect("use");
        table.release(&mut records, index);
        assert_eq!(records.live(), 0);
        let reused = table.create(&mut records, FuncAddr(1)).expect("record");
        assert_eq!(ContHandle::from_raw(reused).map(|h| h.index), Some(index));
        assert_eq!(
            table.consume(&mut records, raw),
            Err(Trap::ContinuationAlreadyConsumed)
        );
        assert_eq!(records.live(), 1);
    }

    #[test]
    fn a_parked_continuation_takes_96_bytes() {
        // Two vectors and a resumption count, the top registers (with the
        // handle of a native continuation waited in), the links.
        assert_eq!(size_of::<Option<Captured>>(), 96);
    }

    /// A parked activation of one frame whose value stack is `values`.
    fn captured(values: &[u64]) -> Captured {
        let code = std::rc::Rc::new(crate::code::Code {
            ops: Box::new([crate::op::Op::Return]),
            handlers: Box::new([]),
            cont_sites: Box::new([]),
            unsupported: Box::new([]),
            num_params: 0,
            num_locals: 0,
            num_results: 0,
            max_height: 0,
            instance: wasmfx_core::InstanceId(0),
            func: FuncAddr(0),
        });
        Captured {
            stack: ExecStack {
                values: values.to_vec(),
                ..ExecStack::default()
            },
            top: super::super::Regs {
                code,
                pc: 0,
                sp: 0,
                base: 0,
                native: 0,
            },
            links: None,
        }
    }

    #[test]
    fn a_stack_taken_from_an_empty_pool_compacts_the_one_parked_last() {
        let (mut table, mut records) = (ContTable::default(), Records::default());
        let mut park = |table: &mut ContTable, values: &[u64]| {
            let raw = table.create(&mut records, FuncAddr(0)).expect("record");
            let index = table.consume(&mut records, raw).expect("use");
            let handle = table
                .park(&mut records, index, captured(values))
                .expect("park");
            (index, handle)
        };
        let (a, a_handle) = park(&mut table, &[1, 2, 3]);
        // Its slots are kept apart; its Vec is the new stack's.
        assert_eq!(table.stack().values, [1, 2, 3]);
        assert_eq!(table.compacted(a), [1, 2, 3]);
        assert!(table.parked(a).is_some_and(|c| c.stack.values.is_empty()));
        // Five slots do not fit: that stack keeps its Vec.
        let (b, b_handle) = park(&mut table, &[4, 5, 6, 7, 8]);
        assert!(table.stack().values.is_empty());
        assert!(table.compacted(b).is_empty());
        for (index, handle, values) in [
            (a, a_handle, &[1, 2, 3][..]),
            (b, b_handle, &[4, 5, 6, 7, 8]),
        ] {
            let (taken, captured) = table.take_resumable(&mut records, handle).expect("parked");
            assert_eq!(taken, index);
            assert_eq!(captured.stack.values, values);
            assert!(table.compacted(index).is_empty());
        }
    }

    #[test]
    fn bound_values_come_first_and_are_taken_once() {
        let (mut table, mut records) = (ContTable::default(), Records::default());
        let raw = table.create(&mut records, FuncAddr(7)).expect("record");
        let index = table.consume(&mut records, raw).expect("use");
        table.bind(&mut records, index, &[1, 2]).expect("bind");
        let mut args = vec![];
        let start = table.start(&mut records, index, &mut args).expect("fresh");
        assert!(matches!(start, Start::Fresh(FuncAddr(7))));
        assert_eq!(args, [1, 2]);
        // Running, and no frames of the interpreter to start from.
        assert!(table.start(&mut records, index, &mut args).is_err());
    }
}
