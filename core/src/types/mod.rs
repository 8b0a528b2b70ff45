//! Value types and canonical function/continuation types.
//!
//! Concrete heap types refer to a [`TypeId`]: an index into the engine-wide
//! [`TypeRegistry`], where structurally equal recursion groups share ids, so
//! type equality is id equality and subtyping is a walk up declared supertypes.

mod registry;

pub use registry::{ModuleTypes, TypeRegistry};

/// A canonical type: the same id across every module that defines an
/// equivalent type (same recursion group, same position in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(RefType),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

/// Abstract heap types and concrete (indexed) ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    Func,
    NoFunc,
    Extern,
    NoExtern,
    Any,
    Eq,
    I31,
    Struct,
    Array,
    None,
    Exn,
    NoExn,
    Cont,
    NoCont,
    Concrete(TypeId),
}

/// The shape of a canonical type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CompositeType {
    Func(FuncType),
    /// `cont $ft`: a continuation over the function type `$ft`.
    Cont(TypeId),
    /// GC struct and array types are registered so that type indices and
    /// subtyping stay right; their instructions are not executed yet.
    Struct,
    Array,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    pub params: Box<[ValType]>,
    pub results: Box<[ValType]>,
}

impl FuncType {
    pub fn new(params: impl Into<Box<[ValType]>>, results: impl Into<Box<[ValType]>>) -> Self {
        FuncType {
            params: params.into(),
            results: results.into(),
        }
    }
}

impl ValType {
    pub const FUNCREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Func,
    });
    pub const EXTERNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Extern,
    });
    pub const EXNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Exn,
    });

    pub fn is_ref(self) -> bool {
        matches!(self, ValType::Ref(_))
    }
}

impl HeapType {
    /// The top of this type's hierarchy (func, extern, any, exn or cont).
    /// Concrete types need the registry: see [`TypeRegistry::top_of`].
    pub fn abstract_top(self) -> Option<HeapType> {
        use HeapType::*;
        Some(match self {
            Func | NoFunc => Func,
            Extern | NoExtern => Extern,
            Any | Eq | I31 | Struct | Array | None => Any,
            Exn | NoExn => Exn,
            Cont | NoCont => Cont,
            Concrete(_) => return Option::None,
        })
    }
}
