//! Translation of one Wasm function body into [`Code`].
//!
//! The translator walks the (already validated) operators once, tracking the
//! operand stack height, and emits [`Op`]s:
//!
//! ```text
//!   wasmparser Operator ──▶ control.rs   blocks, branches, try_table, return
//!                          calls.rs     call*, return_call*, throw
//!                          cont.rs      cont.new, resume, suspend, switch, …
//!                          memory.rs    loads, stores, memory.*, table.*, segments
//!                          variables.rs locals, globals, constants, select, ref.*
//!                          operands.rs  locals, constants and binary ops on them
//!                                       kept pending, in register form where it pays
//!                          numeric.rs   arithmetic, comparisons, conversions
//! ```
//!
//! Every block gets a label id; forward branches record a fixup
//! (op index, label id) resolved when the function is finished, when every
//! label's pc is known. Code after an unconditional transfer (br, return,
//! throw, ...) is skipped until the `else`/`end` of its block.
//!
//! Instructions outside this tier's coverage (SIMD, GC heap instructions,
//! atomics) become [`Op::Unsupported`], which traps naming
//! the instruction; the rest of their block is skipped as unreachable.

mod calls;
mod cont;
mod control;
mod fuse;
mod memory;
mod names;
mod numeric;
mod operands;
mod variables;

use crate::code::{Code, Handler};
use crate::op::Op;
use control::{Control, ControlKind, PendingHandler};
use std::fmt;
use wasmfx_core::module::Module;
use wasmfx_core::store::Instance;
use wasmfx_core::{FuncAddr, FuncKind, FuncType, InstanceId, Store};
use wasmparser::{BinaryReader, FunctionBody, Operator};

/// A function body could not be translated (a malformed body, which
/// validation should have caught, or an inconsistent store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TranslateError(pub String);

impl fmt::Display for TranslateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot translate function: {}", self.0)
    }
}

impl From<wasmparser::BinaryReaderError> for TranslateError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        TranslateError(e.to_string())
    }
}

fn err(msg: impl Into<String>) -> TranslateError {
    TranslateError(msg.into())
}

/// Translates the Wasm function at `func` (which must be `FuncKind::Wasm`).
///
/// # Errors
/// A [`TranslateError`] when the function is not a Wasm function or its body
/// cannot be read.
pub fn translate(store: &Store, func: FuncAddr) -> Result<Code, TranslateError> {
    translate_with(store, func, TranslateOptions::default())
}

/// What a translation adds beyond the function's own ops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TranslateOptions {
    /// An [`Op::LoopHeader`] at the start of every loop (it spends the
    /// function's tier-up budget).
    pub loop_headers: bool,
}

/// [`translate`] with `options`.
///
/// # Errors
/// As [`translate`].
pub fn translate_with(
    store: &Store,
    func: FuncAddr,
    options: TranslateOptions,
) -> Result<Code, TranslateError> {
    let inst = store
        .funcs
        .get(func.0 as usize)
        .ok_or_else(|| err("no such function"))?;
    let FuncKind::Wasm { instance, index } = inst.kind else {
        return Err(err("host functions have no body"));
    };
    let instance_ref = store
        .instances
        .get(instance.0 as usize)
        .ok_or_else(|| err("no such instance"))?;
    let module = &*instance_ref.module;
    let body_index = index
        .checked_sub(module.num_imported_funcs)
        .ok_or_else(|| err("imported function has no body"))?;
    let body = module
        .bodies
        .get(body_index as usize)
        .ok_or_else(|| err("no such body"))?;
    let range = body.range.clone();
    let bytes = module
        .bytes
        .get(range.clone())
        .ok_or_else(|| err("body out of range"))?;
    let body_reader = FunctionBody::new(BinaryReader::new(bytes, range.start as u64));
    let sig = module.func_type_at(body.type_index);

    let mut t = Translator::new(store, instance_ref, instance, module, sig);
    t.options = options;
    t.checks = store.interrupt_checks().any();
    if t.checks {
        t.emit(Op::Check);
    }
    for local in body_reader.get_locals_reader()? {
        let (count, _ty) = local?;
        t.num_locals = t
            .num_locals
            .checked_add(count)
            .ok_or_else(|| err("too many locals"))?;
    }
    let mut ops = body_reader.get_operators_reader()?;
    while !ops.eof() {
        let (op, offset) = ops.read_with_offset()?;
        t.offset = u32::try_from(offset).map_err(|_| err("module too large"))?;
        t.translate_op(op)?;
    }
    let code = t.finish(func)?;
    crate::code_dump::write(&code);
    Ok(code)
}

/// Sentinel for a label whose pc is not known yet.
const UNKNOWN_PC: u32 = u32::MAX;

