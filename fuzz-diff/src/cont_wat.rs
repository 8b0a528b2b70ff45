//! Wasm text for a [`Program`] of `cont_gen.rs`.
//!
//! ```text
//!   $f1 = func (param i32) (result i32)        $c1 = cont $f1
//!   $f2 = func (param i32 i32) (result i32)    $c2 = cont $f2
//!   rec $fs = func (param i32 (ref null $cs)) (result i32), $cs = cont $fs
//!   tags $yield, $up: (param i32) (result i32); $exc: (param i32);
//!        $sw: (result i32), handled by every driver with (on $sw switch);
//!        $raise: (param i32) (result i32), answered with resume_throw
//!   global $log (exported "log")
//!
//!   "main" () -> (i32 escaped, i32 value)
//!     try_table (catch $exc) ─▶ $drive_root(cont.bind $c2 $c1 0 (cont.new $body_0), start)
//!   $drive_root(k, v, 0)  loop: resume (or resume_throw) k with v under
//!                         (on $yield) (on $raise) (on $up) (on $sw switch);
//!                         answer; repeat until k returns
//!   $drive(k, v, d)       the same without (on $up)
//!   $body_N(bias, init)   acc = init ^ bias; statements; acc
//!   $helper_N(x)          $inner_N(x + 1) - 1   (no stack-switching code)
//!   $inner_N(init)        acc = init; statements; acc
//!   $partner_N(init, back) acc = init; statements; switch back (acc)
//!   $nest_N(acc, n)       n = 0: $nested_N(acc); else resume $nest_N(acc, n - 1)
//!                         as a fresh continuation under (on $other) only
//!   $nested_N(init)       acc = init; statements; acc
//! ```

use crate::cont_gen::{Program, Stmt};
use std::fmt::Write;

/// The module text of `program`.
pub fn to_wat(program: &Program) -> String {
    let mut emitter = Emitter::default();
    emitter.body(&program.root, 0);
    let mut wat = String::from(PRELUDE);
    wat.push_str(&driver("$drive", false));
    wat.push_str(&driver("$drive_root", true));
    let _ = writeln!(
        wat,
        "  (func (export \"main\") (result i32 i32) (local $payload i32)\n    \
         (block $caught (result i32)\n      \
         (try_table (catch $exc $caught)\n        \
         (return (i32.const 0) (call $drive_root (cont.bind $c2 $c1 (i32.const 0) \
         (cont.new $c2 (ref.func $body_0))) (i32.const {}) (i32.const 0))))\n      \
         (unreachable))\n    \
         (local.set $payload) (i32.const 1) (local.get $payload))",
        program.start
    );
    wat.push_str(&emitter.funcs);
    let _ = writeln!(wat, "  (elem declare func {})", emitter.declared.join(" "));
    wat.push_str(")\n");
    wat
}

/// Types, tags and the log: the same in every program.
const PRELUDE: &str = r#"(module
  (type $f1 (func (param i32) (result i32)))
  (type $f2 (func (param i32 i32) (result i32)))
  (type $c1 (cont $f1))
  (type $c2 (cont $f2))
  (rec (type $fs (func (param i32 (ref null $cs)) (result i32))) (type $cs (cont $fs)))
  (tag $yield (param i32) (result i32))
  (tag $up (param i32) (result i32))
  (tag $exc (param i32))
  (tag $sw (result i32))
  (tag $raise (param i32) (result i32))
  (tag $other)
  (type $f0 (func (result i32)))
  (type $c0 (cont $f0))
  (global $log (export "log") (mut i32) (i32.const 0))
  (func $note (param $tag i32) (param $v i32)
    (global.set $log (i32.xor (i32.mul (global.get $log) (i32.const 31))
                              (i32.add (local.get $v) (local.get $tag)))))
"#;

