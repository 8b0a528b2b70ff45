//! [`ContRecord`]: the continuation record both tiers share.
//!
//! ```text
//!   ContRecord (208 bytes, #[repr(C)]; compiled code uses the offsets in `offsets`)
//!   +0   key             u64    (revision << 32) | (index + 1), see "Key"
//!   +8   state           u32    ContState: 0 Fresh, 1 Running, 2 Suspended, 3 Returned,
//!                               4 Parked (suspended by the interpreter), 5 Free (released)
//!   +12  link            u8     ParentLink: 0 Detached, 1 Host, 2 Continuation
//!   +13  native_parent   u8     1 when reaching the parent takes a native switch
//!   +14  crossed         u8     1 when a skip entry may jump its parent link (skip.rs)
//!   +16  index           u32    its index in a ContTable (handles name it; NO_INDEX outside)
//!   +20  clause          u32    the handler clause of the suspend that captured it
//!   +24  parent          *ContRecord   (null unless link = Continuation; on a table's
//!                                      warm list, the next warm record)
//!   +32  last_ancestor   *ContRecord   outermost record of the captured segment
//!                                      (itself unless a suspend skipped prompts)
//!   +40  context.sp      ┐ Context: its own resume point while suspended,
//!   +48  context.fp      │ its resumer's while running (one slot serves both:
//!   +56  context.ip      ┘ switches read before they write)
//!   +64  stack_limit     usize  lowest address compiled frames may use on its stack
//!   +72  handlers.tags   *u64   the handler table of the resume running it
//!   +80  handlers.len    u32
//!   +84  handlers.first_switch u32  suspend clauses [0, first_switch), switch clauses after
//!   +88  payload_ptr     *u64   the inline area below, or a spill buffer
//!   +96  payload_len     u32    values in flight (raw slots), see "Payload"
//!   +100 payload_cap     u32
//!   +104 payload_inline  [u64; 4]
//!   +136 stack_base      usize  fibre stack mapping (0 = no native stack)
//!   +144 stack_start     usize  where a fresh context's frames start on it
//!                               (stack::start_sp of its top, which is this rounded
//!                               up to 4 KiB); nothing on the stack lies above it
//!   +152 entry           fn(*ContRecord) -> u64, run by the Rust entry trampoline
//!   +160 interp          u64    opaque: the interpreter's heap frames (its ExecStack)
//!   +168 func            u32    the function a fresh continuation calls (store address)
//!   +172 depth           u32    as a prompt: resumes nested around and including its
//!                               own (set by every attach; see `chain.rs`)
//!   +176 func_ref        usize  its VmFuncRef, for a compiled start (jit's cont_start.rs;
//!                               0 unless compiled code made the record)
//!   +184 skip.to         *ContRecord   where a handler search from here may jump (skip.rs)
//!   +192 skip.mask       u64    bits of the tags the jumped prompts handle
//!   +200 skip.epoch      u64    the chain's epoch when made (0: none)
//! ```
//!
//! # Key
//! The revision (bumped by every use of a reference, and on release) and
//! the index share one word, laid out as a raw handle (table.rs): while
//! the revision is below [`crate::RETIRED`] the key is the record's
//! current handle, so compiled code checks a handle with one compare and
//! makes one with one load. The revision stops at `RETIRED`, which no
//! handle carries (the table gives such a record a new index before it
//! hands out another handle). Outside a table (`NO_INDEX`) the low half
//! is 0; a table's sentinel has key `u64::MAX`, which equals no handle.
//!
//! # Payload
//! One area carries every value that crosses a switch, in this order of use:
//! while detached (fresh or suspended) it holds the values `cont.bind`
//! bound so far; a resume appends its arguments and switches in; the
//! resumed code takes them all and empties it. A suspend puts its payload
//! in the record it captures (the innermost), a returning function its
//! results in its own record; the resumer that gets control back reads
//! them from there and empties it. The fields compiled code uses for the
//! round trip (key to payload) come first.
//!
//! Rust reads `state` and `link` as enums: compiled code stores only the
//! values listed above.
//!
//! Records live in a [`crate::ContArena`] at stable addresses (the payload
//! pointer may point into the record itself), never on the Rust stack.
//! A [`crate::ContTable`] names them with one-shot index handles
//! (table.rs); [`crate::ContRef`] (reference.rs) is the pointer form.

