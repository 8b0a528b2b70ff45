//! Compiled recursion on a fibre stack: with the record's stack limit in
//! the prologue check it ends in Cranelift's stack-overflow trap (SIGILL)
//! before the guard page; with no limit it runs into the guard page
//! (SIGSEGV there). Both run in child processes.
//!
//! ```text
//!   Rust: native::resume ─▶ fibre: deep_entry(record) ─▶ deep(limits, n) ─▶ deep(limits, n-1) …
//!   deep's prologue: sp - frame < limits.stack_limit ─▶ ud2 (stk_ovf)
//! ```

#[path = "common/child.rs"]
mod child;
#[path = "common/jit.rs"]
mod jit;

use cranelift_codegen::ir::types::I64;
use cranelift_codegen::ir::{
    AbiParam, ArgumentPurpose, GlobalValueData, InstBuilder, MemFlagsData, StackSlotData,
    StackSlotKind, TrapCode,
};
use cranelift_module::Module;
use jit::Jit;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use wasmfx_fibre::native;
use wasmfx_fibre::{ContArena, ContRecord, StackChain, StackPool};

const CHILD_ENV: &str = "WASMFX_FIBRE_OVERFLOW_CHILD";
/// Child exit codes: the limit check trapped, the guard page was hit,
/// anything else faulted.
const LIMIT_TRAP: i32 = 73;
const GUARD_HIT: i32 = 74;
const OTHER_FAULT: i32 = 75;

static GUARD_START: AtomicUsize = AtomicUsize::new(0);
static GUARD_END: AtomicUsize = AtomicUsize::new(0);

/// What compiled code reads through its VMContext argument (in the engine,
/// `VmRuntime.stack_limit`).
#[repr(C)]
struct Limits {
    stack_limit: usize,
}

extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo for SA_SIGINFO handlers.
    let addr = unsafe { (*info).si_addr() } as usize;
    let guard = GUARD_START.load(Ordering::Relaxed)..GUARD_END.load(Ordering::Relaxed);
    let code = match signal {
        libc::SIGILL => LIMIT_TRAP,
        libc::SIGSEGV if guard.contains(&addr) => GUARD_HIT,
        _ => OTHER_FAULT,
    };
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(code) };
}

/// `deep(limits [vmctx], n) -> i64`: recursion with a 128-byte frame slot,
/// the stack limit read from `limits` in the prologue. Returns the
/// address of the entry trampoline `deep_entry(record)`, which reads the
/// `Limits` address from the record's interpreter slot.
fn compile(jit: &mut Jit) -> usize {
    let mut deep_sig = Jit::i64_signature(1);
    deep_sig
        .params
        .insert(0, AbiParam::special(I64, ArgumentPurpose::VMContext));
    let deep = jit.declare("deep", &deep_sig);
    jit.define_declared(deep, deep_sig.clone(), |module, b, args| {
        let (limits, n) = (args[0], args[1]);
        let vmctx = b.func.create_global_value(GlobalValueData::VMContext);
        let flags = b.func.dfg.mem_flags.insert(MemFlagsData::trusted());
        let limit = b.func.create_global_value(GlobalValueData::Load {
            base: vmctx,
            offset: 0.into(),
            global_type: I64,
            flags: flags.expect("one flag set"),
        });
        b.func.stack_limit = Some(limit);
        let slot =
            b.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, 128, 3));
        b.ins().stack_store(I64, n, slot, 64);
        let (recurse, done) = (b.create_block(), b.create_block());
        b.ins().brif(n, recurse, &[], done, &[]);
        b.switch_to_block(done);
        let zero = b.ins().iconst(I64, 0);
        b.ins().return_(&[zero]);
        b.switch_to_block(recurse);
        let callee = module.declare_func_in_func(deep, b.func);
        let less = b.ins().iadd_imm_s(n, -1);
        let call = b.ins().call(callee, &[limits, less]);
        let below = b.inst_results(call)[0];
        let mine = b.ins().stack_load(I64, I64, slot, 64);
        let sum = b.ins().iadd(below, mine);
        b.ins().return_(&[sum]);
    });
    let entry = jit.declare("deep_entry", &Jit::i64_signature(1));
    jit.define_declared(entry, Jit::i64_signature(1), |module, b, args| {
        let flags = MemFlagsData::trusted();
        let limits = b
            .ins()
            .load(I64, flags, args[0], wasmfx_fibre::offsets::INTERP);
        let callee = module.declare_func_in_func(deep, b.func);
        let forever = b.ins().iconst(I64, i64::MAX);
        b.ins().call(callee, &[limits, forever]);
        // `deep` never returns in these tests.
        b.ins().trap(TrapCode::unwrap_user(2));
    });
    jit.finish();
    jit.address(entry)
}

/// In the child: runs `deep` forever on a fibre whose limit is the record's
/// (`with_limit`) or 0 (no check). Never returns.
fn overflow_compiled_code(with_limit: bool) -> ! {
    child::install_handler(&[libc::SIGILL, libc::SIGSEGV], on_fault);
    let mut jit = Jit::new();
    let entry = compile(&mut jit);
    let (mut arena, mut pool) = (ContArena::new(), StackPool::new(256 << 10, 1));
    let mut record: NonNull<ContRecord> = arena.alloc().expect("memory for a record");
    let stack = pool.take().expect("stack");
    let (guard_start, guard_end) = stack.guard();
    GUARD_START.store(guard_start, Ordering::Relaxed);
    GUARD_END.store(guard_end, Ordering::Relaxed);
    // SAFETY: a live fresh record; deep_entry takes the record in RDI and
    // never returns.
    let target = unsafe { record.as_mut() };
    target.install_stack(stack, entry, None).expect("fresh");
    let mut limits = Limits {
        stack_limit: if with_limit { target.stack_limit() } else { 0 },
    };
    target.set_interp(&raw mut limits as u64);
    let mut chain = StackChain::new();
    // SAFETY: a live detached record; the handler ends the process.
    let outcome = unsafe { native::resume(&raw mut chain, record, 0) };
    eprintln!("the recursion came back: {outcome:?}");
    std::process::exit(1)
}

#[test]
fn the_record_limit_stops_compiled_recursion_before_the_guard() {
    if child::is_child(CHILD_ENV) {
        overflow_compiled_code(true);
    }
    let code = child::exit_code_of_child(
        "the_record_limit_stops_compiled_recursion_before_the_guard",
        CHILD_ENV,
    );
    assert_eq!(code, Some(LIMIT_TRAP));
}

#[test]
fn without_a_limit_compiled_recursion_hits_the_guard() {
    if child::is_child(CHILD_ENV) {
        overflow_compiled_code(false);
    }
    let code = child::exit_code_of_child(
        "without_a_limit_compiled_recursion_hits_the_guard",
        CHILD_ENV,
    );
    assert_eq!(code, Some(GUARD_HIT));
}
