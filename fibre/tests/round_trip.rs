//! Rust-to-Rust round trips through records on fibre stacks: payloads,
//! many switches, nested fibres, a suspend past a prompt, and stack reuse.

use std::ptr::NonNull;
use wasmfx_fibre::native::{self, Outcome};
use wasmfx_fibre::{ContArena, ContRecord, ContState, StackChain, StackPool};

/// The word that asks a test fibre to return.
const STOP: u64 = u64::MAX;

/// Echoes: each resume's word `w` comes back as `w + 1`, and the payload
/// `[a, b]` as `[b, a + b]`. Returns the number of switches it saw.
unsafe extern "C" fn echo(record: *mut ContRecord) -> u64 {
    let this = NonNull::new(record).expect("record");
    let mut word = 0;
    let mut seen = 0;
    loop {
        // SAFETY: we run on this record's stack while it is on the chain.
        let got = unsafe { native::suspend(this, word) };
        if got == STOP {
            return seen;
        }
        seen += 1;
        // SAFETY: the resumer does not touch the record while we run.
        let target = unsafe { &mut *record };
        let [a, b] = <[u64; 2]>::try_from(target.payload()).expect("two values");
        target
            .set_payload(&[b, a.wrapping_add(b)])
            .expect("payload");
        word = got + 1;
    }
}

fn new_fibre(
    arena: &mut ContArena,
    pool: &mut StackPool,
    entry: wasmfx_fibre::FibreEntry,
) -> NonNull<ContRecord> {
    let mut record = arena.alloc().expect("memory for a record");
    let stack = pool.take().expect("stack");
    // SAFETY: a live record just allocated.
    native::start(unsafe { record.as_mut() }, stack, entry).expect("fresh record");
    record
}

fn resume(chain: *mut StackChain, record: NonNull<ContRecord>, word: u64) -> Outcome {
    // SAFETY: test records are live and detached when resumed.
    unsafe { native::resume(chain, record, word) }.expect("resumable")
}

#[test]
fn payloads_travel_both_ways_many_times() {
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    let mut record = new_fibre(&mut arena, &mut pool, echo);
    let first = resume(&raw mut chain, record, 0);
    assert_eq!(
        first,
        Outcome::Suspended {
            captured: record,
            word: 0
        }
    );
    let (mut a, mut b) = (0u64, 1u64);
    for i in 0..10_000u64 {
        // SAFETY: the record is suspended; nothing else touches it.
        unsafe { record.as_mut() }
            .set_payload(&[a, b])
            .expect("payload");
        assert_eq!(
            resume(&raw mut chain, record, i),
            Outcome::Suspended {
                captured: record,
                word: i + 1
            }
        );
        (a, b) = (b, a.wrapping_add(b));
        // SAFETY: as above.
        assert_eq!(unsafe { record.as_ref() }.payload(), &[a, b]);
        assert!(chain.innermost().is_none(), "back on the host stack");
    }
    assert_eq!(
        resume(&raw mut chain, record, STOP),
        Outcome::Returned { word: 10_000 }
    );
    // SAFETY: as above.
    assert_eq!(unsafe { record.as_ref() }.state(), ContState::Returned);
    // SAFETY: returned and detached: nothing runs on it.
    let err = unsafe { native::resume(&raw mut chain, record, 0) };
    assert!(err.is_err(), "a returned record is not resumed");
    // SAFETY: as above.
    let stack = unsafe { arena.release(record) }.expect("its stack");
    pool.give_back(stack);
}

/// What the nested fibres share, reached through the outer record's
/// interpreter slot.
struct Nest {
    chain: *mut StackChain,
    inner: NonNull<ContRecord>,
    /// The chain as the inner fibre saw it, innermost first.
    seen_by_inner: Vec<NonNull<ContRecord>>,
}

/// Resumes `Nest::inner` twice, forwarding its words (+100) to the host.
unsafe extern "C" fn outer(record: *mut ContRecord) -> u64 {
    let this = NonNull::new(record).expect("record");
    // SAFETY: the test stores a live `Nest` in the slot before resuming.
    let nest = unsafe { &mut *((*record).interp() as *mut Nest) };
    let mut total = 0;
    loop {
        // SAFETY: the inner record is live and detached between resumes; the
        // chain is the test's, used by one stack at a time.
        let outcome = unsafe { native::resume(nest.chain, nest.inner, total) };
        match outcome.expect("inner resumable") {
            Outcome::Suspended { word, .. } => {
                total += word;
                // SAFETY: on our own stack, while on the chain.
                unsafe { native::suspend(this, word + 100) };
            }
            Outcome::Returned { word } => return total + word,
        }
    }
}

