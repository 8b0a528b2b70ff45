//! [`FallbackTier`]: how compiled code runs Wasm functions it has no code
//! for — the tier's interpreter. A plain closure is one (calls only); the
//! tier's interpreter also lets a call suspend out to a handler of
//! compiled code:
//!
//! ```text
//!   call_suspending(f, args) ─▶ Returned(raw results)
//!                            └▶ Suspended { tag, payload, parked, switch_target }
//!        compiled code switches to its handler natively; when resumed,
//!                            └▶ Osr { f, loop, frame, rest }   compiled code
//!                               runs f's OSR entry in the frame's place
//!                               (or, without a loop, a call of compiled f),
//!                               then resume_parked(rest, its results)
//!   resume_parked(parked, values | exception) ─▶ the same three exits
//!   resume_parked_once(parked, ..) ─▶ the same, giving `parked` up: a
//!                               suspension may park in it again
//!   release_parked(parked)   when no handler takes the suspension
//! ```
//! `parked` is a record of the store's continuation table holding the
//! interpreted frames (`ContState::Parked`).

use wasmfx_core::{ExnAddr, FuncAddr, RawPayload, RawResults, Store, TagAddr, Trap, Val};

/// A suspension that left the fallback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackSuspension {
    pub tag: TagAddr,
    /// The tag's parameters, as raw slots.
    pub payload: RawPayload,
    /// The record holding the suspended call.
    pub parked: u32,
    /// For a `switch`: the record of its target (consumed), to run in the
    /// suspended call's place under the handler.
    pub switch_target: Option<u32>,
}

/// A frame of a fallback call, handed to compiled code at a hot loop: the
/// caller runs `func`'s OSR entry at `at_loop` in the frame's place, then
/// the frame's callers, if any, with its results. A call hand-off
/// (`at_loop` None) is a call of compiled `func` the fallback's frames
/// made: the caller runs `func`'s code, then those frames.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FallbackOsr {
    pub func: FuncAddr,
    /// The offset of the loop's operator; `None` for a call hand-off.
    pub at_loop: Option<u32>,
    /// The frame's slots (locals, then operands; or the call's arguments;
    /// at least one per result).
    pub frame: Vec<u64>,
    /// The record holding the frame's callers (resumed like a parked call,
    /// with the results or the exception), or `None`: the frame was the
    /// call's only one, and its results are the call's.
    pub rest: Option<u32>,
    /// The functions of `rest`'s frames, innermost first, listed in
    /// backtraces of the handed-off code.
    pub rest_funcs: Vec<FuncAddr>,
}

/// How a call of [`FallbackTier::call_suspending_raw`] stopped, when not
/// by returning: boxed, so that the usual return is one register (the
/// whole result, copied through the three frames between the interpreter
/// and compiled code, was 4% of a jit -> interp call).
pub type RawStop = Box<Result<FallbackExit, Trap>>;

/// How a call through the fallback stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FallbackExit {
    /// The function's results, as raw slots.
    Returned(RawResults),
    Suspended(FallbackSuspension),
    /// The call's frame continues in compiled code (its OSR entry); boxed,
    /// being rare and the largest.
    Osr(Box<FallbackOsr>),
}

/// What a parked call receives when it runs again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParkedResume<'a> {
    /// The suspend's results.
    Values(&'a [u64]),
    /// An exception raised at the suspend (`resume_throw`).
    Throw(ExnAddr),
}

/// The tier that runs functions without compiled code (see the module doc).
pub trait FallbackTier {
    /// Runs `func` to completion.
    ///
    /// # Errors
    /// The trap that stopped it; [`Trap::UncaughtException`] for an
    /// exception that left it.
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap>;

