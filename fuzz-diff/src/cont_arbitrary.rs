//! Random continuation programs for quickcheck: [`Program`] is
//! [`Arbitrary`], and shrinks toward fewer statements, fewer functions and
//! smaller constants.
//!
//! ```text
//!   generate   root: 1..=6 statements; a compound statement (Spawn, Try,
//!              Helper, Swap, Nest) holds 1..=6 more, nested at most 5 deep
//!              with at most 3 Spawns on a path; constants -10..=10, Div by
//!              one of 2 3 -1 -2 5 -3 7 0, bias 0..=255, Nest levels 0..=20
//!              (past compiled code's inline search of 8), start 0..=999
//!   shrink     (simplest first, each candidate strictly smaller)
//!              1. the empty root
//!              2. in any statement list: drop its first or second half,
//!                 drop one statement, put a compound statement's own
//!                 statements in its place (one function fewer for Spawn,
//!                 Helper and Swap), or shrink inside a compound statement
//!              3. constants toward 0 (Add, Mul, Div, Throw, bias, levels),
//!                 then start
//! ```
//!
//! `Gen::size()` (`QUICKCHECK_GENERATOR_SIZE`) caps the statements per list
//! below 6; the default size leaves it at 6.

use crate::cont_gen::{Program, Stmt};
use quickcheck::{Arbitrary, Gen};

/// Spawns on one path from the root (each is a nested driver).
const MAX_SPAWN_DEPTH: u32 = 3;
/// Compound statements on one path from the root.
const MAX_NESTING: u32 = 5;
/// Statements per list.
const MAX_STMTS: u32 = 6;
/// Continuations a Nest puts around its statements.
const MAX_LEVELS: u32 = 20;
/// Divisors: both signs, the trapping 0 and the overflowing -1.
const DIVISORS: [i32; 8] = [2, 3, -1, -2, 5, -3, 7, 0];

impl Arbitrary for Program {
    fn arbitrary(g: &mut Gen) -> Program {
        let start = below(g, 1000) as i32;
        Program {
            root: random_stmts(g, 0, 0),
            start,
        }
    }

    fn shrink(&self) -> Box<dyn Iterator<Item = Program>> {
        let start = self.start;
        let mut smaller: Vec<Program> = shrink_stmts(&self.root)
            .into_iter()
            .map(|root| Program { root, start })
            .collect();
        let root = self.root.clone();
        smaller.extend(start.shrink().map(|start| Program {
            root: root.clone(),
            start,
        }));
        Box::new(smaller.into_iter())
    }
}

/// A number in `0..bound` (`bound` > 0).
fn below(g: &mut Gen, bound: u32) -> u32 {
    u32::arbitrary(g) % bound
}

/// True with probability `percent`/100.
fn chance(g: &mut Gen, percent: u32) -> bool {
    below(g, 100) < percent
}

fn random_stmts(g: &mut Gen, depth: u32, nesting: u32) -> Vec<Stmt> {
    let most = MAX_STMTS.min(g.size().max(1) as u32);
    let len = 1 + below(g, most);
    (0..len).map(|_| random_stmt(g, depth, nesting)).collect()
}

fn random_stmt(g: &mut Gen, depth: u32, nesting: u32) -> Stmt {
    let nest = nesting < MAX_NESTING;
    let small = |g: &mut Gen| below(g, 21) as i32 - 10;
    match below(g, 15) {
        0 | 1 => Stmt::Add(small(g)),
        2 => Stmt::Mul(small(g)),
        3 | 4 => Stmt::Yield,
        5 => Stmt::Up,
        12 => Stmt::Raise,
        13 => Stmt::Div(*g.choose(&DIVISORS).unwrap_or(&1)),
        6 | 7 if nest && depth < MAX_SPAWN_DEPTH => Stmt::Spawn {
            bias: below(g, 256) as i32,
            body: random_stmts(g, depth + 1, nesting + 1),
        },
        8 if chance(g, 40) => Stmt::Throw(small(g)),
        9 if nest => Stmt::Try(random_stmts(g, depth, nesting + 1)),
        10 if nest => Stmt::Helper(random_stmts(g, depth, nesting + 1)),
        11 if nest => Stmt::Swap(random_stmts(g, depth, nesting + 1)),
        14 if nest => Stmt::Nest {
            levels: below(g, MAX_LEVELS + 1),
            body: random_stmts(g, depth, nesting + 1),
        },
        _ => Stmt::Add(small(g)),
    }
}

