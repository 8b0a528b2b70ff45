//! Exceptions: `throw`, `throw_ref` and `try_table`.
//!
//! An exception in flight is the store runtime's `pending_exn` (a raw
//! exnref). `throw` asks a libcall to allocate it and set it pending;
//! `throw_ref` sets it directly. Compiled frames unwind by returning: after
//! every call, a non-zero `pending_exn` branches to the innermost
//! `try_table` dispatch block of the function, or to the unwind block that
//! returns zeros to the caller (which checks in turn). The host entry turns
//! an exception still pending at the end into `Trap::UncaughtException`.
//!
//! ```text
//!   call f ──▶ pending? ──no──▶ next instruction
//!                 │yes
//!                 ▼
//!   dispatch (innermost try_table):
//!     catch $t l:     catch_matches(vmctx, t)? ─yes─▶ take_exception → fields → br l
//!     catch_ref $t l:        "                   ─yes─▶ ... fields, exnref → br l
//!     catch_all l:    clear pending → br l       catch_all_ref l: ... exnref → br l
//!     no clause:      ─▶ enclosing try_table's dispatch, or unwind: return zeros
//! ```
//! Clause labels count from the `try_table`'s enclosing block, so the
//! dispatch is emitted at the `try_table`'s `end`, when its frame is gone.

use super::{CompileError, FrameKind, FuncTranslator, bad};
use crate::libcalls::Libcall;
use crate::{traps, vmruntime};
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, MemFlagsData, Value};
use wasmparser::{Catch, Operator};

