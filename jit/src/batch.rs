//! Which functions a tier-up compiles together: the hot function and its
//! small direct callees that have no code yet, so that its calls to them
//! are direct calls rather than calls through their `VmFuncRef`s (a
//! function compiled before its callees calls them indirectly for as long
//! as its code lives, and an OSR variant for as long as its frame runs).
//!
//! ```text
//!   hot f ─▶ f's direct calls ─▶ callees (depth 1) ─▶ their callees (depth 2)
//!            taken when: defined here, no code yet, body ≤ MAX_BODY bytes
//!            (≤ MAX_COLD_BODY for a callee that has not run much), and
//!            the batch's callee bytes stay ≤ MAX_CALLEE_BYTES
//! ```
//!
//! The bounds keep the batch's compile short: the hot frame waits for it
//! at its OSR entry (about 0.5 ms per KiB of Wasm on this tier). A callee
//! the program has hardly called yet (a C `main`'s `printf` and `strtol`,
//! and what they call) may never run from the hot code: it comes along
//! only when it is tiny (`examples/fibers/round_robin.wasm`: `main`'s
//! batch took 17 functions and 6.7 ms of compiling, among them the 1.5 KB
//! `__intscan` that `strtol` calls once).
//!
//! A function's direct calls are read from its body once ([`CalleeLists`]):
//! the batch is asked for at every hot event (`Jit::batch_has_callees`),
//! and a program whose many continuations each run a hot loop has
//! thousands of them.

use std::collections::HashMap;
use std::sync::Arc;
use wasmfx_core::Module;

/// Calls followed from the hot function.
const MAX_DEPTH: usize = 2;
/// The largest callee body taken along (bytes of Wasm).
const MAX_BODY: usize = 2048;
/// The callees' bodies together (bytes of Wasm).
const MAX_CALLEE_BYTES: usize = 8192;
/// The largest callee taken along that has not run much.
const MAX_COLD_BODY: usize = 256;

/// What the tiering says of a callee without code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalleeHeat {
    /// Not to be compiled now.
    Excluded,
    /// To be compiled, but it has hardly run yet.
    Cold,
    /// To be compiled; it has run much.
    Warm,
}

/// The direct callees of the functions of the modules tiered so far, each
/// list read from its function's body when first asked for.
#[derive(Default)]
pub(crate) struct CalleeLists {
    /// By module address.
    modules: HashMap<usize, ModuleCallees>,
}

/// The lists read so far of one module's functions, by function index.
struct ModuleCallees {
    /// Kept alive, so that its address names no other module while listed.
    _module: Arc<Module>,
    lists: Vec<Option<Box<[u32]>>>,
}

impl CalleeLists {
    /// The functions `index` of `module` calls by `call` or `return_call`.
    fn of(&mut self, module: &Arc<Module>, index: u32) -> &[u32] {
        let ModuleCallees { lists, .. } = (self.modules)
            .entry(Arc::as_ptr(module) as usize)
            .or_insert_with(|| ModuleCallees {
                _module: module.clone(),
                lists: Vec::new(),
            });
        let at = index as usize;
        if lists.len() <= at {
            lists.resize(at + 1, None);
        }
        lists[at].get_or_insert_with(|| direct_callees(module, index).into())
    }
}

/// The functions to compile with hot function `index` of `module`: `index`
/// first, then its small direct callees (breadth first) that `heat` does
/// not exclude (no code, not failed).
pub(crate) fn neighbourhood(
    module: &Arc<Module>,
    lists: &mut CalleeLists,
    index: u32,
    heat: &dyn Fn(u32) -> CalleeHeat,
) -> Vec<u32> {
    let mut batch = vec![index];
    let mut bytes = 0;
    let mut frontier = 0..1;
    for _ in 0..MAX_DEPTH {
        for at in frontier.clone() {
            for &callee in lists.of(module, batch[at]) {
                let Some(size) = body_size(module, callee) else {
                    continue;
                };
                if batch.contains(&callee) || size > MAX_BODY || bytes + size > MAX_CALLEE_BYTES {
                    continue;
                }
                match heat(callee) {
                    CalleeHeat::Warm => {}
                    CalleeHeat::Cold if size <= MAX_COLD_BODY => {}
                    CalleeHeat::Cold | CalleeHeat::Excluded => continue,
                }
                bytes += size;
                batch.push(callee);
            }
        }
        frontier = frontier.end..batch.len();
    }
    batch
}