use crate::context::Context;
use crate::skip::SkipEntry;
use crate::table::RETIRED;
use std::ptr::NonNull;

#[cfg(feature = "native")]
mod own_stack;
mod payload;

pub mod offsets;

/// Payload slots stored in the record itself; longer payloads spill to the heap.
pub const PAYLOAD_INLINE: usize = 4;

/// The index of a record that belongs to no [`crate::ContTable`].
pub const NO_INDEX: u32 = u32::MAX;

/// Where a continuation is in its life.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContState {
    /// Made by `cont.new`, not yet resumed.
    Fresh = 0,
    /// On the stack chain (running, or the parent of what runs).
    Running = 1,
    /// Suspended, waiting for a resume.
    Suspended = 2,
    /// Its function returned; only release is left.
    Returned = 3,
    /// Suspended by the interpreter: its frames are heap frames that the
    /// interpreter keeps (by record index), and it has no native resume
    /// point, so compiled code leaves it to the runtime.
    Parked = 4,
    /// Released to its arena's free list: no handle reaches it any more
    /// (its revision moved on), and a second release is refused.
    Free = 5,
}

/// What a record's `parent` means.
#[repr(u8)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParentLink {
    /// Not on a stack chain.
    Detached = 0,
    /// Its resumer is the host: the outermost record of a chain.
    Host = 1,
    /// Its resumer runs in the record `parent`.
    Continuation = 2,
}

/// The handler clauses of a `resume`, as tag identities (whatever the tiers
/// agree on: the tag's store address). Suspend clauses come first.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct HandlerTable {
    pub tags: *const u64,
    pub len: u32,
    pub first_switch: u32,
}

impl HandlerTable {
    pub const EMPTY: HandlerTable = HandlerTable {
        tags: std::ptr::null(),
        len: 0,
        first_switch: 0,
    };
}

/// The body a fibre started by [`crate::native::start`] runs: receives its
/// record, returns the last word passed to its resumer.
pub type FibreEntry = unsafe extern "C" fn(record: *mut ContRecord) -> u64;

/// A payload longer than a record can describe (more than `u32::MAX` slots).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayloadTooLong;

/// One continuation: see the module doc for the layout.
#[repr(C)]
#[derive(Debug)]
pub struct ContRecord {
    key: u64,
    state: ContState,
    link: ParentLink,
    native_parent: bool,
    crossed: bool,
    index: u32,
    clause: u32,
    parent: *mut ContRecord,
    last_ancestor: *mut ContRecord,
    context: Context,
    stack_limit: usize,
    handlers: HandlerTable,
    payload_ptr: *mut u64,
    payload_len: u32,
    payload_cap: u32,
    payload_inline: [u64; PAYLOAD_INLINE],
    stack_base: usize,
    stack_start: usize,
    entry: Option<FibreEntry>,
    interp: u64,
    func: u32,
    depth: u32,
    func_ref: usize,
    skip: SkipEntry,
}

