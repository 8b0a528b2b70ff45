//! One executor per store, for the tier the engine was built with. The spec
//! runner drives stores through it (`wasmfx_spec_tests::Executor`).
//!
//! ```text
//!   interp  Interpreter alone
//!   jit     CompiledTier: before each call, every instance the store gained
//!           is compiled (all its functions, or those `select` picks); the
//!           interpreter runs the rest and calls compiled code in turn
//!   dyn     CompiledTier without compiling ahead: every function starts
//!           interpreted and is compiled when hot (`tier_up.rs`, `tiering.rs`)
//! ```
//!
//! `CompiledTier` (`compiled.rs`) and the constructors of `jit` and `dyn`
//! executors exist with the `jit` feature only; without it every executor
//! is an interpreter.

#[cfg(feature = "jit")]
use crate::compiled::{CompiledTier, FunctionSelection};
use crate::mode::TierMode;
#[cfg(feature = "jit")]
use crate::tier_up::TierStats;
#[cfg(feature = "jit")]
use crate::tiering::{FunctionTier, TierUp};
#[cfg(feature = "jit")]
use wasmfx_core::InstanceId;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, Store, Trap, Val};
use wasmfx_interp::{Config, Interpreter};
use wasmfx_spec_tests::Executor;

/// Runs the functions of one store in the engine's tier.
pub struct TierExecutor {
    tier: TierImpl,
}

enum TierImpl {
    /// Boxed like the compiled tier: both are a few hundred bytes or more.
    Interp(Box<Interpreter>),
    /// Boxed: the compiler is ~9 KB, and the box costs one load per
    /// top-level call only.
    #[cfg(feature = "jit")]
    Compiled(Box<CompiledTier>),
}

impl TierExecutor {
    /// The constructor of `mode`'s executors; `None` when the mode is not
    /// built.
    pub fn factory(mode: TierMode) -> Option<fn() -> TierExecutor> {
        match mode {
            TierMode::Interp => Some(TierExecutor::interpreter),
            #[cfg(feature = "jit")]
            TierMode::Jit => Some(TierExecutor::compiler),
            #[cfg(feature = "jit")]
            TierMode::Dyn => Some(|| TierExecutor::tiered(TierUp::default())),
            #[cfg(not(feature = "jit"))]
            TierMode::Jit | TierMode::Dyn => None,
        }
    }

    #[cfg(feature = "jit")]
    fn compiler() -> TierExecutor {
        let never = TierUp::with_plan(|_, _| FunctionTier::Interpreted);
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(Some(None), never))),
        }
    }

    /// A `jit` executor that compiles only the functions `select` picks;
    /// the others run interpreted. Any choice must give the same results
    /// (the differential tests pick at random).
    #[cfg(feature = "jit")]
    pub fn compiler_selecting(select: impl Fn(InstanceId, u32) -> bool + 'static) -> TierExecutor {
        let never = TierUp::with_plan(|_, _| FunctionTier::Interpreted);
        let ahead = Some(Some(Box::new(select) as Box<FunctionSelection>));
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(ahead, never))),
        }
    }

    /// A `dyn` executor with the settings `up`: every function starts
    /// interpreted and is compiled when hot.
    #[cfg(feature = "jit")]
    pub fn tiered(up: TierUp) -> TierExecutor {
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(None, up))),
        }
    }

    /// This executor with fresh continuations run as heap frames in place
    /// of native ones once `stacks` native stacks are in use and none is
    /// warm (`dyn`; the jit's `set_heap_frames_after`: 0 for always, for
    /// tests).
    #[cfg(feature = "jit")]
    pub fn heap_frames_after(mut self, stacks: u64) -> TierExecutor {
        if let TierImpl::Compiled(tier) = &mut self.tier
            && tier.tier_up.compiles
            && let Ok(jit) = &mut tier.jit
        {
            jit.set_heap_frames_after(stacks);
        }
        self
    }

    fn interpreter() -> TierExecutor {
        TierExecutor {
            tier: TierImpl::Interp(Box::new(Interpreter::new(Config::default()))),
        }
    }

    /// Time spent compiling and functions compiled so far (`jit`, `dyn`;
    /// `None` for tiers that do not compile), for benchmarks that report
    /// compile time apart from run time.
    pub fn compile_stats(&self) -> Option<(std::time::Duration, usize)> {
        match &self.tier {
            #[cfg(feature = "jit")]
            TierImpl::Compiled(tier) => tier.jit.as_ref().ok().map(|jit| jit.compile_stats()),
            TierImpl::Interp(_) => None,
        }
    }

    /// What tiered up and when, and calls per tier (`dyn`; `None`
    /// otherwise). Waits for compiles still in flight, so that the report
    /// is complete.
    #[cfg(feature = "jit")]
    pub fn tier_stats(&mut self, store: &mut Store) -> Option<(TierStats, u64)> {
        match &mut self.tier {
            TierImpl::Compiled(tier) => {
                let mut stats = tier.tier_up.stats.clone();
                if let Ok(jit) = tier.jit.as_mut() {
                    tier.tier_up.finish_pending(jit, store);
                    stats = tier.tier_up.stats.clone();
                    stats.heap_frame_conts = jit.heap_frame_conts();
                }
                let interpreted = tier.interp.interpreted_calls();
                Some((stats, interpreted))
            }
            TierImpl::Interp(_) => None,
        }
    }

    /// Continuations of `store` (this executor's) not yet released (made
    /// and neither returned, trapped nor consumed for good): both tiers
    /// keep them in the store's table.
    pub fn live_continuations(&self, store: &Store) -> usize {
        store.live_continuations()
    }

    /// The Wasm functions active at the last trap, innermost first, when the
    /// tier records them: the interpreter does, and so does compiled code
    /// (the interpreted frames of a fallback call that trapped, then the
    /// compiled ones).
    pub fn backtrace(&self) -> Option<&WasmBacktrace> {
        match &self.tier {
            TierImpl::Interp(interp) => Some(interp.backtrace()),
            #[cfg(feature = "jit")]
            TierImpl::Compiled(tier) => tier.jit.is_ok().then_some(&tier.backtrace),
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
            #[cfg(feature = "jit")]
            TierImpl::Compiled(tier) => tier.call(store, func, args),
        }
    }
}

impl Executor for TierExecutor {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        TierExecutor::call(self, store, func, args)
    }
}
