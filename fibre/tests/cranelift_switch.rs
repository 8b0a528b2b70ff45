//! Round trips between Cranelift's `stack_switch` and the Rust switch
//! routine, through the contexts of continuation records:
//!
//! ```text
//!   rust_resumes_a_compiled_fibre   Rust native::resume ⇄ compiled fibre body
//!   compiled_code_resumes_a_rust_fibre   compiled resume ⇄ Rust body (native::suspend)
//!   one_fibre_suspends_both_ways    Rust body suspending through Rust and compiled code
//! ```
//! Compiled code reaches the record only through `wasmfx_fibre::offsets`.

#[path = "common/jit.rs"]
mod jit;

use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, MemFlagsData, TrapCode, Value, condcodes::IntCC};
use cranelift_frontend::FunctionBuilder;
use cranelift_module::FuncId;
use jit::Jit;
use std::ptr::NonNull;
use wasmfx_fibre::native::{self, Outcome};
use wasmfx_fibre::{ContArena, ContRecord, ContState, StackChain, StackPool, offsets};

/// The word that asks a test fibre to return.
const STOP: u64 = u64::MAX;

/// `stack_switch` through the record's one context slot.
fn switch_through(b: &mut FunctionBuilder, record: Value, word: Value) -> Value {
    let context = b.ins().iadd_imm_s(record, i64::from(offsets::CONTEXT));
    b.ins().stack_switch(context, context, word)
}

fn store_state(b: &mut FunctionBuilder, record: Value, state: ContState) {
    let value = b.ins().iconst(I32, state as i64);
    b.ins()
        .store(MemFlagsData::trusted(), value, record, offsets::STATE);
}

/// The compiled fibre entry `(record)`: answers each word `w` with `2w`,
/// adds `w` to payload slot 0, and on STOP marks the record returned and
/// switches out with the sum of the words for the last time.
fn define_compiled_fibre(jit: &mut Jit) -> FuncId {
    jit.define("compiled_fibre", 1, |b, args| {
        let record = args[0];
        let flags = MemFlagsData::trusted();
        let (head, body, done) = (b.create_block(), b.create_block(), b.create_block());
        let out = b.append_block_param(head, I64);
        let acc = b.append_block_param(head, I64);
        let zero = b.ins().iconst(I64, 0);
        b.ins().jump(head, &[zero.into(), zero.into()]);

        b.switch_to_block(head);
        let got = switch_through(b, record, out);
        let stop = b.ins().icmp_imm_s(IntCC::Equal, got, STOP as i64);
        b.ins().brif(stop, done, &[], body, &[]);

        b.switch_to_block(body);
        let payload = b.ins().load(I64, flags, record, offsets::PAYLOAD_PTR);
        let first = b.ins().load(I64, flags, payload, 0);
        let updated = b.ins().iadd(first, got);
        b.ins().store(flags, updated, payload, 0);
        let doubled = b.ins().iadd(got, got);
        let acc2 = b.ins().iadd(acc, got);
        b.ins().jump(head, &[doubled.into(), acc2.into()]);

        b.switch_to_block(done);
        store_state(b, record, ContState::Returned);
        switch_through(b, record, acc);
        b.ins().trap(TrapCode::unwrap_user(1));
    })
}

#[test]
fn rust_resumes_a_compiled_fibre() {
    let mut jit = Jit::new();
    let entry = define_compiled_fibre(&mut jit);
    jit.finish();
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    let mut record = arena.alloc().expect("memory for a record");
    // SAFETY: a live fresh record; compiled_fibre is an entry of the
    // documented kind (argument in RDI, never returns).
    unsafe { record.as_mut() }
        .install_stack(pool.take().expect("stack"), jit.address(entry), None)
        .expect("fresh");
    let target = record;
    let mut resume = |word| {
        // SAFETY: a live record, detached between resumes.
        unsafe { native::resume(&raw mut chain, target, word) }.expect("resumable")
    };
    assert_eq!(
        resume(0),
        Outcome::Suspended {
            captured: record,
            word: 0
        }
    );
    for i in 1..=1_000u64 {
        // SAFETY: suspended: the fibre does not touch the record now.
        unsafe { record.as_mut() }
            .set_payload(&[10 * i])
            .expect("payload");
        assert_eq!(
            resume(i),
            Outcome::Suspended {
                captured: record,
                word: 2 * i
            }
        );
        // SAFETY: as above.
        assert_eq!(unsafe { record.as_ref() }.payload(), &[11 * i]);
    }
    assert_eq!(resume(STOP), Outcome::Returned { word: 500_500 });
    // SAFETY: as above.
    assert_eq!(unsafe { record.as_ref() }.state(), ContState::Returned);
    // SAFETY: returned; nothing runs on its stack.
    pool.give_back(unsafe { arena.release(record) }.expect("stack"));
}

