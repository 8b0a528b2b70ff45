//! One differential case: a module run under every tiering and compared
//! with the interpreter's run.
//!
//! ```text
//!   check(wasm, fuel, seed) ─▶ Interp run (reference)
//!                            ─▶ Jit run, Mixed(seed) run, each compared
//!   Verdict::Agree | Verdict::Skipped(why) | Verdict::Disagree(report)
//! ```
//!
//! A disagreement's module is written under `target/fuzz-diff/` so it
//! can be replayed with `wasmfx-tier run` or `wasmtime`.

use crate::outcome::first_difference;
use crate::run::{Tiering, run};
use std::path::PathBuf;

/// What one case showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Agree,
    /// The reference run could not start (e.g. the module does not compile).
    Skipped(String),
    /// A tiering differed from the interpreter: what and where.
    Disagree(String),
}

/// Runs `wasm` under the interpreter, fully compiled and with a random
/// per-function tier choice drawn from `seed`; `seed` also draws the
/// arguments.
pub fn check(wasm: &[u8], fuel_global: Option<u32>, seed: u64) -> Verdict {
    let reference = match run(wasm, fuel_global, &Tiering::Interp, seed) {
        Ok(seen) => seen,
        Err(e) => return Verdict::Skipped(format!("interp: {e}")),
    };
    for tiering in [Tiering::Jit, Tiering::Mixed(seed)] {
        let difference = match run(wasm, fuel_global, &tiering, seed) {
            Ok(seen) => first_difference(&reference, &seen),
            Err(e) => Some(format!("does not run: {e}")),
        };
        if let Some(difference) = difference {
            return Verdict::Disagree(format!("{tiering:?} vs Interp: {difference}"));
        }
    }
    Verdict::Agree
}

/// Writes `bytes` to `target/fuzz-diff/<file_name>` (under the workspace's
/// target folder) and returns the path.
///
/// # Errors
/// The I/O error's message.
pub fn save_failure(file_name: &str, bytes: &[u8]) -> Result<PathBuf, String> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/fuzz-diff");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(file_name);
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    Ok(path)
}
