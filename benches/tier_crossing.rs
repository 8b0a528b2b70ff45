//! Calls and suspensions that cross between the tiers, against the same
//! within one tier (issue 10, point 5), in this process, with a `dyn` plan
//! per function:
//!
//! ```text
//!   cargo run --release -p wasmfx-benches --bin tier_crossing [-- N [CASE]]
//!   (CASE: one case, e.g. `interp -> jit`, or `calls:interp -> jit`)
//!   calls:   a loop calls a small function N times
//!            caller -> callee   ns per call, over the caller's same-tier call
//!   suspend: a driver resumes a generator that suspends N times
//!            driver -> generator   ns per suspend + resume round trip,
//!            over the driver's same-tier round trip
//!   short:   the same round trips with a new generator every 8 (as a
//!            scheduler of many short green threads); a compiled driver
//!            runs interpreted ones as heap frames in place
//!   switch:  two players pass a countdown of N by `switch`
//!            player -> other player   ns per switch, over the first
//!            player's same-tier switch
//!   each table's last column: over the interpreted operation (its first row)
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

/// A module of function 0, a generator that yields 0, 1, ..., n-1, and the
/// driver `$driver` (its export `calls`).
macro_rules! with_generator {
    ($driver:literal) => {
        concat!(
            r#"
(module
  (type $gen_f (func (param i32)))
  (type $gen_c (cont $gen_f))
  (type $k_f (func))
  (type $k_c (cont $k_f))
  (tag $yield (param i32))
  (elem declare func $generate)
  (func $generate (param $n i32) (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (suspend $yield (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))"#,
            $driver,
            ")\n"
        )
    };
}

/// One generator, resumed until it has yielded n times.
const GENERATOR: &str = with_generator!(
    r#"
  (func (export "calls") (param $n i32) (result i32) (local $k (ref null $k_c))
    (local.set $k (cont.bind $gen_c $k_c (local.get $n) (cont.new $gen_c (ref.func $generate))))
    (block $finished
      (loop $consume
        (block $on_yield (result i32 (ref $k_c))
          (resume $k_c (on $yield $on_yield) (local.get $k))
          (br $finished))
        (local.set $k)
        (drop)
        (br $consume)))
    (local.get $n))"#
);

/// Short-lived generators, as a scheduler of many green threads sees them:
/// each yields [`SHORT_YIELDS`] times and returns, a new one follows.
/// Under `dyn` with many continuations alive, those a compiled driver
/// starts run as heap frames in place (`libcalls/in_place.rs`); the table
/// asks for that from the first one (`TierExecutor::heap_frames_after(0)`).
const SHORT: &str = with_generator!(
    r#"
  (func (export "calls") (param $n i32) (result i32)
    (local $k (ref null $k_c)) (local $yields i32)
    (loop $next_generator
      (local.set $k (cont.bind $gen_c $k_c (i32.const 8) (cont.new $gen_c (ref.func $generate))))
      (block $finished
        (loop $consume
          (block $on_yield (result i32 (ref $k_c))
            (resume $k_c (on $yield $on_yield) (local.get $k))
            (br $finished))
          (local.set $k)
          (drop)
          (local.set $yields (i32.add (local.get $yields) (i32.const 1)))
          (br $consume)))
      (br_if $next_generator (i32.lt_u (local.get $yields) (local.get $n))))
    (local.get $yields))"#
);

/// Yields of each generator of [`SHORT`] (under the 16 resumptions after
/// which a continuation run in place moves to a native stack).
const SHORT_YIELDS: i32 = 8;

const SWITCH: &str = r#"
(module
  (rec
    (type $player_f (func (param i32 (ref null $player_c))))
    (type $player_c (cont $player_f)))
  (tag $swap)
  (global $turns (mut i32) (i32.const 0))
  (elem declare func $ping $pong)
  (func $ping (type $player_f) (param $n i32) (param $other (ref null $player_c))
    (loop $turn
      (if (i32.eqz (local.get $n)) (then (return)))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $player_c $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $turn)))
  (func $pong (type $player_f) (param $n i32) (param $other (ref null $player_c))
    (loop $turn
      (if (i32.eqz (local.get $n)) (then (return)))
      (global.set $turns (i32.add (global.get $turns) (i32.const 1)))
      (switch $player_c $swap (i32.sub (local.get $n) (i32.const 1)) (local.get $other))
      (local.set $other)
      (local.set $n)
      (br $turn)))
  (func (export "calls") (param $n i32) (result i32)
    (global.set $turns (i32.const 0))
    (resume $player_c (on $swap switch)
      (local.get $n)
      (cont.new $player_c (ref.func $pong))
      (cont.new $player_c (ref.func $ping)))
    (global.get $turns)))
"#;

/// ns per round of `calls(n)` in `program` with function 0 in tier
/// `callee` and the others in `caller`.
fn ns_per_round(
    program: &str,
    (caller, callee): (FunctionTier, FunctionTier),
    n: i32,
    in_place: bool,
) -> Result<f64, String> {
    let engine = Engine::new(TierMode::Dyn).map_err(|e| e.to_string())?;
    let module = engine.compile_text(program).map_err(|e| e.to_string())?;
    let plan = move |_, index| if index == 0 { callee } else { caller };
    let mut executor = TierExecutor::tiered_with_plan(plan);
    if in_place {
        executor = executor.heap_frames_after(0);
    }
    let mut runtime = Runtime::with_executor(&engine, executor);
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

/// Prints one table: per case (the caller's tier, function 0's tier, the
/// same-tier case it is compared with), ns per round of `program`. `only`
/// keeps the case of that name (for profilers).
fn table(
    (program, in_place): (&str, bool),
    header: &str,
    n: i32,
    only: Option<&str>,
) -> Result<(), String> {
    let (i, c) = (FunctionTier::Interpreted, FunctionTier::Compiled);
    let cases = [(i, i, None), (c, c, None), (i, c, Some(0)), (c, i, Some(1))];
    let tier = |t: FunctionTier| if t == c { "jit" } else { "interp" };
    let mut same = [0.0f64; 2];
    println!("{header} over the interpreted one |");
    println!("|---|---:|---:|---:|");
    for (k, (caller, callee, baseline)) in cases.into_iter().enumerate() {
        let name = format!("{} -> {}", tier(caller), tier(callee));
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let ns = ns_per_round(program, (caller, callee), n, in_place)
            .inspect_err(|e| eprintln!("{name}: {e}"))?;
        let ratio = match baseline {
            None => {
                same[k] = ns;
                "1.00x".to_string()
            }
            Some(b) if same[b] > 0.0 => format!("{:.2}x", ns / same[b]),
            Some(_) => "-".to_string(),
        };
        let interpreted = match same[0] > 0.0 {
            true => format!("{:.2}x", ns / same[0]),
            false => "-".to_string(),
        };
        println!("| {name} | {ns:.1} | {ratio} | {interpreted} |");
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    let n: i32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    // A second argument runs that one case only (for profilers): the
    // case's name, in every table, or `suspend:NAME`, `short:NAME`,
    // `calls:NAME`, `switch:NAME`.
    let only = std::env::args().nth(2);
    let (tables, only) = match only.as_deref().and_then(|o| o.split_once(':')) {
        Some((table, name)) => (Some(table.to_string()), Some(name.to_string())),
        None => (None, only),
    };
    let runs = |table: &str| tables.as_deref().is_none_or(|t| t == table);
    let suspend =
        "| driver -> generator | ns per round trip | over the driver's same-tier round trip |";
    let calls = "| caller -> callee | ns per call | over the caller's same-tier call |";
    let switch = "| player -> player (function 0) | ns per switch | over the same-tier switch |";
    let short = "| driver -> short-lived generators | ns per round trip | over the driver's same-tier round trip |";
    let mut ran = Ok(());
    if runs("suspend") {
        ran = table((GENERATOR, false), suspend, n, only.as_deref());
        println!();
    }
    if runs("short") {
        // Whole generators only: the count checked is the yields made.
        let n = n - n % SHORT_YIELDS;
        ran = ran.and_then(|()| table((SHORT, true), short, n, only.as_deref()));
        println!();
    }
    if runs("calls") {
        ran = ran.and_then(|()| table((PROGRAM, false), calls, n, only.as_deref()));
        println!();
    }
    if runs("switch") {
        ran = ran.and_then(|()| table((SWITCH, false), switch, n, only.as_deref()));
    }
    match ran {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(_) => std::process::ExitCode::FAILURE,
    }
}
