//! Trap handling: the signal handler and the map from code addresses to
//! trap sites.
//!
//! Every compiled function registers its code range with its trap sites
//! (offset → Cranelift trap code, from the compiled code's metadata). On
//! SIGILL, SIGFPE, SIGSEGV or SIGBUS the handler looks the faulting pc up.
//! Loads and stores without bounds checks (memories with guard regions,
//! `translate/memory.rs`) are trap sites too: their SIGSEGV past the
//! accessible bytes is the `HEAP_OUT_OF_BOUNDS` trap.
//!
//! ```text
//!   pc in a registered range, at a trap site, while an activation runs
//!       ├─▶ walk the frame-pointer chain into the runtime's preallocated
//!       │   TrapFrames (backtrace, see `record_frames`)
//!       └─▶ resume at wasmfx_jit_unwind(&activation.jump, code)  (see entry.rs)
//!   anything else
//!       └─▶ the previous handler (default: the process dies as it would
//!           without us)
//! ```
//!
//! The handler runs on the faulting thread's stack: compiled code checks its
//! stack limit in every prologue, with a margin below it, so a trap never
//! happens with the stack already exhausted.

use crate::entry;
use crate::vmruntime::TrapFrames;
use std::collections::BTreeMap;
use std::ffi::{c_int, c_void};
use std::sync::{OnceLock, RwLock};

/// A registered function: its code range and sorted trap sites.
struct CodeRegion {
    end: usize,
    /// (offset from start, raw trap code), sorted by offset.
    traps: Box<[(u32, u8)]>,
}

/// Code start → region (registered Wasm functions only: trampolines and
/// host code are not in it, which is where a backtrace walk stops). Written when code is installed or freed, read by the
/// handler (a faulting thread never holds the lock: it is inside compiled code).
static REGIONS: RwLock<BTreeMap<usize, CodeRegion>> = RwLock::new(BTreeMap::new());

/// Registers the trap sites of the function at `[start, start + len)`.
pub(crate) fn register(start: usize, len: usize, mut traps: Vec<(u32, u8)>) {
    traps.sort_unstable();
    let region = CodeRegion {
        end: start + len,
        traps: traps.into(),
    };
    if let Ok(mut map) = REGIONS.write() {
        map.insert(start, region);
    }
}

/// Forgets the function at `start` (its code is about to be freed).
pub(crate) fn unregister(start: usize) {
    if let Ok(mut map) = REGIONS.write() {
        map.remove(&start);
    }
}

/// The raw trap code at `pc`, if `pc` is a trap site of compiled code.
fn trap_code_at(pc: usize) -> Option<u8> {
    let map = REGIONS.read().ok()?;
    let (&start, region) = map.range(..=pc).next_back()?;
    if pc >= region.end {
        return None;
    }
    let offset = u32::try_from(pc - start).ok()?;
    let i = region
        .traps
        .binary_search_by_key(&offset, |&(o, _)| o)
        .ok()?;
    Some(region.traps[i].1)
}

/// The start of the compiled function whose code contains `pc`.
pub(crate) fn function_start(pc: usize) -> Option<usize> {
    let map = REGIONS.read().ok()?;
    let (&start, region) = map.range(..=pc).next_back()?;
    (pc < region.end).then_some(start)
}

/// Records the code addresses of the compiled frames active at a trap,
/// innermost first: `pc` (the trapping instruction), then the return
/// address of each frame whose caller is compiled code too.
///
/// ```text
///   fp ──▶ [saved fp of caller] ──▶ [saved fp of its caller] ─▶ ...
///          [return address    ]      [return address        ]
///          stop at the first return address outside compiled code
/// ```
///
/// Only frames of compiled functions are read (they keep frame pointers:
/// `preserve_frame_pointers`), so every dereference is of a live frame
/// record. No allocation: it runs in the signal handler and writes into
/// the preallocated `frames`, stopping when full.
fn record_frames(pc: usize, fp: usize, frames: &mut TrapFrames) {
    frames.len = 0;
    let Ok(map) = REGIONS.read() else { return };
    let in_code = |addr: usize| {
        map.range(..=addr)
            .next_back()
            .is_some_and(|(_, region)| addr < region.end)
    };
    let (mut pc, mut fp) = (pc, fp);
    while in_code(pc) && frames.len < frames.pcs.len() {
        frames.pcs[frames.len] = pc;
        frames.len += 1;
        // A compiled frame's record lies at `fp` (aligned, non-null); the
        // caller's frame is higher up the stack.
        if fp == 0 || !fp.is_multiple_of(8) {
            return;
        }
        // SAFETY: `fp` is the frame pointer of a compiled function that is
        // running (the trapping one, or a caller found by its return
        // address): it points at its saved frame pointer, followed by its
        // return address, both on this thread's live stack.
        let (caller_fp, return_addr) =
            unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) };
        if caller_fp <= fp {
            return;
        }
        // The return address is one past the call: look up the call itself.
        pc = return_addr.wrapping_sub(1);
        fp = caller_fp;
    }
}

