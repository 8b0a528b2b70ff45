//! [`ExecStack`]: the heap storage of one thread of execution — a value stack
//! of raw slots and a stack of suspended caller frames.
//!
//! A Wasm-to-Wasm call never recurses on the Rust stack: it pushes a
//! [`Frame`] (the caller's code, return pc and base) and carves the callee's
//! frame out of the value stack, above the caller's operands:
//!
//! ```text
//!   values:  | caller locals | caller operands … | callee params+locals | callee operands …
//!            ^ caller base                      ^ callee base (its args were the
//!                                                 caller's top operands)
//!   frames:  [ …, Frame { code: caller, pc: return pc, base: caller base } ]
//! ```
//!
//! The running frame's code/pc/base live in the executor's locals, not here.
//! With stack switching, each continuation owns one `ExecStack`, so that
//! suspending or resuming moves an `ExecStack` rather than a native stack
//! (see `crate::cont`).

use crate::code::Code;
use std::rc::Rc;
use wasmfx_core::{FuncAddr, Trap};

/// The smallest value stack allocated: small, because every suspended
/// continuation keeps its own (it grows by doubling). Four slots are 32
/// bytes, the smallest allocation that holds them.
const MIN_SLOTS: usize = 4;

/// A caller suspended by a call, to continue at `pc` when the callee returns.
#[derive(Debug)]
pub struct Frame {
    pub code: Rc<Code>,
    /// The pc after the call instruction.
    pub pc: u32,
    /// Slot index of the caller's locals in the value stack.
    pub base: u32,
}

/// Value and frame stacks of one thread of execution.
#[derive(Debug, Default)]
pub struct ExecStack {
    /// Raw slots; its length is the part in use or reserved (zeroed), grown on
    /// demand by [`ExecStack::reserve`].
    pub values: Vec<u64>,
    /// Callers of the running frame; after a trap, the trapping frame on
    /// top of its callers (until [`ExecStack::clear`]).
    pub frames: Vec<Frame>,
    /// How many times the activation on this stack was resumed after it
    /// parked (it travels with the stack into each parked record).
    pub resumptions: u32,
}

impl ExecStack {
    pub fn new() -> ExecStack {
        ExecStack::default()
    }

    /// Makes `values` at least `needed` slots long (doubling), without passing
    /// `limit` slots (nor `u32::MAX`: frames record slot indices as `u32`).
    ///
    /// # Errors
    /// [`Trap::CallStackExhausted`] when `needed > limit`.
    #[inline]
    pub fn reserve(&mut self, needed: usize, limit: usize) -> Result<(), Trap> {
        reserve_slots(&mut self.values, needed, limit)
    }

    /// Prepares a frame of `code` whose arguments are in place at `base`:
    /// reserves its slots (at most `limit`) and zeroes its declared locals.
    /// Returns its first operand slot.
    ///
    /// # Errors
    /// As [`ExecStack::reserve`].
    #[inline]
    pub fn enter(&mut self, base: usize, code: &Code, limit: usize) -> Result<usize, Trap> {
        self.reserve(base + code.max_height as usize, limit)?;
        let params_end = base + code.num_params as usize;
        let locals_end = base + code.num_locals as usize;
        if locals_end > params_end {
            self.values[params_end..locals_end].fill(0);
        }
        Ok(locals_end)
    }

    /// Drops every frame (after a trap or a finished call), keeping the
    /// allocations for reuse.
    #[inline]
    pub fn clear(&mut self) {
        self.frames.clear();
        self.resumptions = 0;
    }

    /// The functions active at the last trap, innermost first.
    pub fn backtrace(&self) -> Vec<FuncAddr> {
        self.frames
            .iter()
            .rev()
            .map(|frame| frame.code.func)
            .collect()
    }
}

/// [`ExecStack::reserve`] on the value stack alone (for code that holds
/// the frame stack borrowed at the same time).
///
/// # Errors
/// [`Trap::CallStackExhausted`] when `needed > limit`.
#[inline]
pub fn reserve_slots(values: &mut Vec<u64>, needed: usize, limit: usize) -> Result<(), Trap> {
    if needed <= values.len() {
        return Ok(());
    }
    grow_slots(values, needed, limit)
}

/// Pushes `frame` on `frames`, the hot part of every interpreted call,
/// field by field into its slot. Moved whole (`Vec::push`, or one write),
/// the frame is first stored to a temporary in three stores, then copied
/// in one 16-byte load, which waits for those stores to reach the cache:
/// a third of `fib`'s interpreted time went there.
#[inline(always)]
pub fn push_frame(frames: &mut Vec<Frame>, frame: Frame) {
    let len = frames.len();
    if len == frames.capacity() {
        grow_frames(frames);
    }
    let Frame { code, pc, base } = frame;
    // SAFETY: `len < capacity` now, so slot `len` is allocated and holds
    // no frame; its three fields are written (nothing is read or dropped)
    // before it is counted, so the slots up to the new length are
    // initialised.
    unsafe {
        let slot = frames.as_mut_ptr().add(len);
        (&raw mut (*slot).code).write(code);
        (&raw mut (*slot).pc).write(pc);
        (&raw mut (*slot).base).write(base);
        frames.set_len(len + 1);
    }
}

/// [`push_frame`] when the frame stack is full: doubles it (as `Vec::push`
/// would).
#[cold]
#[inline(never)]
fn grow_frames(frames: &mut Vec<Frame>) {
    frames.reserve(frames.len().max(MIN_FRAMES));
}

/// Frames a frame stack gets room for at its first push.
const MIN_FRAMES: usize = 16;

/// [`reserve_slots`] when the stack must grow.
#[cold]
#[inline(never)]
fn grow_slots(values: &mut Vec<u64>, needed: usize, limit: usize) -> Result<(), Trap> {
    let limit = limit.min(u32::MAX as usize);
    if needed > limit {
        return Err(Trap::CallStackExhausted);
    }
    let new_len = needed
        .max(values.len().saturating_mul(2))
        .max(MIN_SLOTS)
        .min(limit);
    // Fallible: the guest decides how many stacks there are (one per
    // continuation) and how deep they get.
    let mut target = new_len;
    if values.try_reserve_exact(new_len - values.len()).is_err() {
        // Doubling may ask for more than is left: then just enough.
        (values.try_reserve_exact(needed - values.len())).map_err(|_| out_of_memory(needed))?;
        target = needed;
    }
    values.resize(target, 0);
    Ok(())
}

/// The trap for a value stack the host has no memory for.
#[cold]
fn out_of_memory(slots: usize) -> Trap {
    wasmfx_core::reserve::release();
    Trap::ResourceLimit(format!(
        "out of memory: cannot grow a value stack to {slots} slots"
    ))
}

pub(crate) use wasmfx_core::copy_slots;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_grows_and_respects_the_limit() {
        let mut stack = ExecStack::new();
        assert_eq!(stack.reserve(10, 4096), Ok(()));
        assert!(stack.values.len() >= 10);
        assert_eq!(stack.reserve(5000, 4096), Err(Trap::CallStackExhausted));
        assert_eq!(stack.reserve(4096, 4096), Ok(()));
        assert_eq!(stack.values.len(), 4096);
    }
}