/// A catch clause of a `try_table`, as the translator keeps it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Clause {
    /// `catch $tag l` (`with_ref`: `catch_ref`).
    Tag {
        tag: u32,
        label: u32,
        with_ref: bool,
    },
    /// `catch_all l` (`with_ref`: `catch_all_ref`).
    All { label: u32, with_ref: bool },
}

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_exception(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match op {
            Operator::Throw { tag_index } => {
                let n = self.tag_params(*tag_index)?.len();
                let fields = self.pop_n(n)?;
                let buffer = self.slot_buffer(n);
                self.store_raw(buffer, &fields);
                let tag = self.b.ins().iconst(I32, i64::from(*tag_index));
                self.libcall(Libcall::Throw, &[tag, buffer]);
                let target = self.handler_target();
                self.jump(target, &[]);
                self.reachable = false;
            }
            Operator::ThrowRef => {
                let exn = self.pop()?;
                self.b.ins().trapz(exn, traps::NULL_EXCEPTION_REFERENCE);
                let runtime = self.runtime_record();
                (self.b.ins()).store(
                    MemFlagsData::trusted(),
                    exn,
                    runtime,
                    vmruntime::PENDING_EXN,
                );
                let target = self.handler_target();
                self.jump(target, &[]);
                self.reachable = false;
            }
            Operator::TryTable { try_table } => {
                let (params, results) = self.block_type(try_table.ty)?;
                let mut clauses = Vec::with_capacity(try_table.catches.len());
                for catch in &try_table.catches {
                    clauses.push(match *catch {
                        Catch::One { tag, label } => Clause::Tag {
                            tag,
                            label,
                            with_ref: false,
                        },
                        Catch::OneRef { tag, label } => Clause::Tag {
                            tag,
                            label,
                            with_ref: true,
                        },
                        Catch::All { label } => Clause::All {
                            label,
                            with_ref: false,
                        },
                        Catch::AllRef { label } => Clause::All {
                            label,
                            with_ref: true,
                        },
                    });
                }
                let end = self.new_block(&results);
                let handler = self.b.create_block();
                self.b.set_cold_block(handler);
                let kind = FrameKind::TryTable {
                    handler,
                    used: false,
                    clauses,
                };
                let height = self
                    .stack
                    .len()
                    .checked_sub(params.len())
                    .ok_or_else(|| bad("block params"))?;
                self.frames.push(super::Frame {
                    kind,
                    label: end,
                    end,
                    params,
                    results,
                    height,
                    end_reachable: false,
                });
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// After a call: branches to the handler when an exception is pending.
    /// Also reloads the memory cache first: the callee may have grown it.
    pub(super) fn check_pending(&mut self) {
        let next = self.b.create_block();
        self.check_pending_then(next, &[]);
    }

    /// [`Self::check_pending`], going on to `next` with `args`, which it
    /// switches to.
    pub(super) fn check_pending_then(&mut self, next: Block, args: &[BlockArg]) {
        self.reload_memory_cache();
        let runtime = self.runtime_record();
        let pending = self.load_field(I64, runtime, vmruntime::PENDING_EXN);
        let target = self.handler_target();
        self.b.ins().brif(pending, target, &[], next, args);
        self.b.switch_to_block(next);
    }

    /// Where a pending exception goes from here: the innermost try_table's
    /// dispatch block, else the unwind block.
    fn handler_target(&mut self) -> Block {
        for frame in self.frames.iter_mut().rev() {
            if let FrameKind::TryTable { handler, used, .. } = &mut frame.kind {
                *used = true;
                return *handler;
            }
        }
        self.unwind_block()
    }

    pub(super) fn unwind_block(&mut self) -> Block {
        *self
            .unwind_block
            .get_or_insert_with(|| self.b.create_block())
    }

    /// Fills a try_table's dispatch block (see the module doc); the frames
    /// above the try_table's are the clause labels' frames.
    pub(super) fn emit_catch_dispatch(
        &mut self,
        handler: Block,
        clauses: &[Clause],
    ) -> Result<(), CompileError> {
        self.b.switch_to_block(handler);
        for &clause in clauses {
            match clause {
                Clause::Tag {
                    tag,
                    label,
                    with_ref,
                } => {
                    let tag_const = self.b.ins().iconst(I32, i64::from(tag));
                    let matches = self
                        .libcall(Libcall::CatchMatches, &[tag_const])
                        .ok_or_else(|| bad("catch"))?;
                    let take = self.b.create_block();
                    let next = self.b.create_block();
                    self.b.ins().brif(matches, take, &[], next, &[]);
                    self.b.switch_to_block(take);
                    let types = self.types_of(&self.tag_params(tag)?)?;
                    let buffer = self.slot_buffer(types.len());
                    let exn = self
                        .libcall(Libcall::TakeException, &[buffer])
                        .ok_or_else(|| bad("catch"))?;
                    let mut args = self.load_raw(buffer, &types);
                    if with_ref {
                        args.push(exn);
                    }
                    self.catch_branch(label, &args)?;
                    self.b.switch_to_block(next);
                }
                Clause::All { label, with_ref } => {
                    let runtime = self.runtime_record();
                    let exn = self.load_field(I64, runtime, vmruntime::PENDING_EXN);
                    let zero = self.b.ins().iconst(I64, 0);
                    let flags = MemFlagsData::trusted();
                    (self.b.ins()).store(flags, zero, runtime, vmruntime::PENDING_EXN);
                    let args: Vec<Value> = if with_ref { vec![exn] } else { Vec::new() };
                    return self.catch_branch(label, &args);
                }
            }
        }
        let outer = self.handler_target();
        self.jump(outer, &[]);
        Ok(())
    }

    /// Branches to label `depth` (from the current frames) with `args`.
    pub(super) fn catch_branch(&mut self, depth: u32, args: &[Value]) -> Result<(), CompileError> {
        let i = self
            .frames
            .len()
            .checked_sub(depth as usize + 1)
            .ok_or_else(|| bad("catch label"))?;
        let frame = &mut self.frames[i];
        if !matches!(frame.kind, FrameKind::Loop) {
            frame.end_reachable = true;
        }
        let label = frame.label;
        self.jump(label, args);
        Ok(())
    }

    fn tag_params(&self, tag: u32) -> Result<Vec<wasmfx_core::ValType>, CompileError> {
        let module = self.env.module;
        let ty = module
            .tags
            .get(tag as usize)
            .ok_or_else(|| bad("no such tag"))?;
        let ft = module
            .registry
            .func_type(ty.func_type)
            .ok_or_else(|| bad("tag type"))?;
        Ok(ft.params.to_vec())
    }
}
