//! Conversion of wasmparser's types and constant expressions to ours.
//!
//! Concrete type references in wasmparser are module type indices; here
//! they become canonical [`TypeId`]s through the module's registered types
//! ([`TypeMap`]). Shared heap types (shared-everything-threads) and exact
//! ones (custom descriptors) map to their plain counterparts: neither
//! proposal is enabled, so valid modules do not contain them.

use super::{GlobalType, Limits, MemoryType, ModuleError, TableType, TagType};
use crate::const_expr::{ConstExpr, ConstOp};
use crate::types::{HeapType, RefType, TypeId, ValType};
use wasmparser as wp;

impl From<wp::BinaryReaderError> for ModuleError {
    fn from(err: wp::BinaryReaderError) -> Self {
        ModuleError {
            message: err.message().to_string(),
            offset: Some(err.offset() as usize),
        }
    }
}

/// A wasmparser heap type split into abstract ones (converted) and indexed
/// ones (left for the caller to resolve).
pub(crate) enum WasmHeapType {
    Abstract(HeapType),
    Indexed(wp::UnpackedIndex),
}

pub(crate) fn classify_heap_type(heap: wp::HeapType) -> WasmHeapType {
    use wp::AbstractHeapType as A;
    match heap {
        wp::HeapType::Abstract { ty, .. } => WasmHeapType::Abstract(match ty {
            A::Func => HeapType::Func,
            A::NoFunc => HeapType::NoFunc,
            A::Extern => HeapType::Extern,
            A::NoExtern => HeapType::NoExtern,
            A::Any => HeapType::Any,
            A::Eq => HeapType::Eq,
            A::I31 => HeapType::I31,
            A::Struct => HeapType::Struct,
            A::Array => HeapType::Array,
            A::None => HeapType::None,
            A::Exn => HeapType::Exn,
            A::NoExn => HeapType::NoExn,
            A::Cont => HeapType::Cont,
            A::NoCont => HeapType::NoCont,
        }),
        wp::HeapType::Concrete(index) | wp::HeapType::Exact(index) => WasmHeapType::Indexed(index),
    }
}

/// Resolves module type indices to canonical ids.
pub(crate) struct TypeMap<'a> {
    pub types: &'a [TypeId],
}

impl TypeMap<'_> {
    pub fn type_id(&self, index: u32) -> Result<TypeId, ModuleError> {
        self.types
            .get(index as usize)
            .copied()
            .ok_or_else(|| ModuleError {
                message: format!("unknown type {index}"),
                offset: None,
            })
    }

    pub fn heap_type(&self, heap: wp::HeapType) -> Result<HeapType, ModuleError> {
        match classify_heap_type(heap) {
            WasmHeapType::Abstract(h) => Ok(h),
            WasmHeapType::Indexed(wp::UnpackedIndex::Module(i)) => {
                Ok(HeapType::Concrete(self.type_id(i)?))
            }
            WasmHeapType::Indexed(other) => Err(ModuleError {
                message: format!("unexpected type index form {other:?} outside a type section"),
                offset: None,
            }),
        }
    }

    pub fn ref_type(&self, ty: wp::RefType) -> Result<RefType, ModuleError> {
        Ok(RefType {
            nullable: ty.is_nullable(),
            heap: self.heap_type(ty.heap_type())?,
        })
    }

    pub fn val_type(&self, ty: wp::ValType) -> Result<ValType, ModuleError> {
        Ok(match ty {
            wp::ValType::I32 => ValType::I32,
            wp::ValType::I64 => ValType::I64,
            wp::ValType::F32 => ValType::F32,
            wp::ValType::F64 => ValType::F64,
            wp::ValType::V128 => ValType::V128,
            wp::ValType::Ref(r) => ValType::Ref(self.ref_type(r)?),
        })
    }

    pub fn table_type(&self, ty: &wp::TableType) -> Result<TableType, ModuleError> {
        Ok(TableType {
            elem: self.ref_type(ty.element_type)?,
            limits: Limits {
                min: ty.initial,
                max: ty.maximum,
            },
            table64: ty.table64,
        })
    }

    pub fn global_type(&self, ty: &wp::GlobalType) -> Result<GlobalType, ModuleError> {
        Ok(GlobalType {
            content: self.val_type(ty.content_type)?,
            mutable: ty.mutable,
        })
    }

    pub fn tag_type(&self, ty: &wp::TagType) -> Result<TagType, ModuleError> {
        Ok(TagType {
            func_type: self.type_id(ty.func_type_idx)?,
        })
    }

    /// Converts an initializer expression (its final `end` is dropped).
    pub fn const_expr(&self, expr: &wp::ConstExpr<'_>) -> Result<ConstExpr, ModuleError> {
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            if let Some(op) = self.const_op(reader.read()?)? {
                ops.push(op);
            }
        }
        Ok(ConstExpr { ops: ops.into() })
    }

    fn const_op(&self, op: wp::Operator<'_>) -> Result<Option<ConstOp>, ModuleError> {
        use wp::Operator as O;
        Ok(Some(match op {
            O::End => return Ok(None),
            O::I32Const { value } => ConstOp::I32Const(value),
            O::I64Const { value } => ConstOp::I64Const(value),
            O::F32Const { value } => ConstOp::F32Const(value.bits()),
            O::F64Const { value } => ConstOp::F64Const(value.bits()),
            O::V128Const { value } => ConstOp::V128Const(u128::from_le_bytes(*value.bytes())),
            O::RefNull { hty } => ConstOp::RefNull(self.heap_type(hty)?),
            O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
            O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
            O::I32Add => ConstOp::I32Add,
            O::I32Sub => ConstOp::I32Sub,
            O::I32Mul => ConstOp::I32Mul,
            O::I64Add => ConstOp::I64Add,
            O::I64Sub => ConstOp::I64Sub,
            O::I64Mul => ConstOp::I64Mul,
            O::StructNew { .. } => ConstOp::Unsupported("struct.new"),
            O::StructNewDefault { .. } => ConstOp::Unsupported("struct.new_default"),
            O::ArrayNew { .. } => ConstOp::Unsupported("array.new"),
            O::ArrayNewDefault { .. } => ConstOp::Unsupported("array.new_default"),
            O::ArrayNewFixed { .. } => ConstOp::Unsupported("array.new_fixed"),
            O::RefI31 => ConstOp::Unsupported("ref.i31"),
            O::AnyConvertExtern => ConstOp::Unsupported("any.convert_extern"),
            O::ExternConvertAny => ConstOp::Unsupported("extern.convert_any"),
            other => {
                return Err(ModuleError {
                    message: format!("constant expression operator {other:?} is not supported"),
                    offset: None,
                });
            }
        }))
    }
}

/// Memory types have no type references.
pub(crate) fn memory_type(ty: &wp::MemoryType) -> MemoryType {
    MemoryType {
        limits: Limits {
            min: ty.initial,
            max: ty.maximum,
        },
        memory64: ty.memory64,
        shared: ty.shared,
    }
}
