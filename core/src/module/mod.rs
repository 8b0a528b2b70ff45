//! A parsed and validated module.
//!
//! `Module::new` validates the whole binary with `wasmparser` (Wasm 3.0 plus
//! stack switching), registers its types in the engine's [`TypeRegistry`] and
//! keeps what instantiation and the tiers need. Function bodies stay as byte
//! ranges into [`Module::bytes`]; a tier translates them when it needs them.
//!
//! Index spaces (functions, tables, memories, globals, tags) list imports first,
//! then definitions, as the spec numbers them.

pub(crate) mod convert;
mod names;
mod parse;
#[cfg(test)]
mod tests;

pub use parse::features;

use crate::const_expr::ConstExpr;
use crate::types::{CompositeType, FuncType, RefType, TypeId, TypeRegistry, ValType};
use std::ops::Range;
use std::sync::Arc;

/// Parsing or validation failed. `message` is wasmparser's wording.
#[derive(Debug, Clone)]
pub struct ModuleError {
    pub message: String,
    /// Byte offset in the binary, when known.
    pub offset: Option<usize>,
}

impl std::fmt::Display for ModuleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} (at offset 0x{o:x})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ModuleError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryType {
    pub limits: Limits,
    pub memory64: bool,
    pub shared: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableType {
    pub elem: RefType,
    pub limits: Limits,
    pub table64: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

/// A tag's type: the canonical id of its function type (results are empty
/// for exception tags; stack switching tags may have results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagType {
    pub func_type: TypeId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternType {
    /// Module type index of the function's type.
    Func(u32),
    Table(TableType),
    Memory(MemoryType),
    Global(GlobalType),
    Tag(TagType),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternKind {
    Func,
    Table,
    Memory,
    Global,
    Tag,
}

#[derive(Debug, Clone)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

#[derive(Debug, Clone)]
pub struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

#[derive(Debug, Clone)]
pub enum ElemMode {
    Passive,
    Declared,
    Active { table: u32, offset: ConstExpr },
}

#[derive(Debug, Clone)]
pub struct ElemSegment {
    pub ty: RefType,
    /// One constant expression per element (`ref.func N` for the function
    /// index form).
    pub items: Vec<ConstExpr>,
    pub mode: ElemMode,
}

#[derive(Debug, Clone)]
pub enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

#[derive(Debug, Clone)]
pub struct DataSegment {
    /// The segment's bytes, as a range of [`Module::bytes`].
    pub range: Range<usize>,
    pub mode: DataMode,
}

/// A function defined (not imported) by the module.
#[derive(Debug, Clone)]
pub struct FuncBody {
    /// Module type index of its signature.
    pub type_index: u32,
    /// The body (locals then code) as a range of [`Module::bytes`]; read it
    /// with `wasmparser::FunctionBody::new(BinaryReader::new(..., start))`.
    pub range: Range<usize>,
}

#[derive(Debug)]
pub struct Module {
    pub bytes: Arc<[u8]>,
    pub registry: Arc<TypeRegistry>,
    /// Module type index → canonical id.
    pub types: Vec<TypeId>,
    /// Module type index → its shape, with concrete references canonical.
    pub type_defs: Vec<CompositeType>,
    pub imports: Vec<Import>,
    /// Every function (imports first): its module type index.
    pub funcs: Vec<u32>,
    /// Defined functions, in order; function `i` is `bodies[i - num_imported_funcs]`.
    pub bodies: Vec<FuncBody>,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    pub tags: Vec<TagType>,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub num_imported_tags: u32,
    /// Initializers of defined globals.
    pub global_inits: Vec<ConstExpr>,
    /// Initializers of defined tables (`None`: null of the element type).
    pub table_inits: Vec<Option<ConstExpr>>,
    pub exports: Vec<Export>,
    pub start: Option<u32>,
    pub elems: Vec<ElemSegment>,
    pub datas: Vec<DataSegment>,
    /// From the name section, when present.
    pub name: Option<String>,
    /// Function and tag names (`$name` in the text format), from the name
    /// section: [`Module::func_name`], [`Module::tag_name`].
    pub(crate) names: names::Names,
}

impl Module {
    /// Function `index`'s name in the name section, if it has one.
    pub fn func_name(&self, index: u32) -> Option<&str> {
        self.names.func(&self.bytes, index)
    }

    /// Tag `index`'s name in the name section, if it has one.
    pub fn tag_name(&self, index: u32) -> Option<&str> {
        self.names.tag(&self.bytes, index)
    }

    /// The body of function `index` (in the whole function index space),
    /// to read its locals and operators; `None` for an import.
    pub fn body(&self, index: u32) -> Option<wasmparser::FunctionBody<'_>> {
        let defined = index.checked_sub(self.num_imported_funcs)?;
        let range = self.bodies.get(defined as usize)?.range.clone();
        let bytes = self.bytes.get(range.clone())?;
        let reader = wasmparser::BinaryReader::new(bytes, range.start as u64);
        Some(wasmparser::FunctionBody::new(reader))
    }

    /// Parses and validates a binary module.
    ///
    /// # Errors
    /// A [`ModuleError`] with wasmparser's message when the binary is
    /// malformed or invalid.
    pub fn new(registry: &Arc<TypeRegistry>, bytes: &[u8]) -> Result<Module, ModuleError> {
        parse::parse_module(registry, bytes, features())
    }

    /// Parses and validates a binary module against `features` instead of
    /// the default set ([`features`]); spec folders written for one proposal
    /// use that proposal's set.
    ///
    /// # Errors
    /// A [`ModuleError`] with wasmparser's message when the binary is
    /// malformed or invalid under `features`.
    pub fn new_with_features(
        registry: &Arc<TypeRegistry>,
        bytes: &[u8],
        features: wasmparser::WasmFeatures,
    ) -> Result<Module, ModuleError> {
        parse::parse_module(registry, bytes, features)
    }

    /// The export called `name`, if any.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }

    /// The signature of function `func` (any index, imported or defined).
    pub fn func_type(&self, func: u32) -> &FuncType {
        self.func_type_at(self.funcs[func as usize])
    }

    /// The function type at module type index `ty` (panics if it is not one:
    /// validation guarantees callers only ask for function types).
    pub fn func_type_at(&self, ty: u32) -> &FuncType {
        match &self.type_defs[ty as usize] {
            CompositeType::Func(f) => f,
            other => panic!("type {ty} is not a function type: {other:?}"),
        }
    }
}
