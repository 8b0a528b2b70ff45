//! The tiered engine's side of the interpreter's [`Tiering`] hook: what
//! happens when a function is hot, and how the interpreter calls compiled
//! code.
//!
//! ```text
//!   interpreter ── hot(f) ──▶ TierUpHook ── policy (TierUp) says compile?
//!        │                      ├─ sync:  Jit::compile_function ─▶ installed now
//!        │                      └─ async: Jit::compile_in_background; polled at
//!        │                                later hot() calls and host entries
//!        └── call_compiled(f, values) ─▶ Jit::call_in_place (values in place)
//!               compiled code ─▶ functions without code ─▶ InterpFallback
//!                  ─▶ the same interpreter, with a hook that reaches the
//!                     Jit through the running activation (`with_jit`)
//! ```
//!
//! Continuations mix: the interpreter resumes continuations that compiled
//! code suspended, starts fresh ones of compiled functions, and calls
//! compiled functions inside its own continuations, all in compiled code's
//! way through `Jit::resume_from_host` (`resume_native`; see the
//! interpreter's `exec/native.rs`). Calls of compiled functions that can
//! never suspend (`suspend_free.rs`) go in place instead, as at the top
//! level, and so do calls from interpreted frames that compiled code runs,
//! by a hand-off (the interpreter's `exec/outward.rs`). A `switch` in
//! compiled code whose handler lies past the prompt the interpreter
//! installs for such a continuation stops at it and comes back to the
//! interpreter, which switches on its own terms (`NativeOutcome::Switched`).

use crate::interp_fallback::InterpFallback;
use crate::suspend_free::SuspendFree;
use crate::tiering::TierUp;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, FuncKind, InstanceId, Store, Trap};
use wasmfx_interp::code::Code;
use wasmfx_interp::{
    CodeCache, HotLoop, HotReply, Interpreter, NativeOutcome, Resumption, Tiering,
};
use wasmfx_jit::{
    CalleeHeat, FuncSet, HostOutcome, HostResumption, Jit, OsrState, Reach, nested_at_least,
    on_native_chain, with_jit,
};

/// Events a function whose compile is in flight counts before it looks
/// for the finished code again.
const POLL_EVERY: u32 = 64;

/// Events a hot function counts before it asks again while the run is
/// in its start delay ([`TierUp::start_delay`]).
const START_DELAY_POLL: u32 = 1024;

/// Entries into compiled code that may nest on the native stack before the
/// interpreter stops calling compiled code (it runs the interpreted code
/// instead, whose frames are on the heap): each crossing pair costs Rust
/// and entry frames, so deep recursion through both tiers would exhaust
/// the native stack long before the interpreter's own depth limit.
const MAX_NESTED_ENTRIES: usize = 32;

/// Entries that may nest before the interpreter stops running compiled
/// functions as native continuations (each runs on a fibre stack of its
/// own, so this bounds the host stack only).
const MAX_NATIVE_NESTING: usize = 256;

/// What tiered up, and when (`run --tier-stats`).
#[derive(Debug, Default, Clone)]
pub struct TierStats {
    /// Functions given compiled code while the program ran, with the time
    /// since the executor began.
    pub tiered_up: Vec<(FuncAddr, Duration)>,
    /// Calls from the interpreter or the host into compiled code.
    pub compiled_entries: u64,
    /// Loop headers that found their function hot.
    pub hot_loops: u64,
    /// On-stack replacements: frames that entered an OSR entry, or were
    /// handed to one (`CallExit::Osr`).
    pub osr_entries: u64,
    /// The first entry into each OSR entry (function, loop offset), with
    /// the time since the executor began: a function that runs in its OSR
    /// variant has compiled code from then on, whenever its own compile
    /// is installed (`tiered_up`).
    pub osr_first: Vec<(FuncAddr, u32, Duration)>,
    /// Fresh continuations that compiled code ran as heap frames in place
    /// of native ones (many native stacks in use, none warm).
    pub heap_frame_conts: u64,
    /// Resumes of continuations that the interpreter ran natively (their
    /// frames compiled code's, or a fresh one of a compiled function).
    pub native_resumes: u64,
}

