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

use crate::interp_fallback::InterpFallback;
use crate::mode::TierMode;
use crate::tier_up::{TierStats, TierUpHook, TierUpState};
use crate::tiering::{FunctionTier, TierUp};
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, Store, Trap, Val};
use wasmfx_interp::code::Code;
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
    Compiled(Box<CompiledTier>),
}

/// The compiled tier with the interpreter beside it (`jit` and `dyn`).
struct CompiledTier {
    /// `Err` with the reason when the compiler cannot run on this host.
    jit: Result<wasmfx_jit::Jit, String>,
    interp: Interpreter,
    /// `jit`: compile each new instance before the next call, the
    /// functions `select` picks (all when `None`). `dyn`: nothing ahead.
    ahead: Option<Option<Box<FunctionSelection>>>,
    /// Instances below this id are compiled (`jit`).
    compiled_instances: usize,
    tier_up: TierUpState,
    /// The frames of the last trap: the interpreted ones of a fallback
    /// call that trapped (innermost), then the compiled ones.
    backtrace: WasmBacktrace,
}

/// Picks, by instance and function index, the functions the `jit` tier
/// compiles ([`TierExecutor::compiler_selecting`]).
pub type FunctionSelection = dyn Fn(InstanceId, u32) -> bool;

impl CompiledTier {
    fn new(ahead: Option<Option<Box<FunctionSelection>>>, up: TierUp) -> CompiledTier {
        let compiles = ahead.is_none();
        let initial_up = up.clone();
        let initial = Box::new(move |store: &Store, func: FuncAddr, _: &Code| {
            match store.funcs.get(func.0 as usize).map(|f| &f.kind) {
                Some(FuncKind::Wasm { instance, index }) if compiles => {
                    initial_up.choice(*instance, *index).count()
                }
                _ => None,
            }
        });
        CompiledTier {
            jit: wasmfx_jit::Jit::new()
                .map(|mut jit| {
                    // The tiered mode's interpreter runs continuations as heap
                    // frames for compiled code (`jit`: its own stacks only).
                    if compiles {
                        jit.set_heap_frames_after(wasmfx_jit::HEAP_FRAMES_AFTER);
                    }
                    jit
                })
                .map_err(|e| e.to_string()),
            interp: Interpreter::tiered(Config::default(), initial),
            ahead,
            compiled_instances: 0,
            tier_up: TierUpState::new(up, compiles),
            backtrace: WasmBacktrace::default(),
        }
    }

    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        self.backtrace.clear();
        let jit = self.jit.as_mut().map_err(|e| Trap::Host(e.clone()))?;
        if let Some(select) = &self.ahead {
            while self.compiled_instances < store.instances.len() {
                let id = InstanceId(self.compiled_instances as u32);
                let chosen = select.as_deref();
                let select = move |index: u32| chosen.is_none_or(|chosen| chosen(id, index));
                jit.compile_instance(store, id, &select)
                    .map_err(|e| Trap::Host(e.to_string()))?;
                self.compiled_instances += 1;
            }
        }
        for installed in self.tier_up.install_finished(jit, store) {
            self.interp.mark_compiled(installed);
        }
        let compiled = store
            .funcs
            .get(func.0 as usize)
            .is_some_and(|f| f.vm().code != 0);
        if compiled {
            self.tier_up.stats.compiled_entries += 1;
            let mut fallback = InterpFallback::new(&mut self.interp, &mut self.tier_up);
            let result = jit.call(store, func, args, &mut fallback);
            if result.is_err() {
                self.backtrace = fallback.trapped_frames.followed_by(jit.backtrace());
            }
            result
        } else {
            let mut hook = TierUpHook::new(Some(jit), &mut self.tier_up);
            let result = self.interp.call_tiered(store, func, args, &mut hook);
            if result.is_err() {
                self.backtrace = self.interp.backtrace().clone();
            }
            result
        }
    }
}

impl TierExecutor {
    /// The constructor of `mode`'s executors; `None` when the mode is not
    /// built.
    pub fn factory(mode: TierMode) -> Option<fn() -> TierExecutor> {
        match mode {
            TierMode::Interp => Some(TierExecutor::interpreter),
            TierMode::Jit => Some(TierExecutor::compiler),
            TierMode::Dyn => Some(|| TierExecutor::tiered(TierUp::default())),
        }
    }

    fn compiler() -> TierExecutor {
        let never = TierUp::with_plan(|_, _| FunctionTier::Interpreted);
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(Some(None), never))),
        }
    }

    /// A `jit` executor that compiles only the functions `select` picks;
    /// the others run interpreted. Any choice must give the same results
    /// (the differential tests pick at random).
    pub fn compiler_selecting(select: impl Fn(InstanceId, u32) -> bool + 'static) -> TierExecutor {
        let never = TierUp::with_plan(|_, _| FunctionTier::Interpreted);
        let ahead = Some(Some(Box::new(select) as Box<FunctionSelection>));
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(ahead, never))),
        }
    }

    /// A `dyn` executor with the settings `up`: every function starts
    /// interpreted and is compiled when hot.
    pub fn tiered(up: TierUp) -> TierExecutor {
        TierExecutor {
            tier: TierImpl::Compiled(Box::new(CompiledTier::new(None, up))),
        }
    }

    /// This executor with fresh continuations run as heap frames in place
    /// of native ones once `stacks` native stacks are in use and none is
    /// warm (`dyn`; the jit's `set_heap_frames_after`: 0 for always, for
    /// tests).
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
            TierImpl::Compiled(tier) => tier.jit.as_ref().ok().map(|jit| jit.compile_stats()),
            TierImpl::Interp(_) => None,
        }
    }

    /// What tiered up and when, and calls per tier (`dyn`; `None`
    /// otherwise). Waits for compiles still in flight, so that the report
    /// is complete.
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
            TierImpl::Compiled(tier) => tier.call(store, func, args),
        }
    }
}

impl Executor for TierExecutor {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        TierExecutor::call(self, store, func, args)
    }
}