struct Translator<'a> {
    options: TranslateOptions,
    /// An [`Op::Check`] at the start and at every loop's (the store's
    /// fuel or interrupt flag is checked).
    checks: bool,
    /// Offset of the operator being translated, in the module's bytes.
    offset: u32,
    store: &'a Store,
    instance: &'a Instance,
    instance_id: InstanceId,
    module: &'a Module,
    num_params: u32,
    num_results: u32,
    /// Params plus declared locals.
    num_locals: u32,
    ops: Vec<Op>,
    /// Operand stack height (above the locals), pending entries included.
    height: u32,
    /// Top entries not written to their slots yet (`operands.rs`).
    pending: Vec<operands::Pending>,
    /// The last op, if it is a register op whose result a `local.tee` kept
    /// as the pending entry at this slot (`operands.rs`).
    teed: Option<operands::Teed>,
    max_height: u32,
    controls: Vec<Control>,
    /// pc of each label id (`UNKNOWN_PC` until known).
    labels: Vec<u32>,
    /// Ops whose target is a label id: (op index, label id).
    fixups: Vec<(usize, u32)>,
    handlers: Vec<PendingHandler>,
    /// Stack-switching instructions' sites (`cont.rs`).
    cont_sites: Vec<cont::PendingSite>,
    unsupported: Vec<Box<str>>,
    /// True after an unconditional transfer, until the block's `else`/`end`.
    unreachable: bool,
    /// Blocks opened inside skipped unreachable code.
    skipped_depth: u32,
    /// The last pc where a label or handler boundary was bound.
    barrier: u32,
}

impl<'a> Translator<'a> {
    fn new(
        store: &'a Store,
        instance: &'a Instance,
        instance_id: InstanceId,
        module: &'a Module,
        sig: &FuncType,
    ) -> Self {
        let num_params = sig.params.len() as u32;
        let num_results = sig.results.len() as u32;
        Translator {
            options: TranslateOptions::default(),
            checks: false,
            offset: 0,
            store,
            instance,
            instance_id,
            module,
            num_params,
            num_results,
            num_locals: num_params,
            ops: Vec::new(),
            height: 0,
            pending: Vec::new(),
            teed: None,
            max_height: 0,
            controls: vec![Control {
                kind: ControlKind::Function,
                label: 0,
                height: 0,
                params: 0,
                results: num_results,
            }],
            labels: vec![UNKNOWN_PC],
            fixups: Vec::new(),
            handlers: Vec::new(),
            cont_sites: Vec::new(),
            unsupported: Vec::new(),
            unreachable: false,
            skipped_depth: 0,
            barrier: 0,
        }
    }

    fn pc(&self) -> u32 {
        self.ops.len() as u32
    }

    /// Appends `op`, fusing it with the previous op when a pattern applies
    /// (see `fuse.rs`); returns the index where it landed.
    fn emit(&mut self, op: Op) -> usize {
        self.ops.push(op);
        loop {
            let last = self.ops.len() - 1;
            // A label at `last` forbids merging the op before it.
            if last == 0 || self.barrier as usize >= last {
                return last;
            }
            match fuse::fuse(self.ops[last - 1], self.ops[last]) {
                Some(fused) => {
                    self.ops.pop();
                    self.ops[last - 1] = fused;
                }
                None => return last,
            }
        }
    }

    /// Marks the current pc as a branch target (or handler boundary): no
    /// fusion across it.
    fn bind_here(&mut self) {
        debug_assert!(self.pending.is_empty(), "a label with operands pending");
        self.barrier = self.pc();
    }

    /// Records `n` values pushed.
    fn push(&mut self, n: u32) {
        self.height += n;
        self.max_height = self.max_height.max(self.height);
    }

    /// Records `n` values popped.
    fn pop(&mut self, n: u32) -> Result<(), TranslateError> {
        self.height = self
            .height
            .checked_sub(n)
            .ok_or_else(|| err("operand stack underflow"))?;
        Ok(())
    }

    /// Emits an op with stack effect `pops -> pushes`.
    fn emit_effect(&mut self, op: Op, pops: u32, pushes: u32) -> Result<(), TranslateError> {
        let _ = self.emit(op);
        self.pop(pops)?;
        self.push(pushes);
        Ok(())
    }

    fn translate_op(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        if self.unreachable {
            return self.skip_unreachable(op);
        }
        if self.translate_register(&op)? {
            return Ok(());
        }
        self.flush_before(&op);
        if self.translate_control(&op)? {
            return Ok(());
        }
        if self.translate_call(&op)? {
            return Ok(());
        }
        if self.translate_cont(&op)? {
            return Ok(());
        }
        if self.translate_variable(&op)? {
            return Ok(());
        }
        if self.translate_memory(&op)? {
            return Ok(());
        }
        if let Some((code_op, pops, pushes)) = numeric::numeric_op(&op) {
            return self.emit_effect(code_op, pops, pushes);
        }
        if numeric::is_raw_noop(&op) {
            return Ok(());
        }
        self.unsupported_op(&op)
    }

