//! Module instantiation, in the spec's order:
//!
//! ```text
//!   1. match imports          count, kind and type of each  ── LinkError
//!   2. allocate               functions, globals (init exprs in order, each may
//!                             read imports and earlier globals), tables, memories, tags
//!   3. exports, element segments evaluated to raw refs, the VM context
//!   4. register the instance  (from here on its objects are reachable)
//!   5. active element segments: table.init then elem.drop; declared: elem.drop
//!   6. active data segments:    memory.init then data.drop          ── Trap
//! ```
//!
//! A failure in steps 1–3 leaves the store as it was. A trap in steps 5–6 keeps
//! the writes made before it (instantiation is not atomic) and the registered
//! instance, since other instances may share the tables and memories it wrote.
//! The start function is not run here: the caller runs [`Store::start_func`].

use super::alloc::{push, push_func};
use super::const_eval::ConstContext;
use super::{
    FuncAddr, FuncInst, FuncKind, GlobalAddr, Instance, InstanceId, MemAddr, Store, TableAddr,
    TagAddr,
};
use crate::linker::{Extern, LinkError};
use crate::module::{DataMode, ElemMode, ExternKind, Module};
use crate::trap::Trap;
use crate::vm::{InstanceVm, VmArrays, record_addr};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// Why instantiation failed.
#[derive(Debug, Clone)]
pub enum InstantiateError {
    /// An import is missing, of the wrong kind or of an incompatible type.
    Link(LinkError),
    /// Evaluating an initializer or copying a segment trapped.
    Trap(Trap),
}

impl fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstantiateError::Link(e) => fmt::Display::fmt(e, f),
            InstantiateError::Trap(t) => fmt::Display::fmt(t, f),
        }
    }
}

impl std::error::Error for InstantiateError {}

impl From<LinkError> for InstantiateError {
    fn from(e: LinkError) -> Self {
        InstantiateError::Link(e)
    }
}

impl From<Trap> for InstantiateError {
    fn from(t: Trap) -> Self {
        InstantiateError::Trap(t)
    }
}

/// Arena lengths before an instantiation, to undo a failed one.
struct Mark {
    funcs: usize,
    tables: usize,
    memories: usize,
    globals: usize,
    tags: usize,
}

impl Store {
    /// Instantiates `module` with `imports` (one per module import, in order).
    ///
    /// # Errors
    /// [`InstantiateError::Link`] for unsatisfied imports;
    /// [`InstantiateError::Trap`] when an initializer traps or cannot be
    /// evaluated, or an object exceeds the store's limits.
    pub fn instantiate(
        &mut self,
        module: &Arc<Module>,
        imports: &[Extern],
    ) -> Result<InstanceId, InstantiateError> {
        if imports.len() != module.imports.len() {
            return Err(LinkError(format!(
                "wrong number of imports: expected {}, got {}",
                module.imports.len(),
                imports.len()
            ))
            .into());
        }
        for (import, &ext) in module.imports.iter().zip(imports) {
            self.check_import(module, import, ext)?;
        }
        let mark = Mark {
            funcs: self.funcs.len(),
            tables: self.tables.len(),
            memories: self.memories.len(),
            globals: self.globals.len(),
            tags: self.tags.len(),
        };
        let instance = match self.build_instance(module, imports) {
            Ok(instance) => instance,
            Err(trap) => {
                self.funcs.truncate(mark.funcs);
                self.tables.truncate(mark.tables);
                self.memories.truncate(mark.memories);
                self.globals.truncate(mark.globals);
                self.tags.truncate(mark.tags);
                return Err(trap.into());
            }
        };
        let id = push(&mut self.instances, instance, InstanceId);
        self.init_segments(id)?;
        Ok(id)
    }

    /// The module's start function, if it has one.
    pub fn start_func(&self, id: InstanceId) -> Option<FuncAddr> {
        let instance = self.instances.get(id.0 as usize)?;
        instance.funcs.get(instance.module.start? as usize).copied()
    }