/// A function's interpreted calls at its last hot loop, and the events it
/// has spent since its last new call, as far as its hot loops tell.
struct LoopWatch {
    calls: u32,
    quiet: u32,
}

/// The tiering state one executor keeps across calls.
pub(crate) struct TierUpState {
    pub up: TierUp,
    /// Whether functions get compiled when hot (`dyn`); `jit` compiles
    /// before calls instead and only calls compiled code.
    pub compiles: bool,
    /// Compiles sent to the compile thread and not installed yet.
    pending: HashSet<FuncAddr>,
    /// Each function's calls and quiet events at its last hot loop
    /// ([`TierUpState::runs_long`]).
    loop_calls: HashMap<FuncAddr, LoopWatch>,
    pub stats: TierStats,
    started: Instant,
    /// Which functions never suspend (calls of compiled code in place
    /// inside interpreted continuations).
    pub suspend_free: SuspendFree,
    /// Functions asked about compiling before a continuation start
    /// ([`TierUpState::compiles_at_start`]), by store address: asked at
    /// every fresh continuation compiled code may run in place, so a
    /// lookup without hashing.
    asked_at_start: FuncSet,
}

impl TierUpState {
    pub fn new(up: TierUp, compiles: bool) -> TierUpState {
        TierUpState {
            up,
            compiles,
            pending: HashSet::new(),
            loop_calls: HashMap::new(),
            stats: TierStats::default(),
            started: Instant::now(),
            suspend_free: SuspendFree::default(),
            asked_at_start: FuncSet::default(),
        }
    }

    /// Installs finished background compiles; returns the functions that
    /// got code. With no compile in flight, nothing is pending any more
    /// (a batch that ended without code for its hot function, because
    /// Cranelift refused one of its functions, is asked for again).
    pub fn install_finished(&mut self, jit: &mut Jit, store: &mut Store) -> Vec<FuncAddr> {
        if jit.compiles_in_flight() == 0 {
            self.pending.clear();
            return Vec::new();
        }
        let installed = jit.install_finished(store, false).unwrap_or_default();
        self.note_installed(&installed);
        if jit.compiles_in_flight() == 0 {
            self.pending.clear();
        }
        installed
    }

    /// Whether the frame of `func` whose loop went hot (with `calls`
    /// interpreted calls of `func` so far, after a first budget of `first`
    /// events) runs long, so that an OSR entry pays: `func` has spent as
    /// many events as the tier-up count (`--tier-up-after`) with no new
    /// call, counting its first budget when it was called once in all, and
    /// POLL_EVERY for each hot loop since (its frames' iterations). A
    /// function called often spends its budget over many short frames,
    /// whose next calls run its compiled code: an OSR entry would be a
    /// second compile of the whole function for frames about to end
    /// (`examples/fibers/round_robin.wasm`: three of `dlmalloc`'s loops
    /// took 8.8 ms of the compile thread's 25).
    pub(crate) fn runs_long(&mut self, func: FuncAddr, calls: u32, first: u32) -> bool {
        let quiet = match self.loop_calls.get_mut(&func) {
            None => {
                let quiet = if calls <= 1 { first } else { 0 };
                self.loop_calls.insert(func, LoopWatch { calls, quiet });
                quiet
            }
            Some(watch) if watch.calls != calls => {
                *watch = LoopWatch { calls, quiet: 0 };
                0
            }
            Some(watch) => {
                watch.quiet = watch.quiet.saturating_add(POLL_EVERY);
                watch.quiet
            }
        };
        quiet >= self.up.after
    }

    /// Counts a frame entering (or handed to) the OSR entry of `func` at
    /// loop `offset`; the first one is noted with its time.
    pub(crate) fn note_osr_entry(&mut self, func: FuncAddr, offset: u32) {
        self.stats.osr_entries += 1;
        let first = !(self.stats.osr_first.iter()).any(|&(f, o, _)| (f, o) == (func, offset));
        if first {
            let now = self.started.elapsed();
            self.stats.osr_first.push((func, offset, now));
        }
    }

