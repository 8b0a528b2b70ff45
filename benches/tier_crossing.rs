//! Calls that cross between the tiers, against calls within one tier
//! (issue 10, point 5): a loop calls a small function n times, with the
//! loop and the callee each interpreted or compiled (a `dyn` plan per
//! function), in this process.
//!
//! ```text
//!   cargo run --release -p wasmfx-benches --bin tier_crossing [-- N]
//!   caller -> callee     ns per call   over the same-tier call of the caller's tier
//! ```

use std::time::Instant;
use wasmfx_tier::{Engine, FunctionTier, Runtime, TierExecutor, TierMode, Val};

const PROGRAM: &str = r#"
(module
  (func $callee (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "calls") (param $n i32) (result i32) (local $acc i32)
    (loop $l
      (local.set $acc (call $callee (local.get $acc)))
      (br_if $l (i32.gt_s (local.tee $n (i32.sub (local.get $n) (i32.const 1)))
                          (i32.const 0))))
    (local.get $acc)))
"#;

/// ns per call of `calls(n)` with the caller and the callee in these tiers.
fn ns_per_call(caller: FunctionTier, callee: FunctionTier, n: i32) -> Result<f64, String> {
    let engine = Engine::new(TierMode::Dyn).map_err(|e| e.to_string())?;
    let module = engine.compile_text(PROGRAM).map_err(|e| e.to_string())?;
    let plan = move |_, index| if index == 0 { callee } else { caller };
    let mut runtime = Runtime::with_executor(&engine, TierExecutor::tiered_with_plan(plan));
    let id = runtime.instantiate(&module).map_err(|e| e.to_string())?;
    // Warm: compiles what the plan compiles.
    runtime
        .call(id, "calls", &[Val::I32(1000)])
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let result = runtime
        .call(id, "calls", &[Val::I32(n)])
        .map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if result != [Val::I32(n)] {
        return Err(format!("calls({n}) gave {result:?}"));
    }
    Ok(elapsed.as_secs_f64() * 1e9 / f64::from(n))
}

fn main() -> std::process::ExitCode {
    let n: i32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let (i, c) = (FunctionTier::Interpreted, FunctionTier::Compiled);
    let cases = [
        ("interp -> interp", i, i, None),
        ("jit -> jit", c, c, None),
        ("interp -> jit", i, c, Some(0)),
        ("jit -> interp", c, i, Some(1)),
    ];
    // A second argument runs that one case only (for profilers).
    let only = std::env::args().nth(2);
    let mut same = [0.0f64; 2];
    println!("| caller -> callee | ns per call | over the caller's same-tier call |");
    println!("|---|---:|---:|");
    for (k, (name, caller, callee, baseline)) in cases.into_iter().enumerate() {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let ns = match ns_per_call(caller, callee, n) {
            Ok(ns) => ns,
            Err(e) => {
                eprintln!("{name}: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let ratio = match baseline {
            None => {
                same[k] = ns;
                "1.00x".to_string()
            }
            Some(b) if same[b] > 0.0 => format!("{:.2}x", ns / same[b]),
            Some(_) => "-".to_string(),
        };
        println!("| {name} | {ns:.1} | {ratio} |");
    }
    std::process::ExitCode::SUCCESS
}
