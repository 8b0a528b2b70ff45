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

use super::alloc::push;
use super::const_eval::ConstContext;
use super::{FuncAddr, FuncInst, FuncKind, Instance, InstanceId, Store};
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
        let mut funcs: Vec<FuncAddr> = Vec::with_capacity(module.funcs.len());
        let (mut tables, mut memories, mut globals, mut tags) = (vec![], vec![], vec![], vec![]);
        for &ext in imports {
            match ext {
                Extern::Func(a) => funcs.push(a),
                Extern::Table(a) => tables.push(a),
                Extern::Memory(a) => memories.push(a),
                Extern::Global(a) => globals.push(a),
                Extern::Tag(a) => tags.push(a),
            }
        }
        for (index, &type_index) in module.funcs.iter().enumerate().skip(funcs.len()) {
            let ty = type_id(module, type_index)?;
            let sig = match self.registry.func_type(ty) {
                Some(sig) => sig,
                None => Arc::new(module.func_type_at(type_index).clone()),
            };
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            let kind = FuncKind::Wasm {
                instance: id,
                index,
            };
            let func = FuncInst::new(ty, sig, kind, vm.ctx_addr());
            funcs.push(push(&mut self.funcs, func, FuncAddr));
        }
        for (ty, init) in module
            .globals
            .iter()
            .skip(globals.len())
            .zip(&module.global_inits)
        {
            let raw = self.eval_const(
                init,
                &ConstContext {
                    funcs: &funcs,
                    globals: &globals,
                },
            )?;
            globals.push(self.alloc_global_raw(*ty, raw));
        }
        let cx = ConstContext {
            funcs: &funcs,
            globals: &globals,
        };
        let defined_tables = module
            .tables
            .iter()
            .skip(tables.len())
            .zip(&module.table_inits);
        for (ty, init) in defined_tables {
            let raw = match init {
                Some(expr) => self.eval_const(expr, &cx)?,
                None => 0,
            };
            tables.push(self.alloc_table(*ty, raw)?);
        }
        for ty in module.memories.iter().skip(memories.len()) {
            memories.push(self.alloc_memory(*ty)?);
        }
        for ty in module.tags.iter().skip(tags.len()) {
            let sig = self
                .registry
                .func_type(ty.func_type)
                .ok_or_else(|| Trap::Host("tag type is not a function type".into()))?;
            tags.push(self.alloc_tag_with_id(ty.func_type, sig));
        }
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
        let mut exports = HashMap::with_capacity(module.exports.len());
        for export in &module.exports {
            let i = export.index as usize;
            let ext = match export.kind {
                ExternKind::Func => funcs.get(i).map(|&a| Extern::Func(a)),
                ExternKind::Table => tables.get(i).map(|&a| Extern::Table(a)),
                ExternKind::Memory => memories.get(i).map(|&a| Extern::Memory(a)),
                ExternKind::Global => globals.get(i).map(|&a| Extern::Global(a)),
                ExternKind::Tag => tags.get(i).map(|&a| Extern::Tag(a)),
            };
            let ext =
                ext.ok_or_else(|| Trap::Host(format!("export `{}` out of range", export.name)))?;
            exports.insert(export.name.clone(), ext);
        }
        vm.set_arrays(VmArrays {
            memories: memories
                .iter()
                .map(|&a| record_addr(self.memory(a).vm()))
                .collect(),
            tables: tables
                .iter()
                .map(|&a| record_addr(self.table(a).vm()))
                .collect(),
            globals: globals
                .iter()
                .map(|&a| record_addr(self.global(a).vm()))
                .collect(),
            funcs: funcs
                .iter()
                .map(|&a| record_addr(self.func(a).vm()))
                .collect(),
        });
        Ok(Instance {
            module: Arc::clone(module),
            data_dropped: vec![false; module.datas.len()],
            funcs,
            tables,
            memories,
            globals,
            tags,
            elems,
            exports,
            vm,
        })
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

/// The canonical id of module type `type_index`.
fn type_id(module: &Module, type_index: u32) -> Result<crate::types::TypeId, Trap> {
    module
        .types
        .get(type_index as usize)
        .copied()
        .ok_or_else(|| Trap::Host(format!("unknown type {type_index}")))
}
