//! [`Interruption`]: what stops running code from outside its own logic:
//! fuel, and an interrupt flag that another thread sets (a timeout).
//!
//! ```text
//!   Interruption (#[repr(C)], in an Arc: the store, InterruptHandles)
//!   +0  fuel         AtomicI64  units left; each function entry and each loop
//!                               iteration spends one; below 0: Trap::OutOfFuel
//!   +8  interrupted  AtomicU32  non-zero once InterruptHandle::interrupt ran:
//!                               Trap::Interrupted at the next check
//! ```
//!
//! Both tiers check at function entries and loop headers, and only when the
//! store's limits ask for it ([`InterruptChecks`]) before code is made: the
//! interpreter translates a check op, compiled code loads the words through
//! its runtime record. Without them there is no check to pay for. Only the
//! thread running the store writes `fuel` (plain loads and stores, no
//! read-modify-write); `interrupted` is written by any thread.

use crate::trap::Trap;
use std::mem::offset_of;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU32, Ordering::Relaxed};

/// Fuel and the interrupt flag of one store (see the module doc).
#[repr(C)]
#[derive(Debug)]
pub struct Interruption {
    fuel: AtomicI64,
    interrupted: AtomicU32,
}

/// Offsets compiled code uses.
pub const FUEL: i32 = offset_of!(Interruption, fuel) as i32;
pub const INTERRUPTED: i32 = offset_of!(Interruption, interrupted) as i32;

/// Which checks code made for a store carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct InterruptChecks {
    /// Spend fuel (and trap when it runs out).
    pub fuel: bool,
    /// Look at the interrupt flag.
    pub flag: bool,
}

impl InterruptChecks {
    pub fn any(self) -> bool {
        self.fuel || self.flag
    }
}

impl Default for Interruption {
    fn default() -> Self {
        Interruption {
            fuel: AtomicI64::new(i64::MAX),
            interrupted: AtomicU32::new(0),
        }
    }
}

impl Interruption {
    /// Sets the fuel left (saturating at `i64::MAX`).
    pub fn set_fuel(&self, fuel: u64) {
        self.fuel
            .store(i64::try_from(fuel).unwrap_or(i64::MAX), Relaxed);
    }

    /// The fuel left.
    pub fn fuel(&self) -> u64 {
        u64::try_from(self.fuel.load(Relaxed)).unwrap_or(0)
    }

    /// One check, as the interpreter makes it: spends a unit of fuel, then
    /// looks at the flag.
    ///
    /// # Errors
    /// [`Trap::OutOfFuel`] or [`Trap::Interrupted`].
    #[inline]
    pub fn check(&self) -> Result<(), Trap> {
        let fuel = self.fuel.load(Relaxed) - 1;
        self.fuel.store(fuel, Relaxed);
        if fuel < 0 || self.interrupted.load(Relaxed) != 0 {
            return Err(self.trap().unwrap_or(Trap::OutOfFuel));
        }
        Ok(())
    }

    /// The trap due now, if any (compiled code's slow path asks after its
    /// inline check failed): the flag first, then fuel.
    pub fn trap(&self) -> Option<Trap> {
        if self.interrupted.load(Relaxed) != 0 {
            return Some(Trap::Interrupted);
        }
        (self.fuel.load(Relaxed) < 0).then_some(Trap::OutOfFuel)
    }

    /// Clears the flag (an embedder that handled an interruption and runs
    /// the store again).
    pub fn clear_interrupt(&self) {
        self.interrupted.store(0, Relaxed);
    }

    /// The record's address, for compiled code.
    pub fn addr(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

/// Interrupts a store's running code from any thread: the next check (a
/// function entry or loop header) traps with [`Trap::Interrupted`], when
/// the store's limits turned the checks on.
#[derive(Debug, Clone)]
pub struct InterruptHandle(pub(super) Arc<Interruption>);

impl InterruptHandle {
    pub fn interrupt(&self) {
        self.0.interrupted.store(1, Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_the_drawing() {
        assert_eq!((FUEL, INTERRUPTED), (0, 8));
    }

    #[test]
    fn fuel_runs_out_after_as_many_checks_as_units() {
        let state = Interruption::default();
        state.set_fuel(3);
        assert!((0..3).all(|_| state.check().is_ok()));
        assert_eq!(state.check(), Err(Trap::OutOfFuel));
        assert_eq!(state.fuel(), 0);
    }

    #[test]
    fn an_interrupt_from_another_thread_stops_the_next_check() {
        let state = Arc::new(Interruption::default());
        let handle = InterruptHandle(state.clone());
        assert!(state.check().is_ok());
        std::thread::spawn(move || handle.interrupt())
            .join()
            .expect("thread");
        assert_eq!(state.check(), Err(Trap::Interrupted));
        state.clear_interrupt();
        assert!(state.check().is_ok());
    }
}
