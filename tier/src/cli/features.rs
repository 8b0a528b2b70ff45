//! `-W NAME=VALUE`, as Wasmtime's `-W`: turn Wasm proposals on or off
//! (`-W NAME=y|n`), and set the store's limits (`-W max-memory-size=BYTES`
//! and the like). The default feature set is the engine's (Wasm 3.0 plus
//! stack switching); spec scripts written for an older proposal want some
//! off (e.g. the memory64 proposal's copy predates multi-memory:
//! `-W multi-memory=n`).

use clap::Args;
use wasmfx_core::{StoreLimits, WasmFeatures};

/// Names accepted by `-W NAME=y|n`, with the feature flags each one sets.
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

/// A limit of the store that `-W max-NAME=N` sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    MemorySize,
    TableElements,
    Continuations,
    StackMemory,
}

/// Names accepted by `-W NAME=N`.
const LIMITS: &[(&str, Limit)] = &[
    ("max-memory-size", Limit::MemorySize),
    ("max-table-elements", Limit::TableElements),
    ("max-continuations", Limit::Continuations),
    ("max-stack-memory", Limit::StackMemory),
];

/// One `-W` setting.
#[derive(Debug, Clone, Copy)]
enum Setting {
    Feature(WasmFeatures, bool),
    Limit(Limit, u64),
}

#[derive(Args)]
pub struct FeatureOptions {
    /// Turn a Wasm proposal on or off, or set a limit (repeatable).
    /// Proposals, `-W NAME=y|n`: stack-switching, exceptions, multi-memory,
    /// memory64, tail-call, function-references, gc, simd, relaxed-simd,
    /// threads, extended-const, wide-arithmetic. Limits (`run` only),
    /// `-W NAME=N`: max-memory-size (bytes a linear memory may reach:
    /// `memory.grow` past it returns -1, a module declaring more fails to
    /// instantiate; default 4 GiB), max-table-elements (the same for
    /// tables; default 10,000,000), max-continuations (continuations live
    /// at once, past which making one traps; default none, or under an
    /// address-space limit (`ulimit -v`) as many as fit in half of it at
    /// 2 KiB each), max-stack-memory (bytes of native stack continuations
    /// of compiled code may have mapped at once, 256 KiB each; default
    /// none).
    #[arg(short = 'W', value_name = "NAME=VALUE", value_parser = parse_setting)]
    wasm: Vec<Setting>,
}

impl FeatureOptions {
    /// The engine's default set with every `-W` proposal setting applied in
    /// order.
    pub fn apply(&self, mut features: WasmFeatures) -> WasmFeatures {
        for setting in &self.wasm {
            if let Setting::Feature(flags, on) = *setting {
                features.set(flags, on);
            }
        }
        features
    }

    /// `base` with every `-W` limit applied in order.
    pub fn limits(&self, mut base: StoreLimits) -> StoreLimits {
        for setting in &self.wasm {
            match *setting {
                Setting::Limit(Limit::MemorySize, n) => base.max_memory_bytes = n,
                Setting::Limit(Limit::TableElements, n) => base.max_table_elems = n,
                Setting::Limit(Limit::Continuations, n) => base.max_continuations = n,
                Setting::Limit(Limit::StackMemory, n) => base.max_stack_memory = n,
                Setting::Feature(..) => {}
            }
        }
        base
    }

    /// The first limit setting, by name (for commands that take none).
    pub fn first_limit(&self) -> Option<&'static str> {
        self.wasm.iter().find_map(|setting| match setting {
            Setting::Limit(limit, _) => LIMITS
                .iter()
                .find(|(_, known)| known == limit)
                .map(|(name, _)| *name),
            Setting::Feature(..) => None,
        })
    }
}

fn parse_setting(text: &str) -> Result<Setting, String> {
    let (name, value) = text.split_once('=').unwrap_or((text, "y"));
    if let Some(&(_, limit)) = LIMITS.iter().find(|(known, _)| *known == name) {
        return parse_count(value)
            .map(|n| Setting::Limit(limit, n))
            .ok_or_else(|| format!("`{value}` is not a count for `{name}`"));
    }
    let on = match value {
        "y" | "yes" | "true" => true,
        "n" | "no" | "false" => false,
        _ => return Err(format!("`{value}` is not y or n")),
    };
    NAMES
        .iter()
        .find(|(known, _)| *known == name)
        .map(|&(_, flags)| Setting::Feature(flags, on))
        .ok_or_else(|| format!("unknown Wasm feature or limit `{name}`"))
}

/// A count in decimal or `0x` hex, with an optional binary suffix
/// (`K`, `M`, `G`: KiB, MiB, GiB), as sizes are often written.
fn parse_count(text: &str) -> Option<u64> {
    let (digits, scale) = match text.as_bytes().last()? {
        b'K' | b'k' => (&text[..text.len() - 1], 1u64 << 10),
        b'M' | b'm' => (&text[..text.len() - 1], 1 << 20),
        b'G' | b'g' => (&text[..text.len() - 1], 1 << 30),
        _ => (text, 1),
    };
    let n = match digits.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u64>().ok()?,
    };
    n.checked_mul(scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_features_parse_and_bad_values_are_refused() {
        assert!(matches!(
            parse_setting("max-memory-size=64M"),
            Ok(Setting::Limit(Limit::MemorySize, n)) if n == 64 << 20
        ));
        assert!(matches!(
            parse_setting("max-continuations=0x10"),
            Ok(Setting::Limit(Limit::Continuations, 16))
        ));
        assert!(matches!(
            parse_setting("gc=n"),
            Ok(Setting::Feature(flags, false)) if flags == WasmFeatures::GC
        ));
        assert!(parse_setting("max-table-elements=lots").is_err());
        assert!(parse_setting("max-memory-size=99999999999G").is_err());
        assert!(parse_setting("max-fuel=3").is_err());
    }
}
