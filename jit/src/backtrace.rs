//! Backtraces of compiled code: the code addresses of the Wasm frames
//! active at a trap, innermost first, through the chain of continuations.
//!
//! Compiled functions keep frame pointers, so the frames on one stack form
//! a list: each frame pointer points at the caller's frame pointer, followed
//! by the return address into the caller. The walk of one stack stops at
//! the first return address outside compiled code: the array trampoline
//! (the host entry, or the first frame of a continuation stack), or a host
//! frame in between.
//!
//! A continuation's frames end at its stack's first frame; its resumer's
//! frames are on its parent's stack (or on the stack the host entry runs
//! on). While a record runs, its context holds the point where its resumer
//! switched away:
//!
//! ```text
//!   innermost record C (trap here)      its parent P (or the entry's stack)
//!   ┌──────────────────────┐            ┌─────────────────────────────────┐
//!   │ run_fibre, trampoline│ stop       │ compiled caller of the resumer  │
//!   │ compiled body        │◀─┐         │ compiled resumer R  ◀── walk on │
//!   │ compiled leaf (trap) │  │         │ [resume shim frame F]           │
//!   └──────────────────────┘  │         │ Rust resume libcall, switch     │
//!   C.context = R's point ────┼───────▶ └── C.context.sp ─────────────────┘
//!                             └ walked first, then R's stack, then P's resumer …
//! ```
//!
//! R's point is either compiled code's own (`stack_switch` in compiled
//! code: `ip` is in R's code and `fp` is R's frame pointer, so the walk goes
//! on from there) or the Rust switch routine's, inside the `resume` libcall
//! (Rust keeps no frame pointers, so `fp` means nothing). For the latter
//! the libcall is entered through a shim ([`framed_libcall!`]) that builds
//! a frame record on the resumer's stack and marks it:
//!
//! ```text
//!   F + 8  return address into R     (pushed by R's call)
//!   F      R's frame pointer         (shim: push rbp; mov rbp, rsp)
//!   F - 8  F xor the store's key     (the mark; zeroed when the libcall returns;
//!                                    the key is VmRuntime::frame_key, via vmctx)
//!   …      Rust frames of the libcall, down to C.context.sp
//! ```
//!
//! The walk finds F as the first marked word above `C.context.sp`. Only a
//! frame that returned clears its mark: frames a trap unwinds keep theirs,
//! so every trap changes the store's key (marks written before it no longer
//! match). A resume frame inside a continuation that stays suspended across
//! a trap is therefore missing from later backtraces; nothing else is.
//!
//! Frames the interpreter handed to compiled code (`libcalls/mixed.rs`,
//! `run_osr`) run under a second kind of marked record, left by
//! [`call_handed_off`] between the Rust caller and the array trampoline;
//! it points at the interpreted frames that wait for the handed-off code
//! (parked, no longer on any stack), which the walk lists where it stops
//! at the trampoline:
//!
//! ```text
//!   H + 8  return address into the shim   (checked: wasmfx_handoff_return)
//!   H      the caller's rbp               ◀── the trampoline's saved rbp
//!   H - 8  H xor key xor HANDOFF_SALT     (zeroed when the call returns)
//!   H - 16 *const HandedOffFrames         (the waiting frames' functions)
//! ```
//! They are recorded as [`INTERPRETED_FRAME`] entries. The walk then goes
//! on at the compiled code that called out to those frames, found by the
//! mark of its framed `call_addr` libcall above the shim (when the frames
//! belonged to a continuation compiled code resumed, nothing is above).
//!
//! Everything here runs in the signal handler too: no allocation, and reads
//! only inside the stacks of records on the chain and the entry's stack
//! below its entry point. A record attached by a resume that has not
//! switched to it yet holds its own point, not a resumer's: the walk stops
//! at a point outside the parent's stack.

use crate::entry::Activation;
use crate::signals::CodeMap;
use crate::vmruntime::{MAX_TRAP_FRAMES, TrapFrames};
use std::ptr::NonNull;
use wasmfx_fibre::{ContRecord, Context, offsets};

