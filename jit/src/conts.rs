//! [`Conts`]: the continuations of compiled code in one store — the store's
//! fibre [`ContTable`] (records and index handles, shared with the
//! interpreter), the stack chain, native stacks from a pool, and the
//! handler tags of resume sites resolved per instance.
//!
//! ```text
//!   raw contref (wasmfx_core::value's contref slot; 0 = null), see fibre's table.rs
//!     bits 0..32   record index + 1     the same handles in both tiers
//!     bits 32..64  the record's revision (one-shot check)
//!
//!   table ──▶ Store::conts: ContTable ── header (records, len) ◀── VmRuntime.conts
//!             (set by every host entry, `RuntimeState::use_table`)
//!   chain: Box<StackChain>  the running records ◀── VmRuntime.chain (compiled code)
//!   pool:  StackPool            a record's stack from its first resume to its return
//!                               (or on to the table's warm list, kept with the record)
//!   resolved: (site, instance) ─▶ [tag address; clauses]   handler tables, kept for good
//!   trampolines: FuncAddr ─▶ array trampoline (how a fresh continuation calls its function)
//! ```
//!
//! Values cross a switch in the records' payload areas (fibre's record.rs,
//! "Payload"): no heap allocation per switch.

use crate::FuncSet;
use crate::sites::{ResumeSite, TagSite};
use crate::tag_table::TagTable;
use std::collections::HashMap;
use std::ptr::NonNull;
use wasmfx_core::{FuncAddr, TagAddr, Trap};
use wasmfx_fibre::{ContRecord, ContState, ContTable, StackChain, StackPool};

/// Native stacks in use past which a fresh continuation that finds no warm
/// stack may run as heap frames instead (`Conts::stacks_are_dear`):
/// below it, stacks cost at most about a MiB of touched memory.
pub const HEAP_FRAMES_AFTER: u64 = 256;

/// Native stacks in use at which compiled code's first continuation
/// collection starts (and the least a collection lets them grow to before
/// the next): a stack holds at least a page, so this bounds what garbage
/// continuations take to about 16 MiB before they are looked for.
pub const STACK_COLLECTION_MINIMUM: u64 = 4096;

/// Starts after which the history of continuations run as heap frames is
/// halved ([`Conts::note_heap_frames`]).
const HEAP_HISTORY: u64 = 4096;

/// The error of a runtime call made outside any host entry.
fn no_table() -> Trap {
    Trap::Host("no store entered: no continuation table".into())
}

/// The continuation runtime of one store (see the module doc).
#[derive(Debug)]
pub(crate) struct Conts {
    /// The store's table (`Store::conts`), pointed at by every host entry;
    /// null before the first. Used only inside a call, while the store is
    /// borrowed by it.
    table: *mut ContTable,
    /// The running records, innermost first (boxed: compiled code holds
    /// its address).
    pub chain: Box<StackChain>,
    pool: StackPool,
    /// Tag addresses of each (resume site, instance)'s clauses. Installed
    /// handler tables point into these tables (`tag_table.rs`), so they
    /// live as long as the code (as long as the Jit).
    resolved: HashMap<(usize, u32), TagTable>,
    /// Addresses of the array trampolines of compiled functions, by FuncAddr.
    trampolines: Vec<usize>,
    /// Continuations started as heap frames, and how many of them finished
    /// there (halved together now and then: recent history).
    pub heap_started: u64,
    pub heap_finished: u64,
    /// Continuations started as heap frames in all.
    pub heap_total: u64,
    /// Functions whose continuations live long (resumed many times): new
    /// ones get native stacks, dear or not.
    pub long_lived: FuncSet,
    /// Functions the fallback tier was asked about compiling at a
    /// continuation's start (it answers once per function:
    /// `FallbackTier::compile_at_start`).
    pub asked_at_start: FuncSet,
    /// The fresh record `cont_stack` last left without a stack
    /// (`STACK_DEAR`): the runtime resume that follows at once runs it in
    /// place without weighing it again (0: none).
    pub left_dear: usize,
    /// Stacks in use before heap frames are considered (`None`: never, the
    /// default; the tiered mode sets [`HEAP_FRAMES_AFTER`] through
    /// `Jit::set_heap_frames_after`; 0: always, warm stacks or not, for
    /// tests).
    pub heap_frames_after: Option<u64>,
    /// Bytes of native stack continuations may have mapped at once (the
    /// store's `StoreLimits::max_stack_memory`, set at every host entry).
    pub max_stack_bytes: u64,
    /// Stacks in use at which the next collection starts
    /// (`libcalls/collect.rs`), besides the table's own count.
    next_stack_collection: u64,
}