const SIGNALS: [c_int; 4] = [libc::SIGILL, libc::SIGFPE, libc::SIGSEGV, libc::SIGBUS];

/// The handlers that were installed before ours, per signal of [`SIGNALS`].
static PREVIOUS: OnceLock<Vec<(c_int, libc::sigaction)>> = OnceLock::new();

/// Installs the handler for [`SIGNALS`] once per process.
pub(crate) fn install_handlers() {
    PREVIOUS.get_or_init(|| {
        let mut previous = Vec::new();
        for signal in SIGNALS {
            // SAFETY: a zeroed sigaction is a valid "no handler" value; we
            // fill in the handler, flags and an empty mask before passing it.
            let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
            action.sa_sigaction = on_trap_signal as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER | libc::SA_ONSTACK;
            // SAFETY: as above; the kernel overwrites it with the old handler.
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            // SAFETY: both pointers are to live, initialized sigactions, and
            // `on_trap_signal` has the SA_SIGINFO handler signature.
            let ok = unsafe {
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, &mut old) == 0
            };
            if ok {
                previous.push((signal, old));
            }
        }
        previous
    });
}

/// The signal handler: unwinds a trap of compiled code to its host entry,
/// or passes the signal on.
extern "C" fn on_trap_signal(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let uc = context.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes a valid ucontext for SA_SIGINFO handlers.
    let gregs = unsafe { &mut (*uc).uc_mcontext.gregs };
    let pc = gregs[libc::REG_RIP as usize] as usize;
    let activation = entry::current();
    if !activation.is_null()
        && let Some(code) = trap_code_at(pc)
    {
        // SAFETY: `activation` is the live innermost activation of this
        // thread (entry.rs keeps CURRENT pointing at a local of `enter`).
        let (jump, state) = unsafe { (&raw const (*activation).jump, (*activation).state) };
        let fp = gregs[libc::REG_RBP as usize] as usize;
        // SAFETY: the activation's state is the Jit's boxed runtime state,
        // alive for the whole activation; compiled code, interrupted here,
        // does not touch its trap frames.
        record_frames(pc, fp, unsafe { &mut (*state).trap_frames });
        gregs[libc::REG_RIP as usize] = entry::unwind_routine() as i64;
        gregs[libc::REG_RDI as usize] = jump as i64;
        gregs[libc::REG_RSI as usize] = i64::from(code);
        return;
    }
    chain(signal, info, context);
}

/// Runs the handler that was there before ours. A default or ignored
/// disposition is restored, so the faulting instruction faults again on
/// return and the process ends as it would have without us.
fn chain(signal: c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let previous = PREVIOUS
        .get()
        .and_then(|p| p.iter().find(|(s, _)| *s == signal));
    let Some((_, old)) = previous else { return };
    let handler = old.sa_sigaction;
    if handler == libc::SIG_DFL || handler == libc::SIG_IGN {
        // SAFETY: `old` is the disposition the kernel gave us.
        unsafe { libc::sigaction(signal, old, std::ptr::null_mut()) };
    } else if old.sa_flags & libc::SA_SIGINFO != 0 {
        // SAFETY: an SA_SIGINFO handler has this signature.
        let f: extern "C" fn(c_int, *mut libc::siginfo_t, *mut c_void) =
            unsafe { std::mem::transmute(handler) };
        f(signal, info, context);
    } else {
        // SAFETY: a plain handler takes the signal number only.
        let f: extern "C" fn(c_int) = unsafe { std::mem::transmute(handler) };
        f(signal);
    }
}