/// The functions `index` calls by `call` or `return_call`, in order, each
/// once (none when its body does not decode).
pub(crate) fn direct_callees(module: &Module, index: u32) -> Vec<u32> {
    let mut callees = Vec::new();
    let Some(Ok(mut ops)) = module.body(index).map(|b| b.get_operators_reader()) else {
        return callees;
    };
    while !ops.eof() {
        use wasmparser::Operator as O;
        match ops.read() {
            Ok(O::Call { function_index } | O::ReturnCall { function_index }) => {
                if !callees.contains(&function_index) {
                    callees.push(function_index);
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    callees
}

/// The size of defined function `index`'s body in bytes (`None`: an
/// import).
fn body_size(module: &Module, index: u32) -> Option<usize> {
    let defined = index.checked_sub(module.num_imported_funcs)?;
    module.bodies.get(defined as usize).map(|b| b.range.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use wasmfx_core::TypeRegistry;

    fn module(wat: &str) -> Arc<Module> {
        let bytes = wat::parse_str(wat).expect("wat");
        Arc::new(Module::new(&Arc::new(TypeRegistry::new()), &bytes).expect("valid"))
    }

    #[test]
    fn takes_small_callees_two_calls_deep_once_each() {
        let m = module(
            r#"(module
                (import "h" "f" (func $host))
                (func $hot (call $a) (call $b) (call $a) (call $host))
                (func $a (call $c))
                (func $b (return_call $c))
                (func $c (call $d))
                (func $d))"#,
        );
        // Index 0 is the import: $hot is 1, $a 2, $b 3, $c 4, $d 5.
        let lists = &mut CalleeLists::default();
        assert_eq!(
            neighbourhood(&m, lists, 1, &|_| CalleeHeat::Warm),
            vec![1, 2, 3, 4]
        );
        assert_eq!(
            neighbourhood(&m, lists, 1, &|i| if i == 2 {
                CalleeHeat::Excluded
            } else {
                CalleeHeat::Warm
            }),
            vec![1, 3, 4]
        );
        // Lists are read only where calls were followed: $hot, $a, $b.
        let read = &lists.modules[&(Arc::as_ptr(&m) as usize)].lists;
        assert_eq!(read.iter().filter(|list| list.is_some()).count(), 3);
    }

    #[test]
    fn leaves_large_callees_out() {
        // 3 bytes each: over MAX_BODY in all.
        let big = "(drop (i32.const 0))".repeat(MAX_BODY / 2);
        let m = module(&format!(
            "(module (func $hot (call $big) (call $small)) (func $big {big}) (func $small))"
        ));
        let lists = &mut CalleeLists::default();
        assert_eq!(
            neighbourhood(&m, lists, 0, &|_| CalleeHeat::Warm),
            vec![0, 2]
        );
    }

    #[test]
    fn takes_a_cold_callee_only_when_tiny() {
        // 3 bytes each: between MAX_COLD_BODY and MAX_BODY.
        let mid = "(drop (i32.const 0))".repeat(MAX_COLD_BODY / 2);
        let m = module(&format!(
            "(module (func $hot (call $mid) (call $tiny)) (func $mid {mid}) (func $tiny))"
        ));
        let lists = &mut CalleeLists::default();
        let cold = |_| CalleeHeat::Cold;
        assert_eq!(neighbourhood(&m, lists, 0, &cold), vec![0, 2]);
        let warm = |_| CalleeHeat::Warm;
        assert_eq!(neighbourhood(&m, lists, 0, &warm), vec![0, 1, 2]);
    }
}
