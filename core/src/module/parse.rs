//! `Module::new`: validation, then one pass over the sections.
//!
//! ```text
//!   bytes ─▶ Validator::validate_all ─(error: ModuleError)
//!        └─▶ Parser::parse_all ─▶ payload per section ─▶ fields of Module
//!                 Type   → TypeRegistry (canonical ids + shapes)
//!                 Import → imports + per-kind index spaces
//!                 Code   → byte ranges of bodies, checked later by the tiers
//!                 custom "name" → module and function names
//! ```
//!
//! Validation comes first, so the parse pass can assume a well-formed,
//! valid module; it still reports errors rather than panicking.

use super::convert::{TypeMap, memory_type};
use super::{
    DataMode, DataSegment, ElemMode, ElemSegment, Export, ExternKind, ExternType, FuncBody, Import,
    Module, ModuleError, names,
};
use crate::const_expr::{ConstExpr, ConstOp};
use crate::types::{HeapType, RefType, TypeRegistry};
use std::sync::Arc;
use wasmparser as wp;

/// The features every module is validated with: Wasm 3.0 plus stack switching.
pub fn features() -> wp::WasmFeatures {
    wp::WasmFeatures::default() | wp::WasmFeatures::STACK_SWITCHING
}

pub(super) fn parse_module(
    registry: &Arc<TypeRegistry>,
    bytes: &[u8],
    features: wp::WasmFeatures,
) -> Result<Module, ModuleError> {
    wp::Validator::new_with_features(features).validate_all(bytes)?;
    let mut module = empty_module(registry, bytes);
    for payload in wp::Parser::new(0).parse_all(bytes) {
        module.add_payload(payload?)?;
    }
    Ok(module)
}

fn empty_module(registry: &Arc<TypeRegistry>, bytes: &[u8]) -> Module {
    Module {
        bytes: Arc::from(bytes),
        registry: Arc::clone(registry),
        types: Vec::new(),
        type_defs: Vec::new(),
        imports: Vec::new(),
        funcs: Vec::new(),
        bodies: Vec::new(),
        tables: Vec::new(),
        memories: Vec::new(),
        globals: Vec::new(),
        tags: Vec::new(),
        num_imported_funcs: 0,
        num_imported_tables: 0,
        num_imported_memories: 0,
        num_imported_globals: 0,
        num_imported_tags: 0,
        global_inits: Vec::new(),
        table_inits: Vec::new(),
        exports: Vec::new(),
        start: None,
        elems: Vec::new(),
        datas: Vec::new(),
        name: None,
        names: names::Names::default(),
    }
}