/// The first key of a store's resume-frame marks (`VmRuntime::frame_key`,
/// renewed by every trap of its code: [`forget_unwound_frames`]).
pub(crate) const FIRST_FRAME_KEY: u64 = 0x6a09_e667_f3bc_c909;

/// The largest distance searched above a resumer's saved stack pointer for
/// its shim frame (the Rust frames of the `resume` libcall are far smaller).
const MAX_SHIM_SEARCH: usize = 64 << 10;

/// Defines `$shim`, an assembly entry to the libcall `$target` (at most six
/// integer arguments) that leaves a marked frame record on the caller's
/// stack while `$target` runs (see the module doc).
/// Defines `$shim`, an assembly entry to the libcall `$target` that passes
/// it, after the caller's three arguments, the return address into the
/// compiled caller and the caller's frame pointer (the point a walk of its
/// frames starts from), by a tail jump.
macro_rules! located_libcall {
    ($shim:ident, $target:path) => {
        std::arch::global_asm!(
            ".text",
            concat!(".globl ", stringify!($shim)),
            concat!(".type ", stringify!($shim), ", @function"),
            ".p2align 4",
            concat!(stringify!($shim), ":"),
            "mov rcx, qword ptr [rsp]",
            "mov r8, rbp",
            "jmp {target}",
            concat!(".size ", stringify!($shim), ", . - ", stringify!($shim)),
            target = sym $target,
        );
        unsafe extern "C" {
            fn $shim();
        }
    };
}
pub(crate) use located_libcall;

macro_rules! framed_libcall {
    ($shim:ident, $target:path) => {
        std::arch::global_asm!(
            ".text",
            concat!(".globl ", stringify!($shim)),
            concat!(".type ", stringify!($shim), ", @function"),
            ".p2align 4",
            concat!(stringify!($shim), ":"),
            "push rbp",
            "mov rbp, rsp",
            // The key: vmctx (the first argument) -> runtime -> frame_key.
            "mov rax, qword ptr [rdi + {runtime}]",
            "mov rax, qword ptr [rax + {key}]",
            "xor rax, rbp",
            "push rax",
            "sub rsp, 8",
            "call {target}",
            "mov qword ptr [rbp - 8], 0",
            "leave",
            "ret",
            concat!(".size ", stringify!($shim), ", . - ", stringify!($shim)),
            target = sym $target,
            runtime = const wasmfx_core::vm::offsets::CTX_RUNTIME,
            key = const $crate::vmruntime::FRAME_KEY,
        );
        unsafe extern "C" {
            fn $shim();
        }
    };
}
pub(crate) use framed_libcall;

/// What a hand-off mark is salted with, so that it never reads as a resume
/// frame's mark (nor the reverse).
const HANDOFF_SALT: u64 = 0x3c6e_f372_fe94_f82b;

/// A recorded frame that is no code address: an interpreted frame of the
/// function in the low 32 bits, waiting for handed-off code.
pub(crate) const INTERPRETED_FRAME: usize = 1 << 63;

/// The functions of interpreted frames that wait for a handed-off call,
/// innermost first (see the module doc).
#[repr(C)]
#[derive(Debug)]
pub(crate) struct HandedOffFrames {
    pub funcs: *const u32,
    pub len: usize,
}

std::arch::global_asm!(
    ".text",
    ".globl wasmfx_call_handed_off",
    ".type wasmfx_call_handed_off, @function",
    ".p2align 4",
    // (rdi: code, rsi: vmctx, rdx: values, rcx: trampoline,
    //  r8: *const HandedOffFrames, r9: key)
    "wasmfx_call_handed_off:",
    "push rbp",
    "mov rbp, rsp",
    "mov rax, {salt}",
    "xor rax, r9",
    "xor rax, rbp",
    "push rax",
    "push r8",
    "call rcx",
    ".globl wasmfx_handoff_return",
    "wasmfx_handoff_return:",
    "mov qword ptr [rbp - 8], 0",
    "leave",
    "ret",
    ".size wasmfx_call_handed_off, . - wasmfx_call_handed_off",
    salt = const HANDOFF_SALT,
);

