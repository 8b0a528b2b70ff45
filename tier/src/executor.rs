//! One executor per store, for the tier the engine was built with. The spec
//! runner drives stores through it (`wasmfx_spec_tests::Executor`).
//!
//! `jit`: before each call, every instance the store gained since the last
//! call is compiled (all its functions; a function the compiler does not
//! cover stays interpreted). Compiled code runs functions without code
//! through the interpreter. `WASMFX_JIT_SELECT=even` compiles only even
//! function indices: a test knob for mixed-tier runs, which must give the
//! same results.

use crate::interp_fallback::InterpFallback;
use crate::mode::TierMode;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, InstanceId, Store, Trap, Val};
use wasmfx_interp::{Config, Interpreter};
use wasmfx_spec_tests::Executor;

/// Runs the functions of one store in the engine's tier.
pub struct TierExecutor {
    tier: TierImpl,
}

enum TierImpl {
    Interp(Interpreter),
    /// Boxed: the compiler is ~9 KB, and the box costs one load per
    /// top-level call only.
    Jit(Box<JitTier>),
}

/// The compiled tier with the interpreter as its fallback.
struct JitTier {
    /// `Err` with the reason when the compiler cannot run on this host.
    jit: Result<wasmfx_jit::Jit, String>,
    interp: Interpreter,
    /// Instances below this id are compiled.
    compiled_instances: usize,
    /// Compile only even function indices (`WASMFX_JIT_SELECT=even`).
    even_only: bool,
    /// The embedder's choice of compiled functions (instance, function
    /// index); replaces `even_only` when set.
    select: Option<Box<FunctionSelection>>,
    /// The frames of the last trap: the interpreted ones of a fallback
    /// call that trapped (innermost), then the compiled ones.
    backtrace: WasmBacktrace,
}

/// Picks, by instance and function index, the functions the `jit` tier
/// compiles ([`TierExecutor::compiler_selecting`]).
pub type FunctionSelection = dyn Fn(InstanceId, u32) -> bool;

impl JitTier {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        self.backtrace.frames.clear();
        let jit = self.jit.as_mut().map_err(|e| Trap::Host(e.clone()))?;
        let even_only = self.even_only;
        while self.compiled_instances < store.instances.len() {
            let id = InstanceId(self.compiled_instances as u32);
            let chosen = self.select.as_deref();
            let select = move |index: u32| match chosen {
                Some(chosen) => chosen(id, index),
                None => !even_only || index.is_multiple_of(2),
            };
            jit.compile_instance(store, id, &select)
                .map_err(|e| Trap::Host(e.to_string()))?;
            self.compiled_instances += 1;
        }
        let mut fallback = InterpFallback::new(&mut self.interp);
        let result = jit.call(store, func, args, &mut fallback);
        if result.is_err() {
            let interpreted = fallback.trapped_frames;
            self.backtrace.frames = [interpreted, jit.backtrace().frames.clone()].concat();
        }
        result
    }
}

impl TierExecutor {
    /// The constructor of `mode`'s executors; `None` when the mode is not
    /// built.
    pub fn factory(mode: TierMode) -> Option<fn() -> TierExecutor> {
        match mode {
            TierMode::Interp => Some(TierExecutor::interpreter),
            TierMode::Jit => Some(TierExecutor::compiler),
            TierMode::Dyn => None,
        }
    }

    fn compiler() -> TierExecutor {
        let even_only = std::env::var("WASMFX_JIT_SELECT").is_ok_and(|v| v == "even");
        TierExecutor {
            tier: TierImpl::Jit(Box::new(JitTier {
                jit: wasmfx_jit::Jit::new().map_err(|e| e.to_string()),
                interp: Interpreter::new(Config::default()),
                compiled_instances: 0,
                even_only,
                select: None,
                backtrace: WasmBacktrace::default(),
            })),
        }
    }

    /// A `jit` executor that compiles only the functions `select` picks;
    /// the others run interpreted. Any choice must give the same results
    /// (the differential tests pick at random).
    pub fn compiler_selecting(select: impl Fn(InstanceId, u32) -> bool + 'static) -> TierExecutor {
        let mut executor = TierExecutor::compiler();
        if let TierImpl::Jit(jit) = &mut executor.tier {
            jit.select = Some(Box::new(select));
        }
        executor
    }

    /// A `dyn` executor with the settings `up`.
    // Placeholder until the tiered executor lands: follows the plan's
    // compiled/interpreted choice statically.
    pub fn tiered(up: crate::tiering::TierUp) -> TierExecutor {
        TierExecutor::compiler_selecting(move |instance, index| {
            up.choice(instance, index).count().is_some()
        })
    }

    fn interpreter() -> TierExecutor {
        TierExecutor {
            tier: TierImpl::Interp(Interpreter::new(Config::default())),
        }
    }

    /// Time spent compiling and functions compiled so far (`jit`; `None`
    /// for tiers that do not compile), for benchmarks that report compile
    /// time apart from run time.
    pub fn compile_stats(&self) -> Option<(std::time::Duration, usize)> {
        match &self.tier {
            TierImpl::Jit(tier) => tier.jit.as_ref().ok().map(|jit| jit.compile_stats()),
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
            TierImpl::Jit(jit) => jit.jit.is_ok().then_some(&jit.backtrace),
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
            TierImpl::Jit(jit) => jit.call(store, func, args),
        }
    }
}

impl Executor for TierExecutor {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        TierExecutor::call(self, store, func, args)
    }
}
