//! [`FuncSet`]: a set of functions by store address, as one flag per
//! address, for sets asked on hot paths (every continuation start): a
//! lookup is an index, not a hash.

use wasmfx_core::FuncAddr;

#[derive(Debug, Default, Clone)]
pub struct FuncSet {
    flags: Vec<bool>,
}

impl FuncSet {
    #[inline]
    pub fn contains(&self, func: FuncAddr) -> bool {
        self.flags.get(func.0 as usize) == Some(&true)
    }

    /// Adds `func`; whether it was new.
    pub fn insert(&mut self, func: FuncAddr) -> bool {
        let at = func.0 as usize;
        if self.flags.len() <= at {
            self.flags.resize(at + 1, false);
        }
        !std::mem::replace(&mut self.flags[at], true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_inserted() {
        let mut set = FuncSet::default();
        assert!(!set.contains(FuncAddr(7)));
        assert!(set.insert(FuncAddr(7)));
        assert!(!set.insert(FuncAddr(7)), "not new the second time");
        assert!(set.contains(FuncAddr(7)));
        assert!(!set.contains(FuncAddr(3)) && !set.contains(FuncAddr(100)));
    }
}
