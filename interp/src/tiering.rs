//! [`Tiering`]: what the interpreter asks of a tiered engine. The
//! interpreter only counts and calls; the engine decides, compiles and runs
//! compiled code (this crate knows nothing of the compiler).
//!
//! ```text
//!   CodeCache budget per function (cache.rs), spent by
//!     each call of the function ─┐
//!     each pass over a loop header (Op::LoopHeader, tiering builds only)
//!   spent ─▶ Tiering::hot(func) ─▶ HotReply::Compiled: the slot turns
//!                                  Compiled, the call runs compiled code
//!                               ├▶ HotReply::Osr (at a loop header): the
//!                                  frame continues in compiled code
//!                                  (Tiering::enter_osr) and returns from it
//!                               └▶ HotReply::Budget(n): counts again
//!   a call of a Compiled function ─▶ Tiering::call_compiled(func, values)
//!        arguments in place on the value stack, results written back there
//! ```
//!
//! Compiled code is called in place only from the root stack of an
//! activation (no interpreted continuation running), or when it can never
//! suspend ([`Tiering::calls_in_place`]): a suspension inside compiled code
//! cannot reach a handler of the interpreter's own chain. Inside
//! continuations other calls run the interpreted code of the same function
//! (or a native continuation of its own, `exec/native.rs`). An activation that
//! compiled code runs hands a hot frame to its OSR entry instead of
//! entering it (`exec/outward.rs`).

use crate::Interpreter;
use crate::cache::CodeCache;
use crate::code::Code;
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, RawPayload, RawResults, Store, Trap};

/// The answer to [`Tiering::hot`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HotReply {
    /// Compiled code is installed for these functions (the hot one among
    /// them or not): their calls go to it from now on.
    Compiled(Vec<FuncAddr>),
    /// Not compiled (yet): count this many more events first. Functions in
    /// the list got compiled code meanwhile.
    Budget(u32, Vec<FuncAddr>),
    /// At a loop header: an on-stack-replacement entry for this loop is
    /// ready ([`Tiering::enter_osr`]); the list as for `Compiled`.
    Osr(Vec<FuncAddr>),
}

/// A loop header at which a function's budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HotLoop {
    /// The offset of the loop's operator (the key of its OSR entry).
    pub offset: u32,
    /// Whether the frame runs inside a continuation: one of the
    /// activation's, the activation itself resumed from its parked record,
    /// or one that compiled code runs in place.
    pub in_continuation: bool,
}

/// How a continuation run by [`Tiering::resume_native`] came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NativeOutcome {
    /// Its function returned these results.
    Returned(RawResults),
    /// It suspended to suspend clause `clause` of the table, with this
    /// payload; `handle` names the suspended continuation.
    Suspended {
        clause: u32,
        payload: RawPayload,
        handle: u64,
    },
    /// It switched to `tag`, which no switch clause of the table handles:
    /// the interpreter switches to `target` (a raw handle) with `args`,
    /// and `handle` names the switching continuation.
    Switched {
        tag: u32,
        args: RawPayload,
        target: u64,
        handle: u64,
    },
}

/// A tiered engine, as the interpreter sees it (see the module doc).
pub trait Tiering {
    /// `func`'s budget is spent, at a call (`at_loop` None) or at a loop
    /// header. `codes` tells how often functions were called and which
    /// have run much ([`CodeCache::is_warm`]).
    fn hot(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        code: &Code,
        at_loop: Option<HotLoop>,
        codes: &CodeCache,
    ) -> HotReply;

    /// Continues the running frame of `func` in compiled code from the loop
    /// at `offset` (after [`HotReply::Osr`]): `frame` starts with its
    /// locals and operands; the function's results replace them in
    /// `frame[..results]`.
    ///
    /// # Errors
    /// As [`Tiering::call_compiled`].
    fn enter_osr(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        offset: u32,
        frame: &mut [u64],
        interp: &mut Interpreter,
    ) -> Result<(), Trap> {
        let _ = (store, frame, interp);
        Err(Trap::Host(format!(
            "function {} has no OSR entry at {offset}",
            func.0
        )))
    }

    /// Runs the compiled code of `func` with its arguments in
    /// `values[..params]`; its results replace them in `values[..results]`
    /// (`values` holds at least max(params, results) slots). `interp` runs
    /// the functions compiled code calls without code of their own.
    ///
    /// # Errors
    /// The trap that ended the call; [`Trap::UncaughtException`] for an
    /// exception that left it. Boxed, so that the usual return is one
    /// register (the whole result, copied out, was 2% of an interp -> jit
    /// call, `benches/callgrind.sh crossing`).
    fn call_compiled(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
        interp: &mut Interpreter,
    ) -> Result<(), Box<Trap>>;