/// A driver `name(k, v, d)`: resumes `k` with `v` until it returns, and
/// answers its suspensions (the table in `cont_gen.rs`). An answer to
/// `$raise` is `resume_throw` of `$exc` into the continuation. Only the root
/// driver handles `$up`.
fn driver(name: &str, handles_up: bool) -> String {
    let (up_block, up_clause, up_handler) = if handles_up {
        (
            "\n    (block $on_up (result i32 (ref $c1))",
            " (on $up $on_up)",
            ")\n    (local.set $k) (local.set $v) (call $note (i32.const 2) (local.get $v))\n    \
             (local.set $v (i32.add (i32.xor (local.get $v) (i32.const 0x5a5a)) (i32.const 7)))\n    \
             (local.set $throw (i32.const 0)) (br $next)",
        )
    } else {
        ("", "", "")
    };
    let handlers =
        format!("(on $yield $on_yield) (on $raise $on_raise){up_clause} (on $sw switch)");
    format!(
        "  (func {name} (param $k (ref null $c1)) (param $v i32) (param $d i32) (result i32) \
         (local $throw i32)\n  \
         (loop $next{up_block}\n    \
         (block $on_raise (result i32 (ref $c1))\n    \
         (block $on_yield (result i32 (ref $c1))\n      \
         (if (local.get $throw) (then (return (resume_throw $c1 $exc {handlers} \
         (local.get $v) (local.get $k)))))\n      \
         (return (resume $c1 {handlers} (local.get $v) (local.get $k))))\n    \
         (local.set $k) (local.set $v) (call $note (i32.const 1) (local.get $v))\n    \
         (local.set $v (i32.add (i32.mul (local.get $v) (i32.const 3)) \
         (i32.add (local.get $d) (i32.const 1))))\n    \
         (local.set $throw (i32.const 0)) (br $next))\n    \
         (local.set $k) (local.set $v) (call $note (i32.const 3) (local.get $v))\n    \
         (local.set $v (i32.add (local.get $v) (i32.const 100)))\n    \
         (local.set $throw (i32.const 1)) (br $next){up_handler})\n  \
         (unreachable))\n"
    )
}

/// Collects the generated functions.
#[derive(Default)]
struct Emitter {
    funcs: String,
    bodies: usize,
    helpers: usize,
    partners: usize,
    nests: usize,
    /// Try blocks so far (their labels are numbered).
    labels: usize,
    /// Functions named by `ref.func` (declared in an `elem` segment).
    declared: Vec<String>,
}

impl Emitter {
    /// Emits `$body_N` for `stmts` at spawn depth `depth`; returns its name.
    fn body(&mut self, stmts: &[Stmt], depth: u32) -> String {
        let name = format!("$body_{}", self.bodies);
        self.bodies += 1;
        self.declared.push(name.clone());
        let code = self.stmts(stmts, depth);
        let _ = writeln!(
            self.funcs,
            "  (func {name} (type $f2) (param $bias i32) (param $init i32) (result i32) (local $acc i32)\n    \
             (local.set $acc (i32.xor (local.get $init) (local.get $bias)))\n{code}    \
             (local.get $acc))"
        );
        name
    }

    /// Emits `$helper_N` and `$inner_N` for `stmts`; returns the helper.
    fn helper(&mut self, stmts: &[Stmt], depth: u32) -> String {
        let n = self.helpers;
        self.helpers += 1;
        let code = self.stmts(stmts, depth);
        let _ = writeln!(
            self.funcs,
            "  (func $helper_{n} (param $x i32) (result i32)\n    \
             (i32.sub (call $inner_{n} (i32.add (local.get $x) (i32.const 1))) (i32.const 1)))\n  \
             (func $inner_{n} (param $init i32) (result i32) (local $acc i32)\n    \
             (local.set $acc (local.get $init))\n{code}    \
             (local.get $acc))"
        );
        format!("$helper_{n}")
    }

    /// Emits `$partner_N` for `stmts`; returns its name.
    fn partner(&mut self, stmts: &[Stmt], depth: u32) -> String {
        let name = format!("$partner_{}", self.partners);
        self.partners += 1;
        self.declared.push(name.clone());
        let code = self.stmts(stmts, depth);
        let _ = writeln!(
            self.funcs,
            "  (func {name} (type $fs) (param $init i32) (param $back (ref null $cs)) (result i32) \
             (local $acc i32)\n    \
             (local.set $acc (local.get $init))\n{code}    \
             (switch $cs $sw (local.get $acc) (local.get $back)) (drop))"
        );
        name
    }

    /// Emits `$nest_N` and `$nested_N` for `stmts`; returns the nest.
    fn nest(&mut self, stmts: &[Stmt], depth: u32) -> String {
        let n = self.nests;
        self.nests += 1;
        self.declared.push(format!("$nest_{n}"));
        let code = self.stmts(stmts, depth);
        let _ = writeln!(
            self.funcs,
            "  (func $nest_{n} (type $f2) (param $acc i32) (param $n i32) (result i32)\n    \
             (if (i32.eqz (local.get $n)) (then (return (call $nested_{n} (local.get $acc)))))\n    \
             (block $other_h (result (ref $c0))\n      \
             (return (resume $c2 (on $other $other_h) (local.get $acc) \
             (i32.sub (local.get $n) (i32.const 1)) (cont.new $c2 (ref.func $nest_{n})))))\n    \
             (unreachable))\n  \
             (func $nested_{n} (param $init i32) (result i32) (local $acc i32)\n    \
             (local.set $acc (local.get $init))\n{code}    \
             (local.get $acc))"
        );
        format!("$nest_{n}")
    }