impl Default for Conts {
    fn default() -> Self {
        Conts {
            table: std::ptr::null_mut(),
            chain: Box::default(),
            pool: StackPool::default(),
            resolved: HashMap::new(),
            trampolines: Vec::new(),
            heap_started: 0,
            heap_finished: 0,
            heap_total: 0,
            long_lived: FuncSet::default(),
            asked_at_start: FuncSet::default(),
            left_dear: 0,
            heap_frames_after: None,
            max_stack_bytes: u64::MAX,
            next_stack_collection: STACK_COLLECTION_MINIMUM,
        }
    }
}

impl Conts {
    /// Points at the store's table for the call that begins.
    pub fn use_table(&mut self, table: &mut ContTable) {
        self.table = table;
    }

    /// The store's table, borrowed with the runtime.
    ///
    /// # Errors
    /// A host trap before any host entry gave one.
    fn table(&mut self) -> Result<&mut ContTable, Trap> {
        // SAFETY: `use_table` points at the table of the store that the
        // running call borrows (runtime calls only happen inside a call),
        // and no other reference to the table is live while a runtime call
        // uses it: the runtime is borrowed mutably as long as this is.
        unsafe { self.table.as_mut() }.ok_or_else(no_table)
    }

    /// The store's table, read only (as [`Conts::table`]).
    fn table_ref(&self) -> Result<&ContTable, Trap> {
        // SAFETY: as in `table`; the runtime is borrowed as long as this is.
        unsafe { self.table.as_ref() }.ok_or_else(no_table)
    }

    /// The chain's address, which compiled code reads (stable: boxed).
    pub fn chain_addr(&self) -> usize {
        std::ptr::from_ref::<StackChain>(&self.chain) as usize
    }

    /// A fresh continuation of `func`; returns its raw handle.
    pub fn create(&mut self, func: FuncAddr) -> Result<u64, Trap> {
        let mut record = self.table()?.alloc().map_err(Trap::from)?;
        // SAFETY: a record just allocated, used by nobody else.
        unsafe { record.as_mut().set_func(func.0) };
        self.handle(record)
    }

    /// The raw handle of `record` now.
    pub fn handle(&mut self, record: NonNull<ContRecord>) -> Result<u64, Trap> {
        self.table()?.handle(record).map_err(Trap::from)
    }

    /// The record at `index` of the store's table.
    ///
    /// # Errors
    /// A host trap for an index without a record.
    pub fn record(&self, index: u32) -> Result<NonNull<ContRecord>, Trap> {
        self.table_ref()?
            .record(index)
            .ok_or_else(|| Trap::Host(format!("no continuation record {index}")))
    }

    /// Uses a raw handle (null first, then its revision); returns its record.
    pub fn consume(&mut self, raw: u64) -> Result<NonNull<ContRecord>, Trap> {
        self.table()?.consume(raw).map_err(Trap::from)
    }