    fn note_installed(&mut self, installed: &[FuncAddr]) {
        let now = self.started.elapsed();
        for &func in installed {
            self.pending.remove(&func);
            self.stats.tiered_up.push((func, now));
        }
    }

    /// Whether a continuation of `func` (without code) should not start
    /// interpreted: under counts (no explicit plan), a function
    /// that resumes continuations, whose frame may wait at a `resume` for
    /// as long as the continuation lives, crossing into the interpreter at
    /// every round trip (no OSR entry moves a frame waiting there). Asked
    /// once per function.
    fn compiles_at_start(&mut self, store: &Store, func: FuncAddr) -> bool {
        if !self.compiles || self.up.plan.is_some() {
            return false;
        }
        self.asked_at_start.insert(func) && self.suspend_free.resumes(store, func)
    }

    /// Gives `func` compiled code before a continuation of it starts, when
    /// [`TierUpState::compiles_at_start`] says so: compiled (unless it has
    /// code) on the compile thread and waited for, with every compile in
    /// flight, since the start may be on a stack too small for the
    /// compiler. Its continuations get native stacks from then on, never
    /// heap frames (`Jit::note_long_lived`). `jit`: the executor's own, or
    /// the running activation's. Returns whether `func` has code now.
    pub fn compile_at_start(
        &mut self,
        jit: Option<&mut Jit>,
        store: &mut Store,
        func: FuncAddr,
    ) -> bool {
        if !self.compiles_at_start(store, func) {
            return false;
        }
        with_jit(jit, |jit| self.compile_and_wait(jit, store, func)).unwrap_or(false)
    }

    fn compile_and_wait(&mut self, jit: &mut Jit, store: &mut Store, func: FuncAddr) -> bool {
        // Its callees as for a hot call, whether they have run yet or not.
        let (_, now) = compile_with(jit, self, store, (func, &|_| true), false);
        let compiled = now || {
            let installed = jit.install_finished(store, true).unwrap_or_default();
            self.note_installed(&installed);
            (store.funcs.get(func.0 as usize)).is_some_and(|f| f.vm().code != 0)
        };
        if compiled {
            jit.note_long_lived(func);
        }
        compiled
    }

    /// Waits for every compile in flight (for a report that is complete).
    pub fn finish_pending(&mut self, jit: &mut Jit, store: &mut Store) {
        if jit.compiles_in_flight() > 0 {
            let installed = jit.install_finished(store, true).unwrap_or_default();
            self.note_installed(&installed);
            self.pending.clear();
        }
    }
}

/// The interpreter's [`Tiering`] hook: `jit` is the executor's own Jit at
/// the root; `None` under compiled code, where the running activation's
/// Jit is used.
pub(crate) struct TierUpHook<'a> {
    pub jit: Option<&'a mut Jit>,
    pub state: &'a mut TierUpState,
    /// The frames of the last compiled call that trapped.
    trapped: WasmBacktrace,
}

impl<'a> TierUpHook<'a> {
    pub fn new(jit: Option<&'a mut Jit>, state: &'a mut TierUpState) -> TierUpHook<'a> {
        TierUpHook {
            jit,
            state,
            trapped: WasmBacktrace::default(),
        }
    }

    fn with_jit<R>(&mut self, f: impl FnOnce(&mut Jit) -> R) -> Option<R> {
        with_jit(self.jit.as_deref_mut(), f)
    }

    /// Whether a tier-up of `func` would compile callees with it.
    fn batch_has_callees(&mut self, store: &Store, func: FuncAddr, codes: &CodeCache) -> bool {
        let up = &self.state.up;
        let Some(instance) = wasm_instance(store, func).filter(|_| up.callees) else {
            return false;
        };
        let allowed = |i, f| heat(up, instance, i, codes.is_warm(f));
        let has = |jit: &mut Jit| jit.batch_has_callees(store, func, Reach::Callees(&allowed));
        with_jit(self.jit.as_deref_mut(), has).unwrap_or(false)
    }

    /// Compiles `func` as the policy says (with those of its callees that
    /// are warm); returns the functions that got code and whether `func`
    /// is among them.
    fn compile(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        codes: &CodeCache,
    ) -> (Vec<FuncAddr>, bool) {
        let sync = self.state.up.sync;
        let state = &mut *self.state;
        let warm = |f| codes.is_warm(f);
        with_jit(self.jit.as_deref_mut(), |jit| {
            compile_with(jit, state, store, (func, &warm), sync)
        })
        .unwrap_or_default()
    }
}

