//! Machine code for a batch of CLIF functions, on worker threads.
//!
//! ```text
//!   [(index, id, Function)] ──split in chunks──▶ worker 1: Context::compile ─┐
//!                                             ▶ worker 2: Context::compile ─┤
//!                                                                           ▼
//!   [CompiledFunction { bytes, alignment, relocs, trap sites }]  (input order)
//! ```
//!
//! Workers only run Cranelift on their own contexts; defining the bytes in
//! the code module (which is not shared) is left to the caller. Small
//! batches compile on the calling thread.

use crate::CompileError;
use cranelift_codegen::Context;
use cranelift_codegen::control::ControlPlane;
use cranelift_codegen::ir::Function;
use cranelift_codegen::isa::TargetIsa;
use cranelift_module::{FuncId, ModuleReloc};

/// Batches smaller than this are not worth a thread.
const PARALLEL_MIN_FUNCTIONS: usize = 8;

/// A compiled function, ready for `define_function_bytes`.
pub(crate) struct CompiledFunction {
    /// Wasm function index.
    pub index: u32,
    pub id: FuncId,
    pub bytes: Vec<u8>,
    pub alignment: u64,
    pub relocs: Vec<ModuleReloc>,
    /// (code offset, raw trap code).
    pub traps: Vec<(u32, u8)>,
    /// Where in a cache line the code should start, for its small loops
    /// (`compiler/loop_lines.rs`).
    pub line_offset: Option<u32>,
}

/// A function's code, or its index and why Cranelift refused it.
pub(crate) type Outcome = Result<CompiledFunction, (u32, CompileError)>;

/// Compiles `functions` with up to `workers` threads, keeping their order.
///
/// # Errors
/// Only when a worker thread panicked.
pub(crate) fn compile_all(
    isa: &dyn TargetIsa,
    functions: Vec<(u32, FuncId, Function)>,
    workers: usize,
) -> Result<Vec<Outcome>, CompileError> {
    let workers = workers.max(1);
    if workers == 1 || functions.len() < PARALLEL_MIN_FUNCTIONS {
        return Ok(functions.into_iter().map(|f| compile_one(isa, f)).collect());
    }
    let chunk = functions.len().div_ceil(workers);
    let mut chunks: Vec<Vec<(u32, FuncId, Function)>> = Vec::new();
    let mut rest = functions.into_iter().peekable();
    while rest.peek().is_some() {
        chunks.push(rest.by_ref().take(chunk).collect());
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|f| compile_one(isa, f))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut out = Vec::new();
        for handle in handles {
            let part = handle
                .join()
                .map_err(|_| CompileError::Cranelift("a compiler thread panicked".into()))?;
            out.extend(part);
        }
        Ok(out)
    })
}

fn compile_one(isa: &dyn TargetIsa, (index, id, func): (u32, FuncId, Function)) -> Outcome {
    let mut ctx = Context::for_function(func);
    let dump = crate::code_dump::dir();
    ctx.set_disasm(dump.is_some());
    // Cranelift asserts on CLIF it cannot handle (the verifier is off for
    // compile time): such a function stays interpreted, the process lives.
    let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ctx.compile(isa, &mut ControlPlane::default())
            .map(|_| ())
            .map_err(|e| format!("{:?}", e.inner))
    }));
    match compiled {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err((index, CompileError::Cranelift(e))),
        Err(_) => {
            let why = "Cranelift panicked on this function".to_string();
            return Err((index, CompileError::Cranelift(why)));
        }
    }
    let compiled = ctx
        .compiled_code()
        .ok_or_else(|| (index, CompileError::Cranelift("no code".into())))?;
    let bytes = compiled.code_buffer().to_vec();
    if let Some(dir) = dump {
        let text = compiled.vcode.as_deref().unwrap_or_default();
        crate::code_dump::write(dir, index, id.as_u32(), &ctx.func, text, &bytes);
    }
    let alignment = u64::from(compiled.buffer.alignment);
    let traps = compiled
        .buffer
        .traps()
        .iter()
        .map(|t| (t.offset, t.code.as_raw().get()))
        .collect();
    let relocs = compiled
        .buffer
        .relocs()
        .iter()
        .map(|r| ModuleReloc::from_mach_reloc(r, &ctx.func, id))
        .collect();
    let loops = crate::compiler::loops(&compiled.bb_starts, &compiled.bb_edges, bytes.len() as u32);
    let line_offset = crate::compiler::preferred_offset(&loops);
    Ok(CompiledFunction {
        index,
        id,
        bytes,
        alignment,
        relocs,
        traps,
        line_offset,
    })
}