unsafe extern "C" {
    fn wasmfx_call_handed_off(
        code: usize,
        vmctx: usize,
        values: *mut u64,
        trampoline: usize,
        frames: *const HandedOffFrames,
        key: u64,
    );
    static wasmfx_handoff_return: u8;
}

/// Calls `code` through its array `trampoline` under a hand-off mark whose
/// record points at `frames` (see the module doc).
///
/// # Safety
/// As calling the trampoline directly: `trampoline` is the array
/// trampoline of `code`'s type, `vmctx` its instance's context and
/// `values` long enough for the type's params and results. `key` is the
/// running store's `VmRuntime::frame_key`; `frames` outlives the call.
pub(crate) unsafe fn call_handed_off(
    trampoline: usize,
    code: usize,
    vmctx: usize,
    values: *mut u64,
    frames: &HandedOffFrames,
    key: u64,
) {
    // SAFETY: the caller's promise; the shim keeps the System V stack
    // alignment (two pushes after rbp) and restores rbp and rsp.
    unsafe { wasmfx_call_handed_off(code, vmctx, values, trampoline, frames, key) }
}

/// Makes the marks of every frame written so far stale: called when a trap
/// has unwound frames without running their shims' epilogues.
pub(crate) fn forget_unwound_frames(runtime: &mut crate::vmruntime::VmRuntime) {
    runtime.frame_key = runtime.frame_key.wrapping_add(0x9e37_79b9_7f4a_7c15);
}

/// Records the code addresses of the Wasm frames active in `act` into its
/// runtime's trap frames: from `start` (the trapping pc and frame pointer,
/// `None` for a trap raised by Rust code with no compiled frame of its own
/// on the running stack), then through the resumers of every record above
/// the activation's chain mark.
///
/// # Safety
/// `act` must be this thread's innermost live activation, and `start`'s
/// frame pointer a live frame of compiled code on the running stack.
pub(crate) unsafe fn record_frames(act: *mut Activation, start: Option<(usize, usize)>) {
    // SAFETY: the caller's promise: the activation and its runtime state are
    // live, and compiled code does not touch the trap frames meanwhile.
    let (state, mark, entry) = unsafe { ((*act).state, (*act).chain_mark, (*act).entry_stack()) };
    // SAFETY: as above.
    let (frames, innermost) =
        unsafe { (&mut (*state).trap_frames, (*state).conts.chain.innermost()) };
    frames.len = 0;
    frames.truncated = false;
    let Some(code) = CodeMap::read() else { return };
    // SAFETY: as above.
    let key = unsafe { (*state).vm.frame_key };
    let mut walk = Walk { code, frames, key };
    let entry = Bounds::from(entry);
    let mut record = innermost.filter(|&r| Some(r) != mark);
    if let Some((pc, fp)) = start {
        match record.map(Bounds::of) {
            Some(stack) if stack.contains(fp) => walk.stack(pc, fp, stack),
            // On the entry's stack: a record attached but not yet switched
            // to has no resumer point in its context.
            _ => {
                walk.stack(pc, fp, entry);
                record = None;
            }
        }
    }
    while let Some(r) = record {
        // SAFETY: records on the chain are live.
        let parent = unsafe { r.as_ref().parent() }.filter(|&p| Some(p) != mark);
        let stack = parent.map_or(entry, Bounds::of);
        // SAFETY: as above; a running record's context holds its resumer's
        // point (checked to lie on the parent's stack before any use).
        let point = unsafe {
            r.as_ptr()
                .byte_add(offsets::CONTEXT as usize)
                .cast::<Context>()
                .read()
        };
        if !walk.resumer(point, stack) {
            break;
        }
        record = parent;
    }
}

/// The most frames a throw records (see [`record_throw_frames`]).
pub(crate) const MAX_THROW_FRAMES: usize = 64;