/// The instance of Wasm function `func` (`None`: a host function).
fn wasm_instance(store: &Store, func: FuncAddr) -> Option<InstanceId> {
    match store.funcs.get(func.0 as usize)?.kind {
        FuncKind::Wasm { instance, .. } => Some(instance),
        FuncKind::Host(_) => None,
    }
}

/// What the tiering says of callee `index` of `instance` in a hot
/// function's batch.
fn heat(up: &TierUp, instance: InstanceId, index: u32, warm: bool) -> CalleeHeat {
    match up.choice(instance, index).count() {
        None => CalleeHeat::Excluded,
        Some(_) if warm => CalleeHeat::Warm,
        Some(_) => CalleeHeat::Cold,
    }
}

/// [`TierUpHook::compile`] with the Jit at hand: `func`, and those of its
/// callees for which `warm` holds.
fn compile_with(
    jit: &mut Jit,
    state: &mut TierUpState,
    store: &mut Store,
    (func, warm): (FuncAddr, &dyn Fn(FuncAddr) -> bool),
    sync: bool,
) -> (Vec<FuncAddr>, bool) {
    let mut installed = state.install_finished(jit, store);
    let queued = state.pending.contains(&func);
    let has_code = store
        .funcs
        .get(func.0 as usize)
        .is_some_and(|f| f.vm().code != 0);
    if installed.contains(&func) || has_code {
        return (installed, true);
    }
    let up = state.up.clone();
    let instance = wasm_instance(store, func).filter(|_| up.callees);
    let allowed = |i, f| instance.map_or(CalleeHeat::Excluded, |id| heat(&up, id, i, warm(f)));
    let reach = match instance {
        Some(_) => Reach::Callees(&allowed),
        None => Reach::Alone,
    };
    let now = match (sync, queued) {
        (_, true) => false,
        (true, false) => {
            let compiled = jit.compile_function(store, func, reach).unwrap_or_default();
            state.note_installed(&compiled);
            installed.extend_from_slice(&compiled);
            compiled.contains(&func)
        }
        (false, false) => match jit.compile_in_background(store, func, reach) {
            Ok(true) => {
                state.note_installed(&[func]);
                installed.push(func);
                true
            }
            Ok(false) => {
                state.pending.insert(func);
                false
            }
            Err(_) => false,
        },
    };
    (installed, now)
}

impl TierUpHook<'_> {
    /// Runs `f` with the Jit (the root's, or the running activation's) and
    /// `interp` lent as compiled code's fallback; keeps both tiers' frames
    /// when it traps ([`Tiering::trapped_frames`]).
    fn enter<R>(
        &mut self,
        interp: &mut Interpreter,
        f: impl FnOnce(&mut Jit, &mut InterpFallback<'_>) -> Result<R, Trap>,
    ) -> Result<R, Trap> {
        let mut fallback = InterpFallback::new(interp, self.state);
        // The compiled frames of a trap, read before the Jit is let go.
        let mut compiled = None;
        let jit = self.jit.as_deref_mut();
        let result = with_jit(jit, |jit| run_noting(jit, &mut fallback, &mut compiled, f))
            .unwrap_or_else(|| Err(Trap::Host("no compiled code runs here".into())));
        if result.is_err() {
            let interpreted = fallback.take_trapped_frames();
            self.trapped = interpreted.followed_by(&compiled.unwrap_or_default());
        }
        result
    }
}

