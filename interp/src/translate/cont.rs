//! Stack-switching instructions: `cont.new`, `cont.bind`, `suspend`,
//! `resume`, `resume_throw`, `resume_throw_ref`, `switch`.
//!
//! ```text
//!   cont.new $ct             ──▶ ContNew                    funcref → contref
//!   cont.bind $ct1 $ct2      ──▶ ContBind(n)                n args + contref → contref
//!   suspend $tag             ──▶ Suspend(tag)               tag params → tag results
//!   resume $ct (on …)*       ──▶ Resume(site)               args + contref → results
//!   resume_throw $ct $tag …  ──▶ ResumeThrow(site)          tag fields + contref → results
//!   resume_throw_ref $ct …   ──▶ ResumeThrowRef(site)       exnref + contref → results
//!   switch $ct $tag          ──▶ Switch(site)               args + contref → the values
//!                                                            the next resume passes
//! ```
//! A site ([`ContSite`]) keeps the operand count and the handler table; its
//! `(on $tag $label)` labels are resolved with the other branch targets.

use super::{TranslateError, Translator, err};
use crate::cont::site::{ClauseKind, ContSite, ResumeClause, tag_bit};
use crate::op::Op;
use std::sync::Arc;
use wasmfx_core::types::CompositeType;
use wasmfx_core::{FuncType, HeapType, TagAddr, ValType};
use wasmparser::{Handle, Operator};

/// A handler clause whose label pc is not known yet: (tag, label id, height).
#[derive(Debug, Clone, Copy)]
pub(super) enum PendingClause {
    Label {
        tag: TagAddr,
        label: u32,
        height: u32,
    },
    Switch {
        tag: TagAddr,
    },
}

/// A [`ContSite`] whose labels still refer to label ids.
#[derive(Debug)]
pub(super) struct PendingSite {
    pub args: u32,
    pub tag: Option<TagAddr>,
    pub clauses: Vec<PendingClause>,
}

impl PendingSite {
    /// The site with label ids replaced by pcs.
    pub(super) fn resolve(&self, labels: &[u32]) -> ContSite {
        let clauses = self
            .clauses
            .iter()
            .map(|clause| match *clause {
                PendingClause::Label { tag, label, height } => ResumeClause {
                    tag,
                    kind: ClauseKind::Label {
                        target: labels.get(label as usize).copied().unwrap_or(u32::MAX),
                        height,
                    },
                },
                PendingClause::Switch { tag } => ResumeClause {
                    tag,
                    kind: ClauseKind::Switch,
                },
            })
            .collect::<Box<[ResumeClause]>>();
        let mask = (clauses.iter()).fold(0, |mask, clause| mask | tag_bit(clause.tag));
        ContSite {
            args: self.args,
            tag: self.tag,
            clauses,
            mask,
        }
    }
}

impl Translator<'_> {
    /// Translates stack-switching instructions; `false` if `op` is not one.
    pub(super) fn translate_cont(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        match *op {
            Operator::ContNew { .. } => self.emit_effect(Op::ContNew, 1, 1)?,
            Operator::ContBind {
                argument_index,
                result_index,
            } => {
                let from = self.cont_func(argument_index)?.params.len() as u32;
                let to = self.cont_func(result_index)?.params.len() as u32;
                let bound = from
                    .checked_sub(to)
                    .ok_or_else(|| err("cont.bind adds parameters"))?;
                self.emit_effect(Op::ContBind(bound), bound + 1, 1)?;
            }
            Operator::Suspend { tag_index } => {
                let tag = self.tag_addr(tag_index)?;
                let sig = &self.store.tags[tag.0 as usize].sig;
                let (params, results) = (sig.params.len() as u32, sig.results.len() as u32);
                self.emit_effect(Op::Suspend(tag), params, results)?;
            }
            Operator::Resume {
                cont_type_index,
                ref resume_table,
            } => {
                let ft = self.cont_func(cont_type_index)?;
                let args = ft.params.len() as u32;
                let site = self.add_site(args, None, &resume_table.handlers)?;
                self.emit_effect(Op::Resume(site), args + 1, ft.results.len() as u32)?;
            }
            Operator::ResumeThrow {
                cont_type_index,
                tag_index,
                ref resume_table,
            } => {
                let results = self.cont_func(cont_type_index)?.results.len() as u32;
                let tag = self.tag_addr(tag_index)?;
                let args = self.store.tags[tag.0 as usize].sig.params.len() as u32;
                let site = self.add_site(args, Some(tag), &resume_table.handlers)?;
                self.emit_effect(Op::ResumeThrow(site), args + 1, results)?;
            }
            Operator::ResumeThrowRef {
                cont_type_index,
                ref resume_table,
            } => {
                let results = self.cont_func(cont_type_index)?.results.len() as u32;
                let site = self.add_site(1, None, &resume_table.handlers)?;
                self.emit_effect(Op::ResumeThrowRef(site), 2, results)?;
            }
            Operator::Switch {
                cont_type_index,
                tag_index,
            } => {
                let ft = self.cont_func(cont_type_index)?;
                // The target's last parameter is the continuation of the
                // switcher; its parameters are what `switch` returns.
                let args = (ft.params.len() as u32)
                    .checked_sub(1)
                    .ok_or_else(|| err("switch target takes no continuation"))?;
                let returned = match ft.params.last() {
                    Some(&ValType::Ref(rt)) => self.cont_func_of_heap(rt.heap)?,
                    _ => return Err(err("switch target takes no continuation")),
                };
                let tag = self.tag_addr(tag_index)?;
                let site = self.add_site(args, Some(tag), &[])?;
                self.emit_effect(Op::Switch(site), args + 1, returned.params.len() as u32)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Records a site with the handler clauses `handlers`; returns its index.
    fn add_site(
        &mut self,
        args: u32,
        tag: Option<TagAddr>,
        handlers: &[Handle],
    ) -> Result<u32, TranslateError> {
        let mut clauses = Vec::with_capacity(handlers.len());
        for handle in handlers {
            clauses.push(match *handle {
                Handle::OnLabel { tag, label } => {
                    let control = self.control_at(label)?;
                    PendingClause::Label {
                        tag: self.tag_addr(tag)?,
                        label: control.label,
                        height: self.num_locals + control.height,
                    }
                }
                Handle::OnSwitch { tag } => PendingClause::Switch {
                    tag: self.tag_addr(tag)?,
                },
            });
        }
        let index = u32::try_from(self.cont_sites.len()).map_err(|_| err("too many sites"))?;
        self.cont_sites.push(PendingSite { args, tag, clauses });
        Ok(index)
    }

    /// The function type of continuation type `index` (module index).
    fn cont_func(&self, index: u32) -> Result<Arc<FuncType>, TranslateError> {
        match self.module.type_defs.get(index as usize) {
            Some(CompositeType::Cont(ft)) => self
                .store
                .registry
                .func_type(*ft)
                .ok_or_else(|| err("continuation over a non-function type")),
            _ => Err(err("not a continuation type")),
        }
    }

    /// The function type of the continuation type `heap` (canonical).
    fn cont_func_of_heap(&self, heap: HeapType) -> Result<Arc<FuncType>, TranslateError> {
        let HeapType::Concrete(id) = heap else {
            return Err(err("not a concrete continuation type"));
        };
        let registry = &self.store.registry;
        registry
            .cont_func_type(id)
            .and_then(|ft| registry.func_type(ft))
            .ok_or_else(|| err("not a continuation type"))
    }
}