/// Records, for the backtrace of an exception nothing may catch, the
/// return addresses of the frame-pointer chain from the thrower (`pc`,
/// frame pointer `fp`) on the running stack, up to [`MAX_THROW_FRAMES`],
/// unchecked: a throw must stay cheap, so which of them are compiled
/// frames is decided only if the exception leaves (the first that is not
/// ends the trace). Reads stay inside the running stack.
///
/// # Safety
/// `act` must be this thread's innermost live activation and `fp` the
/// thrower's frame pointer on the running stack.
pub(crate) unsafe fn record_throw_frames(act: *mut Activation, pc: usize, fp: usize) {
    // SAFETY: the caller's promise: the activation and its runtime state are
    // live.
    let (state, entry) = unsafe { ((*act).state, (*act).entry_stack()) };
    // SAFETY: as above.
    let (frames, innermost) = unsafe {
        (
            &mut (*state).throw_frames.2,
            (*state).conts.chain.innermost(),
        )
    };
    let stack = match innermost.map(Bounds::of) {
        Some(record) if record.contains(fp) => record,
        _ => Bounds::from(entry),
    };
    let (mut pc, mut fp) = (pc, fp);
    frames.len = 0;
    frames.truncated = false;
    // What the addresses hold is checked later.
    while frames.push(pc, MAX_THROW_FRAMES) {
        match stack.caller(fp) {
            Some(caller) => (pc, fp) = caller,
            None => return,
        }
    }
}

/// The part `[low, high)` of one stack a walk may read.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    low: usize,
    high: usize,
}

impl Bounds {
    fn from((low, high): (usize, usize)) -> Bounds {
        Bounds { low, high }
    }

    /// A record's whole stack (empty without one).
    fn of(record: NonNull<ContRecord>) -> Bounds {
        // SAFETY: records on the chain are live.
        Bounds::from(unsafe { record.as_ref().stack_bounds() })
    }

    /// Whether the 16-byte frame record at `fp` (aligned) lies inside.
    fn holds_frame(self, fp: usize) -> bool {
        fp.is_multiple_of(8) && fp >= self.low && fp.saturating_add(16) <= self.high
    }

    fn contains(self, addr: usize) -> bool {
        (self.low..self.high).contains(&addr)
    }

    /// The frame record at `fp` (saved frame pointer, return address), if
    /// it lies inside.
    fn frame_record(self, fp: usize) -> Option<(usize, usize)> {
        if !self.holds_frame(fp) {
            return None;
        }
        // SAFETY: the 16 bytes at `fp` lie inside this part of a stack,
        // which is mapped (every Bounds is the used part of a live stack);
        // callers check what the words mean.
        Some(unsafe { (*(fp as *const usize), *((fp + 8) as *const usize)) })
    }

    /// The caller of the frame whose record is at `fp`: the address of its
    /// call (one before the return address) and its frame pointer, strictly
    /// above `fp` (so that walks end).
    fn caller(self, fp: usize) -> Option<(usize, usize)> {
        let (caller_fp, return_addr) = self.frame_record(fp)?;
        (caller_fp > fp).then(|| (return_addr.wrapping_sub(1), caller_fp))
    }
}

struct Walk<'a> {
    code: CodeMap<'a>,
    frames: &'a mut TrapFrames,
    /// The store's key of resume-frame marks.
    key: u64,
}

