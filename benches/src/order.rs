//! The order in which a row's engines run in each round.
//!
//! A process runs slower right after a heavy one: a 3 ms run right after
//! `jit`'s 35 ms one, which compiles on both cores, took 1.25x its time
//! elsewhere in the round (hand-run). Rotating one order (0 1 2 3, then
//! 1 2 3 0, ...) does not spread that: it keeps every engine's successor,
//! so of four engines the one after `jit` in the list followed it in three
//! rounds of four (and the one before it never). The
//! rounds follow the rows of a balanced Latin square (Williams' design)
//! instead, in which every engine comes right after every other one
//! equally often:
//!
//! ```text
//!   n = 4   0 1 3 2      the first row: 0, 1, n-1, 2, n-2, ...;
//!           1 2 0 3      row r adds r to each (mod n): every
//!           2 3 1 0      ordered pair is adjacent once in the n rows
//!           3 0 2 1
//!   n odd   the n rows, then the same rows reversed (2n rounds: every
//!           ordered pair adjacent twice)
//! ```

/// The engines' order in round `round` of `n` engines (a permutation of
/// `0..n`).
pub(crate) fn round_order(n: usize, round: usize) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let cycle = if n.is_multiple_of(2) { n } else { 2 * n };
    let row = round % cycle;
    let shift = row % n;
    let mut order: Vec<usize> = (0..n)
        .map(|i| match i % 2 {
            1 => i.div_ceil(2),
            _ => (n - i / 2) % n,
        })
        .map(|first| (first + shift) % n)
        .collect();
    if row >= n {
        order.reverse();
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How often each engine comes right after each other one within the
    /// rounds of one cycle, by (before, after).
    fn successions(n: usize, rounds: usize) -> Vec<Vec<usize>> {
        let mut counts = vec![vec![0; n]; n];
        for round in 0..rounds {
            let order = round_order(n, round);
            for pair in order.windows(2) {
                counts[pair[0]][pair[1]] += 1;
            }
        }
        counts
    }

    #[test]
    fn every_round_runs_every_engine_once() {
        for n in 0..9 {
            for round in 0..20 {
                let mut order = round_order(n, round);
                order.sort_unstable();
                assert_eq!(order, (0..n).collect::<Vec<_>>(), "n {n} round {round}");
            }
        }
    }

    #[test]
    fn every_engine_follows_every_other_equally_often() {
        for n in 2..9_usize {
            let cycle = if n.is_multiple_of(2) { n } else { 2 * n };
            let counts = successions(n, cycle);
            let times = if n.is_multiple_of(2) { 1 } else { 2 };
            for (before, row) in counts.iter().enumerate() {
                for (after, &count) in row.iter().enumerate() {
                    let expected = if before == after { 0 } else { times };
                    assert_eq!(count, expected, "n {n}: {before} then {after}");
                }
            }
        }
    }

    #[test]
    fn a_rotated_order_would_not() {
        // The order this replaces: round r starts one engine later.
        let rotated = |n: usize, round: usize| (0..n).map(move |i| (i + round) % n);
        let (n, mut after_one) = (4, 0);
        for round in 0..n {
            let order: Vec<usize> = rotated(n, round).collect();
            after_one += order.windows(2).filter(|p| p[0] == 1 && p[1] == 2).count();
        }
        assert_eq!(
            after_one, 3,
            "engine 2 follows engine 1 in three rounds of four"
        );
        assert_eq!(successions(n, n)[1][2], 1);
    }
}