    /// The export `name` of instance `id`.
    pub fn export(&self, id: InstanceId, name: &str) -> Option<Extern> {
        self.instances
            .get(id.0 as usize)?
            .exports
            .get(name)
            .copied()
    }

    /// Steps 2 and 3: allocates the module's objects and builds the instance
    /// that will get id `self.instances.len()`.
    fn build_instance(
        &mut self,
        module: &Arc<Module>,
        imports: &[Extern],
    ) -> Result<Instance, Trap> {
        let id = InstanceId(u32::try_from(self.instances.len()).unwrap_or(u32::MAX));
        let mut vm = InstanceVm::new(id.0);
        let mut spaces = IndexSpaces::of_imports(imports);
        self.alloc_funcs(module, id, vm.ctx_addr(), &mut spaces.funcs)?;
        self.alloc_globals(module, &mut spaces)?;
        self.alloc_tables_memories_tags(module, &mut spaces)?;
        let cx = ConstContext {
            funcs: &spaces.funcs,
            globals: &spaces.globals,
        };
        let elems = module
            .elems
            .iter()
            .map(|seg| {
                seg.items
                    .iter()
                    .map(|item| self.eval_const(item, &cx))
                    .collect()
            })
            .collect::<Result<Vec<Box<[u64]>>, Trap>>()?;
        let exports = spaces.exports(module)?;
        vm.set_arrays(VmArrays {
            memories: spaces
                .memories
                .iter()
                .map(|&a| record_addr(self.memory(a).vm()))
                .collect(),
            tables: spaces
                .tables
                .iter()
                .map(|&a| record_addr(self.table(a).vm()))
                .collect(),
            globals: spaces
                .globals
                .iter()
                .map(|&a| record_addr(self.global(a).vm()))
                .collect(),
            funcs: spaces
                .funcs
                .iter()
                .map(|&a| record_addr(self.func(a).vm()))
                .collect(),
            tags: spaces.tags.iter().map(|a| a.0).collect(),
        });
        Ok(Instance {
            module: Arc::clone(module),
            funcs: spaces.funcs,
            tables: spaces.tables,
            memories: spaces.memories,
            globals: spaces.globals,
            tags: spaces.tags,
            elems,
            data_dropped: vec![false; module.datas.len()],
            exports,
            vm,
        })
    }

    /// The module's own functions, appended to `funcs` (which holds the imports).
    fn alloc_funcs(
        &mut self,
        module: &Module,
        id: InstanceId,
        vmctx: usize,
        funcs: &mut Vec<FuncAddr>,
    ) -> Result<(), Trap> {
        for (index, &type_index) in module.funcs.iter().enumerate().skip(funcs.len()) {
            let ty = module
                .types
                .get(type_index as usize)
                .copied()
                .ok_or_else(|| Trap::Host(format!("unknown type {type_index}")))?;
            let sig = match self.registry.func_type(ty) {
                Some(sig) => sig,
                None => Arc::new(module.func_type_at(type_index).clone()),
            };
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let kind = FuncKind::Wasm {
                instance: id,
                index,
            };
            funcs.push(push_func(
                &mut self.funcs,
                FuncInst::new(ty, sig, kind, vmctx),
            ));
        }
        Ok(())
    }

    /// The module's own globals, initialized in order: each initializer sees
    /// the imported globals and the globals defined before it.
    fn alloc_globals(&mut self, module: &Module, spaces: &mut IndexSpaces) -> Result<(), Trap> {
        let defined = module.globals.iter().skip(spaces.globals.len());
        for (ty, init) in defined.zip(&module.global_inits) {
            let cx = ConstContext {
                funcs: &spaces.funcs,
                globals: &spaces.globals,
            };
            let raw = self.eval_const(init, &cx)?;
            spaces.globals.push(self.alloc_global_raw(*ty, raw));
        }
        Ok(())
    }