/// Smaller versions of `stmts`, in the order of the module docs: every
/// structural change first, then smaller constants.
fn shrink_stmts(stmts: &[Stmt]) -> Vec<Vec<Stmt>> {
    let mut out = Vec::new();
    if !stmts.is_empty() {
        out.push(Vec::new());
    }
    let half = stmts.len() / 2;
    if half >= 1 && stmts.len() > 2 {
        out.push(stmts[half..].to_vec());
        out.push(stmts[..half].to_vec());
    }
    let replaced = |i: usize, with: &[Stmt]| {
        let mut v = stmts[..i].to_vec();
        v.extend_from_slice(with);
        v.extend_from_slice(&stmts[i + 1..]);
        v
    };
    if stmts.len() > 1 {
        out.extend((0..stmts.len()).map(|i| replaced(i, &[])));
    }
    for (i, stmt) in stmts.iter().enumerate() {
        let Some(body) = stmt.body() else { continue };
        out.push(replaced(i, body));
        for smaller in shrink_stmts(body) {
            out.push(replaced(i, &[stmt.with_body(smaller)]));
        }
    }
    for (i, stmt) in stmts.iter().enumerate() {
        out.extend(smaller_constants(stmt).map(|s| replaced(i, &[s])));
    }
    out
}

/// `stmt` with a constant moved toward 0 (nothing for statements without
/// one).
fn smaller_constants(stmt: &Stmt) -> Box<dyn Iterator<Item = Stmt>> {
    match stmt.clone() {
        Stmt::Add(k) => Box::new(k.shrink().map(Stmt::Add)),
        Stmt::Mul(k) => Box::new(k.shrink().map(Stmt::Mul)),
        Stmt::Div(k) => Box::new(k.shrink().map(Stmt::Div)),
        Stmt::Throw(k) => Box::new(k.shrink().map(Stmt::Throw)),
        Stmt::Spawn { bias, body } => Box::new(bias.shrink().map(move |bias| Stmt::Spawn {
            bias,
            body: body.clone(),
        })),
        Stmt::Nest { levels, body } => Box::new(levels.shrink().map(move |levels| Stmt::Nest {
            levels,
            body: body.clone(),
        })),
        _ => Box::new(std::iter::empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A constant's distance from 0, a negative one a step further than
    /// its positive (quickcheck tries `-k` before smaller magnitudes).
    fn distance(k: i32) -> u64 {
        2 * u64::from(k.unsigned_abs()) + u64::from(k < 0)
    }

    /// Sum of the constants' distances: shrinking lowers it when the size
    /// stays.
    fn weight(stmts: &[Stmt]) -> u64 {
        stmts
            .iter()
            .map(|s| match s {
                Stmt::Add(k) | Stmt::Mul(k) | Stmt::Div(k) | Stmt::Throw(k) => distance(*k),
                Stmt::Spawn { bias, body } => distance(*bias) + weight(body),
                Stmt::Nest { levels, body } => distance(*levels as i32) + weight(body),
                other => other.body().map_or(0, weight),
            })
            .sum()
    }

    /// Ordered lexicographically: every shrink candidate is below its
    /// program, so shrinking ends.
    fn measure(p: &Program) -> (usize, u64, u64) {
        (p.size(), weight(&p.root), distance(p.start))
    }

    #[test]
    fn shrinking_only_makes_smaller_programs() {
        let mut g = Gen::new(100);
        let mut checked = 0;
        for _ in 0..200 {
            let program = Program::arbitrary(&mut g);
            let smaller: Vec<Program> = program.shrink().collect();
            assert!(!smaller.is_empty(), "{program:?}");
            for candidate in &smaller {
                assert!(
                    measure(candidate) < measure(&program),
                    "{candidate:?} is not smaller than {program:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked} candidates");
    }

    #[test]
    fn generated_programs_stay_in_their_limits_and_vary() {
        fn depth(stmts: &[Stmt]) -> u32 {
            stmts
                .iter()
                .map(|s| s.body().map_or(0, |b| 1 + depth(b)))
                .max()
                .unwrap_or(0)
        }
        let mut g = Gen::new(100);
        let programs: Vec<Program> = (0..300).map(|_| Program::arbitrary(&mut g)).collect();
        assert!(programs.iter().all(|p| depth(&p.root) <= MAX_NESTING));
        assert!(programs.iter().all(|p| (1..=6).contains(&p.root.len())));
        let compound = programs.iter().filter(|p| depth(&p.root) > 0).count();
        assert!(compound > 100, "{compound} of 300 have compound statements");
        // Nests past compiled code's inline search, with a suspension in.
        fn deep(stmts: &[Stmt]) -> bool {
            stmts.iter().any(|s| match s {
                Stmt::Nest { levels, body } if *levels > 8 => {
                    body.iter().any(|s| matches!(s, Stmt::Yield | Stmt::Up)) || deep(body)
                }
                other => other.body().is_some_and(deep),
            })
        }
        let deep_nests = programs.iter().filter(|p| deep(&p.root)).count();
        assert!(
            deep_nests > 10,
            "{deep_nests} of 300 suspend under deep nests"
        );
        assert!(programs.iter().any(|p| p != &programs[0]));
    }

    #[test]
    fn a_single_statement_shrinks_to_nothing_first() {
        let program = Program {
            root: vec![Stmt::Add(7)],
            start: 3,
        };
        let first = program.shrink().next();
        assert_eq!(
            first,
            Some(Program {
                root: vec![],
                start: 3
            })
        );
    }
}