/// `compiled_resume(record, word) -> word`: marks the record running and
/// switches into it.
fn define_compiled_resume(jit: &mut Jit) -> FuncId {
    jit.define("compiled_resume", 2, |b, args| {
        store_state(b, args[0], ContState::Running);
        let back = switch_through(b, args[0], args[1]);
        b.ins().return_(&[back]);
    })
}

/// Answers each word `w` with `w + 1` until STOP, then returns the count.
unsafe extern "C" fn rust_echo(record: *mut ContRecord) -> u64 {
    let this = NonNull::new(record).expect("record");
    let (mut word, mut count) = (0, 0);
    loop {
        // SAFETY: we run on this record's stack and it is running.
        let got = unsafe { native::suspend(this, word) };
        if got == STOP {
            return count;
        }
        (word, count) = (got + 1, count + 1);
    }
}

#[test]
fn compiled_code_resumes_a_rust_fibre() {
    let mut jit = Jit::new();
    let resume_id = define_compiled_resume(&mut jit);
    jit.finish();
    // SAFETY: the function was defined with this signature.
    let compiled_resume: unsafe extern "C" fn(*mut ContRecord, u64) -> u64 =
        unsafe { std::mem::transmute(jit.address(resume_id)) };
    let (mut arena, mut pool) = (ContArena::new(), StackPool::default());
    let mut record = arena.alloc().expect("memory for a record");
    // SAFETY: a live fresh record.
    native::start(
        unsafe { record.as_mut() },
        pool.take().expect("stack"),
        rust_echo,
    )
    .expect("fresh");
    let raw = record.as_ptr();
    // SAFETY: the first switch into a fresh record carries its address;
    // later ones resume the point its last suspend saved.
    unsafe {
        assert_eq!(compiled_resume(raw, raw as u64), 0);
        for i in 0..10_000 {
            assert_eq!(compiled_resume(raw, i), i + 1);
        }
        assert_eq!(compiled_resume(raw, STOP), 10_000);
        assert_eq!(record.as_ref().state(), ContState::Returned);
        pool.give_back(arena.release(record).expect("stack"));
    }
}

/// Suspends alternately with the Rust routine and with compiled code
/// (`compiled_suspend` in the interpreter slot); returns the words' sum.
unsafe extern "C" fn mixed_suspender(record: *mut ContRecord) -> u64 {
    let this = NonNull::new(record).expect("record");
    // SAFETY: the test stores the address of `compiled_suspend` there.
    let compiled_suspend: unsafe extern "C" fn(*mut ContRecord, u64) -> u64 =
        unsafe { std::mem::transmute((*record).interp() as usize) };
    let mut sum = 0;
    for i in 0.. {
        // SAFETY: we run on this record's stack and it is running.
        let got = unsafe {
            if i % 2 == 0 {
                native::suspend(this, i)
            } else {
                compiled_suspend(record, i)
            }
        };
        if got == STOP {
            break;
        }
        sum += got;
    }
    sum
}

#[test]
fn one_fibre_suspends_both_ways() {
    let mut jit = Jit::new();
    // compiled_suspend(record, word) -> word: the same switch as a resume.
    let suspend_id = jit.define("compiled_suspend", 2, |b, args| {
        let back = switch_through(b, args[0], args[1]);
        b.ins().return_(&[back]);
    });
    jit.finish();
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    let mut record = arena.alloc().expect("memory for a record");
    // SAFETY: a live fresh record.
    let fresh = unsafe { record.as_mut() };
    native::start(fresh, pool.take().expect("stack"), mixed_suspender).expect("fresh");
    fresh.set_interp(jit.address(suspend_id) as u64);
    let mut expected_sum = 0;
    for i in 0..1_000u64 {
        // SAFETY: a live record, detached between resumes.
        let outcome =
            unsafe { native::resume(&raw mut chain, record, 100 + i) }.expect("resumable");
        assert_eq!(
            outcome,
            Outcome::Suspended {
                captured: record,
                word: i
            }
        );
        if i > 0 {
            expected_sum += 100 + i;
        }
    }
    // SAFETY: as above.
    let last = unsafe { native::resume(&raw mut chain, record, STOP) }.expect("resumable");
    assert_eq!(last, Outcome::Returned { word: expected_sum });
    // SAFETY: returned; nothing runs on its stack.
    pool.give_back(unsafe { arena.release(record) }.expect("stack"));
}
