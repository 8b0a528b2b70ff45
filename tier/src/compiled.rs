//! The compiled tier with the interpreter beside it: the executor of the
//! `jit` and `dyn` modes (built with the `jit` feature only).
//!
//! ```text
//!   CompiledTier
//!   ├─ jit: Jit               compiled code, compile thread, native stacks
//!   ├─ interp: Interpreter    runs every function without code, calls code
//!   ├─ ahead                  jit: compile each new instance before a call
//!   └─ tier_up: TierUpState   dyn: counts, compiles in flight, statistics
//! ```

use crate::interp_fallback::InterpFallback;
use crate::tier_up::{TierUpHook, TierUpState};
use crate::tiering::TierUp;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, Store, Trap, Val};
use wasmfx_interp::code::Code;
use wasmfx_interp::{Config, Interpreter};

/// The compiled tier with the interpreter beside it (`jit` and `dyn`).
pub(crate) struct CompiledTier {
    /// `Err` with the reason when the compiler cannot run on this host.
    pub(crate) jit: Result<wasmfx_jit::Jit, String>,
    pub(crate) interp: Interpreter,
    /// `jit`: compile each new instance before the next call, the
    /// functions `select` picks (all when `None`). `dyn`: nothing ahead.
    ahead: Option<Option<Box<FunctionSelection>>>,
    /// Instances below this id are compiled (`jit`).
    compiled_instances: usize,
    pub(crate) tier_up: TierUpState,
    /// The frames of the last trap: the interpreted ones of a fallback
    /// call that trapped (innermost), then the compiled ones.
    pub(crate) backtrace: WasmBacktrace,
}

/// Picks, by instance and function index, the functions the `jit` tier
/// compiles ([`TierExecutor::compiler_selecting`](crate::executor::TierExecutor::compiler_selecting)).
pub type FunctionSelection = dyn Fn(InstanceId, u32) -> bool;

impl CompiledTier {
    pub(crate) fn new(ahead: Option<Option<Box<FunctionSelection>>>, up: TierUp) -> CompiledTier {
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

    pub(crate) fn call(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<Vec<Val>, Trap> {
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
                self.backtrace = fallback.take_trapped_frames().followed_by(jit.backtrace());
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