    /// Gives a fresh record without a stack one from the pool, started at
    /// `entry` by its first resume.
    pub fn ensure_stack(
        &mut self,
        mut record: NonNull<ContRecord>,
        entry: wasmfx_fibre::FibreEntry,
    ) -> Result<(), Trap> {
        // SAFETY: records handed to us are live records of the table.
        let target = unsafe { record.as_mut() };
        if target.has_stack() || target.state() != ContState::Fresh {
            // A warm record (fibre's table.rs) keeps its start: the
            // compiled start of its type, or `entry`'s.
            return Ok(());
        }
        let size = self.pool.stack_size() as u64;
        if (self.pool.in_use() + 1).saturating_mul(size) > self.max_stack_bytes {
            return Err(Trap::ResourceLimit(format!(
                "continuation stacks over the limit of {} bytes (-W max-stack-memory)",
                self.max_stack_bytes
            )));
        }
        let stack = self.pool.take().map_err(|e| {
            wasmfx_core::reserve::release();
            Trap::ResourceLimit(format!("cannot map a continuation stack: {e}"))
        })?;
        wasmfx_fibre::native::start(target, stack, entry)
            .map_err(|_| Trap::Host("continuation stack already installed".into()))
    }

    /// Whether a fresh continuation should rather not get a native stack
    /// now (its caller may run it as heap frames: `libcalls/in_place.rs`):
    /// [`HEAP_FRAMES_AFTER`] stacks (or the number set) are in use and none is warm, so a new
    /// one costs fresh memory, and continuations live long here: fewer
    /// than half of those started as heap frames lately finished (when
    /// they come and go, a stack is soon used again and pays for itself).
    pub fn stacks_are_dear(&self) -> bool {
        let after = match self.heap_frames_after {
            None => return false,
            Some(0) => return true, // always (for tests)
            Some(after) => after,
        };
        let churning = self.heap_started > 0 && self.heap_finished * 2 >= self.heap_started;
        self.pool.in_use() >= after && !churning && !self.pool.has_warm()
    }

    /// Whether a fresh continuation of `func` should run as heap frames
    /// rather than get a native stack: stacks are dear and continuations of
    /// `func` have not proved long-lived.
    pub fn prefers_heap_frames(&self, func: FuncAddr) -> bool {
        !self.long_lived.contains(func) && self.stacks_are_dear()
    }

    /// Whether a fresh continuation of `func` that the interpreter starts
    /// should run as heap frames: in the tiered mode, unless continuations
    /// of `func` proved long-lived, whether stacks are dear or not. Its
    /// resumer is interpreted then, which resumes heap frames at its own
    /// speed but a native continuation through a host entry each time
    /// (fiber:round_robin's 10,000 threads: up to 7,000 such resumes, a
    /// tenth of the run); a compiled resumer that gets it later runs it in
    /// place, and a hot loop in it moves it to a native stack where stacks
    /// are cheap (the interpreter's `Action::ContOsr`).
    pub fn starts_as_heap_frames(&self, func: FuncAddr) -> bool {
        self.heap_frames_after.is_some() && !self.long_lived.contains(func)
    }

    /// Notes a continuation started as heap frames (`finished`: one of
    /// them finished).
    pub fn note_heap_frames(&mut self, finished: bool) {
        match finished {
            true => self.heap_finished += 1,
            false => {
                self.heap_started += 1;
                self.heap_total += 1;
            }
        }
        if self.heap_started >= HEAP_HISTORY {
            self.heap_started /= 2;
            self.heap_finished /= 2;
        }
    }

    /// Makes a fresh record start with `entry` when first resumed, whatever
    /// start it had (a warm record's stack is kept): for a continuation the
    /// interpreter suspended and compiled code adopts.
    pub fn start_with(
        &mut self,
        mut record: NonNull<ContRecord>,
        entry: wasmfx_fibre::FibreEntry,
    ) -> Result<(), Trap> {
        // SAFETY: records handed to us are live records of the table.
        let target = unsafe { record.as_mut() };
        if target.has_stack() && target.state() == ContState::Fresh {
            // Nothing ran on its stack yet.
            target.restart(wasmfx_fibre::native::start_address(), Some(entry));
            return Ok(());
        }
        self.ensure_stack(record, entry)
    }

    /// Releases `record`: its handles fail from now on and its stack goes
    /// back to the pool.
    ///
    /// # Safety
    /// The record must be a live record of this table, off the chain, and
    /// nothing may run on its stack.
    pub unsafe fn release(&mut self, record: NonNull<ContRecord>) {
        let Ok(table) = self.table() else {
            return;
        };
        // SAFETY: the caller's promise.
        let stack = unsafe { table.release(record) };
        if let Some(stack) = stack {
            self.pool.give_back(stack);
        }
    }

