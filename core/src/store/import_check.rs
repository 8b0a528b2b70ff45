//! Import matching: does a store object fit the type a module declares for
//! an import? (The spec's "external type matching".)
//!
//! | kind   | rule |
//! |--------|------|
//! | func   | actual canonical type <: declared type |
//! | table  | limits subsume, element types equivalent, same index type |
//! | memory | limits subsume, same index type, same `shared` flag |
//! | global | same mutability; mutable: equivalent types; immutable: actual <: declared |
//! | tag    | equivalent (same canonical) function types |
//!
//! Limits subsume when the actual minimum (the object's *current* size) is at
//! least the declared one, and, if a maximum is declared, the actual maximum
//! exists and is at most it.

use super::Store;
use crate::linker::{Extern, LinkError};
use crate::module::{ExternType, Import, Limits, Module};

impl Store {
    /// Checks that `ext` may satisfy `import` of `module`.
    ///
    /// # Errors
    /// `LinkError("incompatible import type ...")` naming the import.
    pub fn check_import(
        &self,
        module: &Module,
        import: &Import,
        ext: Extern,
    ) -> Result<(), LinkError> {
        if self.import_matches(module, import.ty, ext) {
            Ok(())
        } else {
            Err(LinkError(format!(
                "incompatible import type for `{}::{}`",
                import.module, import.name
            )))
        }
    }

    fn import_matches(&self, module: &Module, declared: ExternType, ext: Extern) -> bool {
        let reg = &self.registry;
        match (declared, ext) {
            (ExternType::Func(type_index), Extern::Func(addr)) => {
                match (
                    module.types.get(type_index as usize),
                    self.funcs.get(addr.0 as usize),
                ) {
                    (Some(&want), Some(func)) => reg.is_subtype(func.ty, want),
                    _ => false,
                }
            }
            (ExternType::Table(want), Extern::Table(addr)) => {
                let Some(table) = self.tables.get(addr.0 as usize) else {
                    return false;
                };
                let have = table.ty;
                limits_match(
                    Limits {
                        min: table.size(),
                        max: have.limits.max,
                    },
                    want.limits,
                ) && have.table64 == want.table64
                    && reg.ref_type_matches(have.elem, want.elem)
                    && reg.ref_type_matches(want.elem, have.elem)
            }
            (ExternType::Memory(want), Extern::Memory(addr)) => {
                let Some(mem) = self.memories.get(addr.0 as usize) else {
                    return false;
                };
                let have = mem.ty;
                limits_match(
                    Limits {
                        min: mem.size_pages(),
                        max: have.limits.max,
                    },
                    want.limits,
                ) && have.memory64 == want.memory64
                    && have.shared == want.shared
            }
            (ExternType::Global(want), Extern::Global(addr)) => {
                let Some(global) = self.globals.get(addr.0 as usize) else {
                    return false;
                };
                let have = global.ty;
                have.mutable == want.mutable
                    && reg.val_type_matches(have.content, want.content)
                    && (!want.mutable || reg.val_type_matches(want.content, have.content))
            }
            (ExternType::Tag(want), Extern::Tag(addr)) => self
                .tags
                .get(addr.0 as usize)
                .is_some_and(|tag| tag.ty == want.func_type),
            _ => false,
        }
    }
}

fn limits_match(have: Limits, want: Limits) -> bool {
    have.min >= want.min
        && match (have.max, want.max) {
            (_, None) => true,
            (Some(have_max), Some(want_max)) => have_max <= want_max,
            (None, Some(_)) => false,
        }
}
