//! `-W NAME=y|n`: turn Wasm proposals on or off, as Wasmtime's `-W` does.
//! The default is the engine's set (Wasm 3.0 plus stack switching); spec
//! scripts written for an older proposal want some off (e.g. the memory64
//! proposal's copy predates multi-memory: `-W multi-memory=n`).

use clap::Args;
use wasmfx_core::WasmFeatures;

/// Names accepted by `-W`, with the feature flags each one sets.
const NAMES: &[(&str, WasmFeatures)] = &[
    ("stack-switching", WasmFeatures::STACK_SWITCHING),
    ("exceptions", WasmFeatures::EXCEPTIONS),
    ("multi-memory", WasmFeatures::MULTI_MEMORY),
    ("memory64", WasmFeatures::MEMORY64),
    ("tail-call", WasmFeatures::TAIL_CALL),
    ("function-references", WasmFeatures::FUNCTION_REFERENCES),
    ("gc", WasmFeatures::GC),
    ("simd", WasmFeatures::SIMD),
    ("relaxed-simd", WasmFeatures::RELAXED_SIMD),
    ("threads", WasmFeatures::THREADS),
    ("extended-const", WasmFeatures::EXTENDED_CONST),
    ("wide-arithmetic", WasmFeatures::WIDE_ARITHMETIC),
];

#[derive(Args)]
pub struct FeatureOptions {
    /// Turn a Wasm proposal on or off: `-W NAME=y|n` (repeatable). Names:
    /// stack-switching, exceptions, multi-memory, memory64, tail-call,
    /// function-references, gc, simd, relaxed-simd, threads, extended-const,
    /// wide-arithmetic.
    #[arg(short = 'W', value_name = "NAME=y|n", value_parser = parse_setting)]
    wasm: Vec<(WasmFeatures, bool)>,
}

impl FeatureOptions {
    /// The engine's default set with every `-W` setting applied in order.
    pub fn apply(&self, mut features: WasmFeatures) -> WasmFeatures {
        for &(flags, on) in &self.wasm {
            features.set(flags, on);
        }
        features
    }
}

fn parse_setting(text: &str) -> Result<(WasmFeatures, bool), String> {
    let (name, value) = text.split_once('=').unwrap_or((text, "y"));
    let on = match value {
        "y" | "yes" | "true" => true,
        "n" | "no" | "false" => false,
        _ => return Err(format!("`{value}` is not y or n")),
    };
    NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|&(_, flags)| (flags, on))
        .ok_or_else(|| format!("unknown Wasm feature `{name}`"))
}
