//! Target `continuations`, its input: fuzzer bytes drawn through
//! `arbitrary` into a continuation program of fuzz-diff (`cont_gen.rs`) and
//! a tiering plan for its functions.
//!
//! ```text
//!   bytes ─Unstructured─▶ Program { root, start }    same shape and limits
//!                         as fuzz-diff's quickcheck generator
//!                         (cont_arbitrary.rs)
//!                      ─▶ TieringPlan: per function of the program's Wasm
//!                         text, Interpreted 1/3, Compiled 1/6, After(0..=8)
//!                         1/2; heap frames or not
//! ```
//!
//! The quickcheck generator draws from a random number generator; this one
//! draws from the fuzzer's bytes, so that libFuzzer's mutations become
//! small changes of the program (a statement, a constant, a tier) and its
//! coverage feedback steers them. When the bytes run out every choice is
//! its first (`Add(-10)`, one statement, interpreted).

use arbitrary::{Result, Unstructured};
use wasmfx_fuzz_diff::cont_gen::{Program, Stmt};
use wasmfx_fuzz_diff::cont_wat::{function_names, to_wat};
use wasmfx_fuzz_diff::tiering_plan::{MAX_AFTER, TieringPlan};
use wasmfx_tier::FunctionTier;

/// Spawns on one path from the root (each is a nested driver).
const MAX_SPAWN_DEPTH: u32 = 3;
/// Compound statements on one path from the root.
const MAX_NESTING: u32 = 5;
/// Statements per list.
const MAX_STMTS: u32 = 6;
/// Divisors: both signs, the trapping 0 and the overflowing -1.
const DIVISORS: [i32; 8] = [2, 3, -1, -2, 5, -3, 7, 0];

/// The program `u` describes.
///
/// # Errors
/// `arbitrary`'s error (none in practice: short input gives first choices).
pub fn program(u: &mut Unstructured<'_>) -> Result<Program> {
    let start = u.int_in_range(0..=999)?;
    let root = stmts(u, 0, 0)?;
    Ok(Program { root, start })
}

/// A plan for every function of `program`'s Wasm text, from `u`.
///
/// # Errors
/// As [`program`].
pub fn plan(u: &mut Unstructured<'_>, program: &Program) -> Result<TieringPlan> {
    let functions = function_names(&to_wat(program)).len();
    let tiers = (0..functions)
        .map(|_| {
            Ok(match u.int_in_range(0..=5)? {
                0 | 1 => FunctionTier::Interpreted,
                2 => FunctionTier::Compiled,
                _ => FunctionTier::After(u.int_in_range(0..=MAX_AFTER)?),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(TieringPlan::new(tiers).with_heap_frames(u.arbitrary()?))
}

/// 1..=MAX_STMTS statements at spawn depth `depth` and `nesting`.
fn stmts(u: &mut Unstructured<'_>, depth: u32, nesting: u32) -> Result<Vec<Stmt>> {
    let len = u.int_in_range(1..=MAX_STMTS)?;
    (0..len).map(|_| stmt(u, depth, nesting)).collect()
}

/// One statement, with the weights of fuzz-diff's `random_stmt`.
fn stmt(u: &mut Unstructured<'_>, depth: u32, nesting: u32) -> Result<Stmt> {
    let nest = nesting < MAX_NESTING;
    let small = |u: &mut Unstructured<'_>| u.int_in_range(-10..=10);
    Ok(match u.int_in_range(0..=14)? {
        0 | 1 => Stmt::Add(small(u)?),
        2 => Stmt::Mul(small(u)?),
        3 | 4 => Stmt::Yield,
        5 => Stmt::Up,
        12 => Stmt::Raise,
        13 => Stmt::Div(*u.choose(&DIVISORS)?),
        6 | 7 if nest && depth < MAX_SPAWN_DEPTH => Stmt::Spawn {
            bias: u.int_in_range(0..=255)?,
            body: stmts(u, depth + 1, nesting + 1)?,
        },
        8 if u.ratio(2, 5)? => Stmt::Throw(small(u)?),
        9 if nest => Stmt::Try(stmts(u, depth, nesting + 1)?),
        10 if nest => Stmt::Helper(stmts(u, depth, nesting + 1)?),
        11 if nest => Stmt::Swap(stmts(u, depth, nesting + 1)?),
        14 if nest => Stmt::Nest {
            levels: u.int_in_range(0..=20)?,
            body: stmts(u, depth, nesting + 1)?,
        },
        _ => Stmt::Add(small(u)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_gives_the_first_choices() {
        let mut u = Unstructured::new(&[]);
        let program = program(&mut u).ok();
        let expected = Program {
            root: vec![Stmt::Add(-10)],
            start: 0,
        };
        assert_eq!(program, Some(expected));
    }

    #[test]
    fn inputs_make_varied_programs_within_the_limits() {
        fn depth(stmts: &[Stmt]) -> u32 {
            let inner = |s: &Stmt| s.body().map_or(0, |b| 1 + depth(b));
            stmts.iter().map(inner).max().unwrap_or(0)
        }
        let mut compound = 0;
        for seed in 0..300u64 {
            let bytes = wasmfx_fuzz_diff::rng::Rng::new(seed).bytes(512);
            let mut u = Unstructured::new(&bytes);
            let Ok(program) = program(&mut u) else {
                panic!("seed {seed}")
            };
            assert!(depth(&program.root) <= MAX_NESTING);
            assert!((1..=MAX_STMTS as usize).contains(&program.root.len()));
            compound += usize::from(depth(&program.root) > 0);
            let plan = plan(&mut u, &program).map(|p| p.planned().count());
            assert!(plan.is_ok());
        }
        assert!(compound > 100, "{compound} of 300 have compound statements");
    }
}