    fn alloc_tables_memories_tags(
        &mut self,
        module: &Module,
        spaces: &mut IndexSpaces,
    ) -> Result<(), Trap> {
        let defined_tables = module.tables.iter().skip(spaces.tables.len());
        for (ty, init) in defined_tables.zip(&module.table_inits) {
            let cx = ConstContext {
                funcs: &spaces.funcs,
                globals: &spaces.globals,
            };
            let raw = match init {
                Some(expr) => self.eval_const(expr, &cx)?,
                None => 0,
            };
            spaces.tables.push(self.alloc_table(*ty, raw)?);
        }
        for ty in module.memories.iter().skip(spaces.memories.len()) {
            spaces.memories.push(self.alloc_memory(*ty)?);
        }
        for ty in module.tags.iter().skip(spaces.tags.len()) {
            let sig = self
                .registry
                .func_type(ty.func_type)
                .ok_or_else(|| Trap::Host("tag type is not a function type".into()))?;
            spaces.tags.push(self.alloc_tag_with_id(ty.func_type, sig));
        }
        Ok(())
    }

    /// Steps 5 and 6: active and declared segments.
    fn init_segments(&mut self, id: InstanceId) -> Result<(), Trap> {
        let instance = &self.instances[id.0 as usize];
        let module = Arc::clone(&instance.module);
        for (index, seg) in module.elems.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            match &seg.mode {
                ElemMode::Passive => continue,
                ElemMode::Declared => {}
                ElemMode::Active { table, offset } => {
                    let instance = &self.instances[id.0 as usize];
                    let cx = ConstContext {
                        funcs: &instance.funcs,
                        globals: &instance.globals,
                    };
                    let dst = self.eval_const(offset, &cx)?;
                    let len = seg.items.len() as u64;
                    self.table_init(id, *table, index, dst, 0, len)?;
                }
            }
            self.elem_drop(id, index);
        }
        for (index, seg) in module.datas.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            if let DataMode::Active { memory, offset } = &seg.mode {
                let instance = &self.instances[id.0 as usize];
                let cx = ConstContext {
                    funcs: &instance.funcs,
                    globals: &instance.globals,
                };
                let dst = self.eval_const(offset, &cx)?;
                let len = seg.range.len() as u64;
                self.memory_init(id, *memory, index, dst, 0, len)?;
                self.data_drop(id, index);
            }
        }
        Ok(())
    }
}

/// An instance's index spaces while it is built: imports first, then the
/// module's own objects.
#[derive(Default)]
struct IndexSpaces {
    funcs: Vec<FuncAddr>,
    tables: Vec<TableAddr>,
    memories: Vec<MemAddr>,
    globals: Vec<GlobalAddr>,
    tags: Vec<TagAddr>,
}

impl IndexSpaces {
    fn of_imports(imports: &[Extern]) -> IndexSpaces {
        let mut spaces = IndexSpaces::default();
        for &ext in imports {
            match ext {
                Extern::Func(a) => spaces.funcs.push(a),
                Extern::Table(a) => spaces.tables.push(a),
                Extern::Memory(a) => spaces.memories.push(a),
                Extern::Global(a) => spaces.globals.push(a),
                Extern::Tag(a) => spaces.tags.push(a),
            }
        }
        spaces
    }

    /// The module's exports resolved to addresses.
    fn exports(&self, module: &Module) -> Result<HashMap<String, Extern>, Trap> {
        let mut exports = HashMap::with_capacity(module.exports.len());
        for export in &module.exports {
            let i = export.index as usize;
            let ext = match export.kind {
                ExternKind::Func => self.funcs.get(i).map(|&a| Extern::Func(a)),
                ExternKind::Table => self.tables.get(i).map(|&a| Extern::Table(a)),
                ExternKind::Memory => self.memories.get(i).map(|&a| Extern::Memory(a)),
                ExternKind::Global => self.globals.get(i).map(|&a| Extern::Global(a)),
                ExternKind::Tag => self.tags.get(i).map(|&a| Extern::Tag(a)),
            };
            let ext =
                ext.ok_or_else(|| Trap::Host(format!("export `{}` out of range", export.name)))?;
            exports.insert(export.name.clone(), ext);
        }
        Ok(exports)
    }
}
