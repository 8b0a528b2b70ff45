//! Compiled code for reading: with `WASMFX_JIT_DUMP=DIR` set, every
//! function Cranelift compiles (and every OSR entry, under the same index
//! and its own code-module id) leaves three files in `DIR`:
//!
//! ```text
//!   f<index>-<id>.clif   the CLIF after Cranelift's optimizations
//!   f<index>-<id>.s      the machine code as Cranelift prints it (registers
//!                        allocated, spill slots named)
//!   f<index>-<id>.bin    the code's bytes: `objdump -D -b binary -m
//!                        i386:x86-64 --adjust-vma=<start>` with the start from
//!                        WASMFX_PERF_MAP's map gives the addresses a profiler
//!                        (callgrind's --dump-instr) counts
//! ```
//! The stubs have indices of their own: array trampolines `u32::MAX`
//! (4294967295), continuation starts `u32::MAX - 1`. For measuring what
//! each instruction of the inline paths costs; nothing reads the files
//! back. A file that cannot be written is skipped.

use cranelift_codegen::ir::Function;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The directory, when dumps are asked for.
pub(crate) fn dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| std::env::var_os("WASMFX_JIT_DUMP").map(PathBuf::from))
        .as_ref()
}

/// Writes function `index`'s files (see the module doc).
pub(crate) fn write(dir: &Path, index: u32, id: u32, func: &Function, text: &str, bytes: &[u8]) {
    let name = |ext: &str| dir.join(format!("f{index}-{id}.{ext}"));
    let _ = std::fs::write(name("clif"), func.display().to_string());
    let _ = std::fs::write(name("s"), text);
    let _ = std::fs::write(name("bin"), bytes);
}