    /// Releases `record`, whose function returned on its stack: parked on
    /// the table's warm list with its stack, ready to start `entry` again
    /// (fibre's table.rs), or released when the list is full or the record
    /// does not qualify.
    ///
    /// # Safety
    /// As [`Conts::release`].
    pub unsafe fn release_returned(
        &mut self,
        record: NonNull<ContRecord>,
        entry: wasmfx_fibre::FibreEntry,
    ) {
        let Ok(table) = self.table() else {
            return;
        };
        let start = wasmfx_fibre::native::start_address();
        // SAFETY: the caller's promise.
        if let Err(record) = unsafe { table.park_warm(record, start, entry) } {
            // SAFETY: as above.
            unsafe { self.release(record) };
        }
    }

    /// Takes every record above `mark` off the chain and releases it (a trap
    /// abandoned their stacks).
    pub fn unwind_to(&mut self, mark: Option<NonNull<ContRecord>>) {
        while let Some(innermost) = self.chain.innermost() {
            if Some(innermost) == mark {
                break;
            }
            // SAFETY: `innermost` is on the chain; a trap ended everything
            // running on its stack.
            unsafe {
                self.chain.detach(innermost);
                self.release(innermost);
            }
        }
    }

    /// The tag addresses of `site`'s clauses for the instance of `vmctx`
    /// (whose tags `instance_tags` gives), kept for good; the site remembers
    /// them for that vmctx, so compiled code finds them without calling out.
    ///
    /// # Errors
    /// A host trap when the instance lacks a tag the site names.
    #[inline]
    pub fn resolve_site<'t>(
        &mut self,
        site: &mut ResumeSite,
        vmctx: usize,
        instance: u32,
        instance_tags: impl FnOnce() -> &'t [TagAddr],
    ) -> Result<*const u64, Trap> {
        if site.cache_vmctx == vmctx {
            return Ok(site.cache_tags);
        }
        self.resolve_site_again(site, vmctx, instance, instance_tags())
    }

    /// [`Conts::resolve_site`] for a site last resolved for another vmctx
    /// (or never).
    #[cold]
    #[inline(never)]
    fn resolve_site_again(
        &mut self,
        site: &mut ResumeSite,
        vmctx: usize,
        instance: u32,
        instance_tags: &[TagAddr],
    ) -> Result<*const u64, Trap> {
        let key = (std::ptr::from_mut(site) as usize, instance);
        let tags = match self.resolved.get(&key) {
            Some(tags) => tags.as_ptr(),
            None => {
                let tags = site
                    .tag_indices()
                    .iter()
                    .map(|&tag| tag_identity(instance_tags, tag))
                    .collect::<Result<Vec<u64>, Trap>>()?;
                let tags = TagTable::new(&tags);
                let at = tags.as_ptr();
                self.resolved.insert(key, tags);
                at
            }
        };
        site.cache_vmctx = vmctx;
        site.cache_tags = tags;
        Ok(tags)
    }

    /// Records the array trampoline of a compiled function.
    pub fn set_trampoline(&mut self, func: FuncAddr, trampoline: usize) {
        let at = func.0 as usize;
        if self.trampolines.len() <= at {
            self.trampolines.resize(at + 1, 0);
        }
        self.trampolines[at] = trampoline;
    }

    /// The array trampoline of `func`, when it runs compiled code.
    #[inline]
    pub fn trampoline(&self, func: FuncAddr) -> Option<usize> {
        self.trampolines
            .get(func.0 as usize)
            .copied()
            .filter(|&t| t != 0)
    }

    /// Native stacks mapped so far.
    pub fn stacks_mapped(&self) -> u64 {
        self.pool.stats().mapped
    }

    /// Whether enough native stacks are in use for a collection.
    pub fn stacks_want_collection(&self) -> bool {
        self.pool.in_use() >= self.next_stack_collection
    }

    /// After a collection: the next waits until the stacks in use double.
    pub fn stacks_collected(&mut self) {
        self.next_stack_collection = STACK_COLLECTION_MINIMUM.max(self.pool.in_use() * 2);
    }
}

