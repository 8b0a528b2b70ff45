//! Canonicalization and subtyping tests. Type sections come from small text
//! modules, so the groups look exactly as `Module::new` would see them.

use super::{ModuleTypes, TypeRegistry};
use crate::types::{CompositeType, FuncType, HeapType, RefType, TypeId, ValType};
use wasmparser as wp;

fn rec_groups(wat: &str) -> Vec<wp::RecGroup> {
    let bytes = wat::parse_str(wat).expect("test module is valid text");
    let mut groups = Vec::new();
    for payload in wp::Parser::new(0).parse_all(&bytes) {
        if let wp::Payload::TypeSection(reader) = payload.expect("test module parses") {
            groups.extend(reader.into_iter().map(|g| g.expect("type section parses")));
        }
    }
    groups
}

fn register(registry: &TypeRegistry, wat: &str) -> ModuleTypes {
    registry
        .register_module_types(&rec_groups(wat))
        .expect("types register")
}

fn concrete(id: TypeId) -> HeapType {
    HeapType::Concrete(id)
}

const REC_PAIR: &str = "(rec (type $a (struct (field (ref null $b))))
                              (type $b (func (param (ref $a)))))";

#[test]
fn equal_groups_in_two_modules_share_ids() {
    let registry = TypeRegistry::new();
    let first = register(&registry, &format!("(module {REC_PAIR})"));
    let second = register(
        &registry,
        &format!("(module (type (func (param i64))) {REC_PAIR})"),
    );
    assert_eq!(first.ids, second.ids[1..]);
    assert_eq!(registry.len(), 3);
    // The function's parameter refers to the struct by its canonical id.
    let expected = FuncType::new(
        [ValType::Ref(RefType {
            nullable: false,
            heap: concrete(first.ids[0]),
        })],
        [],
    );
    assert_eq!(first.defs[1], CompositeType::Func(expected));
}

#[test]
fn references_to_earlier_groups_are_canonical() {
    let registry = TypeRegistry::new();
    let a = register(
        &registry,
        "(module (type $f (func)) (type (func (param (ref $f)))))",
    );
    let b = register(
        &registry,
        "(module (type (struct)) (type $f (func)) (type (func (param (ref $f)))))",
    );
    assert_eq!(a.ids, b.ids[1..]);
}

#[test]
fn position_and_group_membership_matter() {
    let registry = TypeRegistry::new();
    let ab = register(&registry, "(module (rec (type (func)) (type (struct))))");
    let ba = register(&registry, "(module (rec (type (struct)) (type (func))))");
    let single = register(&registry, "(module (type (func)))");
    let pair = register(&registry, "(module (rec (type (func)) (type (func))))");
    assert_ne!(ab.ids[0], ba.ids[1]);
    assert_ne!(single.ids[0], pair.ids[0]);
    assert_ne!(pair.ids[0], pair.ids[1]);
    assert_eq!(registry.len(), 7);
}

#[test]
fn struct_and_array_fields_take_part_in_identity() {
    let registry = TypeRegistry::new();
    let types = register(
        &registry,
        "(module (type (struct (field i32))) (type (struct (field i64)))
                 (type (struct (field (mut i32)))) (type (struct (field i32)))
                 (type (array i8)) (type (array i16)) (type (array i8)))",
    );
    let ids = &types.ids;
    assert_ne!(ids[0], ids[1]);
    assert_ne!(ids[0], ids[2]);
    assert_eq!(ids[0], ids[3]);
    assert_ne!(ids[4], ids[5]);
    assert_eq!(ids[4], ids[6]);
    assert_eq!(types.defs[0], CompositeType::Struct);
    assert_eq!(types.defs[4], CompositeType::Array);
}

#[test]
fn declared_supertype_and_finality_distinguish_types() {
    let registry = TypeRegistry::new();
    let types = register(
        &registry,
        "(module (type $base (sub (func)))
                 (type $open (sub $base (func)))
                 (type $closed (sub final $base (func)))
                 (type $plain (func)))",
    );
    let [base, open, closed, plain] = types.ids[..] else {
        panic!("four types")
    };
    assert_ne!(open, closed);
    assert_ne!(base, plain);
    assert_eq!(registry.supertype(open), Some(base));
    assert_eq!(registry.supertype(base), None);
    assert!(!registry.is_final(open));
    assert!(registry.is_final(closed));
    assert!(registry.is_final(plain));
}