impl Module {
    fn type_map(&self) -> TypeMap<'_> {
        TypeMap { types: &self.types }
    }

    fn add_payload(&mut self, payload: wp::Payload<'_>) -> Result<(), ModuleError> {
        use wp::Payload as P;
        match payload {
            P::TypeSection(reader) => {
                let groups = reader.into_iter().collect::<Result<Vec<_>, _>>()?;
                let registered = self.registry.register_module_types(&groups)?;
                self.types = registered.ids;
                self.type_defs = registered.defs;
            }
            P::ImportSection(reader) => {
                for import in reader.into_imports() {
                    self.add_import(import?)?;
                }
            }
            P::FunctionSection(reader) => {
                for type_index in reader {
                    self.funcs.push(type_index?);
                }
            }
            P::TableSection(reader) => {
                for table in reader {
                    let table = table?;
                    self.tables.push(self.type_map().table_type(&table.ty)?);
                    let init = match table.init {
                        wp::TableInit::RefNull => None,
                        wp::TableInit::Expr(expr) => Some(self.type_map().const_expr(&expr)?),
                    };
                    self.table_inits.push(init);
                }
            }
            P::MemorySection(reader) => {
                for memory in reader {
                    self.memories.push(memory_type(&memory?));
                }
            }
            P::TagSection(reader) => {
                for tag in reader {
                    self.tags.push(self.type_map().tag_type(&tag?)?);
                }
            }
            P::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    self.globals.push(self.type_map().global_type(&global.ty)?);
                    self.global_inits
                        .push(self.type_map().const_expr(&global.init_expr)?);
                }
            }
            P::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    self.exports.push(Export {
                        name: export.name.to_string(),
                        kind: extern_kind(export.kind),
                        index: export.index,
                    });
                }
            }
            P::StartSection { func, .. } => self.start = Some(func),
            P::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem?;
                    self.elems.push(self.elem_segment(elem)?);
                }
            }
            P::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    self.datas.push(self.data_segment(data)?);
                }
            }
            P::CodeSectionEntry(body) => {
                let range = body.range();
                let range = range.start as usize..range.end as usize;
                let defined = self.bodies.len() + self.num_imported_funcs as usize;
                let type_index = *self.funcs.get(defined).ok_or_else(|| ModuleError {
                    message: "function and code section have inconsistent lengths".into(),
                    offset: Some(range.start),
                })?;
                self.bodies.push(FuncBody { type_index, range });
            }
            P::CustomSection(reader) => {
                if let wp::KnownCustom::Name(_) = reader.as_known()
                    && let Some(name) = self.names.read(&reader)
                {
                    self.name = Some(name);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn add_import(&mut self, import: wp::Import<'_>) -> Result<(), ModuleError> {
        let ty = match import.ty {
            wp::TypeRef::Func(index) | wp::TypeRef::FuncExact(index) => {
                self.funcs.push(index);
                self.num_imported_funcs += 1;
                ExternType::Func(index)
            }
            wp::TypeRef::Table(table) => {
                let table = self.type_map().table_type(&table)?;
                self.tables.push(table);
                self.num_imported_tables += 1;
                ExternType::Table(table)
            }
            wp::TypeRef::Memory(memory) => {
                let memory = memory_type(&memory);
                self.memories.push(memory);
                self.num_imported_memories += 1;
                ExternType::Memory(memory)
            }
            wp::TypeRef::Global(global) => {
                let global = self.type_map().global_type(&global)?;
                self.globals.push(global);
                self.num_imported_globals += 1;
                ExternType::Global(global)
            }
            wp::TypeRef::Tag(tag) => {
                let tag = self.type_map().tag_type(&tag)?;
                self.tags.push(tag);
                self.num_imported_tags += 1;
                ExternType::Tag(tag)
            }
        };
        self.imports.push(Import {
            module: import.module.to_string(),
            name: import.name.to_string(),
            ty,
        });
        Ok(())
    }

    fn elem_segment(&self, elem: wp::Element<'_>) -> Result<ElemSegment, ModuleError> {
        let types = self.type_map();
        let (ty, items) = match elem.items {
            wp::ElementItems::Functions(reader) => {
                let items = reader
                    .into_iter()
                    .map(|f| {
                        Ok(ConstExpr {
                            ops: Box::new([ConstOp::RefFunc(f?)]),
                        })
                    })
                    .collect::<Result<_, ModuleError>>()?;
                (
                    RefType {
                        nullable: true,
                        heap: HeapType::Func,
                    },
                    items,
                )
            }
            wp::ElementItems::Expressions(ty, reader) => {
                let items = reader
                    .into_iter()
                    .map(|expr| types.const_expr(&expr?))
                    .collect::<Result<_, ModuleError>>()?;
                (types.ref_type(ty)?, items)
            }
        };
        let mode = match elem.kind {
            wp::ElementKind::Passive => ElemMode::Passive,
            wp::ElementKind::Declared => ElemMode::Declared,
            wp::ElementKind::Active {
                table_index,
                offset_expr,
            } => ElemMode::Active {
                table: table_index.unwrap_or(0),
                offset: types.const_expr(&offset_expr)?,
            },
        };
        Ok(ElemSegment { ty, items, mode })
    }

    fn data_segment(&self, data: wp::Data<'_>) -> Result<DataSegment, ModuleError> {
        // The segment's bytes are its last field, so they end where it ends.
        let end = data.range.end as usize;
        let start = end
            .checked_sub(data.data.len())
            .ok_or_else(|| ModuleError {
                message: "data segment bytes outside the segment".into(),
                offset: Some(end),
            })?;
        let mode = match data.kind {
            wp::DataKind::Passive => DataMode::Passive,
            wp::DataKind::Active {
                memory_index,
                offset_expr,
            } => DataMode::Active {
                memory: memory_index,
                offset: self.type_map().const_expr(&offset_expr)?,
            },
        };
        Ok(DataSegment {
            range: start..end,
            mode,
        })
    }
}

fn extern_kind(kind: wp::ExternalKind) -> ExternKind {
    match kind {
        wp::ExternalKind::Func | wp::ExternalKind::FuncExact => ExternKind::Func,
        wp::ExternalKind::Table => ExternKind::Table,
        wp::ExternalKind::Memory => ExternKind::Memory,
        wp::ExternalKind::Global => ExternKind::Global,
        wp::ExternalKind::Tag => ExternKind::Tag,
    }
}
