//! Micro-benchmark of the Rust side of native stack switching (wasmfx-fibre).
//!
//! ```text
//! cargo run --release -p wasmfx-benches --bin fibre_switch [-- ROUND_TRIPS]
//!   switch      bare Context round trip: host → fibre → host (two `switch` calls)
//!   resume      native::resume + native::suspend of a record (chain attach/detach,
//!               state checks) — what the runtime pays per suspend/resume pair
//!   lifecycle   arena alloc + pooled stack + start + resume + return + release
//! ```
//! Prints the median of five runs in ns per operation.

use std::hint::black_box;
use std::ptr::NonNull;
use std::time::Instant;
use wasmfx_fibre::native::{self, Outcome};
use wasmfx_fibre::{ContArena, ContRecord, Context, FibreStack, StackChain, StackPool, switch};

const DEFAULT_ROUND_TRIPS: u64 = 10_000_000;
const RUNS: usize = 5;

/// The two contexts of the bare benchmark (the fibre's first payload points here).
#[repr(C)]
struct Pair {
    host: Context,
    fibre: Context,
}

/// Bare fibre: answers every payload with payload + 1, forever.
extern "C" fn bare_echo(pair: u64) -> ! {
    let pair = pair as *mut Pair;
    let mut word = 0;
    loop {
        // SAFETY: `pair` lives in the benchmark's frame while it switches
        // here; the host context holds its saved point.
        word = unsafe { switch(&raw mut (*pair).fibre, &raw const (*pair).host, word) } + 1;
    }
}

fn bench_switch(round_trips: u64) -> f64 {
    let stack = match FibreStack::new(64 << 10) {
        Ok(stack) => stack,
        Err(error) => {
            eprintln!("cannot map a fibre stack: {error}");
            std::process::exit(1);
        }
    };
    let mut pair = Pair {
        host: Context::default(),
        // SAFETY: the stack is ours and idle; bare_echo never returns.
        fibre: unsafe { Context::fresh(stack.top(), bare_echo as *const () as usize) },
    };
    let pair_ptr = &raw mut pair;
    // SAFETY: the first switch starts bare_echo with the pair's address;
    // each later one resumes the point its last switch saved.
    unsafe {
        switch(
            &raw mut (*pair_ptr).host,
            &raw const (*pair_ptr).fibre,
            pair_ptr as u64,
        )
    };
    let start = Instant::now();
    let mut sum = 0u64;
    for i in 0..round_trips {
        // SAFETY: as above.
        sum = sum.wrapping_add(unsafe {
            switch(&raw mut (*pair_ptr).host, &raw const (*pair_ptr).fibre, i)
        });
    }
    let ns = start.elapsed().as_nanos() as f64 / round_trips as f64;
    check(sum, round_trips * (round_trips + 1) / 2);
    // The fibre stays suspended; its stack is unmapped and never resumed.
    ns
}

/// Record fibre: suspends with every word + 1 until `u64::MAX`.
unsafe extern "C" fn record_echo(record: *mut ContRecord) -> u64 {
    let Some(this) = NonNull::new(record) else {
        return 0;
    };
    let mut word = 0;
    loop {
        // SAFETY: we run on the record's stack while it is on the chain.
        let got = unsafe { native::suspend(this, word) };
        if got == u64::MAX {
            return 0;
        }
        word = got + 1;
    }
}

fn bench_resume(round_trips: u64) -> f64 {
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    let mut record = arena.alloc().expect("memory for a record");
    let started = pool.take().map_err(|e| e.to_string()).and_then(|stack| {
        // SAFETY: a live fresh record.
        native::start(unsafe { record.as_mut() }, stack, record_echo)
            .map_err(|_| "record not fresh".to_string())
    });
    if let Err(error) = started {
        eprintln!("cannot start a fibre: {error}");
        std::process::exit(1);
    }
    let mut resume = |word| {
        // SAFETY: a live record, detached between resumes.
        match unsafe { native::resume(&raw mut chain, record, word) } {
            Ok(Outcome::Suspended { word, .. } | Outcome::Returned { word }) => word,
            Err(error) => {
                eprintln!("resume failed: {error}");
                std::process::exit(1);
            }
        }
    };
    resume(0);
    let start = Instant::now();
    let mut sum = 0u64;
    for i in 0..round_trips {
        sum = sum.wrapping_add(resume(i));
    }
    let ns = start.elapsed().as_nanos() as f64 / round_trips as f64;
    resume(u64::MAX);
    check(sum, round_trips * (round_trips + 1) / 2);
    ns
}

/// Record fibre that returns at once.
unsafe extern "C" fn record_return(_: *mut ContRecord) -> u64 {
    1
}

fn bench_lifecycle(count: u64) -> f64 {
    let (mut arena, mut pool, mut chain) =
        (ContArena::new(), StackPool::default(), StackChain::new());
    let start = Instant::now();
    let mut sum = 0u64;
    for _ in 0..count {
        let mut record = arena.alloc().expect("memory for a record");
        let Ok(stack) = pool.take() else {
            eprintln!("cannot map a fibre stack");
            std::process::exit(1);
        };
        // SAFETY: a live fresh record; it runs to its return below, so its
        // stack is idle when released.
        unsafe {
            if native::start(record.as_mut(), stack, record_return).is_err() {
                std::process::exit(1);
            }
            if let Ok(Outcome::Returned { word }) = native::resume(&raw mut chain, record, 0) {
                sum += word;
            }
            if let Some(stack) = arena.release(record) {
                pool.give_back(stack);
            }
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / count as f64;
    check(sum, count);
    ns
}

fn check(got: u64, expected: u64) {
    if black_box(got) != expected {
        eprintln!("wrong result: {got}, expected {expected}");
        std::process::exit(1);
    }
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn main() {
    let round_trips = match std::env::args().nth(1).map(|arg| arg.parse::<u64>()) {
        None => DEFAULT_ROUND_TRIPS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: fibre_switch [ROUND_TRIPS > 0]");
            std::process::exit(2);
        }
    };
    let lifecycles = (round_trips / 10).max(1);
    let cases: [(&str, &dyn Fn() -> f64); 3] = [
        ("switch (bare round trip)", &|| bench_switch(round_trips)),
        ("resume + suspend (record)", &|| bench_resume(round_trips)),
        ("alloc + start + run + release", &|| {
            bench_lifecycle(lifecycles)
        }),
    ];
    for (name, case) in cases {
        let ns = median((0..RUNS).map(|_| case()).collect());
        println!("{name:<32} {ns:>8.2} ns");
    }
}
