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
//! ```
//! `v128` has no raw form: SIMD is not executed yet.

use crate::store::{ExnAddr, FuncAddr};
use crate::types::{HeapType, RefType, ValType};

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
        })
    }

    /// Reads a raw slot back at type `ty`. `None` for `v128`.
    pub fn from_raw(raw: u64, ty: ValType) -> Option<Val> {
        Some(match ty {
            ValType::I32 => Val::I32(raw as u32 as i32),
            ValType::I64 => Val::I64(raw as i64),
            ValType::F32 => Val::F32(raw as u32),
            ValType::F64 => Val::F64(raw),
            ValType::V128 => return None,
            ValType::Ref(rt) => Val::Ref(Ref::from_raw(raw, rt)),
        })
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
    /// Decodes a raw reference slot; which kind it is comes from the static
    /// type's hierarchy (func, extern or exn).
    pub fn from_raw(raw: u64, ty: RefType) -> Ref {
        if raw == 0 {
            return Ref::Null(ty.heap);
        }
        let payload = (raw - 1) as u32;
        match ty.heap.abstract_top() {
            Some(HeapType::Extern) => Ref::Extern(payload),
            Some(HeapType::Exn) => Ref::Exn(ExnAddr(payload)),
            // Concrete types in this engine are function (or continuation)
            // types; continuations get their own encoding with stack switching.
            _ => Ref::Func(FuncAddr(payload)),
        }
    }
}
