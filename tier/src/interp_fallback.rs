//! [`InterpFallback`]: the interpreter as compiled code's fallback, so an
//! interpreted function that compiled code called may suspend to a handler
//! of compiled code (`wasmfx_jit::FallbackTier`; the interpreter parks the
//! call, compiled code switches natively and resumes it later). The
//! interpreter it lends runs with the tiering hook (`tier_up.rs`), so it
//! calls compiled code in turn.

use crate::tier_up::{TierUpHook, TierUpState};
use wasmfx_core::backtrace::WasmBacktrace;
use wasmfx_core::{FuncAddr, Store, Trap, Val};
use wasmfx_interp::{CallExit, Interpreter, OsrHandoff, Outward, Resumption};
use wasmfx_jit::{
    FallbackExit, FallbackOsr, FallbackSuspension, FallbackTier, ParkedResume, RawStop,
};

/// The store's interpreter, lent to one call into compiled code.
pub(crate) struct InterpFallback<'a> {
    interp: &'a mut Interpreter,
    state: &'a mut TierUpState,
    /// The interpreted frames of the last fallback call that trapped. A
    /// trap ends the whole call (compiled code cannot catch it); an
    /// exception leaving the interpreter may be caught, so only traps keep
    /// their frames. `None` until then (cheaper to make per call than an
    /// empty backtrace).
    trapped_frames: Option<WasmBacktrace>,
}

impl<'a> InterpFallback<'a> {
    pub fn new(interp: &'a mut Interpreter, state: &'a mut TierUpState) -> InterpFallback<'a> {
        InterpFallback {
            interp,
            state,
            trapped_frames: None,
        }
    }

    /// The interpreted frames of the last fallback call that trapped (see
    /// the field), taken.
    pub fn take_trapped_frames(&mut self) -> WasmBacktrace {
        self.trapped_frames.take().unwrap_or_default()
    }

    /// Keeps the interpreted frames when `result` is a trap, or the frames
    /// an exception left (its backtrace, should nothing catch it).
    #[inline]
    fn note<T>(&mut self, result: Result<T, Trap>) -> Result<T, Trap> {
        if let Err(trap) = &result {
            self.note_trap(trap);
        }
        result
    }

    #[cold]
    #[inline(never)]
    fn note_trap(&mut self, trap: &Trap) {
        self.trapped_frames = Some(match trap {
            Trap::UncaughtException(exn) => self.interp.exception_trail(*exn),
            _ => self.interp.backtrace().clone(),
        });
    }
}

impl FallbackTier for InterpFallback<'_> {
    fn call(&mut self, store: &mut Store, func: FuncAddr, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let mut hook = TierUpHook::new(None, self.state);
        let result = self.interp.call_tiered(store, func, args, &mut hook);
        self.note(result)
    }

    fn call_suspending(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        args: &[Val],
    ) -> Result<FallbackExit, Trap> {
        let mut hook = TierUpHook::new(None, self.state);
        let result = self
            .interp
            .call_suspending_tiered(store, func, args, &mut hook);
        self.note(result).map(|exit| self.exit(exit))
    }

    fn call_suspending_raw(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        values: &mut [u64],
    ) -> Result<(), RawStop> {
        let mut hook = TierUpHook::new(None, self.state);
        match self.interp.call_in_place(store, func, values, &mut hook) {
            Ok(None) => Ok(()),
            Ok(Some(exit)) => Err(self.stopped(Ok(exit))),
            Err(trap) => Err(self.stopped(Err(trap))),
        }
    }

    fn resume_parked(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        self.resume(store, parked, resume, Rerun::Plain)
    }

    /// The next suspension parks in `parked` again: no record is made and
    /// released per suspension of a call that compiled code drives.
    fn resume_parked_once(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        self.resume(store, parked, resume, Rerun::Reusing)
    }

    fn start_in_place(
        &mut self,
        store: &mut Store,
        func: FuncAddr,
        record: u32,
        args: &[u64],
    ) -> Result<FallbackExit, Trap> {
        let mut hook = TierUpHook::new(None, self.state);
        let result = (self.interp).start_in_place(store, func, record, args, &mut hook);
        self.note(result).map(|exit| self.exit(exit))
    }

    fn resume_in_place(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
    ) -> Result<FallbackExit, Trap> {
        self.resume(store, parked, resume, Rerun::InPlace)
    }

    fn parked_resumptions(&self, parked: u32) -> Option<u32> {
        self.interp.parked_resumptions(parked)
    }

    fn hold_parked(&mut self, parked: u32) {
        self.interp.hold_parked(parked);
    }

    fn release_parked(&mut self, store: &mut Store, parked: u32) {
        self.interp.release_parked(store, parked);
        // The suspension found no handler: compiled code traps, and the
        // parked call's frames are the interpreted part of the backtrace.
        self.trapped_frames = Some(self.interp.backtrace().clone());
    }

    /// See [`TierUpState::compile_at_start`].
    fn compile_at_start(&mut self, store: &mut Store, func: FuncAddr) -> bool {
        self.state.compile_at_start(None, store, func)
    }

    fn has_hidden_roots(&self) -> bool {
        self.interp.has_hidden_roots()
    }

    fn mark_roots(&self, marker: &mut wasmfx_core::ContMarker<'_>) {
        self.interp.mark_exposed(marker);
    }

    fn mark_parked(&self, parked: u32, marker: &mut wasmfx_core::ContMarker<'_>) {
        self.interp.mark_parked(parked, marker);
    }

    fn release_unreachable(&mut self, store: &mut Store, parked: u32) {
        self.interp.release_unreachable(store, parked);
    }
}

