//! Wasm backtraces: the functions that were active when a trap happened,
//! innermost first, named from their modules' name sections; and how
//! messages name a tag ([`tag_name`]).
//!
//! ```text
//!   wasm backtrace:
//!       0: prog.wasm!divide          module name ! function name
//!       1: <unknown>!main            (no module name in the name section)
//!       2: <unknown>!<wasm function 7>   (no function name either)
//! ```
//!
//! Runs of repeated frames are folded, a run of one function or of a
//! cycle of up to [`MAX_CYCLE`] functions (mutual recursion), and a trace
//! that lost frames says so:
//!
//! ```text
//!       0: prog!f
//!       1: prog!g
//!          ... the 2 frames above 49,999 more times (99,998 frames)
//!   100000: prog!main
//!          ... more frames were active but not recorded
//! ```

use crate::module::ExternKind;
use crate::store::{FuncAddr, FuncKind, Store, TagAddr};
use std::fmt;

/// The functions active at a trap, innermost first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WasmBacktrace {
    pub frames: Vec<FuncAddr>,
    /// More frames were active than these (compiled code's traces keep a
    /// bounded number per entry, `MAX_TRAP_FRAMES` in the jit).
    pub truncated: bool,
}

/// The longest cycle of functions a repeated run is folded by.
pub const MAX_CYCLE: usize = 8;

/// Repetitions a run needs to be folded (fewer print as they are).
const FOLD_AFTER: usize = 3;

impl WasmBacktrace {
    /// This trace, then the frames of `outer` (the callers of its
    /// outermost frame); truncated if either is.
    pub fn followed_by(mut self, outer: &WasmBacktrace) -> WasmBacktrace {
        self.frames.extend_from_slice(&outer.frames);
        self.truncated |= outer.truncated;
        self
    }

    /// Empties it, keeping the allocation (calls that do not trap clear it
    /// on every call).
    #[inline]
    pub fn clear(&mut self) {
        self.frames.clear();
        self.truncated = false;
    }

    /// The backtrace as printable lines, names looked up in `store`.
    pub fn display<'a>(&'a self, store: &'a Store) -> impl fmt::Display + 'a {
        Rendered {
            backtrace: self,
            store,
        }
    }
}

struct Rendered<'a> {
    backtrace: &'a WasmBacktrace,
    store: &'a Store,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("wasm backtrace:")?;
        let frames = &self.backtrace.frames;
        let mut depth = 0;
        while depth < frames.len() {
            let (cycle, times) = repeated_run(&frames[depth..]);
            for (offset, &func) in frames[depth..depth + cycle].iter().enumerate() {
                let name = func_name(self.store, func);
                write!(f, "\n    {}: {name}", depth + offset)?;
            }
            let more = times - 1;
            match (more, cycle) {
                (0, _) => {}
                (_, 1) => write!(
                    f,
                    "\n       ... {} more frames of {}",
                    grouped(more),
                    func_name(self.store, frames[depth])
                )?,
                _ => write!(
                    f,
                    "\n       ... the {cycle} frames above {} more times ({} frames)",
                    grouped(more),
                    grouped(more * cycle)
                )?,
            }
            depth += cycle * times;
        }
        if self.backtrace.truncated {
            f.write_str("\n       ... more frames were active but not recorded")?;
        }
        Ok(())
    }
}

/// The run `frames` starts with: the shortest cycle (1 to [`MAX_CYCLE`]
/// frames) repeated at least [`FOLD_AFTER`] times, as (cycle, times);
/// `(1, 1)` when there is none.
fn repeated_run(frames: &[FuncAddr]) -> (usize, usize) {
    for cycle in 1..=MAX_CYCLE.min(frames.len() / FOLD_AFTER) {
        let first = &frames[..cycle];
        let times = frames
            .chunks_exact(cycle)
            .take_while(|c| *c == first)
            .count();
        if times >= FOLD_AFTER {
            return (cycle, times);
        }
    }
    (1, 1)
}