    /// The instructions of `stmts`, one per line.
    fn stmts(&mut self, stmts: &[Stmt], depth: u32) -> String {
        let mut code = String::new();
        for stmt in stmts {
            let line = match stmt {
                Stmt::Add(k) => {
                    format!("(local.set $acc (i32.add (local.get $acc) (i32.const {k})))")
                }
                Stmt::Mul(k) => {
                    format!("(local.set $acc (i32.mul (local.get $acc) (i32.const {k})))")
                }
                Stmt::Div(k) => {
                    format!("(local.set $acc (i32.div_s (local.get $acc) (i32.const {k})))")
                }
                Stmt::Yield => "(local.set $acc (suspend $yield (local.get $acc)))".to_string(),
                Stmt::Up => "(local.set $acc (suspend $up (local.get $acc)))".to_string(),
                Stmt::Raise => "(local.set $acc (suspend $raise (local.get $acc)))".to_string(),
                Stmt::Spawn { bias, body } => {
                    let body = self.body(body, depth + 1);
                    format!(
                        "(local.set $acc (i32.add (local.get $acc) (call $drive \
                         (cont.bind $c2 $c1 (i32.const {bias}) (cont.new $c2 (ref.func {body}))) \
                         (local.get $acc) (i32.const {}))))",
                        depth + 1
                    )
                }
                Stmt::Throw(k) => {
                    format!("(throw $exc (i32.add (local.get $acc) (i32.const {k})))")
                }
                Stmt::Try(body) => {
                    let inner = self.stmts(body, depth);
                    self.labels += 1;
                    let label = self.labels;
                    format!(
                        "(block $done_{label} (block $caught_{label} (result i32) \
                         (try_table (catch $exc $caught_{label})\n{inner}    ) \
                         (br $done_{label})) (local.set $acc))"
                    )
                }
                Stmt::Swap(body) => {
                    let partner = self.partner(body, depth);
                    format!(
                        "(switch $cs $sw (local.get $acc) (cont.new $cs (ref.func {partner}))) \
                         (drop) (local.set $acc)"
                    )
                }
                Stmt::Helper(body) => {
                    let helper = self.helper(body, depth);
                    format!("(local.set $acc (call {helper} (local.get $acc)))")
                }
                Stmt::Nest { levels, body } => {
                    let nest = self.nest(body, depth);
                    format!("(local.set $acc (call {nest} (local.get $acc) (i32.const {levels})))")
                }
            };
            let _ = writeln!(code, "    {line}");
        }
        code
    }
}

/// The functions of a module text made by [`to_wat`], in index order: the
/// `$name`, or the export name in quotes for `main`.
pub fn function_names(wat: &str) -> Vec<String> {
    wat.lines()
        .filter_map(|line| line.trim_start().strip_prefix("(func "))
        .map(|rest| match rest.split_whitespace().next() {
            Some(name) if name.starts_with('$') => name.to_string(),
            _ => rest
                .split('"')
                .nth(1)
                .map_or("?".into(), |e| format!("\"{e}\"")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_follow_the_index_space() {
        let program = Program {
            root: vec![
                Stmt::Helper(vec![Stmt::Yield]),
                Stmt::Spawn {
                    bias: 1,
                    body: vec![Stmt::Swap(vec![])],
                },
            ],
            start: 0,
        };
        let wat = to_wat(&program);
        let names = function_names(&wat);
        let expected = [
            "$note",
            "$drive",
            "$drive_root",
            "\"main\"",
            "$helper_0",
            "$inner_0",
            "$partner_0",
            "$body_1",
            "$body_0",
        ];
        assert_eq!(names, expected);
        // The module's own name section agrees, index for index.
        let module = wasmfx_tier::Engine::new(wasmfx_tier::TierMode::Interp)
            .and_then(|engine| engine.compile_text(&wat))
            .map_err(|e| e.to_string());
        let from_module = module.map(|m| {
            (0..m.funcs.len() as u32)
                .map(|i| m.func_name(i).map(|n| format!("${n}")))
                .collect::<Vec<_>>()
        });
        let from_text: Vec<Option<String>> = names
            .iter()
            .map(|n| n.starts_with('$').then(|| n.clone()))
            .collect();
        assert_eq!(from_module, Ok(from_text));
    }
}