/// How [`InterpFallback::resume`] runs a parked call again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rerun {
    /// Its record stays the caller's.
    Plain,
    /// In place of a native continuation.
    InPlace,
    /// Giving its record up (`resume_parked_once`): a suspension parks in
    /// it again; a trap releases it here.
    Reusing,
}

impl InterpFallback<'_> {
    /// Runs the frames parked in `parked` again, as `how` says.
    #[inline]
    fn resume(
        &mut self,
        store: &mut Store,
        parked: u32,
        resume: ParkedResume<'_>,
        how: Rerun,
    ) -> Result<FallbackExit, Trap> {
        let resumption = resumption_of(resume);
        let mut hook = TierUpHook::new(None, self.state);
        let interp = &mut *self.interp;
        let result = match how {
            Rerun::Plain => interp.resume_parked_tiered(store, parked, resumption, &mut hook),
            Rerun::InPlace => interp.resume_parked_in_place(store, parked, resumption, &mut hook),
            Rerun::Reusing => interp.resume_parked_reusing(store, parked, resumption, &mut hook),
        };
        let result = self.note(result);
        if how == Rerun::Reusing && result.is_err() {
            self.release_parked(store, parked);
        }
        result.map(|exit| self.exit(exit))
    }

    /// [`FallbackTier::call_suspending_raw`]'s stop.
    #[cold]
    #[inline(never)]
    fn stopped(&mut self, stopped: Result<CallExit, Trap>) -> RawStop {
        Box::new(self.note(stopped).map(|exit| self.exit(exit)))
    }

    /// The interpreter's exit as compiled code's (counting OSR hand-offs as
    /// OSR entries, call hand-offs as calls into compiled code).
    #[inline]
    fn exit(&mut self, exit: CallExit) -> FallbackExit {
        match exit {
            CallExit::Returned(results) => FallbackExit::Returned(results),
            CallExit::Suspended(outward) => FallbackExit::Suspended(suspension_of(outward)),
            CallExit::Osr(handoff) => self.handed_off(*handoff),
        }
    }

    #[cold]
    fn handed_off(&mut self, handoff: OsrHandoff) -> FallbackExit {
        match handoff.at_loop {
            Some(offset) => self.state.note_osr_entry(handoff.func, offset),
            None => self.state.stats.compiled_entries += 1,
        }
        FallbackExit::Osr(Box::new(FallbackOsr {
            func: handoff.func,
            at_loop: handoff.at_loop,
            frame: handoff.frame,
            rest: handoff.rest,
            rest_funcs: handoff.rest_funcs,
        }))
    }
}

fn suspension_of(outward: Outward) -> FallbackSuspension {
    FallbackSuspension {
        tag: outward.tag,
        payload: outward.payload,
        parked: outward.parked,
        switch_target: outward.switch_target,
    }
}

fn resumption_of(resume: ParkedResume<'_>) -> Resumption<'_> {
    match resume {
        ParkedResume::Values(values) => Resumption::Values(values),
        ParkedResume::Throw(exn) => Resumption::Throw(exn),
    }
}