impl ContRecord {
    /// A detached fresh record with no stack, revision 0, no index. Only
    /// the arena makes records, and calls [`ContRecord::reset`] once it is
    /// in place.
    pub(crate) const EMPTY: ContRecord = ContRecord {
        key: 0,
        state: ContState::Fresh,
        link: ParentLink::Detached,
        native_parent: false,
        crossed: false,
        index: NO_INDEX,
        clause: 0,
        parent: std::ptr::null_mut(),
        last_ancestor: std::ptr::null_mut(),
        context: Context {
            sp: 0,
            fp: 0,
            ip: 0,
        },
        stack_base: 0,
        stack_start: 0,
        stack_limit: 0,
        entry: None,
        handlers: HandlerTable::EMPTY,
        payload_ptr: std::ptr::null_mut(),
        payload_len: 0,
        payload_cap: 0,
        payload_inline: [0; PAYLOAD_INLINE],
        interp: 0,
        func: 0,
        depth: 0,
        func_ref: 0,
        skip: SkipEntry::NONE,
    };

    /// Makes the record fresh again, at its final address (the payload
    /// pointer and `last_ancestor` point at the record itself). Keeps the
    /// revision and index; frees a payload spill buffer (the inline slots
    /// keep stale values: nothing reads beyond `payload_len`). The stack
    /// must have been taken. Field by field: this is on every `cont.new`.
    pub(crate) fn reset(&mut self) {
        debug_assert_eq!(self.stack_base, 0, "reset with a stack attached");
        self.free_spill();
        self.state = ContState::Fresh;
        self.set_parent(ParentLink::Detached, std::ptr::null_mut(), false);
        self.clause = 0;
        self.last_ancestor = self;
        self.context = Context::default();
        self.stack_limit = 0;
        self.entry = None;
        self.handlers = HandlerTable::EMPTY;
        self.interp = 0;
        self.func = 0;
        self.func_ref = 0;
        self.forget_skip();
    }

    /// Makes a record whose function returned (or never ran) fresh again
    /// on the stack it keeps, for the warm list (table.rs, `native` only): as
    /// [`ContRecord::reset`], then [`ContRecord::restart`].
    #[cfg(feature = "native")]
    pub(crate) fn reset_warm(&mut self, start_ip: usize, entry: Option<FibreEntry>) {
        self.free_spill();
        self.state = ContState::Fresh;
        self.set_parent(ParentLink::Detached, std::ptr::null_mut(), false);
        self.clause = 0;
        self.last_ancestor = self;
        self.handlers = HandlerTable::EMPTY;
        self.interp = 0;
        self.func = 0;
        self.func_ref = 0;
        self.forget_skip();
        self.restart(start_ip, entry);
    }

    /// Whether the record may go on the warm list once its function
    /// returned: it has a stack, no payload spill buffer, no interpreter
    /// frames, and a revision that stays below retirement when bumped.
    #[cfg(feature = "native")]
    pub(crate) fn can_park_warm(&self) -> bool {
        self.has_stack()
            && self.payload_cap as usize == PAYLOAD_INLINE
            && self.interp == 0
            && self.revision() + 1 < RETIRED
    }

    /// The raw `parent` field, whatever the link says (the warm list
    /// threads through it).
    pub(crate) fn parent_ptr(&self) -> *mut ContRecord {
        self.parent
    }

    /// The revision: at most [`RETIRED`] (see "Key" in the module doc).
    pub fn revision(&self) -> u64 {
        self.key >> 32
    }

    /// Invalidates every reference to the record; stops at [`RETIRED`].
    pub(crate) fn bump_revision(&mut self) {
        if self.revision() < RETIRED {
            self.key += 1 << 32;
        }
    }

    /// The key: the record's current raw handle while its revision is
    /// below [`RETIRED`] (see the module doc).
    #[inline]
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Makes the record a table's sentinel: no index, and a key that no
    /// raw handle equals (its low half names no index). State Returned.
    pub(crate) fn make_sentinel(&mut self) {
        self.index = NO_INDEX;
        self.key = u64::MAX;
        self.state = ContState::Returned;
    }

    /// Starts the record's count again under a new table index, at
    /// `revision` (at most [`RETIRED`]).
    pub(crate) fn set_index(&mut self, index: u32, revision: u64) {
        self.index = index;
        self.key = (revision.min(RETIRED) << 32) | u64::from(index.wrapping_add(1));
    }

