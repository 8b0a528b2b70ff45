//! Structural keys of recursion groups: what two groups must share to be the
//! same canonical types.
//!
//! A key is a recursion group with every type reference resolved one of two
//! ways:
//!
//! ```text
//!   (rec (type $a (func (param (ref $b))))      RecGroupKey [
//!        (type $b (sub $x (struct (field i32)))))   Func { params: [Ref(InGroup(1))] },
//!                                                   Struct { super: Canonical(id of $x),
//!                                                            fields: [I32] } ]
//! ```
//!
//! References into the same group become their position (`InGroup`), so two
//! groups that are the same up to where they sit in their modules produce
//! equal keys; references to earlier groups are already canonical
//! (`Canonical`). Struct and array fields take part in the key even though
//! [`CompositeType`] does not expose them.

use crate::module::ModuleError;
use crate::module::convert::{WasmHeapType, classify_heap_type};
use crate::types::{CompositeType, FuncType, HeapType, RefType, TypeId, ValType};
use wasmparser as wp;

/// A type reference inside a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum TypeRef {
    /// A type of an earlier group, by canonical id.
    Canonical(TypeId),
    /// The type at this position of the group being keyed.
    InGroup(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum KeyHeap {
    /// Never `HeapType::Concrete`.
    Abstract(HeapType),
    Concrete(TypeRef),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum KeyVal {
    /// A number or vector type (never `ValType::Ref`).
    Plain(ValType),
    Ref {
        nullable: bool,
        heap: KeyHeap,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum KeyStorage {
    I8,
    I16,
    Val(KeyVal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct KeyField {
    pub storage: KeyStorage,
    pub mutable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum KeyComposite {
    Func {
        params: Box<[KeyVal]>,
        results: Box<[KeyVal]>,
    },
    Struct(Box<[KeyField]>),
    Array(KeyField),
    Cont(TypeRef),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct KeySubType {
    pub is_final: bool,
    pub supertype: Option<TypeRef>,
    pub composite: KeyComposite,
}

/// The structural identity of one recursion group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct RecGroupKey(pub Box<[KeySubType]>);

/// Builds keys for one group of a module's type section.
///
/// Module type indices below `group_start` resolve through `earlier` (the
/// canonical ids of the module's earlier types); indices inside the group
/// become positions.
pub(super) struct KeyBuilder<'a> {
    pub earlier: &'a [TypeId],
    pub group_start: u32,
    pub group_len: u32,
}

impl KeyBuilder<'_> {
    pub fn group(&self, group: &wp::RecGroup) -> Result<RecGroupKey, ModuleError> {
        let subs = group
            .types()
            .map(|sub| self.sub_type(sub))
            .collect::<Result<_, _>>()?;
        Ok(RecGroupKey(subs))
    }

    fn sub_type(&self, sub: &wp::SubType) -> Result<KeySubType, ModuleError> {
        // The GC MVP allows at most one declared supertype (the validator
        // has checked this).
        let supertype = match sub.supertype_idxs.first() {
            Some(idx) => Some(self.index(idx.unpack())?),
            None => None,
        };
        let composite = match &sub.composite_type.inner {
            wp::CompositeInnerType::Func(f) => KeyComposite::Func {
                params: self.val_types(f.params())?,
                results: self.val_types(f.results())?,
            },
            wp::CompositeInnerType::Struct(s) => KeyComposite::Struct(
                s.fields
                    .iter()
                    .map(|f| self.field(f))
                    .collect::<Result<_, _>>()?,
            ),
            wp::CompositeInnerType::Array(a) => KeyComposite::Array(self.field(&a.0)?),
            wp::CompositeInnerType::Cont(c) => KeyComposite::Cont(self.index(c.0.unpack())?),
        };
        Ok(KeySubType {
            is_final: sub.is_final,
            supertype,
            composite,
        })
    }

    fn field(&self, field: &wp::FieldType) -> Result<KeyField, ModuleError> {
        let storage = match field.element_type {
            wp::StorageType::I8 => KeyStorage::I8,
            wp::StorageType::I16 => KeyStorage::I16,
            wp::StorageType::Val(v) => KeyStorage::Val(self.val_type(v)?),
        };
        Ok(KeyField {
            storage,
            mutable: field.mutable,
        })
    }

    fn val_types(&self, types: &[wp::ValType]) -> Result<Box<[KeyVal]>, ModuleError> {
        types.iter().map(|&t| self.val_type(t)).collect()
    }

    fn val_type(&self, ty: wp::ValType) -> Result<KeyVal, ModuleError> {
        Ok(match ty {
            wp::ValType::I32 => KeyVal::Plain(ValType::I32),
            wp::ValType::I64 => KeyVal::Plain(ValType::I64),
            wp::ValType::F32 => KeyVal::Plain(ValType::F32),
            wp::ValType::F64 => KeyVal::Plain(ValType::F64),
            wp::ValType::V128 => KeyVal::Plain(ValType::V128),
            wp::ValType::Ref(r) => {
                let heap = match classify_heap_type(r.heap_type()) {
                    WasmHeapType::Abstract(h) => KeyHeap::Abstract(h),
                    WasmHeapType::Indexed(index) => KeyHeap::Concrete(self.index(index)?),
                };
                KeyVal::Ref {
                    nullable: r.is_nullable(),
                    heap,
                }
            }
        })
    }

    fn index(&self, index: wp::UnpackedIndex) -> Result<TypeRef, ModuleError> {
        let in_group = |pos: u32| {
            if pos < self.group_len {
                Ok(TypeRef::InGroup(pos))
            } else {
                Err(bad_index(pos))
            }
        };
        match index {
            wp::UnpackedIndex::Module(i) if i >= self.group_start => in_group(i - self.group_start),
            wp::UnpackedIndex::Module(i) => match self.earlier.get(i as usize) {
                Some(&id) => Ok(TypeRef::Canonical(id)),
                None => Err(bad_index(i)),
            },
            wp::UnpackedIndex::RecGroup(pos) => in_group(pos),
            wp::UnpackedIndex::Id(_) => Err(ModuleError {
                message: "unexpected validator type id in a parsed type".into(),
                offset: None,
            }),
        }
    }
}

fn bad_index(index: u32) -> ModuleError {
    ModuleError {
        message: format!("unknown type {index}"),
        offset: None,
    }
}

/// Turns a key's references into canonical ids, given that the group's
/// types were assigned the consecutive ids starting at `first`.
pub(super) struct Resolver {
    pub first: TypeId,
}

impl Resolver {
    pub fn type_ref(&self, r: TypeRef) -> TypeId {
        match r {
            TypeRef::Canonical(id) => id,
            TypeRef::InGroup(pos) => TypeId(self.first.0 + pos),
        }
    }

    pub fn composite(&self, key: &KeyComposite) -> CompositeType {
        match key {
            KeyComposite::Func { params, results } => CompositeType::Func(FuncType::new(
                params
                    .iter()
                    .map(|&v| self.val_type(v))
                    .collect::<Box<[_]>>(),
                results
                    .iter()
                    .map(|&v| self.val_type(v))
                    .collect::<Box<[_]>>(),
            )),
            KeyComposite::Struct(_) => CompositeType::Struct,
            KeyComposite::Array(_) => CompositeType::Array,
            KeyComposite::Cont(f) => CompositeType::Cont(self.type_ref(*f)),
        }
    }

    fn val_type(&self, v: KeyVal) -> ValType {
        match v {
            KeyVal::Plain(t) => t,
            KeyVal::Ref { nullable, heap } => {
                let heap = match heap {
                    KeyHeap::Abstract(h) => h,
                    KeyHeap::Concrete(r) => HeapType::Concrete(self.type_ref(r)),
                };
                ValType::Ref(RefType { nullable, heap })
            }
        }
    }
}

/// The key of a final, supertype-free function type whose references are all
/// canonical already (a host function's type).
pub(super) fn func_sub_type(ty: &FuncType) -> KeySubType {
    let key_val = |v: &ValType| match *v {
        ValType::Ref(RefType { nullable, heap }) => KeyVal::Ref {
            nullable,
            heap: match heap {
                HeapType::Concrete(id) => KeyHeap::Concrete(TypeRef::Canonical(id)),
                abstract_heap => KeyHeap::Abstract(abstract_heap),
            },
        },
        plain => KeyVal::Plain(plain),
    };
    KeySubType {
        is_final: true,
        supertype: None,
        composite: KeyComposite::Func {
            params: ty.params.iter().map(key_val).collect(),
            results: ty.results.iter().map(key_val).collect(),
        },
    }
}
