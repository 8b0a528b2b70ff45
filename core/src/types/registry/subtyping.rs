//! Subtyping between canonical types (Wasm 3.0 with stack switching).
//!
//! ```text
//!        any              func           extern      exn       cont
//!         |                 |               |          |         |
//!        eq           concrete funcs    noextern    noexn   concrete conts
//!      /  |  \              |                                    |
//!   i31 struct array      nofunc                               nocont
//!        |      |
//!   concrete  concrete
//!   structs   arrays
//!        \   /
//!        none (also below i31)
//! ```
//!
//! Between concrete types, `sub <: sup` holds when `sup` is reachable from
//! `sub` through declared supertypes (canonical ids make type equality an id
//! comparison). A non-null reference type matches a nullable one, never the
//! other way round.

use super::TypeRegistry;
use crate::types::{CompositeType, HeapType, RefType, TypeId, ValType};

/// The kind of a concrete type, which fixes where it sits in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Func,
    Cont,
    Struct,
    Array,
}

impl TypeRegistry {
    /// Whether `sub` is `sup` or declares it, directly or through its
    /// supertypes.
    pub fn is_subtype(&self, sub: TypeId, sup: TypeId) -> bool {
        let inner = self.read();
        let mut current = Some(sub);
        while let Some(id) = current {
            if id == sup {
                return true;
            }
            current = inner.types.get(id.0 as usize).and_then(|e| e.supertype);
        }
        false
    }

    /// Heap type subtyping.
    pub fn heap_type_matches(&self, sub: HeapType, sup: HeapType) -> bool {
        use HeapType::*;
        if sub == sup {
            return true;
        }
        match (sub, sup) {
            (Concrete(a), Concrete(b)) => self.is_subtype(a, b),
            (Concrete(a), abs) => match self.shape(a) {
                Some(Shape::Func) => abs == Func,
                Some(Shape::Cont) => abs == Cont,
                Some(Shape::Struct) => matches!(abs, Struct | Eq | Any),
                Some(Shape::Array) => matches!(abs, Array | Eq | Any),
                Option::None => false,
            },
            (abs, Concrete(b)) => match self.shape(b) {
                Some(Shape::Func) => abs == NoFunc,
                Some(Shape::Cont) => abs == NoCont,
                Some(Shape::Struct | Shape::Array) => abs == None,
                Option::None => false,
            },
            (a, b) => abstract_matches(a, b),
        }
    }

    /// Reference type subtyping: nullability, then heap types.
    pub fn ref_type_matches(&self, sub: RefType, sup: RefType) -> bool {
        (!sub.nullable || sup.nullable) && self.heap_type_matches(sub.heap, sup.heap)
    }

    /// Value type subtyping: numbers and vectors only match themselves.
    pub fn val_type_matches(&self, sub: ValType, sup: ValType) -> bool {
        match (sub, sup) {
            (ValType::Ref(a), ValType::Ref(b)) => self.ref_type_matches(a, b),
            (a, b) => a == b,
        }
    }

    /// The top of `heap`'s hierarchy: func, extern, any, exn or cont.
    pub fn top_of(&self, heap: HeapType) -> HeapType {
        match heap {
            HeapType::Concrete(id) => match self.shape(id) {
                Some(Shape::Func) | Option::None => HeapType::Func,
                Some(Shape::Cont) => HeapType::Cont,
                Some(Shape::Struct | Shape::Array) => HeapType::Any,
            },
            abs => abs.abstract_top().unwrap_or(HeapType::Any),
        }
    }

    /// The bottom of `heap`'s hierarchy: nofunc, noextern, none, noexn or
    /// nocont (the heap type of that hierarchy's null).
    pub fn bottom_of(&self, heap: HeapType) -> HeapType {
        match self.top_of(heap) {
            HeapType::Func => HeapType::NoFunc,
            HeapType::Extern => HeapType::NoExtern,
            HeapType::Exn => HeapType::NoExn,
            HeapType::Cont => HeapType::NoCont,
            _ => HeapType::None,
        }
    }

    fn shape(&self, id: TypeId) -> Option<Shape> {
        Some(match self.read().types.get(id.0 as usize)?.composite {
            CompositeType::Func(_) => Shape::Func,
            CompositeType::Cont(_) => Shape::Cont,
            CompositeType::Struct => Shape::Struct,
            CompositeType::Array => Shape::Array,
        })
    }
}

/// Subtyping between two different abstract heap types.
fn abstract_matches(sub: HeapType, sup: HeapType) -> bool {
    use HeapType::*;
    match sup {
        Any => matches!(sub, Eq | I31 | Struct | Array | None),
        Eq => matches!(sub, I31 | Struct | Array | None),
        I31 | Struct | Array => sub == None,
        Func => sub == NoFunc,
        Extern => sub == NoExtern,
        Exn => sub == NoExn,
        Cont => sub == NoCont,
        _ => false,
    }
}