#[test]
fn subtype_chains() {
    let registry = TypeRegistry::new();
    let types = register(
        &registry,
        "(module (type $a (sub (struct)))
                 (type $b (sub $a (struct (field i32))))
                 (type $c (sub $b (struct (field i32) (field i64))))
                 (type $d (sub $a (struct (field f32)))))",
    );
    let [a, b, c, d] = types.ids[..] else {
        panic!("four types")
    };
    assert!(registry.is_subtype(c, a));
    assert!(registry.is_subtype(c, b));
    assert!(registry.is_subtype(b, b));
    assert!(!registry.is_subtype(a, c));
    assert!(!registry.is_subtype(c, d));
    for sup in [HeapType::Struct, HeapType::Eq, HeapType::Any] {
        assert!(registry.heap_type_matches(concrete(c), sup));
    }
    assert!(!registry.heap_type_matches(concrete(c), HeapType::Array));
    assert!(!registry.heap_type_matches(concrete(c), HeapType::Func));
    assert!(registry.heap_type_matches(HeapType::None, concrete(c)));
    assert!(!registry.heap_type_matches(HeapType::NoFunc, concrete(c)));
    assert!(!registry.heap_type_matches(HeapType::Struct, concrete(a)));
    assert_eq!(registry.top_of(concrete(c)), HeapType::Any);
}

#[test]
fn function_and_continuation_types() {
    let registry = TypeRegistry::new();
    let types = register(
        &registry,
        "(module (type $f (func (result i32))) (type $k (cont $f)))",
    );
    let [f, k] = types.ids[..] else {
        panic!("two types")
    };
    assert_eq!(types.defs[1], CompositeType::Cont(f));
    assert_eq!(registry.cont_func_type(k), Some(f));
    assert_eq!(
        registry.func_type(f).map(|t| t.results.to_vec()),
        Some(vec![ValType::I32])
    );
    assert!(registry.func_type(k).is_none());
    assert!(registry.heap_type_matches(concrete(f), HeapType::Func));
    assert!(registry.heap_type_matches(HeapType::NoFunc, concrete(f)));
    assert!(registry.heap_type_matches(concrete(k), HeapType::Cont));
    assert!(registry.heap_type_matches(HeapType::NoCont, concrete(k)));
    assert!(!registry.heap_type_matches(concrete(k), HeapType::Func));
    assert!(!registry.heap_type_matches(concrete(f), concrete(k)));
    assert_eq!(registry.top_of(concrete(k)), HeapType::Cont);
    assert_eq!(registry.bottom_of(concrete(f)), HeapType::NoFunc);
}

#[test]
fn abstract_hierarchy() {
    use HeapType::*;
    let registry = TypeRegistry::new();
    let holds = [
        (None, I31),
        (None, Struct),
        (None, Array),
        (None, Eq),
        (None, Any),
        (I31, Eq),
        (Struct, Eq),
        (Array, Any),
        (Eq, Any),
        (NoFunc, Func),
        (NoExtern, Extern),
        (NoExn, Exn),
        (NoCont, Cont),
        (Func, Func),
    ];
    for (sub, sup) in holds {
        assert!(registry.heap_type_matches(sub, sup), "{sub:?} <: {sup:?}");
    }
    let fails = [
        (Any, Eq),
        (Eq, I31),
        (Struct, Array),
        (Func, Any),
        (Extern, Any),
        (NoFunc, Extern),
        (None, Func),
        (Cont, Func),
        (Exn, Extern),
        (NoExtern, Any),
    ];
    for (sub, sup) in fails {
        assert!(!registry.heap_type_matches(sub, sup), "{sub:?} </: {sup:?}");
    }
    assert_eq!(registry.top_of(I31), Any);
    assert_eq!(registry.top_of(NoExn), Exn);
    assert_eq!(registry.bottom_of(Extern), NoExtern);
}

#[test]
fn nullability_and_value_types() {
    let registry = TypeRegistry::new();
    let func = |nullable| RefType {
        nullable,
        heap: HeapType::Func,
    };
    assert!(registry.ref_type_matches(func(false), func(true)));
    assert!(!registry.ref_type_matches(func(true), func(false)));
    assert!(registry.val_type_matches(ValType::Ref(func(false)), ValType::FUNCREF));
    assert!(registry.val_type_matches(ValType::I64, ValType::I64));
    assert!(!registry.val_type_matches(ValType::I32, ValType::I64));
    assert!(!registry.val_type_matches(ValType::I32, ValType::FUNCREF));
}

#[test]
fn unknown_type_index_is_an_error() {
    // The validator would reject this module; the registry alone must
    // still refuse it without panicking.
    let registry = TypeRegistry::new();
    let groups = rec_groups("(module (type (func (param (ref 1)))) (type (func)))");
    let err = registry
        .register_rec_group(&groups[0], &[])
        .expect_err("index 1 is unknown");
    assert!(err.message.contains("unknown type"), "{}", err.message);
}

#[test]
fn host_function_types_match_module_singletons() {
    let registry = TypeRegistry::new();
    let types = register(
        &registry,
        "(module (type $s (struct)) (type (func (param (ref $s)))))",
    );
    let param = ValType::Ref(RefType {
        nullable: false,
        heap: concrete(types.ids[0]),
    });
    let host = registry.register_func_type(&FuncType::new([param], []));
    assert_eq!(host, types.ids[1]);
    let other = registry.register_func_type(&FuncType::new([], [ValType::I32]));
    assert_ne!(other, host);
    assert_eq!(registry.len(), 3);
}
