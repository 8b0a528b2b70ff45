//! Writes a starting corpus for a target into the folder given
//! (`scripts/fuzz.sh` runs it when that folder is empty).
//!
//! ```text
//!   seeds bytes DIR           the repository's example and test modules (text
//!                             encoded to binary) and wasm-smith modules of
//!                             fuzz-diff's first seeds: libFuzzer mutates from
//!                             real modules instead of finding the format anew
//!   seeds differential DIR    random inputs of fuzz-diff's wasm-smith input
//!   seeds continuations DIR   size (8 KiB) and of 512 bytes: without them
//!                             libFuzzer starts from a few bytes and its short
//!                             fork-mode jobs keep inputs too short for
//!                             `arbitrary` to draw more than trivial cases
//! ```

// Linked for the coverage callbacks the instrumented build calls (this
// binary is built with the targets' flags, but is no fuzz target).
use libfuzzer_sys as _;
use std::path::Path;
use std::process::ExitCode;
use wasmfx_fuzz_diff::rng::Rng;
use wasmfx_fuzz_diff::smith::generate;

/// Folders of the repository whose `.wat` and `.wasm` files are seeds.
const FOLDERS: [&str; 4] = ["examples", "examples/fibers", "examples/c", "tier/tests/programs"];

/// wasm-smith seeds written (fuzz-diff's variants cycle every four), and
/// random inputs for the targets that draw through `arbitrary`.
const SMITH_SEEDS: u64 = 64;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let written = match args.as_slice() {
        [target, out] if target == "bytes" => modules(Path::new(out)),
        [target, out] if target == "differential" => random(Path::new(out), 8 * 1024),
        [target, out] if target == "continuations" => random(Path::new(out), 512),
        _ => {
            eprintln!("usage: seeds bytes|differential|continuations OUTPUT_FOLDER");
            return ExitCode::FAILURE;
        }
    };
    println!("{written} seeds in {}", args[1]);
    ExitCode::SUCCESS
}

/// Writes [`SMITH_SEEDS`] inputs of `len` bytes from fuzz-diff's
/// deterministic random source; returns how many.
fn random(out: &Path, len: usize) -> usize {
    (0..SMITH_SEEDS)
        .filter(|&seed| {
            let bytes = Rng::new(seed).bytes(len);
            std::fs::write(out.join(format!("random-{seed}")), bytes)
                .map_err(|e| eprintln!("random-{seed}: {e}"))
                .is_ok()
        })
        .count()
}

/// Writes the modules of the `bytes` corpus; returns how many.
fn modules(out: &Path) -> usize {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut written = 0;
    let mut write = |name: String, bytes: &[u8]| match std::fs::write(out.join(&name), bytes) {
        Ok(()) => written += 1,
        Err(e) => eprintln!("{name}: {e}"),
    };
    for folder in FOLDERS {
        let Ok(entries) = std::fs::read_dir(repo.join(folder)) else {
            continue;
        };
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            let name = folder.replace('/', "-") + "-" + &path.file_stem().unwrap_or_default().to_string_lossy();
            match path.extension().and_then(|e| e.to_str()) {
                Some("wasm") => match std::fs::read(&path) {
                    Ok(bytes) => write(format!("{name}.wasm"), &bytes),
                    Err(e) => eprintln!("{}: {e}", path.display()),
                },
                Some("wat") => match std::fs::read_to_string(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| wasmfx_tier::text_to_binary(&text).map_err(|e| e.to_string()))
                {
                    Ok(bytes) => write(format!("{name}.wasm"), &bytes),
                    Err(e) => eprintln!("{}: {e}", path.display()),
                },
                _ => {}
            }
        }
    }
    for seed in 0..SMITH_SEEDS {
        if let Ok(module) = generate(seed) {
            write(format!("smith-{seed}.wasm"), &module.wasm);
        }
    }
    written
}