    /// Runs `func`, which may suspend out to a handler of compiled code.
    /// By default it cannot: [`FallbackTier::call`]'s results, raw.
    ///
    /// # Errors
    /// As [`FallbackTier::call`].
    fn call_suspending(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<FallbackExit, Trap> {
        let results = self.call(store, func, args)?;
        results
            .iter()
            .map(|v| {
                v.to_raw()
                    .ok_or_else(|| Trap::Host("unsupported value type: v128".into()))
            })
            .collect::<Result<RawResults, Trap>>()
            .map(FallbackExit::Returned)
    }

    /// [`FallbackTier::call_suspending`] with the arguments as raw slots
    /// in `values[..params]`; when it returns (`Ok`), its results are in
    /// `values[..results]` (`values` holds max(params, results) slots).
    /// By default through `call_suspending`.
    ///
    /// # Errors
    /// How it stopped otherwise: a trap, or an exit other than a return.
    fn call_suspending_raw(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
    ) -> Result<(), RawStop> {
        let Some(inst) = store.funcs.get(func.0 as usize) else {
            let trap = Trap::Host(format!("no function at address {}", func.0));
            return Err(Box::new(Err(trap)));
        };
        let sig = inst.sig.clone();
        let args = (values.iter().zip(sig.params.iter()))
            .map(|(&raw, &ty)| Val::from_raw_in(raw, ty, &store.registry))
            .collect::<Option<Vec<Val>>>()
            .ok_or_else(|| Trap::Host("unsupported value type: v128".into()));
        let exit = args.and_then(|args| self.call_suspending(store, func, &args));
        match exit {
            Ok(FallbackExit::Returned(results)) => {
                let room = values.len().min(results.len());
                values[..room].copy_from_slice(&results[..room]);
                Ok(())
            }
            stopped => Err(Box::new(stopped)),
        }
    }

    /// Starts a continuation of `func` in place of a native one, on the
    /// stack of compiled code that resumes it (`libcalls/in_place.rs`; only
    /// when the Jit's `set_heap_frames_after` says so, for a tier whose
    /// interpreter can: the tiered mode's), with its arguments as raw slots;
    /// it stops as from [`FallbackTier::call_suspending`], never by a
    /// hand-off. `record` is the continuation's (fresh, consumed, without a
    /// stack): its first suspension parks there; when it returns or traps
    /// first, the caller releases the record.
    ///
    /// # Errors
    /// As [`FallbackTier::call`].
    fn start_in_place(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        record: u32,
        args: &[u64],
    ) -> Result<FallbackExit, Trap> {
        let _ = (store, record, args);
        Err(Trap::Host(format!(
            "function {} cannot run in place",
            func.0
        )))
    }

    /// Runs a parked call again in place, as [`FallbackTier::start_in_place`],
    /// giving up its record: a return frees it, a suspension may park in it
    /// again (the suspension's `parked`), a trap leaves it to the caller.
    ///
    /// # Errors
    /// As [`FallbackTier::resume_parked`].
    fn resume_in_place(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        let _ = (store, resume);
        Err(Trap::Host(format!("record {parked} cannot run in place")))
    }

    /// How many times the call parked in `parked` ran again so far.
    fn parked_resumptions(&self, parked: u32) -> Option<u32> {
        let _ = parked;
        None
    }

    /// Runs a suspended call again.
    ///
    /// # Errors
    /// As [`FallbackTier::call`]; by default a host trap (nothing suspends).
    fn resume_parked(
        &mut self,
        _store: &mut Store,
        parked: u32,
        _resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        Err(Trap::Host(format!("record {parked} holds no parked call")))
    }

    /// Abandons a suspended call.
    fn release_parked(&mut self, _store: &mut Store, _parked: u32) {}

    /// Runs a suspended call again, giving up its record: as
    /// [`FallbackTier::resume_parked`] then [`FallbackTier::release_parked`],
    /// except that a fallback may park the call's next suspension in the
    /// same record (the suspension's `parked`), which is then not released.
    ///
    /// # Errors
    /// As [`FallbackTier::resume_parked`].
    fn resume_parked_once(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        let exit = self.resume_parked(store, parked, resume);
        self.release_parked(store, parked);
        exit
    }

    /// Keeps the frames parked in record `parked` as a collection root
    /// until they run again: their runner names them by index only (a
    /// continuation run in place whose suspension goes on past its
    /// resumer, `libcalls/in_place.rs`).
    fn hold_parked(&mut self, _parked: u32) {}

    /// Whether the tier holds roots of the continuation collector that it
    /// cannot show (running activations); compiled code's collection waits
    /// then (`collect.rs`).
    fn has_hidden_roots(&self) -> bool {
        false
    }

    /// Offers the roots of the tier's activations (all blocked in calls to
    /// compiled code when it has no hidden ones) to the collector's marker.
    fn mark_roots(&self, _marker: &mut wasmfx_fibre::Marker<'_>) {}

    /// Offers the frames parked in `parked` to the collector's marker.
    fn mark_parked(&self, _parked: u32, _marker: &mut wasmfx_fibre::Marker<'_>) {}

    /// Releases `parked`, which the collector found unreachable, with its
    /// frames.
    fn release_unreachable(&mut self, _store: &mut Store, _parked: u32) {}

    /// Whether a continuation of `func` that compiled code starts should
    /// start compiled, given code first if it has none, and never run as
    /// heap frames (`libcalls/start.rs`, `libcalls/in_place.rs`): a frame
    /// that starts interpreted stays so for the continuation's life. May
    /// run on a continuation's small stack (compile elsewhere). Returns
    /// whether `func` has code now; by default nothing is compiled.
    fn compile_at_start(&mut self, _store: &mut Store, _func: FuncAddr) -> bool {
        false
    }
}

impl<F> FallbackTier for F
where
    F: FnMut(&mut Store, FuncAddr, &[Val]) -> Result<Vec<Val>, Trap>,
{
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        self(store, func, args)
    }
}