/// `n` with thousands separated by commas.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `module!function` for a Wasm function, `<host function>` for a host one.
pub fn func_name(store: &Store, func: FuncAddr) -> String {
    let Some(inst) = store.funcs.get(func.0 as usize) else {
        return format!("<function address {}>", func.0);
    };
    let FuncKind::Wasm { instance, index } = inst.kind else {
        return "<host function>".to_string();
    };
    let Some(module) = store.instances.get(instance.0 as usize).map(|i| &i.module) else {
        return format!("<unknown>!<wasm function {index}>");
    };
    let module_name = module.name.as_deref().unwrap_or("<unknown>");
    match module.func_name(index) {
        Some(name) => format!("{module_name}!{name}"),
        None => format!("{module_name}!<wasm function {index}>"),
    }
}

/// How messages name tag `tag`: `"export"` when an instance exports it,
/// else `$name` from the name section, else `tag N` (its store address).
pub fn tag_name(store: &Store, tag: TagAddr) -> String {
    let owners = store.instances.iter().filter_map(|inst| {
        let index = inst.tags.iter().position(|&t| t == tag)?;
        Some((inst, index as u32))
    });
    let mut local_name = None;
    for (inst, index) in owners {
        let module = &inst.module;
        let exported = module
            .exports
            .iter()
            .find(|e| e.kind == ExternKind::Tag && e.index == index);
        if let Some(export) = exported {
            return format!("\"{}\"", export.name);
        }
        if local_name.is_none() {
            local_name = module.tag_name(index).map(|n| format!("${n}"));
        }
    }
    local_name.unwrap_or_else(|| format!("tag {}", tag.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::Module;
    use crate::types::TypeRegistry;
    use std::sync::Arc;

    #[test]
    fn frames_are_named_from_the_name_section() {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::new(Arc::clone(&registry));
        let wat = r#"(module $prog (func $inner) (func) (func $outer))"#;
        let bytes = wat::parse_str(wat).expect("valid text");
        let module = Arc::new(Module::new(&registry, &bytes).expect("valid module"));
        let id = store.instantiate(&module, &[]).expect("instantiates");
        let funcs = store.instance(id).funcs.clone();
        let backtrace = WasmBacktrace {
            frames: vec![funcs[0], funcs[1], funcs[2]],
            truncated: false,
        };
        assert_eq!(
            backtrace.display(&store).to_string(),
            "wasm backtrace:\n    0: prog!inner\n    1: prog!<wasm function 1>\n    2: prog!outer"
        );
    }

    #[test]
    fn runs_and_cycles_fold_and_a_truncated_trace_says_so() {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::new(Arc::clone(&registry));
        let wat = r#"(module $p (func $f) (func $g) (func $main))"#;
        let bytes = wat::parse_str(wat).expect("valid text");
        let module = Arc::new(Module::new(&registry, &bytes).expect("valid module"));
        let id = store.instantiate(&module, &[]).expect("instantiates");
        let [f, g, main] = [0, 1, 2].map(|i| store.instance(id).funcs[i]);
        // 1,000 of f, then main: one line for f, one for the rest of the run.
        let mut frames = vec![f; 1000];
        frames.push(main);
        let shown = WasmBacktrace {
            frames,
            truncated: false,
        };
        assert_eq!(
            shown.display(&store).to_string(),
            "wasm backtrace:\n    0: p!f\n       ... 999 more frames of p!f\n    1000: p!main"
        );
        // f, g mutually recursive 5,000 times, cut off: the cycle folds.
        let cycle: Vec<_> = [f, g].repeat(5000);
        let cut = WasmBacktrace {
            frames: cycle,
            truncated: true,
        };
        assert_eq!(
            cut.display(&store).to_string(),
            "wasm backtrace:\n    0: p!f\n    1: p!g\n       ... the 2 frames above 4,999 more \
             times (9,998 frames)\n       ... more frames were active but not recorded"
        );
        // Two repetitions stay as they are.
        let twice = WasmBacktrace {
            frames: vec![f, f, main],
            truncated: false,
        };
        assert_eq!(
            twice.display(&store).to_string(),
            "wasm backtrace:\n    0: p!f\n    1: p!f\n    2: p!main"
        );
    }
}
