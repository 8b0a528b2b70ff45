//! Structured control: blocks, loops, if/else, branches, `try_table`, return,
//! and the control frames ([`Control`]) the translator keeps for them.
//!
//! A block's label is resolved when it is known: a loop's at its start, any
//! other block's at its `end`. Branches record the stack effect from the
//! translator's height: the label keeps its arity's values and drops what
//! lies between them and the label's height.
//!
//! ```text
//!   if      ──▶ JumpIfZero(else or end)        then-ops …
//!   else    ──▶ Jump(end)                       else-ops …
//!   end     ──▶ (nothing; labels resolve here)
//! ```

use super::{TranslateError, Translator, UNKNOWN_PC, err};
use crate::code::CatchKind;
use crate::op::Op;
use wasmparser::{BlockType, Catch, Operator};

/// What kind of construct opened a control frame.
#[derive(Debug)]
pub(super) enum ControlKind {
    /// The function body itself (its label is the return point).
    Function,
    Block,
    Loop,
    /// `if`: the index of its `JumpIfZero` until an `else` patches it.
    If {
        jump_if_zero: Option<usize>,
    },
    /// `try_table`: where its range starts and its clauses.
    TryTable {
        start: u32,
        clauses: Vec<PendingClause>,
    },
}

/// A catch clause whose label pc is not known yet.
#[derive(Debug, Clone, Copy)]
pub(super) struct PendingClause {
    pub(super) kind: CatchKind,
    pub(super) label: u32,
    pub(super) height: u32,
}

/// A handler whose clauses still refer to label ids.
pub(super) struct PendingHandler {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) clauses: Vec<PendingClause>,
}

/// One open construct on the translator's control stack.
#[derive(Debug)]
pub(super) struct Control {
    pub(super) kind: ControlKind,
    /// Label id (index into `Translator::labels`).
    pub(super) label: u32,
    /// Operand height below the block's params.
    pub(super) height: u32,
    pub(super) params: u32,
    pub(super) results: u32,
}

impl Control {
    /// How many values a branch to this block's label carries.
    pub(super) fn branch_arity(&self) -> u32 {
        match self.kind {
            ControlKind::Loop => self.params,
            _ => self.results,
        }
    }
}

/// Which branching op to build.
#[derive(Clone, Copy)]
enum BranchKind {
    Br,
    BrIf,
    BrOnNull,
    BrOnNonNull,
}