impl Walk<'_> {
    /// Records `pc` and the compiled frames above `fp` on one stack, until
    /// a return address leaves compiled code (past a hand-off's trampoline:
    /// the interpreted frames waiting for it, then on at the compiled code
    /// that called out to them), a frame pointer leaves `stack`, or the
    /// buffer is full. Iterative: hand-offs nest as deep as calls do, and
    /// this runs on the signal stack.
    fn stack(&mut self, mut pc: usize, mut fp: usize, stack: Bounds) {
        loop {
            if !self.code.contains(pc) {
                if self.frames.len == self.frames.pcs.len() {
                    self.frames.truncated = true;
                    return;
                }
                match self.handed_off(fp, stack) {
                    Some((next_pc, next_fp)) => (pc, fp) = (next_pc, next_fp),
                    None => return,
                }
                continue;
            }
            // `fp` is the frame pointer of a live compiled frame on this
            // stack (the trapping one, a resumer, or a caller found by its
            // return address).
            if !self.frames.push(pc, MAX_TRAP_FRAMES) {
                return;
            }
            match stack.caller(fp) {
                Some(caller) => (pc, fp) = caller,
                None => return,
            }
        }
    }

    /// Records the interpreted frames waiting for the code whose outermost
    /// frame (an array trampoline's) is at `fp`, when a hand-off shim
    /// called it (see the module doc); returns the pc and frame pointer of
    /// the compiled code that called out to them, if any (strictly above
    /// `fp`, so that walks end).
    fn handed_off(&mut self, fp: usize, stack: Bounds) -> Option<(usize, usize)> {
        // The trampoline's record: its callee's saved frame pointer led here.
        let (shim_fp, return_addr) = stack.frame_record(fp)?;
        if return_addr != (&raw const wasmfx_handoff_return) as usize
            || !stack.holds_frame(shim_fp)
            || shim_fp <= fp
            || shim_fp < stack.low + 16
        {
            return None;
        }
        // SAFETY: the shim's frame: its mark and frames pointer below its
        // saved rbp, inside `stack`.
        let (mark, frames) = unsafe {
            (
                *((shim_fp - 8) as *const u64),
                *((shim_fp - 16) as *const *const HandedOffFrames),
            )
        };
        if mark != shim_fp as u64 ^ self.key ^ HANDOFF_SALT {
            return None;
        }
        // SAFETY: a live mark: the shim's call runs, so `run_osr`, which
        // owns the frames it points at, does too.
        let funcs = unsafe { std::slice::from_raw_parts((*frames).funcs, (*frames).len) };
        for &func in funcs {
            if !self
                .frames
                .push(INTERPRETED_FRAME | func as usize, MAX_TRAP_FRAMES)
            {
                return None;
            }
        }
        // Compiled code that called out to those frames (`call_addr`, a
        // framed libcall) is next on this stack.
        // A marked frame record inside `stack`, above the shim.
        let frame = find_shim_frame(shim_fp, stack.high, self.key)?;
        stack.caller(frame)
    }

    /// Walks the resumer that saved `point` on `stack`; false when `point`
    /// is not a point on that stack (nothing is walked).
    fn resumer(&mut self, point: Context, stack: Bounds) -> bool {
        let (sp, fp, ip) = (point.sp as usize, point.fp as usize, point.ip as usize);
        if !stack.contains(sp) {
            return false;
        }
        if self.code.contains(ip) {
            // Compiled code switched away itself: `ip` is in it.
            self.stack(ip, fp, stack);
        } else {
            // A marked frame record inside `stack`, above `sp`.
            let shim = find_shim_frame(sp, stack.high, self.key);
            if let Some((resumer_fp, return_addr)) = shim.and_then(|f| stack.frame_record(f)) {
                self.stack(return_addr.wrapping_sub(1), resumer_fp, stack);
            }
        }
        true
    }
}

/// The shim frame marked with `key` nearest above `sp`, below `high`
/// (`sp..high` must be readable).
fn find_shim_frame(sp: usize, high: usize, key: u64) -> Option<usize> {
    if !sp.is_multiple_of(8) || sp >= high {
        return None;
    }
    let key = key as usize;
    let end = high
        .min(sp.saturating_add(MAX_SHIM_SEARCH))
        .saturating_sub(16);
    (sp..end).step_by(8).find_map(|slot| {
        let frame = slot + 8;
        // SAFETY: `sp..high` is the live part of the resumer's stack.
        let word = unsafe { *(slot as *const usize) };
        (word == frame ^ key).then_some(frame)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marked_frame_is_found_above_the_saved_stack_pointer() {
        let key = 0x1234_5678_9abc_def0_u64;
        let mut stack = [0usize; 32];
        let base = stack.as_ptr() as usize;
        let frame = base + 20 * 8;
        stack[19] = frame ^ key as usize;
        let high = base + stack.len() * 8;
        assert_eq!(find_shim_frame(base, high, key), Some(frame));
        // A mark above the searched range, or under another key, is not found.
        assert_eq!(find_shim_frame(base, frame - 8, key), None);
        assert_eq!(find_shim_frame(base, high, key ^ 8), None);
    }
}
