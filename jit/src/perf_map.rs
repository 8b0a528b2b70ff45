//! Names for profilers: with `WASMFX_PERF_MAP` set, every installed piece
//! of code gets a line in `/tmp/perf-<pid>.map` (the format `perf report`
//! reads for JIT code):
//!
//! ```text
//!   <start hex> <length hex> wasm!<function name>        a function
//!   <start hex> <length hex> wasm!<function name>@osr<N>  its OSR entry at N
//! ```

use std::io::Write;
use std::sync::{Mutex, OnceLock};
use wasmfx_core::Module;

/// The open map, when profiling names are asked for.
fn map() -> Option<&'static Mutex<std::fs::File>> {
    static MAP: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();
    MAP.get_or_init(|| {
        std::env::var_os("WASMFX_PERF_MAP")?;
        let path = format!("/tmp/perf-{}.map", std::process::id());
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(Mutex::new(file))
    })
    .as_ref()
}

/// Records the code of `module`'s function `index` (its OSR entry at
/// `osr`, if given) at `start`, `len` bytes long.
pub(crate) fn record(start: usize, len: usize, module: &Module, index: u32, osr: Option<usize>) {
    let Some(map) = map() else {
        return;
    };
    let name = (module.func_name(index)).map_or_else(|| format!("f{index}"), str::to_string);
    let suffix = osr.map_or_else(String::new, |at| format!("@osr{at}"));
    if let Ok(mut file) = map.lock() {
        let _ = writeln!(file, "{start:x} {len:x} wasm!{name}{suffix}");
    }
}
