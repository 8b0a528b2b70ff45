//! [`CodeCache`]: translated code per function address, filled on first
//! call, and each function's tier-up budget.
//!
//! ```text
//!   slots[FuncAddr] ─▶ Empty            not called yet
//!                      Wasm(Rc<Code>)   translated once, shared by every frame running it
//!                      Compiled(code)   compiled code is installed; `code` still runs
//!                                       frames that began interpreted, and calls
//!                                       made inside continuations
//!                      Host             a host function (called directly)
//!                      Failed(err)      translation failed; every call traps with err
//!   budgets[FuncAddr]  events (calls, loop headers) left before the function
//!                      is hot; below 0: hot (see `tiering.rs`); beside it,
//!                      the function's interpreted calls (one cache line)
//! ```
//!
//! Code embeds store addresses of its instance, so a cache belongs to one
//! store.

use crate::code::Code;
use crate::translate::{TranslateError, TranslateOptions, translate_with};
use std::rc::Rc;
use wasmfx_core::{FuncAddr, FuncKind, Store, Trap};

#[derive(Debug, Clone, Default)]
enum Slot {
    #[default]
    Empty,
    Wasm(Rc<Code>),
    Compiled(Rc<Code>),
    Host,
    Failed(TranslateError),
}

/// What a call to a function address runs.
pub enum Callee {
    Wasm(Rc<Code>),
    /// The function's budget is spent: ask the tiering (its code runs if
    /// it is not compiled).
    Hot(Rc<Code>),
    /// Compiled code is installed (its interpreted code for where compiled
    /// code cannot be called).
    Compiled(Rc<Code>),
    Host,
}

/// A function's first budget, by address and translated code (`None`:
/// never compiled; its loops then do not count).
pub type InitialBudget = Box<dyn Fn(&Store, FuncAddr, &Code) -> Option<u32>>;

/// A budget that never runs out in practice (a never-compiled function
/// spends it back to full once per 2^31 events).
const UNLIMITED: i32 = i32::MAX;

#[derive(Default)]
pub struct CodeCache {
    slots: Vec<Slot>,
    budgets: Vec<Budget>,
    /// Each function's first budget (for [`CodeCache::is_warm`]).
    first_budgets: Vec<i32>,
    /// The tiering's first budgets; `None`: an interpreter alone.
    initial: Option<InitialBudget>,
}

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCache")
            .field("slots", &self.slots.len())
            .field("tiering", &self.initial.is_some())
            .finish()
    }
}

impl CodeCache {
    /// A cache whose functions start with the budgets `initial` gives
    /// (and whose loops count: translation adds loop headers).
    pub fn tiered(initial: InitialBudget) -> CodeCache {
        CodeCache {
            initial: Some(initial),
            ..CodeCache::default()
        }
    }

    /// The code of `func`, translating it on first use; spends one unit of
    /// its budget.
    ///
    /// # Errors
    /// `Trap::Host` with the translation error when `func` cannot be
    /// translated (or does not exist).
    #[inline(always)]
    pub fn get(&mut self, store: &Store, func: FuncAddr) -> Result<Callee, Trap> {
        let index = func.0 as usize;
        match self.slots.get(index) {
            Some(Slot::Wasm(code)) => match self.budgets.get_mut(index) {
                Some(budget) if budget.left > 0 => {
                    budget.spend_on_call();
                    Ok(Callee::Wasm(code.clone()))
                }
                Some(budget) => {
                    budget.calls = budget.calls.wrapping_add(1);
                    Ok(Callee::Hot(code.clone()))
                }
                None => Ok(Callee::Hot(code.clone())),
            },
            Some(Slot::Compiled(code)) => Ok(Callee::Compiled(code.clone())),
            Some(Slot::Host) => Ok(Callee::Host),
            _ => self.fill(store, func),
        }
    }

    /// The op loop's call: `func`'s code when it is translated, not hot and
    /// not compiled (spending one unit of its budget), else `None`, with
    /// nothing spent or counted: the call then goes through [`CodeCache::get`].
    #[inline(always)]
    pub fn interpreted(&mut self, func: FuncAddr) -> Option<Rc<Code>> {
        let index = func.0 as usize;
        let Some(Slot::Wasm(code)) = self.slots.get(index) else {
            return None;
        };
        match self.budgets.get_mut(index) {
            Some(budget) if budget.left > 0 => {
                budget.spend_on_call();
                Some(code.clone())
            }
            _ => None,
        }
    }

    /// Interpreted calls of `func` so far (modulo 2^32).
    pub fn calls(&self, func: FuncAddr) -> u32 {
        self.budgets.get(func.0 as usize).map_or(0, |b| b.calls)
    }

    /// Interpreted calls of every function (for `--tier-stats`).
    pub fn interpreted_calls(&self) -> u64 {
        self.budgets.iter().map(|b| u64::from(b.calls)).sum()
    }

