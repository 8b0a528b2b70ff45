//! One executor per store, for the tier the engine was built with. The spec
//! runner drives stores through it (`wasmfx_spec_tests::Executor`).

use crate::mode::TierMode;
use wasmfx_core::{FuncAddr, Store, Trap, Val};
use wasmfx_interp::{Config, Interpreter};
use wasmfx_spec_tests::Executor;

/// Runs the functions of one store in the engine's tier.
pub struct TierExecutor {
    tier: TierImpl,
}

enum TierImpl {
    Interp(Interpreter),
}

impl TierExecutor {
    /// The constructor of `mode`'s executors; `None` when the mode is not
    /// built.
    pub fn factory(mode: TierMode) -> Option<fn() -> TierExecutor> {
        match mode {
            TierMode::Interp => Some(TierExecutor::interpreter),
            TierMode::Jit | TierMode::Dyn => None,
        }
    }

    fn interpreter() -> TierExecutor {
        TierExecutor {
            tier: TierImpl::Interp(Interpreter::new(Config::default())),
        }
    }

    /// Runs `func` to completion. `args` must already match its parameters
    /// (`Runtime::call` checks them).
    ///
    /// # Errors
    /// The trap that stopped execution.
    pub fn call(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<Vec<Val>, Trap> {
        match &mut self.tier {
            TierImpl::Interp(interp) => interp.call(store, func, args),
        }
    }
}

impl Executor for TierExecutor {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        TierExecutor::call(self, store, func, args)
    }
}
