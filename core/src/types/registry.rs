//! The engine-wide canonical type registry.
//!
//! Every module registers its type section here, one recursion group at a
//! time. Groups are hash-consed by their structural `RecGroupKey`: the first
//! time a group is seen its types get fresh consecutive ids, and every later
//! equal group (in this or any other module) gets the same ids back. So type
//! equivalence is `TypeId` equality, across modules.
//!
//! ```text
//!   TypeRegistry ── RwLock ── RegistryInner
//!                               ├─ types:  Vec<TypeEntry>     indexed by TypeId.0
//!                               │            composite shape (canonical ids inside),
//!                               │            declared supertype, final flag
//!                               └─ groups: HashMap<RecGroupKey, TypeId of first type>
//! ```
//!
//! Entries are never removed: ids stay valid for the life of the engine.
//! Subtyping queries live in `registry/subtyping.rs`.

mod key;
mod subtyping;
#[cfg(test)]
mod tests;

use crate::module::ModuleError;
use crate::types::{CompositeType, FuncType, TypeId};
use key::{KeyBuilder, RecGroupKey, Resolver};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use wasmparser as wp;

/// Canonical types shared by every module of an engine.
#[derive(Debug, Default)]
pub struct TypeRegistry {
    inner: RwLock<RegistryInner>,
}

#[derive(Debug, Default)]
struct RegistryInner {
    types: Vec<TypeEntry>,
    groups: HashMap<RecGroupKey, TypeId>,
}

/// One canonical type.
#[derive(Debug)]
struct TypeEntry {
    composite: CompositeType,
    /// The same function type, shared, when `composite` is a function.
    func: Option<Arc<FuncType>>,
    supertype: Option<TypeId>,
    is_final: bool,
}

/// A module's type section after registration, by module type index.
#[derive(Debug, Clone, Default)]
pub struct ModuleTypes {
    pub ids: Vec<TypeId>,
    pub defs: Vec<CompositeType>,
}

impl TypeRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a module's whole type section (its recursion groups in
    /// order, with module-relative indices as the parser produces them).
    ///
    /// # Errors
    /// A type index that points past the types defined so far (the validator
    /// rejects those first, so this only guards unvalidated input).
    pub fn register_module_types<'a>(
        &self,
        groups: impl IntoIterator<Item = &'a wp::RecGroup>,
    ) -> Result<ModuleTypes, ModuleError> {
        let mut module = ModuleTypes::default();
        for group in groups {
            let ids = self.register_rec_group(group, &module.ids)?;
            for &id in &ids {
                module.defs.push(self.composite(id));
            }
            module.ids.extend(ids);
        }
        Ok(module)
    }

    /// Registers one recursion group whose first type has module index
    /// `earlier.len()`; `earlier` holds the canonical ids of the module's
    /// preceding types. Returns the group's canonical ids, in order.
    ///
    /// # Errors
    /// As for [`TypeRegistry::register_module_types`].
    pub fn register_rec_group(
        &self,
        group: &wp::RecGroup,
        earlier: &[TypeId],
    ) -> Result<Vec<TypeId>, ModuleError> {
        let too_many = || ModuleError {
            message: "too many types".into(),
            offset: None,
        };
        let builder = KeyBuilder {
            earlier,
            group_start: u32::try_from(earlier.len()).map_err(|_| too_many())?,
            group_len: u32::try_from(group.types().len()).map_err(|_| too_many())?,
        };
        let first = self.write().intern(builder.group(group)?)?;
        Ok((0..builder.group_len)
            .map(|pos| TypeId(first.0 + pos))
            .collect())
    }

    /// Registers a host function type as its own (final, supertype-free)
    /// recursion group, so it gets the same id as an equal singleton group
    /// declared by any module.
    ///
    /// # Panics
    /// If the registry has run out of 32-bit type ids.
    pub fn register_func_type(&self, ty: &FuncType) -> TypeId {
        let key = RecGroupKey(Box::new([key::func_sub_type(ty)]));
        match self.write().intern(key) {
            Ok(id) => id,
            Err(e) => panic!("type registry exhausted: {e}"),
        }
    }

    /// The shape of a canonical type.
    ///
    /// # Panics
    /// If `id` did not come from this registry.
    pub fn composite(&self, id: TypeId) -> CompositeType {
        self.read().entry(id).composite.clone()
    }

    /// The function type `id`, or `None` if `id` is not a function type.
    pub fn func_type(&self, id: TypeId) -> Option<Arc<FuncType>> {
        self.read().types.get(id.0 as usize)?.func.clone()
    }

    /// For a continuation type `cont $ft`: the id of `$ft`.
    pub fn cont_func_type(&self, id: TypeId) -> Option<TypeId> {
        match self.read().types.get(id.0 as usize)?.composite {
            CompositeType::Cont(ft) => Some(ft),
            _ => None,
        }
    }

    /// The declared (canonical) supertype of `id`, if any.
    pub fn supertype(&self, id: TypeId) -> Option<TypeId> {
        self.read().types.get(id.0 as usize)?.supertype
    }

    /// Whether `id` was declared `final` (no type may name it as supertype).
    pub fn is_final(&self, id: TypeId) -> bool {
        self.read()
            .types
            .get(id.0 as usize)
            .is_some_and(|e| e.is_final)
    }

    /// How many canonical types exist.
    pub fn len(&self) -> usize {
        self.read().types.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    // A panic while holding the lock cannot leave a half-inserted group
    // visible: `insert_group` pushes entries before publishing the key, so
    // a poisoned lock is still consistent.
    fn read(&self) -> RwLockReadGuard<'_, RegistryInner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, RegistryInner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl RegistryInner {
    fn entry(&self, id: TypeId) -> &TypeEntry {
        match self.types.get(id.0 as usize) {
            Some(entry) => entry,
            None => panic!("type id {} is not from this registry", id.0),
        }
    }

    /// The id of the first type of the group `key`, registering it if new.
    fn intern(&mut self, key: RecGroupKey) -> Result<TypeId, ModuleError> {
        match self.groups.get(&key) {
            Some(&first) => Ok(first),
            None => self.insert_group(key),
        }
    }

    /// Gives a new group consecutive ids and records its key.
    fn insert_group(&mut self, key: RecGroupKey) -> Result<TypeId, ModuleError> {
        let first = u32::try_from(self.types.len())
            .ok()
            .filter(|first| first.checked_add(key.0.len() as u32).is_some())
            .map(TypeId)
            .ok_or_else(|| ModuleError {
                message: "too many types".into(),
                offset: None,
            })?;
        let resolver = Resolver { first };
        for sub in key.0.iter() {
            let composite = resolver.composite(&sub.composite);
            let func = match &composite {
                CompositeType::Func(f) => Some(Arc::new(f.clone())),
                _ => None,
            };
            self.types.push(TypeEntry {
                composite,
                func,
                supertype: sub.supertype.map(|s| resolver.type_ref(s)),
                is_final: sub.is_final,
            });
        }
        self.groups.insert(key, first);
        Ok(first)
    }
}