    /// Resumes continuation record `index` (consumed, not running) in
    /// compiled code's way — its frames are native, or it is a fresh
    /// continuation of a compiled function — under a handler table of
    /// `tags` (suspend clauses before `first_switch`); returns when it
    /// returns or suspends to one of them (`exec/native.rs`).
    ///
    /// # Errors
    /// The trap that ended it; [`Trap::UncaughtException`] for an exception
    /// that left it.
    fn resume_native(
        &mut self,
        store: &mut Store,
        index: u32,
        resumption: crate::Resumption<'_>,
        tags: &[u64],
        first_switch: u32,
        interp: &mut Interpreter,
    ) -> Result<NativeOutcome, Trap> {
        let _ = (store, index, resumption, tags, first_switch, interp);
        Err(Trap::Host(
            "continuation suspended by compiled code resumed by interpreted code \
             (not supported)"
                .into(),
        ))
    }

    /// Gives `func`, which has no compiled code, code before a fresh
    /// continuation of it starts, if the tiering wants that: a frame that
    /// starts interpreted stays so for the continuation's life. Returns
    /// whether `func` has code now; by default nothing is compiled.
    fn compile_at_start(&mut self, store: &mut Store, func: FuncAddr) -> bool {
        let _ = (store, func);
        false
    }

    /// Whether a fresh continuation of `func`, or a call of `func` inside
    /// an interpreted continuation, should run its compiled code (as a
    /// native continuation, [`Tiering::resume_native`]).
    fn runs_natively(&mut self, store: &Store, func: FuncAddr) -> bool {
        let _ = (store, func);
        false
    }

    /// Whether a fresh continuation of `func` should rather run as heap
    /// frames although `func` has compiled code: native stacks are dear
    /// (many continuations held, none warm) and its continuations have not
    /// proved long-lived ([`Tiering::long_lived`]), as compiled code
    /// decides for its own resumes.
    fn prefers_heap_frames(&mut self, func: FuncAddr) -> bool {
        let _ = func;
        false
    }

    /// Whether the interpreter should start a fresh continuation of
    /// compiled `func` as heap frames rather than natively: the tiering
    /// weighs what its interpreted resumer pays for each resume of a
    /// native continuation (a host entry) against the compiled code it
    /// would run. By default as [`Tiering::prefers_heap_frames`].
    fn starts_as_heap_frames(&mut self, func: FuncAddr) -> bool {
        self.prefers_heap_frames(func)
    }

    /// Whether an interpreted continuation may be handed to compiled code
    /// (parked, then resumed with [`Tiering::resume_native`], which runs
    /// its frames on a native stack and hands its hot frame to an OSR
    /// entry).
    fn adopts_parked(&mut self, store: &Store) -> bool {
        let _ = store;
        false
    }

    /// Whether compiled `func` may be called in place (`call_compiled`)
    /// where [`Tiering::can_call_compiled`] says no (inside a continuation):
    /// it can never suspend, so no suspension under it looks for a handler.
    fn calls_in_place(&mut self, store: &Store, func: FuncAddr) -> bool {
        let _ = (store, func);
        false
    }

    /// Continuations of `func` live long: one was resumed
    /// [`crate::LONG_LIVED_AFTER`] times (new ones should rather get native
    /// stacks than run as heap frames in place of them).
    fn long_lived(&mut self, func: FuncAddr) {
        let _ = func;
    }

    /// Whether compiled code may be entered from here (no continuation of
    /// compiled code's runs around the interpreter).
    fn can_call_compiled(&self) -> bool {
        true
    }

    /// Whether nothing ever runs compiled code (the interpreter alone): a
    /// fresh continuation then starts interpreted without asking
    /// [`Tiering::runs_natively`] and the rest.
    fn interpreter_only(&self) -> bool {
        false
    }

    /// The compiled frames active when the last `call_compiled` trapped,
    /// innermost first (empty when unknown).
    fn trapped_frames(&mut self) -> WasmBacktrace {
        WasmBacktrace::default()
    }
}

/// No tiered engine: nothing is ever compiled.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoTiering;

impl Tiering for NoTiering {
    fn can_call_compiled(&self) -> bool {
        false
    }

    fn interpreter_only(&self) -> bool {
        true
    }

    fn hot(
        &mut self,
        _: &mut Store,
        _: FuncAddr,
        _: &Code,
        _: Option<HotLoop>,
        _: &CodeCache,
    ) -> HotReply {
        HotReply::Budget(u32::MAX, Vec::new())
    }

    fn call_compiled(
        &mut self,
        _: &mut Store,
        func: FuncAddr,
        _: &mut [u64],
        _: &mut Interpreter,
    ) -> Result<(), Box<Trap>> {
        Err(Box::new(Trap::Host(format!(
            "function {} has no compiled code here",
            func.0
        ))))
    }
}
