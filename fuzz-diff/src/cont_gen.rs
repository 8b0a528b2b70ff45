//! Structured programs with continuations, and the model that says what
//! each must compute (quickcheck generates and shrinks them:
//! `cont_arbitrary.rs`).
//!
//! A program is a tree of statements over one `i32` accumulator per
//! function. Every body runs as a continuation under a *driver* loop that
//! answers each suspension and resumes at once, so the program's meaning is
//! plain direct-style evaluation ([`Program::expected`]); the Wasm version
//! (`cont_wat.rs`) gets there through `cont.new`, `cont.bind`, `resume`,
//! `suspend`, nested handlers and exceptions crossing resumes.
//!
//! ```text
//!   Stmt            meaning (acc: the current function's accumulator)
//!   Add(k), Mul(k)  acc = acc + k, acc * k (wrapping)
//!   Div(k)          acc = acc / k (i32.div_s): k = 0 traps, and the trap
//!                   ends the whole program wherever it happens
//!   Yield           acc = suspend $yield(acc): the innermost driver (depth d)
//!                   logs (1, acc) and answers acc * 3 + d + 1
//!   Up              acc = suspend $up(acc): only the root driver handles it,
//!                   past every nested driver; logs (2, acc), answers
//!                   (acc ^ 0x5a5a) + 7
//!   Raise           suspend $raise(acc): the innermost driver logs (3, acc)
//!                   and answers with resume_throw $exc(acc + 100), raised
//!                   at the suspension point (a Try around it catches it)
//!   Spawn(b, body)  a child continuation: cont.bind of bias b, resumed with
//!                   acc under a new driver at depth d + 1; the child starts
//!                   at acc ^ b and its result is added to acc
//!   Throw(k)        throw $exc(acc + k)
//!   Try(stmts)      stmts; an $exc escaping them sets acc to its payload
//!   Swap(stmts)     `switch` to a partner continuation that runs stmts from
//!                   acc under the same driver, then `switch`es back with
//!                   its acc. An $exc from the partner leaves the driver's
//!                   `resume` directly: no Try of the suspended body sees it
//!   Helper(stmts)   acc = inner(acc + 1) - 1 through a function without
//!                   stack-switching instructions (compiled under `jit`),
//!                   whose callee runs stmts: suspensions capture it
//!   Nest(n, stmts)  stmts under n nested continuations whose resumes handle
//!                   only $other, which nothing suspends to: every
//!                   suspension passes them (deep handler searches), every
//!                   exception crosses them; otherwise as stmts alone
//!   log             global: log = (log * 31) ^ (value + tag) per event
//! ```

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    Add(i32),
    Mul(i32),
    Div(i32),
    Yield,
    Up,
    Raise,
    Spawn { bias: i32, body: Vec<Stmt> },
    Throw(i32),
    Try(Vec<Stmt>),
    Helper(Vec<Stmt>),
    Swap(Vec<Stmt>),
    Nest { levels: u32, body: Vec<Stmt> },
}

/// An exception on its way out, in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// Thrown in the running body's own frames: a `Try` may catch it.
    Thrown(i32),
    /// Thrown by a switch partner: it goes straight to the driver.
    PastBody(i32),
    /// A trap: nothing catches it.
    Trap(&'static str),
}

/// A whole program: the root body, run by the root driver from `main`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub root: Vec<Stmt>,
    /// The argument the root body starts from.
    pub start: i32,
}

/// What `main` returns (or that an exception escaped), and the final log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    pub result: Ending,
    pub log: i32,
}

/// How a program ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Returned(i32),
    /// An `$exc` with this payload escaped the root.
    Escaped(i32),
    /// A trap with this message.
    Trapped(&'static str),
}

impl Program {
    /// The result and log every tier must produce.
    pub fn expected(&self) -> Expected {
        let mut model = Model { log: 0 };
        let mut acc = self.start;
        let result = match model.run(&self.root, &mut acc, 0) {
            Ok(()) => Ending::Returned(acc),
            Err(Escape::Thrown(payload) | Escape::PastBody(payload)) => Ending::Escaped(payload),
            Err(Escape::Trap(message)) => Ending::Trapped(message),
        };
        Expected {
            result,
            log: model.log,
        }
    }

    /// Statements in the whole tree (a size for shrinking and reports).
    pub fn size(&self) -> usize {
        count(&self.root)
    }
}

fn count(stmts: &[Stmt]) -> usize {
    stmts.iter().map(|s| 1 + s.body().map_or(0, count)).sum()
}

/// Direct-style evaluation: a driver answers at once, so a suspension is a
/// function of the value sent and the driver's depth.
struct Model {
    log: i32,
}

impl Model {
    fn note(&mut self, tag: i32, value: i32) {
        self.log = self.log.wrapping_mul(31) ^ value.wrapping_add(tag);
    }