/// The identity handler tables compare: the tag's store address.
pub(crate) fn tag_identity(instance_tags: &[TagAddr], tag: u32) -> Result<u64, Trap> {
    instance_tags
        .get(tag as usize)
        .map(|addr| u64::from(addr.0))
        .ok_or_else(|| Trap::Host(format!("instance has no tag {tag}")))
}

/// The tag identity of a suspend or switch site for the instance of
/// `vmctx`; the site remembers it for that vmctx.
pub(crate) fn resolve_tag_site(
    site: &mut TagSite,
    vmctx: usize,
    instance_tags: &[TagAddr],
) -> Result<u64, Trap> {
    if site.cache_vmctx != vmctx {
        site.cache_tag = tag_identity(instance_tags, site.tag_index)?;
        site.cache_vmctx = vmctx;
    }
    Ok(site.cache_tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_store_there_is_no_table() {
        let mut conts = Conts::default();
        assert!(matches!(conts.create(FuncAddr(0)), Err(Trap::Host(_))));
    }

    #[test]
    fn handles_are_one_shot_and_the_stores() {
        let (mut conts, mut table) = (Conts::default(), ContTable::default());
        conts.use_table(&mut table);
        let raw = conts.create(FuncAddr(3)).expect("record");
        assert_eq!(raw as u32, 1, "index 0: the format both tiers use");
        assert_eq!(conts.consume(0), Err(Trap::NullContinuation));
        let record = conts.consume(raw).expect("live");
        // SAFETY: a live record of the table.
        assert_eq!(unsafe { record.as_ref().func() }, 3);
        assert_eq!(conts.consume(raw), Err(Trap::ContinuationAlreadyConsumed));
        let again = conts.handle(record).expect("handle");
        assert_ne!(again, raw);
        assert_eq!(conts.consume(again), Ok(record));
        // A handle naming an index the table never handed out is refused.
        assert_eq!(
            conts.consume(1 << 31 | 1),
            Err(Trap::ContinuationAlreadyConsumed)
        );
    }

    #[test]
    fn released_records_come_back_with_new_handles() {
        let (mut conts, mut table) = (Conts::default(), ContTable::default());
        conts.use_table(&mut table);
        let stale = conts.create(FuncAddr(0)).expect("record");
        let record = conts.consume(stale).expect("live");
        let stale = conts.handle(record).expect("handle");
        // SAFETY: the record never ran.
        unsafe { conts.release(record) };
        let raw = conts.create(FuncAddr(1)).expect("record");
        assert_eq!(raw as u32, stale as u32, "same index");
        assert_eq!(conts.consume(stale), Err(Trap::ContinuationAlreadyConsumed));
        assert_eq!(conts.consume(raw), Ok(record));
        assert_eq!(table.live(), 1);
    }

    #[test]
    fn a_site_resolves_once_per_instance() {
        let mut conts = Conts::default();
        let mut site = ResumeSite::new(1, vec![1, 0]);
        let tags = [TagAddr(10), TagAddr(11)];
        let first = conts
            .resolve_site(&mut site, 0x100, 0, || &tags)
            .expect("ok");
        // SAFETY: the resolved table holds the site's two clauses.
        assert_eq!(unsafe { std::slice::from_raw_parts(first, 2) }, &[11, 10]);
        let other = [TagAddr(20), TagAddr(21)];
        let second = conts
            .resolve_site(&mut site, 0x200, 1, || &other)
            .expect("ok");
        assert_ne!(first, second);
        let back = conts
            .resolve_site(&mut site, 0x100, 0, || &tags)
            .expect("ok");
        assert_eq!(back, first, "the first instance's table is kept");
        assert!(
            conts
                .resolve_site(&mut site, 0x300, 2, || &tags[..1])
                .is_err()
        );
    }
}
