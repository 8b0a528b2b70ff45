//! [`Conts`]: the continuations of compiled code in one store — records in a
//! fibre arena, native stacks from a pool, the stack chain, and the message
//! a switch carries.
//!
//! ```text
//!   raw contref (wasmfx_core::value's contref slot; 0 = null)
//!     bits 0..32   slot index + 1, with bit 31 of the index set
//!                  (ContHandle::COMPILED): never an interpreter handle
//!     bits 32..64  low 32 bits of the record's revision (one-shot check)
//!
//!   slots: [ Slot { record ─▶ ContRecord (fibre arena), func, bound, tags } … ]
//!   index_of: record address ─▶ slot index (records are reused by the arena)
//!   chain: StackChain of the running records, innermost first
//!   msg / outcome / throw: what the last switch carries (one in flight)
//! ```
//!
//! A record gets a stack from the pool when it is first resumed and gives
//! it back when its function returns (or a trap abandons it). Values travel
//! through `msg`, a buffer that keeps its capacity: no heap allocation per
//! switch.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ptr::NonNull;
use wasmfx_core::value::ContHandle;
use wasmfx_core::{FuncAddr, Trap};
use wasmfx_fibre::{ContArena, ContError, ContRecord, ContRef, ContState, StackChain, StackPool};

/// Bit of a slot index that marks a handle as compiled code's.
const JIT_SLOT: u32 = ContHandle::COMPILED;

/// Hashes a record address (distinct, 8-aligned) with one multiply: the
/// map is on every switch's path, where SipHash would dominate.
#[derive(Debug, Default)]
struct AddrHasher(u64);

impl Hasher for AddrHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_usize(&mut self, addr: usize) {
        self.0 = (addr as u64 >> 3).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

/// Side data of one record.
#[derive(Debug)]
struct Slot {
    record: NonNull<ContRecord>,
    /// The function a fresh continuation runs.
    func: FuncAddr,
    /// Values bound by `cont.bind`, passed before the next resume's.
    bound: Vec<u64>,
    /// Tag addresses of the handler table installed on the record.
    tags: Vec<u64>,
    /// The (resume site, instance) `tags` were resolved for: a record
    /// resumed again by the same instruction keeps them.
    tags_for: (usize, u32),
}

/// How the last switch back to a resumer came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The record at this slot returned; `msg` holds its results.
    Returned(u32),
    /// A suspend to the resumer's clause; `msg` holds the payload and the
    /// new contref.
    Suspended(u32),
}

/// The continuation runtime of one store (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct Conts {
    arena: ContArena,
    pool: StackPool,
    pub chain: StackChain,
    slots: Vec<Slot>,
    index_of: HashMap<usize, u32, BuildHasherDefault<AddrHasher>>,
    /// Values of the switch in flight.
    pub msg: Vec<u64>,
    pub outcome: Option<Outcome>,
    /// A raw exnref to raise at the resumed point instead of returning
    /// values (`resume_throw`), 0 for none.
    pub throw: u64,
    /// Addresses of the array trampolines of compiled functions, by FuncAddr.
    trampolines: Vec<usize>,
}

/// The trap for a contref that cannot be used.
fn cont_trap(e: ContError) -> Trap {
    match e {
        ContError::Null => Trap::NullContinuation,
        ContError::AlreadyConsumed => Trap::ContinuationAlreadyConsumed,
    }
}

