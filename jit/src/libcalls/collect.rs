//! Compiled code's part of the continuation collector (fibre's
//! `table/collect.rs` marks, the interpreter's `exec/collect.rs` is the
//! other tier's part): at a `cont.new` that finds enough live records, or
//! enough native stacks in use (`Conts::stacks_want_collection`: a stack
//! costs a page or more, a record 200 bytes), it marks from every root and
//! releases the fresh and natively suspended continuations it did not
//! reach, stacks and all.
//!
//! ```text
//!   roots:  the store (tables, globals, exception fields), running records'
//!           payloads, the fallback tier's blocked activations, the
//!           callee-saved registers, and every live native
//!           stack region, scanned word by word (no stack maps):
//!             the running stack          [sp here,               its top)
//!             each waiting resumer's     [sp saved in its child, its stack's top)
//!           (a fibre stack's "top" is where its frames start, below its
//!           coloured gap: fibre's `stack::start_sp`; nothing lies above)
//!   marked: a suspended record's segment, innermost first:
//!             alone    [its own saved sp, its frames' start)
//!             several  each one's whole usable stack (where a resumer inside
//!                      the segment waits is not kept apart)
//!           a parked record (heap frames): the fallback tier's frames
//!   release: unmarked fresh records, unmarked suspended ones with their
//!           whole segment (the frames on those stacks are abandoned), and
//!           unmarked parked ones with their heap frames
//! ```
//!
//! Parked records that hold a *call* of the fallback tier are roots: its
//! frames on native stacks name them by index, which no scan sees. Other
//! parked records (continuations run as heap frames) are released through
//! the fallback tier. The fallback tier's activations blocked in calls to
//! compiled code show
//! their value stacks (`FallbackTier::mark_roots`); while one of them runs
//! instead (compiled code called it, and it made this call), nothing is
//! collected: the collection waits until the counts double again.

use super::Call;
use super::conts::{conts, state_of};
use crate::entry::Fallback;
use std::ptr::NonNull;
use wasmfx_fibre::{ContRecord, ContState, Marker, StackChain};

/// Collects if the store's table asks for it (see the module doc).
pub(super) fn collect_if_due(call: &mut Call<'_>) {
    // SAFETY: the runtime state outlives the activation, and no other
    // reference to its continuations is live while this libcall runs.
    let stacks_due = unsafe { conts(state_of(call.act)) }.stacks_want_collection();
    if !stacks_due && !call.store().conts.wants_collection() {
        return;
    }
    let fallback = call.act.fallback.cast::<&mut Fallback<'_>>();
    // SAFETY: `fallback` points at the `&mut Fallback` that `enter` keeps
    // alive for the activation; compiled code below us does not use it
    // while we run.
    let fallback: &mut Fallback<'_> = unsafe { &mut **fallback };
    let made = !fallback.has_hidden_roots() && collect(call, fallback);
    call.store().conts.collected(made);
    // SAFETY: as above.
    unsafe { conts(state_of(call.act)) }.stacks_collected();
}

/// Whether it collected (not when a stack pointer lies on no stack it
/// knows, or without memory for the marks).
#[inline(never)]
fn collect(call: &mut Call<'_>, fallback: &mut Fallback<'_>) -> bool {
    let registers = callee_saved_registers();
    let here = 0u8;
    let sp = &raw const here as usize;
    // SAFETY: the runtime state outlives the activation, and no other
    // reference to its continuations is live while this libcall runs.
    let conts = unsafe { conts(state_of(call.act)) };
    let unreached = {
        let store = call.store();
        let table = &store.conts;
        let Some(regions) = live_regions(sp, &conts.chain) else {
            return false; // a stack pointer on no stack we know: roots unseen
        };
        let Some(mut marker) = table.marker() else {
            return false; // no memory for the marks: nothing is freed this time
        };
        store.mark_roots(&mut marker);
        fallback.mark_roots(&mut marker);
        marker.words(&registers);
        for (low, high) in regions {
            scan(low, high, &mut marker);
        }
        while let Some(index) = marker.next_marked() {
            let Some(record) = table.record(index) else {
                continue;
            };
            // SAFETY: a live record of the table.
            match unsafe { record.as_ref() }.state() {
                ContState::Suspended => scan_suspended(record, &mut marker),
                ContState::Parked => fallback.mark_parked(index, &mut marker),
                _ => {}
            }
        }
        table.unmarked(&marker)
    };
    for (index, record) in unreached {
        // SAFETY: a live record of the table.
        if unsafe { record.as_ref() }.state() == ContState::Parked {
            fallback.release_unreachable(call.store(), index);
            continue;
        }
        for member in segment(record) {
            // SAFETY: an unreachable record (or a member of its captured
            // segment): off the chain, nothing runs on its stack, and no
            // handle can reach it again.
            unsafe { conts.release(member) };
        }
    }
    true
}