impl Translator<'_> {
    /// Translates control instructions; `false` if `op` is not one.
    pub(super) fn translate_control(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        match *op {
            Operator::Unreachable => {
                self.emit(Op::Unreachable);
                self.unreachable = true;
            }
            Operator::Nop => {}
            Operator::Block { blockty } => self.push_control(ControlKind::Block, blockty)?,
            Operator::Loop { blockty } => {
                self.push_control(ControlKind::Loop, blockty)?;
                if self.options.loop_headers {
                    self.emit(Op::LoopHeader(self.offset));
                }
                if self.checks {
                    self.emit(Op::Check);
                }
            }
            Operator::If { blockty } => {
                self.pop(1)?;
                let at = self.emit(Op::JumpIfZero(UNKNOWN_PC));
                self.push_control(
                    ControlKind::If {
                        jump_if_zero: Some(at),
                    },
                    blockty,
                )?;
            }
            Operator::Else => self.translate_else()?,
            Operator::End => self.translate_end()?,
            Operator::Br { relative_depth } => {
                if relative_depth as usize + 1 == self.controls.len() {
                    self.emit(Op::Return);
                } else {
                    self.emit_branch(BranchKind::Br, relative_depth)?;
                }
                self.unreachable = true;
            }
            Operator::BrIf { relative_depth } => {
                self.pop(1)?;
                self.emit_branch(BranchKind::BrIf, relative_depth)?;
            }
            Operator::BrOnNull { relative_depth } => {
                // The reference is popped before branching and kept otherwise.
                self.pop(1)?;
                self.emit_branch(BranchKind::BrOnNull, relative_depth)?;
                self.push(1);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // The reference travels with the branch and is dropped otherwise.
                self.emit_branch(BranchKind::BrOnNonNull, relative_depth)?;
                self.pop(1)?;
            }
            Operator::BrTable { ref targets } => {
                self.pop(1)?;
                self.emit(Op::BrTable { len: targets.len() });
                for depth in targets.targets() {
                    self.emit_branch(BranchKind::Br, depth?)?;
                }
                self.emit_branch(BranchKind::Br, targets.default())?;
                self.unreachable = true;
            }
            Operator::Return => {
                self.emit(Op::Return);
                self.unreachable = true;
            }
            Operator::TryTable { ref try_table } => {
                let mut clauses = Vec::with_capacity(try_table.catches.len());
                for catch in &try_table.catches {
                    clauses.push(self.catch_clause(*catch)?);
                }
                let start = self.pc();
                self.push_control(ControlKind::TryTable { start, clauses }, try_table.ty)?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `(params, results)` of a block type.
    fn block_arity(&self, ty: BlockType) -> Result<(u32, u32), TranslateError> {
        Ok(match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(index) => {
                let ft = self.module.type_defs.get(index as usize);
                match ft {
                    Some(wasmfx_core::types::CompositeType::Func(f)) => {
                        (f.params.len() as u32, f.results.len() as u32)
                    }
                    _ => return Err(err("block type is not a function type")),
                }
            }
        })
    }

    fn push_control(&mut self, kind: ControlKind, ty: BlockType) -> Result<(), TranslateError> {
        let (params, results) = self.block_arity(ty)?;
        self.bind_here();
        let label = self.labels.len() as u32;
        let pc = if matches!(kind, ControlKind::Loop) {
            self.pc()
        } else {
            UNKNOWN_PC
        };
        self.labels.push(pc);
        let height = self
            .height
            .checked_sub(params)
            .ok_or_else(|| err("block params underflow the stack"))?;
        self.controls.push(Control {
            kind,
            label,
            height,
            params,
            results,
        });
        Ok(())
    }

    fn translate_else(&mut self) -> Result<(), TranslateError> {
        let Some(control) = self.controls.last_mut() else {
            return Err(err("else outside a block"));
        };
        let ControlKind::If { jump_if_zero } = &mut control.kind else {
            return Err(err("else outside an if"));
        };
        let pending = jump_if_zero.take();
        let (label, height) = (control.label, control.height + control.params);
        // The then-branch falls through to the end of the if.
        let at = self.emit(Op::Jump(UNKNOWN_PC));
        self.fixups.push((at, label));
        if let Some(at) = pending {
            let pc = self.pc();
            self.ops[at].set_target(pc);
        }
        self.bind_here();
        self.height = height;
        Ok(())
    }

    fn translate_end(&mut self) -> Result<(), TranslateError> {
        let control = self
            .controls
            .pop()
            .ok_or_else(|| err("end outside a block"))?;
        self.bind_here();
        let pc = self.pc();
        let is_loop = matches!(control.kind, ControlKind::Loop);
        let is_function = matches!(control.kind, ControlKind::Function);
        match control.kind {
            ControlKind::If {
                jump_if_zero: Some(at),
            } => self.ops[at].set_target(pc),
            ControlKind::TryTable { start, clauses } => {
                self.handlers.push(PendingHandler {
                    start,
                    end: pc,
                    clauses,
                });
            }
            _ => {}
        }
        if !is_loop {
            self.labels[control.label as usize] = pc;
        }
        self.height = control.height + control.results;
        self.max_height = self.max_height.max(self.height);
        if is_function {
            self.emit(Op::Return);
        }
        Ok(())
    }

    /// The control frame `depth` levels out.
    pub(super) fn control_at(&self, depth: u32) -> Result<&Control, TranslateError> {
        let index = self
            .controls
            .len()
            .checked_sub(depth as usize + 1)
            .ok_or_else(|| err("branch depth out of range"))?;
        Ok(&self.controls[index])
    }

    /// Emits a branch to the label `depth` levels out, from the current height.
    fn emit_branch(&mut self, kind: BranchKind, depth: u32) -> Result<(), TranslateError> {
        let control = self.control_at(depth)?;
        let keep = control.branch_arity();
        let label = control.label;
        let drop = self
            .height
            .checked_sub(control.height + keep)
            .ok_or_else(|| err("branch values underflow the stack"))?;
        let target = UNKNOWN_PC;
        let op = match kind {
            BranchKind::Br => Op::Br { target, drop, keep },
            BranchKind::BrIf => Op::BrIf { target, drop, keep },
            BranchKind::BrOnNull => Op::BrOnNull { target, drop, keep },
            BranchKind::BrOnNonNull => Op::BrOnNonNull { target, drop, keep },
        };
        let at = self.emit(op);
        self.fixups.push((at, label));
        Ok(())
    }

    /// A `try_table` clause, its label resolved outside the `try_table`.
    fn catch_clause(&self, catch: Catch) -> Result<PendingClause, TranslateError> {
        let (kind, depth) = match catch {
            Catch::One { tag, label } => (CatchKind::Tag(self.tag_addr(tag)?), label),
            Catch::OneRef { tag, label } => (CatchKind::TagRef(self.tag_addr(tag)?), label),
            Catch::All { label } => (CatchKind::All, label),
            Catch::AllRef { label } => (CatchKind::AllRef, label),
        };
        let control = self.control_at(depth)?;
        Ok(PendingClause {
            kind,
            label: control.label,
            height: self.num_locals + control.height,
        })
    }
}
