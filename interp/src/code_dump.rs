//! Translated code for reading: with `WASMFX_INTERP_DUMP=DIR` set, every
//! function the interpreter translates leaves `DIR/f<address>.ops` (the
//! function's store address; a function translated again, with loop
//! headers for the tiering, writes it again):
//!
//! ```text
//!   ; f0: params 1, locals 1, results 1, slots at most 4
//!       0  BrIfCmpRI { cmp: GeU, a: 0, sp: 1, imm: 2, target: 3 }
//!       1  LocalGet(0)
//!       …  one op a line: its pc, then the op as `Op`'s Debug prints it
//! ```
//! For seeing what the translator made of a function (which locals and
//! temporaries the ops move, which pairs fused); nothing reads the files
//! back. A file that cannot be written is skipped.

use crate::code::Code;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The directory, when dumps are asked for.
fn dir() -> Option<&'static PathBuf> {
    static DIR: OnceLock<Option<PathBuf>> = OnceLock::new();
    DIR.get_or_init(|| std::env::var_os("WASMFX_INTERP_DUMP").map(PathBuf::from))
        .as_ref()
}

/// Writes `code`'s file when dumps are asked for (see the module doc).
pub(crate) fn write(code: &Code) {
    let Some(dir) = dir() else {
        return;
    };
    let mut text = format!(
        "; f{}: params {}, locals {}, results {}, slots at most {}\n",
        code.func.0, code.num_params, code.num_locals, code.num_results, code.max_height
    );
    for (pc, op) in code.ops.iter().enumerate() {
        let _ = writeln!(text, "{pc:5}  {op:?}");
    }
    let _ = std::fs::write(dir.join(format!("f{}.ops", code.func.0)), text);
}
