//! The guard page below a fibre stack: PROT_NONE for a stack mapped alone,
//! a marker inside one mapping for a slab's, and hit by a runaway recursion
//! on the fibre (caught by a SIGSEGV handler that recognises the fault
//! address, in a child process).

#[path = "common/child.rs"]
mod child;
#[path = "common/guard_fault.rs"]
mod guard_fault;
#[path = "common/maps.rs"]
mod maps;

use guard_fault::{GUARD_HIT, on_segv, watch_guard};
use maps::mappings;
use std::ptr::NonNull;
use wasmfx_fibre::native;
use wasmfx_fibre::{ContArena, ContRecord, FibreStack, StackChain, slab_stats};

const CHILD_ENV: &str = "WASMFX_FIBRE_GUARD_CHILD";

/// The permissions column of /proc/self/maps for the first mapping whose
/// range `[from, to)` passes `pick`.
fn permissions_where(pick: impl Fn(usize, usize) -> bool) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines().find_map(|line| {
        let (range, rest) = line.split_once(' ')?;
        let (from, to) = range.split_once('-')?;
        let from = usize::from_str_radix(from, 16).ok()?;
        let to = usize::from_str_radix(to, 16).ok()?;
        pick(from, to).then(|| rest.split(' ').next().unwrap_or("").to_string())
    })
}

/// The permissions of the mapping starting at `start`.
fn permissions_at(start: usize) -> Option<String> {
    permissions_where(|from, _| from == start)
}

/// The permissions of the mapping holding `addr`.
fn mapping_containing(addr: usize) -> Option<String> {
    permissions_where(|from, to| (from..to).contains(&addr))
}

#[test]
fn stacks_mapped_alone_take_two_mappings_each() {
    // The fallback of kernels without guard markers: guard + usable part.
    let before = mappings();
    let stacks: Vec<_> = (0..1000)
        .map(|_| FibreStack::new_mapped(20 << 10).expect("map"))
        .collect();
    assert!(mappings() >= before + 2 * stacks.len() - 50);
}

#[test]
fn the_guard_page_of_a_stack_mapped_alone_is_prot_none() {
    let stack = FibreStack::new_mapped(64 << 10).expect("map");
    let (start, end) = stack.guard();
    assert_eq!(permissions_at(start).as_deref(), Some("---p"));
    assert_eq!(permissions_at(end).as_deref(), Some("rw-p"));
}

#[test]
#[cfg_attr(not(guard_markers), ignore = "needs guard markers (Linux 6.13+)")]
fn a_slab_stack_does_not_split_its_mapping() {
    let stacks = [FibreStack::new(60 << 10), FibreStack::new(60 << 10)];
    let [Ok(_), Ok(second)] = &stacks else {
        panic!("stacks: {stacks:?}");
    };
    assert!(slab_stats().guard_markers, "build.rs found guard markers");
    let (start, end) = second.guard();
    // Neither the second stack's guard page nor its usable part starts a
    // mapping: both lie inside the slab's one read-write mapping (the
    // guard is a page-table marker, tests/slab.rs checks that it faults).
    assert_eq!(permissions_at(start), None);
    assert_eq!(permissions_at(end), None);
    assert_eq!(mapping_containing(start).as_deref(), Some("rw-p"));
}

#[test]
fn recursion_on_a_fibre_hits_the_guard_page() {
    if child::is_child(CHILD_ENV) {
        overflow_a_fibre();
    }
    let code = child::exit_code_of_child("recursion_on_a_fibre_hits_the_guard_page", CHILD_ENV);
    assert_eq!(code, Some(GUARD_HIT));
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
    let mut record: NonNull<ContRecord> = arena.alloc().expect("memory for a record");
    let stack = FibreStack::new(64 << 10).expect("fibre stack");
    let (start, end) = stack.guard();
    watch_guard(start, end);
    // SAFETY: a live fresh record.
    native::start(unsafe { record.as_mut() }, stack, runaway).expect("fresh");
    let mut chain = StackChain::new();
    // SAFETY: a live detached record; the handler ends the process.
    let outcome = unsafe { native::resume(&raw mut chain, record, 0) };
    eprintln!("the recursion returned: {outcome:?}");
    std::process::exit(1)
}
