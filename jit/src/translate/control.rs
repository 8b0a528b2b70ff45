//! Structured control: `block`, `loop`, `if`/`else`, `end`, the branches and
//! `return`, and skipping unreachable code.
//!
//! ```text
//!   block bt ... end          loop bt ... end           if bt ... else ... end
//!   ┌─────────┐               ┌─▶ header(params) ◀─┐    brif c ─▶ then ─┐
//!   │  body   │ br 0 ─┐       │     body    br 0 ──┘        └──▶ else ──┤
//!   └─────────┘       ▼       │     ...                               ▼
//!      end(results) ◀─┘       └─▶ end(results)                   end(results)
//! ```
//!
//! A branch passes the top values of the operand stack as block arguments:
//! a loop's params, any other construct's results. Code after an
//! unconditional transfer is skipped until the `else`/`end` of its
//! construct; blocks opened meanwhile are only counted.

use super::{CompileError, Frame, FrameKind, FuncTranslator, bad};
use cranelift_codegen::ir::{Block, BlockArg, InstBuilder, JumpTableData, Type, Value};
use wasmparser::{BlockType, Operator};

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_control(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::Nop => {}
            Operator::Unreachable => {
                self.b.ins().trap(crate::traps::UNREACHABLE);
                self.reachable = false;
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let end = self.new_block(&results);
                self.push_frame(FrameKind::Block, end, end, params, results)?;
            }
            Operator::Loop { blockty } => {
                self.osr_at_loop()?;
                let (params, results) = self.block_type(blockty)?;
                let header = self.new_block(&params);
                let end = self.new_block(&results);
                let args = self.pop_n(params.len())?;
                self.jump(header, &args);
                self.b.switch_to_block(header);
                self.stack.extend_from_slice(self.b.block_params(header));
                self.interrupt_check();
                self.push_frame(FrameKind::Loop, header, end, params, results)?;
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(blockty)?;
                let cond = self.pop()?;
                let then_block = self.b.create_block();
                let else_block = self.new_block(&params);
                let end = self.new_block(&results);
                let args: Vec<BlockArg> = self
                    .peek_n(params.len())?
                    .iter()
                    .map(|&v| v.into())
                    .collect();
                self.b.ins().brif(cond, then_block, &[], else_block, &args);
                self.b.switch_to_block(then_block);
                let kind = FrameKind::If {
                    else_block,
                    has_else: false,
                };
                self.push_frame(kind, end, end, params, results)?;
            }
            Operator::Else => self.translate_else()?,
            Operator::End => self.translate_end()?,
            Operator::Br { relative_depth } => {
                self.branch(relative_depth)?;
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop()?;
                self.branch_if(cond, relative_depth)?;
            }
            Operator::BrOnNull { relative_depth } => {
                // Null: drop it and branch; else keep it and fall through.
                let r = self.pop()?;
                let is_null =
                    self.b
                        .ins()
                        .icmp_imm_s(cranelift_codegen::ir::condcodes::IntCC::Equal, r, 0);
                self.branch_if(is_null, relative_depth)?;
                self.push(r);
            }
            Operator::BrOnNonNull { relative_depth } => {
                // Non-null: branch with it; else drop it and fall through.
                let r = *self
                    .stack
                    .last()
                    .ok_or_else(|| bad("operand stack underflow"))?;
                self.branch_if(r, relative_depth)?;
                self.pop()?;
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop()?;
                let mut depths = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    depths.push(depth?);
                }
                // One stub block per distinct depth: jump table entries take
                // no arguments, the stubs pass them on.
                let mut stubs: Vec<(u32, Block)> = Vec::new();
                let mut stub_for =
                    |t: &mut Self, depth: u32| match stubs.iter().find(|(d, _)| *d == depth) {
                        Some(&(_, s)) => s,
                        None => {
                            let s = t.b.create_block();
                            stubs.push((depth, s));
                            s
                        }
                    };
                let default = stub_for(self, targets.default());
                let entries: Vec<Block> = depths.iter().map(|&d| stub_for(self, d)).collect();
                let calls: Vec<_> = entries
                    .iter()
                    .map(|&s| self.b.func.dfg.block_call(s, &[]))
                    .collect();
                let default = self.b.func.dfg.block_call(default, &[]);
                let table = self
                    .b
                    .create_jump_table(JumpTableData::new(default, &calls));
                self.b.ins().br_table(index, table);
                for (depth, stub) in stubs {
                    self.b.switch_to_block(stub);
                    self.branch(depth)?;
                }
                self.reachable = false;
            }
            Operator::Return => {
                let results = self.peek_n(self.results.len())?.to_vec();
                let end = self.frames[0].end;
                self.frames[0].end_reachable = true;
                self.jump(end, &results);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// In unreachable code: counts nested blocks, resumes at `else`/`end`.
    pub(super) fn translate_unreachable(&mut self, op: &Operator<'_>) -> Result<(), CompileError> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => self.dead_depth += 1,
            Operator::End | Operator::Delegate { .. } if self.dead_depth > 0 => {
                self.dead_depth -= 1
            }
            Operator::Else if self.dead_depth == 0 => self.translate_else()?,
            Operator::End if self.dead_depth == 0 => self.translate_end()?,
            _ => {}
        }
        Ok(())
    }

    fn translate_else(&mut self) -> Result<(), CompileError> {
        let reachable = self.reachable;
        let frame = self
            .frames
            .last_mut()
            .ok_or_else(|| bad("else outside if"))?;
        let FrameKind::If {
            else_block,
            has_else,
        } = &mut frame.kind
        else {
            return Err(bad("else outside if"));
        };
        *has_else = true;
        let (else_block, end, height, n) =
            (*else_block, frame.end, frame.height, frame.results.len());
        if reachable {
            frame.end_reachable = true;
            let results = self.pop_n(n)?;
            self.jump(end, &results);
        }
        self.stack.truncate(height);
        self.b.switch_to_block(else_block);
        self.stack
            .extend_from_slice(self.b.block_params(else_block));
        self.reachable = true;
        Ok(())
    }

    fn translate_end(&mut self) -> Result<(), CompileError> {
        let mut frame = self.frames.pop().ok_or_else(|| bad("unbalanced end"))?;
        if self.reachable {
            let results = self.pop_n(frame.results.len())?;
            self.jump(frame.end, &results);
            frame.end_reachable = true;
        }
        self.stack.truncate(frame.height);
        match frame.kind {
            FrameKind::If {
                else_block,
                has_else: false,
            } => {
                // No else arm: the params flow through unchanged.
                self.b.switch_to_block(else_block);
                let params = self.b.block_params(else_block).to_vec();
                self.jump(frame.end, &params);
                frame.end_reachable = true;
            }
            FrameKind::TryTable {
                handler,
                used: true,
                ref clauses,
            } => {
                let clauses = clauses.clone();
                self.emit_catch_dispatch(handler, &clauses)?;
            }
            _ => {}
        }
        self.b.switch_to_block(frame.end);
        if let FrameKind::Function = frame.kind {
            let results = self.b.block_params(frame.end).to_vec();
            self.b.ins().return_(&results);
            self.reachable = false;
            return Ok(());
        }
        if frame.end_reachable {
            self.stack.extend_from_slice(self.b.block_params(frame.end));
            self.reachable = true;
        } else {
            // Nothing reaches the end: fill it so the function stays valid.
            self.b.ins().trap(crate::traps::UNREACHABLE);
            self.reachable = false;
        }
        Ok(())
    }

    /// Branches to the label at `depth` when `cond` is non-zero, passing its
    /// arity of top values; continues in a new block otherwise.
    fn branch_if(&mut self, cond: Value, depth: u32) -> Result<(), CompileError> {
        let (target, args) = self.branch_target(depth)?;
        let next = self.b.create_block();
        let args: Vec<BlockArg> = args.iter().map(|&v| v.into()).collect();
        self.b.ins().brif(cond, target, &args, next, &[]);
        self.b.switch_to_block(next);
        Ok(())
    }

    /// Jumps to the label at `depth` with its arity of top values.
    fn branch(&mut self, depth: u32) -> Result<(), CompileError> {
        let (target, args) = self.branch_target(depth)?;
        self.jump(target, &args);
        Ok(())
    }

    /// The block a branch to `depth` goes to and the values it passes
    /// (marks the frame's end reachable).
    pub(super) fn branch_target(
        &mut self,
        depth: u32,
    ) -> Result<(Block, Vec<Value>), CompileError> {
        let i = self
            .frames
            .len()
            .checked_sub(depth as usize + 1)
            .ok_or_else(|| bad("branch depth"))?;
        let frame = &mut self.frames[i];
        let arity = match frame.kind {
            FrameKind::Loop => frame.params.len(),
            _ => {
                frame.end_reachable = true;
                frame.results.len()
            }
        };
        let label = frame.label;
        Ok((label, self.peek_n(arity)?.to_vec()))
    }

    fn push_frame(
        &mut self,
        kind: FrameKind,
        label: Block,
        end: Block,
        params: Vec<Type>,
        results: Vec<Type>,
    ) -> Result<(), CompileError> {
        let height = self
            .stack
            .len()
            .checked_sub(params.len())
            .ok_or_else(|| bad("block params"))?;
        self.frames.push(Frame {
            kind,
            label,
            end,
            params,
            results,
            height,
            end_reachable: false,
        });
        Ok(())
    }

    pub(super) fn new_block(&mut self, params: &[Type]) -> Block {
        let block = self.b.create_block();
        for &ty in params {
            self.b.append_block_param(block, ty);
        }
        block
    }

    pub(super) fn block_type(&self, ty: BlockType) -> Result<(Vec<Type>, Vec<Type>), CompileError> {
        Ok(match ty {
            BlockType::Empty => (Vec::new(), Vec::new()),
            BlockType::Type(t) => (
                Vec::new(),
                vec![crate::abi::clif_type(super::variables::val_type(t)?)?],
            ),
            BlockType::FuncType(index) => {
                let ft = self.env.module.func_type_at(index);
                (self.types_of(&ft.params)?, self.types_of(&ft.results)?)
            }
        })
    }
}