/// Runs `f` for [`TierUpHook::enter`], keeping the compiled frames of a
/// trap in `compiled`. Inlined: every frame between the interpreter and a
/// stack switch is a return that the switch makes the CPU mispredict.
#[inline(always)]
fn run_noting<R>(
    jit: &mut Jit,
    fallback: &mut InterpFallback<'_>,
    compiled: &mut Option<WasmBacktrace>,
    f: impl FnOnce(&mut Jit, &mut InterpFallback<'_>) -> Result<R, Trap>,
) -> Result<R, Trap> {
    let result = f(jit, fallback);
    if result.is_err() {
        *compiled = Some(jit.backtrace().clone());
    }
    result
}

impl Tiering for TierUpHook<'_> {
    fn hot(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        _code: &Code,
        at_loop: Option<HotLoop>,
        codes: &CodeCache,
    ) -> HotReply {
        if at_loop.is_some() {
            self.state.stats.hot_loops += 1;
        }
        // Its first budget (`None`: not to be compiled).
        let first = match store.funcs.get(func.0 as usize).map(|f| &f.kind) {
            Some(FuncKind::Wasm { instance, index }) if self.state.compiles => {
                self.state.up.choice(*instance, *index).count()
            }
            _ => None,
        };
        let Some(first) = first else {
            let installed = self
                .with_jit(|jit| jit.install_finished(store, false).unwrap_or_default())
                .unwrap_or_default();
            self.state.note_installed(&installed);
            return HotReply::Budget(u32::MAX, installed);
        };
        // A loop gets an OSR entry only for a frame that runs long (see
        // `TierUpState::runs_long`); otherwise the event counts as a call's.
        let calls = codes.calls(func);
        let (looping, event_loop) = (at_loop.is_some(), at_loop.map(|at| at.offset));
        let at_loop = (at_loop
            .filter(|at| at.in_continuation || self.state.runs_long(func, calls, first)))
        .map(|at| at.offset);
        // In the run's first moments only a frame that runs long gets code
        // (its OSR entry), not a function (`TierUp::start_delay`).
        let delayed =
            !self.state.up.sync && self.state.started.elapsed() < self.state.up.start_delay;
        if delayed && at_loop.is_none() {
            return HotReply::Budget(START_DELAY_POLL, Vec::new());
        }
        // A compile of it waiting for the compile thread is asked for again.
        self.with_jit(|jit| jit.note_demand(func, event_loop));
        // At a loop, the frame waits for its OSR entry: it goes first, unless
        // the function's batch has callees, which the entry then calls
        // directly (the compile queue sends that batch first).
        let background = !self.state.up.sync;
        // Asked only while the loop has no OSR entry on the way: a hot loop
        // polls every POLL_EVERY events until its entry is ready.
        let osr_missing = at_loop.is_some_and(|offset| {
            self.with_jit(|jit| matches!(jit.osr_state(func, offset), OsrState::Missing))
                .unwrap_or(false)
        });
        let callees_first = !delayed && osr_missing && self.batch_has_callees(store, func, codes);
        let mut compiled = callees_first.then(|| self.compile(store, func, codes));
        let osr = at_loop.map(|offset| {
            self.with_jit(|jit| match jit.osr_state(func, offset) {
                OsrState::Missing => jit.compile_osr(store, func, offset, background),
                state => state,
            })
        });
        let (installed, now) = match (compiled.take(), delayed) {
            (Some(compiled), _) => compiled,
            (None, true) => {
                let state = &mut *self.state;
                let installed = self.jit.as_deref_mut();
                let installed = with_jit(installed, |jit| state.install_finished(jit, store));
                (installed.unwrap_or_default(), false)
            }
            (None, false) => self.compile(store, func, codes),
        };
        if let Some(osr) = osr {
            return match osr {
                Some(OsrState::Ready(_)) => HotReply::Osr(installed),
                Some(OsrState::Pending) => HotReply::Budget(POLL_EVERY, installed),
                _ => HotReply::Budget(u32::MAX, installed),
            };
        }
        match (now, self.state.pending.contains(&func)) {
            // A frame at a loop asks again (it may run long after all).
            (true, _) if looping => HotReply::Budget(POLL_EVERY, installed),
            (true, _) => HotReply::Compiled(installed),
            (false, true) => HotReply::Budget(POLL_EVERY, installed),
            // Not compilable after all (outside the compiler's coverage).
            (false, false) => HotReply::Budget(u32::MAX, installed),
        }
    }

    fn call_compiled(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
        interp: &mut Interpreter,
    ) -> Result<(), Box<Trap>> {
        self.state.stats.compiled_entries += 1;
        self.enter(interp, |jit, fallback| {
            jit.call_in_place(store, func, values, fallback)
        })
        .map_err(Box::new)
    }

    fn enter_osr(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        offset: u32,
        frame: &mut [u64],
        interp: &mut Interpreter,
    ) -> Result<(), Trap> {
        self.state.note_osr_entry(func, offset);
        self.enter(interp, |jit, fallback| {
            jit.call_osr(store, func, offset, frame, fallback)
        })
    }

    fn resume_native(
        &mut self,
        store: &mut Store,
        index: u32,
        resumption: Resumption<'_>,
        tags: &[u64],
        first_switch: u32,
        interp: &mut Interpreter,
    ) -> Result<NativeOutcome, Trap> {
        self.state.stats.native_resumes += 1;
        let resumption = match resumption {
            Resumption::Values(values) => HostResumption::Values(values),
            Resumption::Throw(exn) => HostResumption::Throw(exn),
        };
        let result = self.enter(interp, |jit, fallback| {
            jit.resume_from_host(store, index, resumption, tags, first_switch, fallback)
        });
        result.map(|outcome| match outcome {
            HostOutcome::Returned(results) => NativeOutcome::Returned(results),
            HostOutcome::Suspended {
                clause,
                payload,
                handle,
            } => NativeOutcome::Suspended {
                clause,
                payload,
                handle,
            },
            HostOutcome::Switched {
                tag,
                args,
                target,
                handle,
            } => NativeOutcome::Switched {
                tag: tag as u32,
                args,
                target,
                handle,
            },
        })
    }

    /// `dyn` only: `jit` runs what it compiled ahead through its own
    /// fallback.
    fn compile_at_start(&mut self, store: &mut Store, func: FuncAddr) -> bool {
        let jit = self.jit.as_deref_mut();
        self.state.compile_at_start(jit, store, func)
    }

    fn runs_natively(&mut self, store: &Store, func: FuncAddr) -> bool {
        self.state.compiles
            && (store.funcs.get(func.0 as usize)).is_some_and(|f| f.vm().code != 0)
            && (self.jit.is_some() || wasmfx_jit::nested_at_least(1))
            && !nested_at_least(MAX_NATIVE_NESTING)
    }

    fn prefers_heap_frames(&mut self, func: FuncAddr) -> bool {
        self.with_jit(|jit| jit.prefers_heap_frames(func))
            .unwrap_or(false)
    }

    fn starts_as_heap_frames(&mut self, func: FuncAddr) -> bool {
        self.with_jit(|jit| jit.starts_as_heap_frames(func))
            .unwrap_or(false)
    }

    fn adopts_parked(&mut self, _: &Store) -> bool {
        self.state.compiles
            && (self.jit.is_some() || wasmfx_jit::nested_at_least(1))
            && !nested_at_least(MAX_NATIVE_NESTING)
    }

    fn can_call_compiled(&self) -> bool {
        !on_native_chain() && !nested_at_least(MAX_NESTED_ENTRIES)
    }

    fn long_lived(&mut self, func: FuncAddr) {
        self.with_jit(|jit| jit.note_long_lived(func));
    }

    fn calls_in_place(&mut self, store: &Store, func: FuncAddr) -> bool {
        self.state.compiles
            && !nested_at_least(MAX_NESTED_ENTRIES)
            && self.state.suspend_free.cannot_suspend(store, func)
    }

    fn trapped_frames(&mut self) -> WasmBacktrace {
        std::mem::take(&mut self.trapped)
    }
}
