//! [`ContRecord`]: the continuation record both tiers share.
//!
//! ```text
//!   ContRecord (184 bytes, #[repr(C)]; compiled code uses the offsets in `offsets`)
//!   +0   revision        u64    bumped by every use of a reference, and on release
//!   +8   state           u32    ContState: 0 Fresh, 1 Running, 2 Suspended, 3 Returned,
//!                               4 Parked (suspended by the interpreter)
//!   +12  link            u8     ParentLink: 0 Detached, 1 Host, 2 Continuation
//!   +13  native_parent   u8     1 when reaching the parent takes a native switch
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
//!   +144 stack_len       usize
//!   +152 entry           fn(*ContRecord) -> u64, run by the Rust entry trampoline
//!   +160 interp          u64    opaque: the interpreter's heap frames (its ExecStack)
//!   +168 func            u32    the function a fresh continuation calls (store address)
//!   +176 func_ref        usize  its VmFuncRef, for a compiled start (jit's cont_start.rs;
//!                               0 unless compiled code made the record)
//! ```
//!
//! # Payload
//! One area carries every value that crosses a switch, in this order of use:
//! while detached (fresh or suspended) it holds the values `cont.bind`
//! bound so far; a resume appends its arguments and switches in; the
//! resumed code takes them all and empties it. A suspend puts its payload
//! in the record it captures (the innermost), a returning function its
//! results in its own record; the resumer that gets control back reads
//! them from there and empties it. The fields compiled code uses for the
//! round trip (revision to payload) come first.
//!
//! Rust reads `state` and `link` as enums: compiled code stores only the
//! values listed above.
//!
//! Records live in a [`crate::ContArena`] at stable addresses (the payload
//! pointer may point into the record itself), never on the Rust stack.
//! A [`crate::ContTable`] names them with one-shot index handles
//! (table.rs); [`crate::ContRef`] (reference.rs) is the pointer form.

use crate::context::Context;
use crate::stack::FibreStack;
use std::mem::offset_of;
use std::ptr::NonNull;

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
    revision: u64,
    state: ContState,
    link: ParentLink,
    native_parent: bool,
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
    stack_len: usize,
    entry: Option<FibreEntry>,
    interp: u64,
    func: u32,
    func_ref: usize,
}

/// Offsets of the fields compiled code reads or writes.
pub mod offsets {
    use super::*;
    pub const REVISION: i32 = offset_of!(ContRecord, revision) as i32;
    pub const STATE: i32 = offset_of!(ContRecord, state) as i32;
    pub const LINK: i32 = offset_of!(ContRecord, link) as i32;
    pub const NATIVE_PARENT: i32 = offset_of!(ContRecord, native_parent) as i32;
    pub const INDEX: i32 = offset_of!(ContRecord, index) as i32;
    pub const CLAUSE: i32 = offset_of!(ContRecord, clause) as i32;
    pub const PARENT: i32 = offset_of!(ContRecord, parent) as i32;
    pub const LAST_ANCESTOR: i32 = offset_of!(ContRecord, last_ancestor) as i32;
    pub const CONTEXT: i32 = offset_of!(ContRecord, context) as i32;
    pub const STACK_LIMIT: i32 = offset_of!(ContRecord, stack_limit) as i32;
    pub const STACK_BASE: i32 = offset_of!(ContRecord, stack_base) as i32;
    pub const HANDLERS: i32 = offset_of!(ContRecord, handlers) as i32;
    pub const PAYLOAD_PTR: i32 = offset_of!(ContRecord, payload_ptr) as i32;
    pub const PAYLOAD_LEN: i32 = offset_of!(ContRecord, payload_len) as i32;
    pub const PAYLOAD_CAP: i32 = offset_of!(ContRecord, payload_cap) as i32;
    pub const HANDLER_TAGS: i32 = HANDLERS + offset_of!(HandlerTable, tags) as i32;
    pub const HANDLER_LEN: i32 = HANDLERS + offset_of!(HandlerTable, len) as i32;
    pub const HANDLER_FIRST_SWITCH: i32 = HANDLERS + offset_of!(HandlerTable, first_switch) as i32;
    pub const STACK_LEN: i32 = offset_of!(ContRecord, stack_len) as i32;
    pub const ENTRY: i32 = offset_of!(ContRecord, entry) as i32;
    pub const INTERP: i32 = offset_of!(ContRecord, interp) as i32;
    pub const FUNC: i32 = offset_of!(ContRecord, func) as i32;
    pub const FUNC_REF: i32 = offset_of!(ContRecord, func_ref) as i32;
}