/// The callee-saved registers (System V): compiled code's values there
/// live across its call to us, and may not be on any stack yet.
#[inline(never)]
fn callee_saved_registers() -> [u64; 6] {
    let (rbx, rbp, r12, r13, r14, r15): (u64, u64, u64, u64, u64, u64);
    // SAFETY: only copies registers into outputs; no memory, no stack.
    unsafe {
        std::arch::asm!(
            "mov {rbx}, rbx",
            "mov {rbp}, rbp",
            "mov {r12}, r12",
            "mov {r13}, r13",
            "mov {r14}, r14",
            "mov {r15}, r15",
            rbx = out(reg) rbx,
            rbp = out(reg) rbp,
            r12 = out(reg) r12,
            r13 = out(reg) r13,
            r14 = out(reg) r14,
            r15 = out(reg) r15,
            options(nomem, nostack, preserves_flags),
        );
    }
    [rbx, rbp, r12, r13, r14, r15]
}

/// The live parts of the native stacks in use: from `sp` (on the running
/// stack) and from each waiting resumer's saved stack pointer, up to the
/// top of the stack that holds it. `None` when one of those lies on no
/// stack we know.
fn live_regions(sp: usize, chain: &StackChain) -> Option<Vec<(usize, usize)>> {
    let mut stacks: Vec<(usize, usize)> = crate::stack::thread_stack_bounds().into_iter().collect();
    let mut points = vec![sp];
    for record in chain.iter() {
        // SAFETY: records on the chain are live.
        let record = unsafe { record.as_ref() };
        stacks.extend(record.usable_stack());
        if record.native_parent() || record.parent().is_none() {
            points.push(record.saved_sp());
        }
    }
    points
        .into_iter()
        .map(|point| {
            let &(_, high) = stacks
                .iter()
                .find(|(low, high)| (*low..*high).contains(&point))?;
            Some((point, high))
        })
        .collect()
}

/// The records of the segment `innermost` captured: it, then its parents
/// up to its last ancestor.
fn segment(innermost: NonNull<ContRecord>) -> Vec<NonNull<ContRecord>> {
    let mut members = vec![innermost];
    // SAFETY: a live record; its segment links are intact while captured.
    let last = unsafe { innermost.as_ref() }.last_ancestor();
    let mut at = innermost;
    while at.as_ptr() != last {
        // SAFETY: as above.
        match unsafe { at.as_ref() }.parent() {
            Some(parent) => {
                members.push(parent);
                at = parent;
            }
            None => break,
        }
    }
    members
}

/// Scans the stack regions a suspended record's frames may occupy: from
/// its saved stack pointer when its segment is itself alone (the common
/// case: nothing allocated), else every member's whole stack.
fn scan_suspended(record: NonNull<ContRecord>, marker: &mut Marker<'_>) {
    // SAFETY: a live record; its segment links are intact while captured.
    let alone = unsafe { record.as_ref() }.last_ancestor() == record.as_ptr();
    let members = if alone { Vec::new() } else { segment(record) };
    if alone || members.len() == 1 {
        // SAFETY: as above.
        let record = unsafe { record.as_ref() };
        let sp = record.saved_sp();
        if let Some((low, high)) = record.usable_stack()
            && (low..high).contains(&sp)
        {
            scan(sp, high, marker);
        }
        return;
    }
    for member in members {
        // SAFETY: live records (see `segment`).
        if let Some((low, high)) = unsafe { member.as_ref() }.usable_stack() {
            scan(low, high, marker);
        }
    }
}

/// Offers every aligned word of `[low, high)` to `marker`.
fn scan(low: usize, high: usize, marker: &mut Marker<'_>) {
    let mut at = low.next_multiple_of(8);
    while at + 8 <= high {
        // SAFETY: `[low, high)` is mapped, readable stack memory (a live
        // region of a thread's or a record's stack); any bit pattern is a
        // u64, which the marker only compares.
        marker.word(unsafe { std::ptr::read_volatile(at as *const u64) });
        at += 8;
    }
}