impl Conts {
    /// A fresh record for `func`; returns its slot index.
    pub fn create(&mut self, func: FuncAddr) -> Result<u32, Trap> {
        let record = self.arena.alloc();
        let index = match self.index_of.get(&(record.as_ptr() as usize)) {
            Some(&index) => index,
            None => {
                let index = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&i| i < JIT_SLOT - 1)
                    .ok_or_else(|| Trap::Host("too many live continuations".into()))?;
                self.slots.push(Slot {
                    record,
                    func,
                    bound: Vec::new(),
                    tags: Vec::new(),
                    tags_for: (0, 0),
                });
                self.index_of.insert(record.as_ptr() as usize, index);
                index
            }
        };
        let slot = &mut self.slots[index as usize];
        slot.func = func;
        slot.bound.clear();
        Ok(index)
    }

    /// The current raw handle of slot `index`.
    pub fn handle(&self, index: u32) -> u64 {
        let revision = self.slots.get(index as usize).map_or(0, |s| {
            // SAFETY: slot records live as long as the arena.
            unsafe { s.record.as_ref().revision() }
        });
        ((revision as u32 as u64) << 32) | u64::from((index | JIT_SLOT) + 1)
    }

    /// Uses a raw handle (null first, then its revision); returns the slot.
    pub fn consume(&mut self, raw: u64) -> Result<u32, Trap> {
        let Some(low) = (raw as u32).checked_sub(1) else {
            return Err(cont_trap(ContError::Null));
        };
        if low & JIT_SLOT == 0 {
            return Err(Trap::Host(
                "continuation of the interpreter used by compiled code (not supported)".into(),
            ));
        }
        let index = low & !JIT_SLOT;
        let slot = self
            .slots
            .get(index as usize)
            .ok_or(cont_trap(ContError::AlreadyConsumed))?;
        // SAFETY: slot records live as long as the arena.
        let revision = unsafe { slot.record.as_ref().revision() };
        let full = (revision & !0xffff_ffff) | (raw >> 32);
        let reference = ContRef {
            record: slot.record.as_ptr(),
            revision: full,
        };
        // SAFETY: the record is in the live arena.
        unsafe { reference.consume() }.map_err(cont_trap)?;
        Ok(index)
    }

    pub fn record(&self, index: u32) -> NonNull<ContRecord> {
        self.slots[index as usize].record
    }

    /// The slot of a record of this store's arena.
    pub fn index_of(&self, record: NonNull<ContRecord>) -> Option<u32> {
        self.index_of.get(&(record.as_ptr() as usize)).copied()
    }

    pub fn func(&self, index: u32) -> FuncAddr {
        self.slots[index as usize].func
    }

    pub fn bound_mut(&mut self, index: u32) -> &mut Vec<u64> {
        &mut self.slots[index as usize].bound
    }

    /// Moves slot `index`'s bound values to the front of a new message.
    pub fn start_msg(&mut self, index: u32) {
        self.msg.clear();
        let slot = &mut self.slots[index as usize];
        self.msg.extend_from_slice(&slot.bound);
        slot.bound.clear();
    }

    /// The tag buffer of slot `index` (for the handler table on its record)
    /// and the (site, instance) its contents were resolved for.
    pub fn tags_mut(&mut self, index: u32) -> (&mut Vec<u64>, &mut (usize, u32)) {
        let slot = &mut self.slots[index as usize];
        (&mut slot.tags, &mut slot.tags_for)
    }

    /// Gives a fresh record without a stack one from the pool, started at
    /// `entry` by its first resume.
    pub fn ensure_stack(
        &mut self,
        index: u32,
        entry: wasmfx_fibre::FibreEntry,
    ) -> Result<(), Trap> {
        let mut record = self.record(index);
        // SAFETY: slot records live as long as the arena.
        let target = unsafe { record.as_mut() };
        if target.has_stack() || target.state() != ContState::Fresh {
            return Ok(());
        }
        let stack = self
            .pool
            .take()
            .map_err(|e| Trap::Host(format!("cannot map a continuation stack: {e}")))?;
        wasmfx_fibre::native::start(target, stack, entry)
            .map_err(|_| Trap::Host("continuation stack already installed".into()))
    }

    /// Releases slot `index`'s record: its handles fail from now on and its
    /// stack goes back to the pool.
    ///
    /// # Safety
    /// The record must be off the chain, and nothing may run on its stack.
    pub unsafe fn release(&mut self, index: u32) {
        let record = self.record(index);
        // SAFETY: the caller's promise; the record is this arena's.
        if let Some(stack) = unsafe { self.arena.release(record) } {
            self.pool.give_back(stack);
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
                if let Some(index) = self.index_of(innermost) {
                    self.release(index);
                }
            }
        }
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
    pub fn trampoline(&self, func: FuncAddr) -> Option<usize> {
        self.trampolines
            .get(func.0 as usize)
            .copied()
            .filter(|&t| t != 0)
    }

    /// Records allocated and not released, and stacks mapped so far.
    pub fn stats(&self) -> (usize, u64) {
        (self.arena.live(), self.pool.stats().mapped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_one_shot_and_marked_as_compiled_codes() {
        let mut conts = Conts::default();
        let index = conts.create(FuncAddr(3)).expect("record");
        let raw = conts.handle(index);
        assert_ne!(raw as u32 & JIT_SLOT, 0);
        assert_eq!(conts.consume(0), Err(cont_trap(ContError::Null)));
        assert_eq!(conts.consume(raw), Ok(index));
        assert_eq!(
            conts.consume(raw),
            Err(cont_trap(ContError::AlreadyConsumed))
        );
        let again = conts.handle(index);
        assert_ne!(again, raw);
        assert_eq!(conts.consume(again), Ok(index));
        // An interpreter handle (index without the mark) is refused.
        assert!(matches!(conts.consume(1), Err(Trap::Host(_))));
    }

    #[test]
    fn released_records_come_back_under_the_same_slot() {
        let mut conts = Conts::default();
        let index = conts.create(FuncAddr(0)).expect("record");
        let stale = conts.handle(index);
        // SAFETY: the record never ran.
        unsafe { conts.release(index) };
        let reused = conts.create(FuncAddr(1)).expect("record");
        assert_eq!(reused, index);
        assert_eq!(conts.func(reused), FuncAddr(1));
        assert!(conts.consume(stale).is_err());
        assert_eq!(conts.stats().0, 1);
    }
}
