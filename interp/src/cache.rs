//! [`CodeCache`]: translated code per function address, filled on first call.
//!
//! ```text
//!   slots[FuncAddr] ─▶ Empty          not called yet
//!                      Wasm(Rc<Code>) translated once, shared by every frame running it
//!                      Host           a host function (called directly)
//!                      Failed(err)    translation failed; every call traps with err
//! ```
//!
//! Code embeds store addresses of its instance, so a cache belongs to one
//! store.

use crate::code::Code;
use crate::translate::{TranslateError, translate};
use std::rc::Rc;
use wasmfx_core::{FuncAddr, FuncKind, Store, Trap};

#[derive(Debug, Clone, Default)]
enum Slot {
    #[default]
    Empty,
    Wasm(Rc<Code>),
    Host,
    Failed(TranslateError),
}

/// What a call to a function address runs.
pub enum Callee {
    Wasm(Rc<Code>),
    Host,
}

#[derive(Debug, Default)]
pub struct CodeCache {
    slots: Vec<Slot>,
}

impl CodeCache {
    /// The code of `func`, translating it on first use.
    ///
    /// # Errors
    /// `Trap::Host` with the translation error when `func` cannot be
    /// translated (or does not exist).
    #[inline(always)]
    pub fn get(&mut self, store: &Store, func: FuncAddr) -> Result<Callee, Trap> {
        match self.slots.get(func.0 as usize) {
            Some(Slot::Wasm(code)) => Ok(Callee::Wasm(code.clone())),
            Some(Slot::Host) => Ok(Callee::Host),
            _ => self.fill(store, func),
        }
    }

    /// Slow path of [`CodeCache::get`]: translates (or classifies) `func`.
    #[cold]
    fn fill(&mut self, store: &Store, func: FuncAddr) -> Result<Callee, Trap> {
        let index = func.0 as usize;
        if self.slots.len() <= index {
            self.slots.resize(index + 1, Slot::Empty);
        }
        if let Slot::Empty = self.slots[index] {
            self.slots[index] = match store.funcs.get(index).map(|f| &f.kind) {
                None => return Err(Trap::Host(format!("no function at address {index}"))),
                Some(FuncKind::Host(_)) => Slot::Host,
                Some(FuncKind::Wasm { .. }) => match translate(store, func) {
                    Ok(code) => Slot::Wasm(Rc::new(code)),
                    Err(e) => Slot::Failed(e),
                },
            };
        }
        match &self.slots[index] {
            Slot::Wasm(code) => Ok(Callee::Wasm(code.clone())),
            Slot::Host => Ok(Callee::Host),
            Slot::Failed(e) => Err(Trap::Host(e.to_string())),
            Slot::Empty => Err(Trap::Host(format!("no code for function {index}"))),
        }
    }
}
