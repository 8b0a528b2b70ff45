//! The floor under a held compiled continuation: what the system charges
//! for its native stack before any Wasm runs.
//!
//! ```text
//! cargo run --release -p wasmfx-benches --bin stack_floor [-- STACKS]
//!   take     FibreStack::new, STACKS times, all kept (slab slots, guard
//!            markers installed per slab: what a cont.new's first resume gets)
//!   touch    one write just under each stack's frame start (start_sp), the
//!            page a suspended continuation's frames occupy: a page fault,
//!            a zeroed page and its share of a page-table page
//!   release  dropping them all (slots back to the slabs, decommitted in
//!            batches)
//! ```
//! Prints µs per stack for each phase and for the three together: a held
//! continuation with a native stack costs at least that much, whatever the
//! engine does around it (issue 12's held-continuation goal is 1.5 µs).

use std::time::Instant;
use wasmfx_fibre::{FibreStack, start_sp};

const DEFAULT_STACKS: usize = 200_000;
const RUNS: usize = 3;

/// Microseconds per stack of (take, touch, release).
fn measure(count: usize) -> [f64; 3] {
    let started = Instant::now();
    let stacks: Vec<FibreStack> = (0..count)
        .map(
            |_| match FibreStack::new(wasmfx_fibre::DEFAULT_STACK_SIZE) {
                Ok(stack) => stack,
                Err(error) => {
                    eprintln!("cannot map a fibre stack: {error}");
                    std::process::exit(1);
                }
            },
        )
        .collect();
    let taken = Instant::now();
    for stack in &stacks {
        let word = (start_sp(stack.top()) - 8) as *mut u64;
        // SAFETY: the word under the frames' start lies in the stack's usable
        // part, which this process mapped read-write and nothing else uses.
        unsafe { word.write_volatile(1) };
    }
    let touched = Instant::now();
    drop(stacks);
    let released = Instant::now();
    let per = |from: Instant, to: Instant| (to - from).as_secs_f64() * 1e6 / count as f64;
    [
        per(started, taken),
        per(taken, touched),
        per(touched, released),
    ]
}

fn main() {
    let count = match std::env::args().nth(1).map(|arg| arg.parse::<usize>()) {
        None => DEFAULT_STACKS,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("usage: stack_floor [STACKS > 0]");
            std::process::exit(2);
        }
    };
    println!("{count} native stacks held at once, best of {RUNS} runs, µs per stack:");
    let mut best = [f64::INFINITY; 4];
    for _ in 0..RUNS {
        let [take, touch, release] = measure(count);
        for (slot, value) in best
            .iter_mut()
            .zip([take, touch, release, take + touch + release])
        {
            *slot = slot.min(value);
        }
    }
    for (name, value) in ["take", "touch", "release", "all three"].iter().zip(best) {
        println!("{name:<10} {value:>8.3}");
    }
}