    /// Emits an [`Op::Unsupported`] for `op` and skips the rest of its block.
    fn unsupported_op(&mut self, op: &Operator<'_>) -> Result<(), TranslateError> {
        let index = self.unsupported.len() as u32;
        self.unsupported.push(names::operator_name(op));
        self.emit(Op::Unsupported(index));
        self.unreachable = true;
        // A block-opening instruction we cannot run still owns an `end`.
        if matches!(op, Operator::Try { .. }) {
            self.skipped_depth = 1;
        }
        Ok(())
    }

    /// In unreachable code: tracks nesting, resumes at the block's `else`/`end`.
    fn skip_unreachable(&mut self, op: Operator<'_>) -> Result<(), TranslateError> {
        match op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => self.skipped_depth += 1,
            Operator::End | Operator::Delegate { .. } if self.skipped_depth > 0 => {
                self.skipped_depth -= 1
            }
            Operator::End | Operator::Else if self.skipped_depth == 0 => {
                self.unreachable = false;
                self.translate_control(&op)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Resolves labels in branches and handlers and builds the [`Code`].
    fn finish(mut self, func: FuncAddr) -> Result<Code, TranslateError> {
        if !self.controls.is_empty() {
            return Err(err("function body ends inside a block"));
        }
        for &(at, label) in &self.fixups {
            let pc = self.labels[label as usize];
            if pc == UNKNOWN_PC {
                return Err(err("branch to a label that never closed"));
            }
            self.ops[at].set_target(pc);
        }
        fuse::thread_returns(&mut self.ops, self.num_results);
        check_pcs(&self.ops)?;
        let labels = &self.labels;
        let handlers = self
            .handlers
            .iter()
            .map(|h| Handler {
                start: h.start,
                end: h.end,
                clauses: h
                    .clauses
                    .iter()
                    .map(|c| crate::code::CatchClause {
                        kind: c.kind,
                        target: labels[c.label as usize],
                        height: c.height,
                    })
                    .collect(),
            })
            .collect();
        let cont_sites = self
            .cont_sites
            .iter()
            .map(|site| site.resolve(labels))
            .collect();
        Ok(Code {
            ops: self.ops.into_boxed_slice(),
            handlers,
            cont_sites,
            unsupported: self.unsupported.into_boxed_slice(),
            num_params: self.num_params,
            num_locals: self.num_locals,
            num_results: self.num_results,
            max_height: self
                .num_locals
                .checked_add(self.max_height)
                .ok_or_else(|| err("frame too large"))?,
            instance: self.instance_id,
            func,
        })
    }
}

/// Checks what the dispatch loop's unchecked op fetch relies on: the ops end
/// with a `Return` (so running on from any other op stays in range) and every
/// branch target is an op index.
fn check_pcs(ops: &[Op]) -> Result<(), TranslateError> {
    if ops.last() != Some(&Op::Return) {
        return Err(err("function code does not end with a return"));
    }
    let len = ops.len();
    if ops
        .iter()
        .filter_map(|op| op.target())
        .any(|t| t as usize >= len)
    {
        return Err(err("branch target out of range"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pcs_are_checked_for_the_unchecked_fetch() {
        let jump = |target| Op::Jump(target);
        assert!(check_pcs(&[jump(1), Op::Return]).is_ok());
        assert!(
            check_pcs(&[jump(2), Op::Return]).is_err(),
            "target past the end"
        );
        assert!(
            check_pcs(&[Op::Return, jump(0)]).is_err(),
            "no final return"
        );
        assert!(check_pcs(&[]).is_err());
    }

    #[test]
    fn interruption_checks_are_translated_only_when_the_store_asks() {
        let wat = "(module (func (loop (br 0))))";
        let bytes = wat::parse_str(wat).expect("test WAT parses");
        let registry = std::sync::Arc::new(wasmfx_core::TypeRegistry::new());
        let module = wasmfx_core::Module::new(&registry, &bytes).expect("validates");
        let mut store = Store::new(registry);
        let id = store
            .instantiate(&std::sync::Arc::new(module), &[])
            .expect("instantiates");
        let func = store.instances[id.0 as usize].funcs[0];
        let checks = |store: &Store| {
            let code = translate(store, func).expect("translates");
            code.ops.iter().filter(|op| matches!(op, Op::Check)).count()
        };
        assert_eq!(checks(&store), 0);
        store.set_limits(wasmfx_core::StoreLimits {
            fuel: Some(10),
            ..Default::default()
        });
        assert_eq!(checks(&store), 2, "the entry's and the loop's");
    }
}