    /// Whether `func` has compiled code (a cheap look, no clone).
    #[inline]
    pub fn is_compiled(&self, func: FuncAddr) -> bool {
        matches!(self.slots.get(func.0 as usize), Some(Slot::Compiled(_)))
    }

    /// Spends one unit of `func`'s budget at a loop header; true when it is
    /// spent (the function is hot).
    #[inline(always)]
    pub fn tick(&mut self, func: FuncAddr) -> bool {
        match self.budgets.get_mut(func.0 as usize) {
            Some(budget) if budget.left > 0 => {
                budget.left -= 1;
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    /// Whether `func` has run a quarter of its first budget (or gone hot):
    /// a callee worth compiling with a hot caller (one called only on a
    /// cold path, or not yet, is left out of its batch).
    pub fn is_warm(&self, func: FuncAddr) -> bool {
        let index = func.0 as usize;
        let (Some(&Budget { left: budget, .. }), Some(&first)) =
            (self.budgets.get(index), self.first_budgets.get(index))
        else {
            return false;
        };
        // A budget above its first was set after the function went hot.
        first != UNLIMITED && (budget > first || first - budget >= first / 4)
    }

    /// Gives `func` a budget of `n` events (saturating).
    pub fn set_budget(&mut self, func: FuncAddr, n: u32) {
        if let Some(budget) = self.budgets.get_mut(func.0 as usize) {
            budget.left = i32::try_from(n).unwrap_or(UNLIMITED);
        }
    }

    /// Marks `func` as having compiled code (a no-op for functions this
    /// cache has not translated, or host functions).
    pub fn mark_compiled(&mut self, func: FuncAddr) {
        let index = func.0 as usize;
        if let Some(slot) = self.slots.get_mut(index)
            && let Slot::Wasm(code) = slot
        {
            *slot = Slot::Compiled(code.clone());
        }
    }

    /// Slow path of [`CodeCache::get`]: translates (or classifies) `func`.
    #[cold]
    fn fill(&mut self, store: &Store, func: FuncAddr) -> Result<Callee, Trap> {
        let index = func.0 as usize;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, Slot::Empty);
            self.budgets.resize(index + 1, Budget::new(UNLIMITED));
            self.first_budgets.resize(index + 1, UNLIMITED);
        }
        if let Slot::Empty = self.slots[index] {
            let options = TranslateOptions {
                loop_headers: self.initial.is_some(),
            };
            let mut budget = None;
            self.slots[index] = match store.funcs.get(index).map(|f| &f.kind) {
                None => return Err(Trap::Host(format!("no function at address {index}"))),
                Some(FuncKind::Host(_)) => Slot::Host,
                Some(FuncKind::Wasm { .. }) => match translate_with(store, func, options) {
                    Ok(mut code) => {
                        budget = self.initial.as_ref().and_then(|f| f(store, func, &code));
                        if budget.is_none() && options.loop_headers {
                            // Never compiled: its loops need not count.
                            let plain = TranslateOptions::default();
                            code = translate_with(store, func, plain).unwrap_or(code);
                        }
                        // Compiled before the interpreter met it (`jit`
                        // compiles ahead).
                        match store.funcs[index].vm().code {
                            0 => Slot::Wasm(Rc::new(code)),
                            _ => Slot::Compiled(Rc::new(code)),
                        }
                    }
                    Err(e) => Slot::Failed(e),
                },
            };
            let first = budget.map_or(UNLIMITED, |n| i32::try_from(n).unwrap_or(UNLIMITED));
            self.budgets[index].left = first;
            self.first_budgets[index] = first;
        }
        match &self.slots[index] {
            Slot::Wasm(_) | Slot::Compiled(_) => self.get(store, func),
            Slot::Host => Ok(Callee::Host),
            Slot::Failed(e) => Err(Trap::Host(e.to_string())),
            Slot::Empty => Err(Trap::Host(format!("no code for function {index}"))),
        }
    }
}

/// A function's tier-up budget, and its interpreted calls (together: a
/// call touches both).
#[derive(Debug, Clone, Copy)]
struct Budget {
    /// Events left before the function is hot.
    left: i32,
    /// Interpreted calls so far (modulo 2^32).
    calls: u32,
}

impl Budget {
    fn new(left: i32) -> Budget {
        Budget { left, calls: 0 }
    }

    #[inline(always)]
    fn spend_on_call(&mut self) {
        self.left -= 1;
        self.calls = self.calls.wrapping_add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_count_down_then_stay_hot() {
        let mut cache = CodeCache {
            slots: vec![Slot::Empty],
            budgets: vec![Budget::new(2)],
            ..CodeCache::default()
        };
        let f = FuncAddr(0);
        assert!(!cache.tick(f));
        assert!(!cache.tick(f));
        assert!(cache.tick(f), "spent");
        assert!(cache.tick(f), "stays spent until reset");
        cache.set_budget(f, 1);
        assert!(!cache.tick(f));
        cache.set_budget(f, u32::MAX);
        assert_eq!(cache.budgets[0].left, UNLIMITED);
    }
}
