//! Stacks carved from slabs: few kernel mappings for many stacks, a guard
//! marker that faults on a fresh and on a reused slot, and released stacks
//! decommitted. (The fallback, a stack mapped alone, is in guard.rs.) Each
//! test uses a stack size of its own, so the tests of this binary (run on
//! parallel threads) never share a slab. Tests of slabs need guard markers:
//! without them (build.rs probes the kernel) they are ignored, and the test
//! command counts them as skipped.

#[path = "common/child.rs"]
mod child;
#[path = "common/guard_fault.rs"]
mod guard_fault;
#[path = "common/maps.rs"]
mod maps;

use guard_fault::{GUARD_HIT, on_segv, watch_guard};
use maps::mappings;
use wasmfx_fibre::{FibreStack, decommit_released, page_size, slab_stats};

/// Which pages of `[start, start + len)` are resident (`mincore`).
fn resident_pages(start: usize, len: usize) -> Vec<bool> {
    let mut flags = vec![0u8; len.div_ceil(page_size())];
    // SAFETY: the range lies in a mapping of this process (a slab, kept
    // while the test runs); `flags` has one byte per page.
    let status = unsafe { libc::mincore(start as *mut libc::c_void, len, flags.as_mut_ptr()) };
    assert_eq!(status, 0, "mincore: {}", std::io::Error::last_os_error());
    flags.iter().map(|f| f & 1 == 1).collect()
}

#[test]
#[cfg_attr(not(guard_markers), ignore = "needs guard markers (Linux 6.13+)")]
fn forty_thousand_stacks_take_a_few_hundred_mappings() {
    // More stacks than 65530 mappings allow at two mappings per stack.
    const STACKS: usize = 40_000;
    let before = mappings();
    let first = FibreStack::new(20 << 10).expect("stack");
    assert!(slab_stats().guard_markers, "build.rs found guard markers");
    let mut stacks = vec![first];
    stacks.extend((1..STACKS).map(|_| FibreStack::new(20 << 10).expect("stack")));
    let added = mappings().saturating_sub(before);
    // 40_000 / SLAB_STACKS = 157 slabs; the rest is slack for other threads.
    assert!(added < 300, "{added} mappings for {STACKS} stacks");
    assert!(slab_stats().stacks >= STACKS);
    // Every stack is usable at its top.
    for stack in &stacks {
        let word = (stack.top() - 8) as *mut u64;
        // SAFETY: the last usable word of a stack we own.
        unsafe { word.write(stack.top() as u64) };
    }
    assert!(stacks.iter().all(|s| {
        // SAFETY: written just above.
        unsafe { ((s.top() - 8) as *const u64).read() == s.top() as u64 }
    }));
}

#[test]
#[cfg_attr(not(guard_markers), ignore = "needs guard markers (Linux 6.13+)")]
fn a_released_stack_comes_back_warm_then_decommitted_with_its_batch() {
    let stack = FibreStack::new(40 << 10).expect("stack");
    let (low, top) = (stack.guard().1, stack.top());
    // SAFETY: the whole usable part of a stack we own.
    unsafe { std::ptr::write_bytes(low as *mut u8, 0xa5, top - low) };
    assert!(resident_pages(low, top - low).iter().all(|&r| r));
    drop(stack);
    // Released, not decommitted: the next stack of its size is the same,
    // its pages still there.
    let warm = FibreStack::new(40 << 10).expect("stack");
    assert_eq!(warm.top(), top, "the released stack comes back first");
    assert!(resident_pages(low, top - low).iter().all(|&r| r));
    drop(warm);
    decommit_released();
    assert!(resident_pages(low, top - low).iter().all(|&r| !r));
    let again = FibreStack::new(40 << 10).expect("stack");
    assert_eq!(again.top(), top, "the freed slot comes back first");
    // SAFETY: the last usable word of a stack we own.
    assert_eq!(
        unsafe { ((top - 8) as *const u64).read() },
        0,
        "fresh zero page"
    );
}

const CHILD_ENV: &str = "WASMFX_FIBRE_SLAB_GUARD_CHILD";

/// Writes one byte at `addr` (a guard page: never returns).
fn touch(addr: usize) {
    // SAFETY: a deliberate fault at a guard page of ours; the handler ends
    // the process.
    unsafe { std::ptr::write_volatile(addr as *mut u8, 1) };
}

#[test]
#[cfg_attr(not(guard_markers), ignore = "needs guard markers (Linux 6.13+)")]
fn the_guard_of_a_reused_slot_still_faults() {
    if child::is_child(CHILD_ENV) {
        child::install_handler(&[libc::SIGSEGV, libc::SIGBUS], on_segv);
        // Used, released and decommitted, carved again: the marker stays.
        let first = FibreStack::new(36 << 10).expect("stack");
        let top = first.top();
        // SAFETY: the last usable word of a stack we own.
        unsafe { ((top - 8) as *mut u64).write(7) };
        drop(first);
        decommit_released();
        let again = FibreStack::new(36 << 10).expect("stack");
        assert_eq!(again.top(), top, "the same slot");
        let (start, end) = again.guard();
        watch_guard(start, end);
        touch(end - 1);
        std::process::exit(1);
    }
    let code = child::exit_code_of_child("the_guard_of_a_reused_slot_still_faults", CHILD_ENV);
    assert_eq!(code, Some(GUARD_HIT));
}

#[test]
#[cfg_attr(not(guard_markers), ignore = "needs guard markers (Linux 6.13+)")]
fn the_guard_below_a_fresh_slot_faults() {
    const ENV: &str = "WASMFX_FIBRE_SLAB_FRESH_CHILD";
    if child::is_child(ENV) {
        child::install_handler(&[libc::SIGSEGV, libc::SIGBUS], on_segv);
        let stacks: Vec<_> = (0..3)
            .map(|_| FibreStack::new(52 << 10).expect("stack"))
            .collect();
        // The middle one: its guard sits right on top of the first stack.
        let (start, end) = stacks[1].guard();
        assert_eq!(start, stacks[0].top(), "slots are contiguous in one slab");
        watch_guard(start, end);
        touch(start);
        std::process::exit(1);
    }
    let code = child::exit_code_of_child("the_guard_below_a_fresh_slot_faults", ENV);
    assert_eq!(code, Some(GUARD_HIT));
}
