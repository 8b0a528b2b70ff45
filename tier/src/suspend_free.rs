//! Which functions can never suspend: compiled code of those may be called
//! in place from inside an interpreted continuation (`Tiering::calls_in_place`),
//! where a suspension could not reach the interpreter's handlers.
//!
//! ```text
//!   may_suspend(f) ⇐ f has suspend, switch, resume, resume_throw(_ref)
//!                  ⇐ f calls g directly (call, return_call) and may_suspend(g)
//!                  ⇐ f calls indirectly (call_indirect, call_ref and their
//!                    tail forms) through type T, and some function g whose
//!                    reference can exist has a type that may match T and
//!                    may_suspend(g)
//!   host functions never suspend; a body that does not parse may.
//! ```
//! A reference can exist to a function named by an element segment, a
//! `ref.func` (in code or in a global or table initializer) or an export
//! (the host may take any exported function). "May match" compares shapes
//! only: the same numbers of parameters and results, numeric types equal,
//! reference types paired with reference types; so it holds whenever
//! subtyping does. The analysis covers the whole store, every instance at
//! once, and runs again when the store gains functions.

use wasmfx_core::const_expr::ConstOp;
use wasmfx_core::module::ExternKind;
use wasmfx_core::types::CompositeType;
use wasmfx_core::{FuncAddr, FuncKind, FuncType, Module, Store, ValType};

/// The analysis of one store (see the module doc).
#[derive(Debug, Default)]
pub(crate) struct SuspendFree {
    /// How many store functions the last analysis covered.
    analysed: usize,
    /// Per store function: whether it can never suspend.
    free: Vec<bool>,
}

/// What one function's body says about its suspensions.
#[derive(Debug, Default)]
struct Facts {
    /// It suspends or resumes (or its body did not parse).
    switches: bool,
    /// It resumes.
    resumes: bool,
    /// Its body did not parse: what it names is unknown.
    opaque: bool,
    /// Functions it calls directly.
    calls: Vec<FuncAddr>,
    /// Shapes of the types it calls indirectly through.
    indirect: Vec<Shape>,
    /// Functions it names with `ref.func`.
    refs: Vec<FuncAddr>,
}

/// A function type's shape: per parameter and result, the numeric type, or
/// `None` for any reference. Types whose shapes differ never match.
type Shape = (Vec<Option<ValType>>, Vec<Option<ValType>>);

impl SuspendFree {
    /// Whether `func` can never suspend (nor can anything it may call).
    pub fn cannot_suspend(&mut self, store: &Store, func: FuncAddr) -> bool {
        if store.funcs.len() != self.analysed {
            self.analyse(store);
        }
        self.free.get(func.0 as usize).copied().unwrap_or(false)
    }

    /// Whether `func`'s body resumes continuations (read from that body
    /// alone: a continuation's start asks it of one function, once).
    pub fn resumes(&self, store: &Store, func: FuncAddr) -> bool {
        facts_of(store, func).resumes
    }

