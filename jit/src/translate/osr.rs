//! On-stack replacement entries: a function compiled to start at one of
//! its loops, with the locals and operand stack of an interpreted frame.
//!
//! ```text
//!   fn osr(vmctx, frame: *const u64) -> results      (Wasm ABI, type (i64) -> results)
//!
//!   entry: locals[i] = frame[i]                      (params, then declared locals)
//!          memory 0 cache, runtime record
//!          brif 0, start, load      while translating; then `jump load`
//!   load:  (emitted at the loop) operands[j] = frame[num_locals + j]
//!          jump pre(operands)
//!   start: the function from its first op, as usual (dead at run time; it
//!          keeps every block reachable from the entry while translating)
//!   ...    at the target `loop` (by its operator's offset in the module):
//!          jump pre(operand stack)
//!   pre(operand stack): the operand stack becomes pre's params, and the loop
//!          is translated as usual: the header's first predecessor is pre
//! ```
//! Locals are frontend variables, so defining them in the entry is all the
//! SSA construction needs: at `pre` they merge the dead path's values with
//! the frame's.
//!
//! Once translated, the entry's branch becomes a jump to `load`
//! ([`OsrTarget::cut_dead_path`]) and Cranelift drops the path from the
//! first op. With that path, a loop around the target has two entries,
//! its own header and `pre`: an irreducible loop, which Cranelift's loop
//! analysis does not see, so the values of the loops were allocated as if
//! outside any loop (`cont_sieve` with its driver entered at the inner loop
//! ran 1.9% more instructions than with the driver compiled from its
//! start; 0.6% with the cut). Without the path, `pre` heads the
//! enclosing loops' cycle, entered nowhere else. Blocks the dead path
//! dominated die with it, so no value of theirs is used by a block that
//! stays.

use super::{CompileError, FuncTranslator, bad};
use cranelift_codegen::ir::types::I32;
use cranelift_codegen::ir::{
    Block, BlockArg, Function, Inst, InstBuilder, MemFlagsData, Type, Value,
};

/// The loop an OSR translation enters, and the entry that loads the frame.
pub(crate) struct OsrTarget {
    /// Offset of the `loop` operator in the module's bytes.
    pub offset: usize,
    /// Loads the operands and joins the loop (filled at the loop).
    pub load: Block,
    /// The entry's `brif 0, start, load`.
    pub branch: Inst,
    /// The frame buffer (the entry's second param).
    pub frame: Value,
    pub num_locals: usize,
    pub reached: bool,
}

impl FuncTranslator<'_, '_> {
    /// Defines every local from the frame buffer, then moves on to a fresh
    /// block where the function's first op is translated (see the module
    /// doc). Called after the locals are declared and memory 0 cached.
    pub(super) fn begin_osr(&mut self, offset: usize) -> Result<(), CompileError> {
        let entry = self
            .b
            .current_block()
            .ok_or_else(|| bad("no entry block"))?;
        let frame = *self
            .b
            .block_params(entry)
            .get(1)
            .ok_or_else(|| bad("an OSR entry takes the frame"))?;
        for (i, &var) in self.locals.clone().iter().enumerate() {
            let ty = self.local_type(i)?;
            let value = self
                .b
                .ins()
                .load(ty, MemFlagsData::trusted(), frame, slot(i)?);
            self.b.def_var(var, value);
        }
        let start = self.b.create_block();
        let load = self.b.create_block();
        let never = self.b.ins().iconst(I32, 0);
        let branch = self.b.ins().brif(never, start, &[], load, &[]);
        self.osr = Some(OsrTarget {
            offset,
            load,
            branch,
            frame,
            num_locals: self.locals.len(),
            reached: false,
        });
        self.b.switch_to_block(start);
        Ok(())
    }

    /// At a `loop` operator: when it is the OSR target, joins the entry's
    /// path to the running one before the loop (see the module doc).
    pub(super) fn osr_at_loop(&mut self) -> Result<(), CompileError> {
        let Some(target) = &self.osr else {
            return Ok(());
        };
        if target.offset != self.offset || target.reached {
            return Ok(());
        }
        // Operands beneath the loop become the pre-header's params, which
        // do not dominate the end of an enclosing frame that a path from
        // before the loop reaches (an `if`'s else edge from the entry's dead
        // path, a `br_if` out of a `block`, a catch). An operand that lives
        // past such an end lies beneath that frame: when any frame around
        // the loop has operands beneath it, the loop gets no OSR entry (its
        // function gets compiled code at its next call).
        if self.frames.iter().skip(1).any(|frame| frame.height > 0) {
            return Err(CompileError::Unsupported(
                "an OSR entry at a nested loop with operands beneath it".into(),
            ));
        }
        let (load, frame, num_locals) = (target.load, target.frame, target.num_locals);
        let types: Vec<Type> = (self.stack.iter())
            .map(|&v| self.b.func.dfg.value_type(v))
            .collect();
        let pre = self.new_block(&types);
        let running = self.stack.clone();
        self.jump(pre, &running);
        self.b.switch_to_block(load);
        let mut loaded = Vec::new();
        for (j, &ty) in types.iter().enumerate() {
            let at = slot(num_locals + j)?;
            loaded.push(BlockArg::from(self.b.ins().load(
                ty,
                MemFlagsData::trusted(),
                frame,
                at,
            )));
        }
        self.b.ins().jump(pre, &loaded);
        self.b.switch_to_block(pre);
        self.stack = self.b.block_params(pre).to_vec();
        if let Some(target) = &mut self.osr {
            target.reached = true;
        }
        Ok(())
    }

    /// Checks that the OSR target was found; returns it (`None` for a
    /// translation from the first op).
    pub(super) fn end_osr(&mut self) -> Result<Option<OsrTarget>, CompileError> {
        match self.osr.take() {
            Some(target) if !target.reached => Err(bad("no reachable loop at the OSR offset")),
            target => Ok(target),
        }
    }

    /// The CLIF type of local `i`.
    fn local_type(&self, i: usize) -> Result<Type, CompileError> {
        self.local_types
            .get(i)
            .copied()
            .ok_or_else(|| bad("no such local"))
    }
}

impl OsrTarget {
    /// Turns the entry's branch into a jump to `load`, once `func` is
    /// translated (see the module doc).
    pub(super) fn cut_dead_path(&self, func: &mut Function) {
        func.replace(self.branch).jump(self.load, &[]);
    }
}

/// Byte offset of slot `i` of the frame buffer.
fn slot(i: usize) -> Result<i32, CompileError> {
    i32::try_from(i * 8).map_err(|_| bad("frame too large for OSR"))
}