impl ContRecord {
    /// A detached fresh record with no stack, revision 0. Only the arena
    /// makes records, and calls [`ContRecord::reset`] once it is in place.
    pub(crate) const EMPTY: ContRecord = ContRecord {
        revision: 0,
        state: ContState::Fresh,
        link: ParentLink::Detached,
        native_parent: false,
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
        stack_len: 0,
        stack_limit: 0,
        entry: None,
        handlers: HandlerTable::EMPTY,
        payload_ptr: std::ptr::null_mut(),
        payload_len: 0,
        payload_cap: 0,
        payload_inline: [0; PAYLOAD_INLINE],
        interp: 0,
        func: 0,
        func_ref: 0,
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
    }

    /// Makes a record whose function returned (or never ran) fresh again
    /// on the stack it keeps, for the warm list (table.rs): as
    /// [`ContRecord::reset`], then [`ContRecord::restart`].
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
        self.restart(start_ip, entry);
    }

    /// Whether the record may go on the warm list once its function
    /// returned: it has a stack, no payload spill buffer, no interpreter
    /// frames, and a revision that stays below retirement when bumped.
    pub(crate) fn can_park_warm(&self) -> bool {
        self.has_stack()
            && self.payload_cap as usize == PAYLOAD_INLINE
            && self.interp == 0
            && self.revision + 1 < crate::table::RETIRED
    }

    /// Points the context of a record that keeps its stack, with nothing
    /// running on it, at a fresh start of `entry_ip` (see
    /// [`Context::fresh`]); `entry` is what a Rust trampoline there runs.
    /// Without a stack, nothing changes.
    pub fn restart(&mut self, entry_ip: usize, entry: Option<FibreEntry>) {
        if !self.has_stack() {
            return;
        }
        let top = self.stack_base + self.stack_len;
        // SAFETY: the record owns the stack (install_stack) and nothing
        // runs on it (the caller's promise).
        self.context = unsafe { Context::fresh(top, entry_ip) };
        self.entry = entry;
    }

    /// The raw `parent` field, whatever the link says (the warm list
    /// threads through it).
    pub(crate) fn parent_ptr(&self) -> *mut ContRecord {
        self.parent
    }

    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// Invalidates every reference to the record.
    pub(crate) fn bump_revision(&mut self) {
        self.revision = self.revision.wrapping_add(1);
    }

    /// Starts the record's count again under a new table index.
    pub(crate) fn set_index(&mut self, index: u32, revision: u64) {
        self.index = index;
        self.revision = revision;
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

    /// Whether the record owns a native stack.
    #[inline]
    pub fn has_stack(&self) -> bool {
        self.stack_base != 0
    }

    /// The record's stack mapping `[low, high)`, guard page included
    /// (empty without a stack).
    pub fn stack_bounds(&self) -> (usize, usize) {
        (self.stack_base, self.stack_base + self.stack_len)
    }

    /// The lowest address compiled frames may use on the record's stack (0
    /// without one).
    pub fn stack_limit(&self) -> usize {
        self.stack_limit
    }

    /// Gives a fresh record `stack` and points its context at `entry_ip`,
    /// started by the first switch into it (see [`Context::fresh`]); `entry`
    /// is what a Rust trampoline at `entry_ip` may run.
    ///
    /// # Errors
    /// Hands `stack` back when the record is not fresh or already has one.
    pub fn install_stack(
        &mut self,
        stack: FibreStack,
        entry_ip: usize,
        entry: Option<FibreEntry>,
    ) -> Result<(), FibreStack> {
        if self.state != ContState::Fresh || self.has_stack() {
            return Err(stack);
        }
        // SAFETY: the stack is ours (we hold it by value) and nothing runs on it.
        self.context = unsafe { Context::fresh(stack.top(), entry_ip) };
        self.stack_limit = stack.limit();
        self.entry = entry;
        (self.stack_base, self.stack_len) = stack.into_raw_parts();
        Ok(())
    }

    /// Takes the record's stack back (for the pool). Only for a record whose
    /// stack nothing runs on any more (returned, or abandoned).
    pub fn take_stack(&mut self) -> Option<FibreStack> {
        if !self.has_stack() {
            return None;
        }
        // SAFETY: base and len came from `into_raw_parts` in install_stack
        // and are cleared here, so they are taken back once.
        let stack = unsafe { FibreStack::from_raw_parts(self.stack_base, self.stack_len) };
        (self.stack_base, self.stack_len, self.stack_limit) = (0, 0, 0);
        Some(stack)
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

    /// The values passed by the last switch.
    #[inline]
    pub fn payload(&self) -> &[u64] {
        // SAFETY: payload_ptr points at payload_cap >= payload_len slots, in
        // the record or in its spill buffer.
        unsafe { std::slice::from_raw_parts(self.payload_ptr, self.payload_len as usize) }
    }

    /// Sets the payload length to `len` and returns the slots to fill
    /// (contents unspecified), spilling to the heap beyond the inline area.
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` slots.
    #[inline]
    pub fn payload_slots(&mut self, len: usize) -> Result<&mut [u64], PayloadTooLong> {
        let len32 = u32::try_from(len).map_err(|_| PayloadTooLong)?;
        if len32 > self.payload_cap {
            self.free_spill();
            let spill: Box<[u64]> = vec![0; len].into_boxed_slice();
            self.payload_ptr = Box::into_raw(spill).cast();
            self.payload_cap = len32;
        }
        self.payload_len = len32;
        // SAFETY: as in `payload`, with payload_len <= payload_cap.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.payload_ptr, len) })
    }

    /// Appends `values` to the payload (a resume's arguments after the
    /// bound values).
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` slots.
    pub fn push_payload(&mut self, values: &[u64]) -> Result<(), PayloadTooLong> {
        let old = self.payload_len as usize;
        let len = old.checked_add(values.len()).ok_or(PayloadTooLong)?;
        if len > self.payload_cap as usize {
            let kept: Vec<u64> = self.payload().to_vec();
            self.payload_slots(len)?[..old].copy_from_slice(&kept);
        }
        self.payload_slots(len)?[old..].copy_from_slice(values);
        Ok(())
    }

    /// The inline payload slots, when the payload lives there (no spill
    /// buffer): a buffer of [`PAYLOAD_INLINE`] slots inside the record.
    #[inline]
    pub fn inline_slots(&mut self) -> Option<*mut u64> {
        (self.payload_cap as usize == PAYLOAD_INLINE).then_some(self.payload_inline.as_mut_ptr())
    }

    /// Makes the payload the first `len` inline slots (at most
    /// [`PAYLOAD_INLINE`]; values written there through
    /// [`ContRecord::inline_slots`]), freeing a spill buffer made meanwhile.
    #[inline]
    pub fn set_inline_len(&mut self, len: usize) {
        self.free_spill();
        self.payload_len = len.min(PAYLOAD_INLINE) as u32;
    }

    /// Empties the payload (its values were taken), keeping any spill buffer.
    #[inline]
    pub fn clear_payload(&mut self) {
        self.payload_len = 0;
    }

    /// Sets the payload to `values`.
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` values.
    pub fn set_payload(&mut self, values: &[u64]) -> Result<(), PayloadTooLong> {
        self.payload_slots(values.len())?.copy_from_slice(values);
        Ok(())
    }

    /// The interpreter's opaque slot.
    pub fn interp(&self) -> u64 {
        self.interp
    }

    pub fn set_interp(&mut self, value: u64) {
        self.interp = value;
    }

    /// Frees the spill buffer, if any, and points the payload at the inline area.
    pub(crate) fn free_spill(&mut self) {
        if self.payload_cap as usize > PAYLOAD_INLINE {
            let slice =
                std::ptr::slice_from_raw_parts_mut(self.payload_ptr, self.payload_cap as usize);
            // SAFETY: a capacity above the inline size means payload_ptr is a
            // boxed slice of that length made by `payload_slots`.
            drop(unsafe { Box::from_raw(slice) });
        }
        self.payload_ptr = self.payload_inline.as_mut_ptr();
        self.payload_cap = PAYLOAD_INLINE as u32;
        self.payload_len = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_drawing() {
        use offsets::*;
        assert_eq!((REVISION, STATE, LINK, NATIVE_PARENT), (0, 8, 12, 13));
        assert_eq!((INDEX, CLAUSE, PARENT, LAST_ANCESTOR), (16, 20, 24, 32));
        assert_eq!((CONTEXT, STACK_LIMIT, HANDLERS), (40, 64, 72));
        assert_eq!(
            (HANDLER_TAGS, HANDLER_LEN, HANDLER_FIRST_SWITCH),
            (72, 80, 84)
        );
        assert_eq!((PAYLOAD_PTR, PAYLOAD_LEN, PAYLOAD_CAP), (88, 96, 100));
        assert_eq!(offset_of!(ContRecord, payload_inline), 104);
        assert_eq!((STACK_BASE, STACK_LEN, ENTRY), (136, 144, 152));
        assert_eq!((INTERP, FUNC, FUNC_REF), (160, 168, 176));
        assert_eq!(size_of::<ContRecord>(), 184);
        assert_eq!((size_of::<ContState>(), size_of::<ParentLink>()), (4, 1));
        assert_eq!(size_of::<Option<FibreEntry>>(), 8);
    }
}