    fn analyse(&mut self, store: &Store) {
        let facts: Vec<Facts> = (0..store.funcs.len())
            .map(|at| facts_of(store, FuncAddr(at as u32)))
            .collect();
        let referenced = referenced_funcs(store, &facts);
        let mut may: Vec<bool> = facts.iter().map(|f| f.switches).collect();
        loop {
            let suspending: Vec<Shape> = (referenced.iter())
                .filter(|&&g| may[g.0 as usize])
                .map(|&g| shape(&store.funcs[g.0 as usize].sig))
                .collect();
            let mut changed = false;
            for (f, fact) in facts.iter().enumerate() {
                if may[f] {
                    continue;
                }
                let through_calls = fact.calls.iter().any(|g| may[g.0 as usize]);
                let through_refs = fact.indirect.iter().any(|t| suspending.contains(t));
                if through_calls || through_refs {
                    may[f] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        self.free = may.into_iter().map(|m| !m).collect();
        self.analysed = store.funcs.len();
    }
}

/// The facts of store function `func` (a host function's are empty).
fn facts_of(store: &Store, func: FuncAddr) -> Facts {
    match store.funcs.get(func.0 as usize).map(|f| &f.kind) {
        Some(FuncKind::Wasm { instance, index }) => {
            let instance = &store.instances[instance.0 as usize];
            body_facts(&instance.module, *index, &instance.funcs)
        }
        _ => Facts::default(),
    }
}

/// The facts of function `index` of `module`, whose function index space
/// maps to the store by `funcs`.
fn body_facts(module: &Module, index: u32, funcs: &[FuncAddr]) -> Facts {
    let opaque = Facts {
        switches: true,
        opaque: true,
        ..Facts::default()
    };
    let Some(body) = (index.checked_sub(module.num_imported_funcs))
        .and_then(|defined| module.bodies.get(defined as usize))
    else {
        return opaque;
    };
    let Some(bytes) = module.bytes.get(body.range.clone()) else {
        return opaque;
    };
    let reader = wasmparser::BinaryReader::new(bytes, body.range.start as u64);
    let Ok(mut ops) = wasmparser::FunctionBody::new(reader).get_operators_reader() else {
        return opaque;
    };
    let mut facts = Facts::default();
    let func = |index: u32| funcs.get(index as usize).copied();
    let type_shape = |ty: u32| match module.type_defs.get(ty as usize) {
        Some(CompositeType::Func(f)) => Some(shape(f)),
        _ => None,
    };
    while !ops.eof() {
        use wasmparser::Operator as O;
        let known = match ops.read() {
            Err(_) => return opaque,
            Ok(O::Resume { .. } | O::ResumeThrow { .. } | O::ResumeThrowRef { .. }) => {
                facts.switches = true;
                facts.resumes = true;
                true
            }
            Ok(O::Suspend { .. } | O::Switch { .. }) => {
                facts.switches = true;
                true
            }
            Ok(O::Call { function_index } | O::ReturnCall { function_index }) => {
                func(function_index)
                    .map(|callee| facts.calls.push(callee))
                    .is_some()
            }
            Ok(O::RefFunc { function_index }) => func(function_index)
                .map(|named| facts.refs.push(named))
                .is_some(),
            Ok(
                O::CallIndirect { type_index, .. }
                | O::ReturnCallIndirect { type_index, .. }
                | O::CallRef { type_index }
                | O::ReturnCallRef { type_index },
            ) => (type_shape(type_index))
                .map(|shape| facts.indirect.push(shape))
                .is_some(),
            Ok(_) => true,
        };
        if !known {
            return opaque;
        }
    }
    facts
}

/// Every function a reference can exist to (see the module doc); all of
/// them when a body did not parse.
fn referenced_funcs(store: &Store, facts: &[Facts]) -> Vec<FuncAddr> {
    let mut referenced = vec![false; facts.len()];
    if facts.iter().any(|f| f.opaque) {
        referenced.fill(true);
    }
    for named in facts.iter().flat_map(|f| f.refs.iter()) {
        referenced[named.0 as usize] = true;
    }
    for instance in &store.instances {
        let module = &instance.module;
        let mut mark = |index: u32| {
            if let Some(addr) = instance.funcs.get(index as usize) {
                referenced[addr.0 as usize] = true;
            }
        };
        let inits = (module.elems.iter().flat_map(|e| e.items.iter()))
            .chain(module.global_inits.iter())
            .chain(module.table_inits.iter().flatten());
        for op in inits.flat_map(|expr| expr.ops.iter()) {
            if let ConstOp::RefFunc(index) = op {
                mark(*index);
            }
        }
        for export in (module.exports.iter()).filter(|e| e.kind == ExternKind::Func) {
            mark(export.index);
        }
    }
    (referenced.iter().enumerate())
        .filter(|&(_, &r)| r)
        .map(|(addr, _)| FuncAddr(addr as u32))
        .collect()
}

fn shape(ty: &FuncType) -> Shape {
    let of = |types: &[ValType]| {
        (types.iter())
            .map(|t| (!matches!(t, ValType::Ref(_))).then_some(*t))
            .collect()
    };
    (of(&ty.params), of(&ty.results))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Runtime, TierMode};

    /// Whether each function of `wat`'s module (in index order) can never
    /// suspend.
    fn free_of(wat: &str) -> Vec<bool> {
        let engine = Engine::new(TierMode::Interp).expect("interp is built");
        let module = engine.compile_text(wat).expect("compiles");
        let mut runtime = Runtime::new(&engine);
        runtime.define_spectest();
        let id = runtime.instantiate(&module).expect("instantiates");
        let store = runtime.store();
        let mut analysis = SuspendFree::default();
        (store.instances[id.0 as usize].funcs.iter())
            .map(|&f| analysis.cannot_suspend(store, f))
            .collect()
    }

    #[test]
    fn suspending_reaches_callers_through_direct_calls() {
        let free = free_of(
            r#"(module
                 (type $f (func)) (type $c (cont $f)) (tag $t)
                 (import "spectest" "print_i32" (func (param i32)))
                 (func $leaf (call 0 (i32.const 1)))
                 (func $yields (suspend $t))
                 (func $calls_yields (call $yields))
                 (func $tail_calls_yields (return_call $calls_yields))
                 (func $resumes (param (ref $c)) (resume $c (local.get 0)))
                 (func $calls_leaf (call $leaf)))"#,
        );
        assert_eq!(free, [true, true, false, false, false, false, true]);
    }

    #[test]
    fn indirect_calls_suspend_when_a_referenced_function_of_their_shape_does() {
        let free = free_of(
            r#"(module
                 (type $ii (func (param i32) (result i32)))
                 (type $v (func (param i64)))
                 (type $r (func (param funcref)))
                 (tag $t)
                 (table 2 funcref)
                 (elem (i32.const 0) func $double $yield_i64)
                 (func $double (param i32) (result i32) (local.get 0))
                 (func $yield_i64 (param i64) (suspend $t))
                 ;; Only `double` has the shape of $ii: never suspends.
                 (func $via_ii (result i32) (call_indirect (type $ii) (i32.const 1) (i32.const 0)))
                 ;; `yield_i64` has the shape of $v.
                 (func $via_v (call_indirect (type $v) (i64.const 1) (i32.const 1)))
                 ;; Not referenced anywhere: does not count for $r.
                 (func $hidden (param funcref) (suspend $t))
                 (func $via_r (call_indirect (type $r) (ref.null func) (i32.const 0))))"#,
        );
        assert_eq!(free, [true, false, true, false, false, true]);
    }

    #[test]
    fn exported_and_ref_func_functions_count_as_referenced() {
        let free = free_of(
            r#"(module
                 (type $v (func))
                 (tag $t)
                 (table 1 funcref)
                 (func $exported (export "e") (suspend $t))
                 (func $via_v (call_indirect (type $v) (i32.const 0))))"#,
        );
        assert_eq!(free, [false, false]);
        let free = free_of(
            r#"(module
                 (type $w (func (param i32)))
                 (tag $t)
                 (elem declare func $named)
                 (func $named (param i32) (suspend $t))
                 (func $takes (result funcref) (ref.func $named))
                 (func $via_w (call_ref $w (i32.const 0) (ref.func $named))))"#,
        );
        assert_eq!(free, [false, true, false]);
    }
}
