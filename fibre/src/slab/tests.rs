//! Unit tests of the stack slabs: carving, release, which slab serves a
//! stack, and that empty slabs are unmapped.

use super::*;
use crate::stack::page_size;

/// Slabs of stacks of `stride` bytes (each test uses a stride of its own).
fn slabs_of(stride: usize) -> usize {
    slabs()
        .by_base
        .values()
        .filter(|s| s.stride == stride)
        .count()
}

/// `count` stacks of `stride` bytes, or none on a kernel without guard
/// markers.
fn carve_many(stride: usize, count: usize) -> Option<Vec<usize>> {
    (0..count)
        .map(|_| carve(stride, page_size()).expect("carve"))
        .collect()
}

#[test]
fn empty_slabs_are_unmapped_but_one() {
    let (page, stride) = (page_size(), 24 * page_size());
    let Some(stacks) = carve_many(stride, 2 * SLAB_STACKS + 1) else {
        return; // slabs are not used on this kernel
    };
    assert_eq!(slabs_of(stride), 3);
    for &stack in &stacks {
        assert!(release(stack, stride, page));
    }
    decommit_released_of(stride);
    assert_eq!(slabs_of(stride), 1);
    let again = carve(stride, page).expect("carve").expect("slab");
    assert_eq!(slabs_of(stride), 1, "the kept slab serves it");
    assert!(release(again, stride, page));
}

#[test]
fn stacks_come_from_the_lowest_slab_with_room() {
    let (page, stride) = (page_size(), 28 * page_size());
    let Some(mut stacks) = carve_many(stride, SLAB_STACKS + 1) else {
        return;
    };
    let slab_of = |stack: usize| slabs().by_base.range(..=stack).next_back().map(|(&b, _)| b);
    // The first slab is full; the second has one stack.
    let (full, second) = (slab_of(stacks[0]), slab_of(stacks[SLAB_STACKS]));
    assert_ne!(full, second);
    let freed = stacks.swap_remove(5);
    assert!(release(freed, stride, page));
    decommit_released_of(stride);
    let next = carve(stride, page).expect("carve").expect("slab");
    if full < second {
        assert_eq!(next, freed, "the freed slot of the lower slab");
    } else {
        assert_eq!(slab_of(next), second, "a new slot of the lower slab");
    }
    stacks.push(next);
    for stack in stacks {
        assert!(release(stack, stride, page));
    }
    decommit_released_of(stride);
    assert_eq!(slabs_of(stride), 1);
}

#[test]
fn released_stacks_come_back_warm_until_their_batch_is_decommitted() {
    let (page, stride) = (page_size(), 20 * page_size());
    let Some(stacks) = carve_many(stride, DECOMMIT_BATCH) else {
        return;
    };
    let last = stacks[DECOMMIT_BATCH - 1];
    for &stack in &stacks[..DECOMMIT_BATCH - 1] {
        assert!(release(stack, stride, page));
    }
    // Released but not decommitted: the last released comes back first.
    let again = carve(stride, page).expect("carve").expect("slab");
    assert_eq!(again, stacks[DECOMMIT_BATCH - 2]);
    assert!(release(again, stride, page));
    let released = |s: &Slabs| s.classes.get(&stride).map_or(0, |c| c.released.len());
    assert_eq!(released(&slabs()), DECOMMIT_BATCH - 1);
    // The batch's last release decommits and frees all of them.
    assert!(release(last, stride, page));
    assert_eq!(released(&slabs()), 0);
    assert_eq!(slabs_of(stride), 1);
}

#[test]
fn memory_of_no_slab_is_not_taken() {
    let heap = Box::new([0u8; 64]);
    let addr = heap.as_ptr() as usize;
    assert!(!release(addr, 24 * page_size(), page_size()));
}