    /// Runs `stmts` at spawn depth `depth`; `Err` is an escaping exception.
    fn run(&mut self, stmts: &[Stmt], acc: &mut i32, depth: i32) -> Result<(), Escape> {
        for stmt in stmts {
            match stmt {
                Stmt::Add(k) => *acc = acc.wrapping_add(*k),
                Stmt::Mul(k) => *acc = acc.wrapping_mul(*k),
                Stmt::Div(0) => return Err(Escape::Trap("integer divide by zero")),
                Stmt::Div(k) => match acc.checked_div(*k) {
                    Some(quotient) => *acc = quotient,
                    None => return Err(Escape::Trap("integer overflow")),
                },
                Stmt::Yield => {
                    self.note(1, *acc);
                    *acc = acc.wrapping_mul(3).wrapping_add(depth + 1);
                }
                Stmt::Up => {
                    self.note(2, *acc);
                    *acc = (*acc ^ 0x5a5a).wrapping_add(7);
                }
                Stmt::Spawn { bias, body } => {
                    let mut child = *acc ^ bias;
                    match self.run(body, &mut child, depth + 1) {
                        Ok(()) => *acc = acc.wrapping_add(child),
                        // Out of the child's driver: an ordinary throw here.
                        Err(Escape::Thrown(p) | Escape::PastBody(p)) => {
                            return Err(Escape::Thrown(p));
                        }
                        Err(trap) => return Err(trap),
                    }
                }
                Stmt::Raise => {
                    self.note(3, *acc);
                    return Err(Escape::Thrown(acc.wrapping_add(100)));
                }
                Stmt::Throw(k) => return Err(Escape::Thrown(acc.wrapping_add(*k))),
                Stmt::Try(body) => match self.run(body, acc, depth) {
                    Err(Escape::Thrown(payload)) => *acc = payload,
                    other => other?,
                },
                Stmt::Swap(body) => {
                    let mut partner = *acc;
                    match self.run(body, &mut partner, depth) {
                        Ok(()) => *acc = partner,
                        Err(Escape::Thrown(p) | Escape::PastBody(p)) => {
                            return Err(Escape::PastBody(p));
                        }
                        Err(trap) => return Err(trap),
                    }
                }
                Stmt::Helper(body) => {
                    let mut inner = acc.wrapping_add(1);
                    self.run(body, &mut inner, depth)?;
                    *acc = inner.wrapping_sub(1);
                }
                Stmt::Nest { body, .. } => self.run(body, acc, depth)?,
            }
        }
        Ok(())
    }
}

impl Stmt {
    /// The statements inside a compound statement.
    pub fn body(&self) -> Option<&[Stmt]> {
        match self {
            Stmt::Spawn { body, .. }
            | Stmt::Try(body)
            | Stmt::Helper(body)
            | Stmt::Swap(body)
            | Stmt::Nest { body, .. } => Some(body),
            _ => None,
        }
    }

    /// This compound statement around `body` instead (others unchanged).
    pub fn with_body(&self, body: Vec<Stmt>) -> Stmt {
        match self {
            Stmt::Spawn { bias, .. } => Stmt::Spawn { bias: *bias, body },
            Stmt::Try(_) => Stmt::Try(body),
            Stmt::Helper(_) => Stmt::Helper(body),
            Stmt::Swap(_) => Stmt::Swap(body),
            Stmt::Nest { levels, .. } => Stmt::Nest {
                levels: *levels,
                body,
            },
            other => other.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_follows_the_table() {
        let program = Program {
            root: vec![
                Stmt::Add(2),
                Stmt::Yield,
                Stmt::Spawn {
                    bias: 1,
                    body: vec![Stmt::Yield, Stmt::Up],
                },
                Stmt::Try(vec![Stmt::Throw(5), Stmt::Add(100)]),
            ],
            start: 1,
        };
        // acc 3, yield at depth 0: 10; child 11, yield at depth 1: 35, up:
        // (35 ^ 0x5a5a) + 7 = 23168; acc 10 + 23168 = 23178; throw 23183.
        let expected = program.expected();
        assert_eq!(expected.result, Ending::Returned(23183));
        let log = ((((3 + 1) * 31) ^ (11 + 1)) * 31) ^ (35 + 2);
        assert_eq!(expected.log, log);
    }

    #[test]
    fn escaping_exception_is_the_result() {
        let program = Program {
            root: vec![Stmt::Helper(vec![Stmt::Throw(1)])],
            start: 4,
        };
        assert_eq!(program.expected().result, Ending::Escaped(6));
    }

    #[test]
    fn partner_exceptions_pass_the_bodys_try() {
        let swap_throw = vec![Stmt::Try(vec![Stmt::Swap(vec![Stmt::Throw(1)])])];
        let program = Program {
            root: vec![Stmt::Try(vec![Stmt::Spawn {
                bias: 0,
                body: swap_throw,
            }])],
            start: 4,
        };
        // The child's own Try does not catch; the root's does: acc = 5.
        assert_eq!(program.expected().result, Ending::Returned(5));
    }

    #[test]
    fn traps_pass_every_handler() {
        let program = Program {
            root: vec![
                Stmt::Try(vec![Stmt::Helper(vec![Stmt::Div(0)])]),
                Stmt::Add(1),
            ],
            start: 4,
        };
        assert_eq!(
            program.expected().result,
            Ending::Trapped("integer divide by zero")
        );
    }
}