    /// Its index in the [`crate::ContTable`] that holds it ([`NO_INDEX`]
    /// outside one).
    #[inline]
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The handler clause of the suspend that captured the record.
    #[inline]
    pub fn clause(&self) -> u32 {
        self.clause
    }

    #[inline]
    pub fn set_clause(&mut self, clause: u32) {
        self.clause = clause;
    }

    /// The function a fresh continuation calls (a store function address:
    /// both tiers name functions the same way).
    #[inline]
    pub fn func(&self) -> u32 {
        self.func
    }

    pub fn set_func(&mut self, func: u32) {
        self.func = func;
    }

    #[inline]
    pub fn state(&self) -> ContState {
        self.state
    }

    #[inline]
    pub fn set_state(&mut self, state: ContState) {
        self.state = state;
    }

    pub fn link(&self) -> ParentLink {
        self.link
    }

    /// Whether reaching the parent takes a native switch.
    pub fn native_parent(&self) -> bool {
        self.native_parent
    }

    /// The parent record (when `link` is `Continuation`).
    #[inline]
    pub fn parent(&self) -> Option<NonNull<ContRecord>> {
        match self.link {
            ParentLink::Continuation => NonNull::new(self.parent),
            ParentLink::Detached | ParentLink::Host => None,
        }
    }

    /// As a prompt: the resumes nested around and including its own.
    #[inline]
    pub fn depth(&self) -> u32 {
        self.depth
    }

    #[inline]
    pub(crate) fn set_depth(&mut self, depth: u32) {
        self.depth = depth;
    }

    #[inline]
    pub(crate) fn set_parent(&mut self, link: ParentLink, parent: *mut ContRecord, native: bool) {
        self.link = link;
        self.parent = parent;
        self.native_parent = native;
    }

    /// The outermost record of the segment a suspend captured with this one
    /// innermost (the record itself unless the suspend skipped prompts).
    #[inline]
    pub fn last_ancestor(&self) -> *mut ContRecord {
        self.last_ancestor
    }

    #[inline]
    pub(crate) fn set_last_ancestor(&mut self, record: *mut ContRecord) {
        self.last_ancestor = record;
    }

    /// The one context slot (see the module doc).
    #[inline]
    pub fn context_ptr(&mut self) -> *mut Context {
        &raw mut self.context
    }

    /// The function the Rust entry trampoline runs.
    pub fn entry(&self) -> Option<FibreEntry> {
        self.entry
    }

    /// The handler table of the resume running the record.
    pub fn handlers(&self) -> HandlerTable {
        self.handlers
    }

    /// Installs the handler table of the resume that runs the record.
    ///
    /// # Safety
    /// `table.tags` must point at `table.len` tags that stay valid while the
    /// table is installed (until the next `set_handlers` or release).
    pub unsafe fn set_handlers(&mut self, table: HandlerTable) {
        self.handlers = table;
    }

    /// Its handler-search shortcut (skip.rs).
    #[inline]
    pub(crate) fn skip(&self) -> SkipEntry {
        self.skip
    }

    #[inline]
    pub(crate) fn set_skip(&mut self, skip: SkipEntry) {
        self.skip = skip;
    }

    /// Whether a skip entry may jump the record's parent link.
    #[inline]
    pub(crate) fn crossed(&self) -> bool {
        self.crossed
    }

    #[inline]
    pub(crate) fn set_crossed(&mut self, crossed: bool) {
        self.crossed = crossed;
    }

    /// Drops its skip entry and crossing mark (a record made fresh again).
    fn forget_skip(&mut self) {
        self.skip = SkipEntry::NONE;
        self.crossed = false;
    }

    /// The interpreter's opaque slot.
    pub fn interp(&self) -> u64 {
        self.interp
    }

    pub fn set_interp(&mut self, value: u64) {
        self.interp = value;
    }
}
