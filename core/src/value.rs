//! Values as the API sees them ([`Val`]) and as the engines store them (raw
//! 64-bit slots).
//!
//! Raw slot encoding (one `u64` per value, whatever its type):
//!
//! ```text
//!   i32            zero-extended to 64 bits
//!   i64            as is
//!   f32 / f64      IEEE bits (NaN payloads preserved), f32 zero-extended
//!   funcref        0 = null, else FuncAddr + 1
//!   externref      0 = null, else host payload + 1
//!   exnref         0 = null, else ExnAddr + 1
//!   contref        0 = null, else  bits 0..32: record index + 1
//!                                  bits 32..64: record revision
//! ```
//! A contref is one-shot: the store's continuation table (`Store::conts`,
//! shared by both tiers) bumps a record's revision at every use, so a
//! stale copy no longer matches. Both tiers make and read the same handles.
//! `v128` has no raw form: SIMD is not executed yet.

use crate::store::{ExnAddr, FuncAddr};
use crate::types::{HeapType, RefType, TypeRegistry, ValType};

/// A call's results as raw slots, handed between tiers: held inline up
/// to four values, the common case, so that returning them allocates
/// nothing.
pub type RawResults = smallvec::SmallVec<[u64; 4]>;

/// A suspension's payload as raw slots, handed between tiers: inline up
/// to two values (most tags carry one or two), and no bigger than a
/// `Vec`, so that the exits that carry it stay as small as before.
pub type RawPayload = smallvec::SmallVec<[u64; 2]>;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// Bits of an `f32` (kept as bits so NaN payloads survive).
    F32(u32),
    /// Bits of an `f64`.
    F64(u64),
    V128(u128),
    Ref(Ref),
}

/// A reference value. `Null` carries the heap type it was typed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ref {
    Null(HeapType),
    Func(FuncAddr),
    /// A host reference (`ref.extern N` in spec scripts).
    Extern(u32),
    Exn(ExnAddr),
    /// A continuation (stack switching).
    Cont(ContHandle),
}

/// A continuation reference: a record of the store's continuation table
/// and the revision it was made at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContHandle {
    pub index: u32,
    pub revision: u32,
}

impl ContHandle {
    /// The raw slot (never 0: the index is stored plus one).
    pub fn to_raw(self) -> u64 {
        ((self.revision as u64) << 32) | (self.index as u64 + 1)
    }

    /// Decodes a non-null raw contref slot; `None` for null.
    pub fn from_raw(raw: u64) -> Option<ContHandle> {
        let low = raw as u32;
        let index = low.checked_sub(1)?;
        Some(ContHandle {
            index,
            revision: (raw >> 32) as u32,
        })
    }
}

impl Val {
    /// The raw slot for this value. `None` for `v128`.
    pub fn to_raw(self) -> Option<u64> {
        Some(match self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(b) => b as u64,
            Val::F64(b) => b,
            Val::V128(_) => return None,
            Val::Ref(Ref::Null(_)) => 0,
            Val::Ref(Ref::Func(a)) => a.0 as u64 + 1,
            Val::Ref(Ref::Extern(n)) => n as u64 + 1,
            Val::Ref(Ref::Exn(a)) => a.0 as u64 + 1,
            Val::Ref(Ref::Cont(c)) => c.to_raw(),
        })
    }

    /// Reads a raw slot back at type `ty`. `None` for `v128`. A concrete
    /// reference type reads as a function reference here: use
    /// [`Val::from_raw_in`] when it may be a continuation type.
    pub fn from_raw(raw: u64, ty: ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::V128 => return None,
            ValType::Ref(rt) => Val::Ref(Ref::from_raw_abstract(raw, rt)),
        })
    }

    /// Like [`Val::from_raw`], resolving concrete reference types through
    /// `registry` (a concrete continuation type decodes as [`Ref::Cont`]).
    pub fn from_raw_in(raw: u64, ty: ValType, registry: &TypeRegistry) -> Option<Val> {
        match ty {
            ValType::Ref(rt) => Some(Val::Ref(Ref::from_raw_in(raw, rt, registry))),
            _ => Val::from_raw(raw, ty),
        }
    }

    /// The default (zero or null) value of a type, as locals and tables start.
    pub fn default_for(ty: ValType) -> Val {
        match ty {
            ValType::I32 => Val::I32(0),
            ValType::I64 => Val::I64(0),
            ValType::F32 => Val::F32(0),
            ValType::F64 => Val::F64(0),
            ValType::V128 => Val::V128(0),
            ValType::Ref(rt) => Val::Ref(Ref::Null(rt.heap)),
        }
    }
}

impl Ref {
    /// Decodes a raw reference slot of an abstract type (func, extern, exn,
    /// cont, ...). A concrete type needs the registry to know its hierarchy:
    /// see [`Ref::from_raw_in`].
    fn from_raw_abstract(raw: u64, ty: RefType) -> Ref {
        let top = ty.heap.abstract_top().unwrap_or(HeapType::Func);
        Ref::decode(raw, ty.heap, top)
    }

    /// Decodes a raw reference slot, finding the hierarchy of a concrete
    /// type in `registry`.
    pub fn from_raw_in(raw: u64, ty: RefType, registry: &TypeRegistry) -> Ref {
        Ref::decode(raw, ty.heap, registry.top_of(ty.heap))
    }

    fn decode(raw: u64, heap: HeapType, top: HeapType) -> Ref {
        if raw == 0 {
            return Ref::Null(heap);
        }
        let payload = (raw - 1) as u32;
        match top {
            HeapType::Extern => Ref::Extern(payload),
            HeapType::Exn => Ref::Exn(ExnAddr(payload)),
            HeapType::Cont => match ContHandle::from_raw(raw) {
                Some(handle) => Ref::Cont(handle),
                None => Ref::Null(heap),
            },
            _ => Ref::Func(FuncAddr(payload)),
        }
    }
}
