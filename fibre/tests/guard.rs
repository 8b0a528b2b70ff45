//! The guard page below a fibre stack: mapped PROT_NONE, and hit by a
//! runaway recursion on the fibre (caught by a SIGSEGV handler that
//! recognises the fault address, in a child process).

#[path = "common/child.rs"]
mod child;

use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmfx_fibre::native;
use wasmfx_fibre::{ContArena, ContRecord, FibreStack, StackChain};

/// (start, end) of the guard page of the child's fibre stack.
static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// The child's exit code when the fault hit the guard page.
const GUARD_HIT: i32 = 71;
/// The child's exit code for any other fault.
const OTHER_FAULT: i32 = 72;
const CHILD_ENV: &str = "WASMFX_FIBRE_GUARD_CHILD";

/// The permissions column of /proc/self/maps for the mapping starting at `start`.
fn permissions_at(start: usize) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        let (range, rest) = line.split_once(' ')?;
        let (from, _) = range.split_once('-')?;
        let from = usize::from_str_radix(from, 16).ok()?;
        (from == start).then(|| rest.split(' ').next().unwrap_or("").to_string())
    })
}

#[test]
fn the_guard_page_is_prot_none() {
    let stack = FibreStack::new(64 << 10).expect("map");
    let (start, end) = stack.guard();
    assert_eq!(permissions_at(start).as_deref(), Some("---p"));
    assert_eq!(permissions_at(end).as_deref(), Some("rw-p"));
}

#[test]
fn recursion_on_a_fibre_hits_the_guard_page() {
    if child::is_child(CHILD_ENV) {
        overflow_a_fibre();
    }
    let code = child::exit_code_of_child("recursion_on_a_fibre_hits_the_guard_page", CHILD_ENV);
    assert_eq!(code, Some(GUARD_HIT));
}

extern "C" fn on_segv(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let guard = GUARD_START.load(Ordering::Relaxed)..GUARD_END.load(Ordering::Relaxed);
    let code = if guard.contains(&addr) {
        GUARD_HIT
    } else {
        OTHER_FAULT
    };
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(code) };
}

fn recurse(depth: u64) -> u64 {
    let frame = std::hint::black_box([depth; 32]);
    if depth == 0 {
        return 0;
    }
    recurse(depth - 1).wrapping_add(std::hint::black_box(frame)[7])
}

unsafe extern "C" fn runaway(_: *mut ContRecord) -> u64 {
    recurse(u64::MAX)
}

/// In the child: a SIGSEGV handler, then a fibre that recurses without
/// end. Never returns.
fn overflow_a_fibre() -> ! {
    child::install_handler(&[libc::SIGSEGV], on_segv);
    let mut arena = ContArena::new();
    let mut record: NonNull<ContRecord> = arena.alloc();
    let stack = FibreStack::new(64 << 10).expect("fibre stack");
    let (start, end) = stack.guard();
    GUARD_START.store(start, Ordering::Relaxed);
    GUARD_END.store(end, Ordering::Relaxed);
    // SAFETY: a live fresh record.
    native::start(unsafe { record.as_mut() }, stack, runaway).expect("fresh");
    let mut chain = StackChain::new();
    // SAFETY: a live detached record; the handler ends the process.
    let outcome = unsafe { native::resume(&raw mut chain, record, 0) };
    eprintln!("the recursion returned: {outcome:?}");
    std::process::exit(1)
}