/// Reports the chain, suspends twice to its own prompt (7 and 8), then
/// once past it to the outer fibre's prompt (9), then returns 1000.
unsafe extern "C" fn inner(record: *mut ContRecord) -> u64 {
    let this = NonNull::new(record).expect("record");
    // SAFETY: our parent is the outer record, whose slot holds the Nest.
    let outer = unsafe { (*record).parent() }.expect("parent");
    // SAFETY: as above.
    let nest = unsafe { &mut *(outer.as_ref().interp() as *mut Nest) };
    // SAFETY: the chain is not being changed while we read it.
    nest.seen_by_inner = unsafe { (*nest.chain).iter().collect() };
    // SAFETY: we run on our stack; `this` and `outer` are on the chain.
    unsafe {
        native::suspend(this, 7);
        native::suspend(this, 8);
        native::suspend(outer, 9);
    }
    1000
}

#[test]
fn nested_fibres_and_a_suspend_past_a_prompt() {
    let (mut arena, mut pool) = (ContArena::new(), StackPool::default());
    let mut chain = StackChain::new();
    let mut outer_record = new_fibre(&mut arena, &mut pool, outer);
    let inner_record = new_fibre(&mut arena, &mut pool, inner);
    let mut nest = Nest {
        chain: &raw mut chain,
        inner: inner_record,
        seen_by_inner: Vec::new(),
    };
    // SAFETY: a live record; `nest` outlives every resume below.
    unsafe { outer_record.as_mut() }.set_interp(&raw mut nest as u64);
    let chain_ptr = nest.chain;
    let step = |record, word| {
        // SAFETY: the chain lives in this frame; records are live.
        unsafe { native::resume(chain_ptr, record, word) }.expect("resumable")
    };
    assert_eq!(
        step(outer_record, 0),
        Outcome::Suspended {
            captured: outer_record,
            word: 107
        }
    );
    assert_eq!(nest.seen_by_inner, vec![inner_record, outer_record]);
    assert_eq!(
        step(outer_record, 0),
        Outcome::Suspended {
            captured: outer_record,
            word: 108
        }
    );
    // The inner fibre suspends to the outer prompt: both are captured, the
    // inner record is the continuation.
    assert_eq!(
        step(outer_record, 0),
        Outcome::Suspended {
            captured: inner_record,
            word: 9
        }
    );
    // SAFETY: reading live records.
    unsafe {
        assert_eq!(inner_record.as_ref().last_ancestor(), outer_record.as_ptr());
        assert_eq!(inner_record.as_ref().state(), ContState::Suspended);
    }
    // Resuming the inner record runs both again: it returns into the outer
    // fibre, which returns to us.
    assert_eq!(
        step(inner_record, 0),
        Outcome::Returned { word: 7 + 8 + 1000 }
    );
    assert!(chain.innermost().is_none());
    for record in [inner_record, outer_record] {
        // SAFETY: both returned; nothing runs on their stacks.
        pool.give_back(unsafe { arena.release(record) }.expect("stack"));
    }
}

/// Returns its payload's first value doubled, without suspending.
unsafe extern "C" fn double(record: *mut ContRecord) -> u64 {
    // SAFETY: the resumer set the payload and waits for us.
    unsafe { (*record).payload()[0] * 2 }
}

#[test]
fn steady_state_reuses_stacks_and_records() {
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    for i in 0..2_000u64 {
        let mut record = new_fibre(&mut arena, &mut pool, double);
        // SAFETY: a live fresh record.
        unsafe { record.as_mut() }
            .set_payload(&[i])
            .expect("payload");
        assert_eq!(
            resume(&raw mut chain, record, 0),
            Outcome::Returned { word: 2 * i }
        );
        // SAFETY: returned; nothing runs on its stack.
        pool.give_back(unsafe { arena.release(record) }.expect("stack"));
    }
    let stats = pool.stats();
    assert_eq!((stats.mapped, stats.reused, stats.unmapped), (1, 1_999, 0));
    assert_eq!((arena.live(), arena.capacity()), (0, 64));
}
