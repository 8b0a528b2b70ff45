//! `-W NAME=VALUE`, as Wasmtime's `-W`: turn Wasm proposals on or off
//! (`-W NAME=y|n`), and set the store's limits (`-W max-memory-size=BYTES`
//! and the like), fuel (`-W fuel=N`) and a time limit (`-W timeout=1s`).
//! The default feature set is the engine's (Wasm 3.0 plus stack
//! switching); spec scripts written for an older proposal want some off
//! (e.g. the memory64 proposal's copy predates multi-memory:
//! `-W multi-memory=n`).

use clap::Args;
use std::time::Duration;
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
    /// Native stacks of compiled code: only in builds with the `jit` feature.
    #[cfg(feature = "jit")]
    StackMemory,
    Fuel,
}

/// Names accepted by `-W NAME=N`.
const LIMITS: &[(&str, Limit)] = &[
    ("max-memory-size", Limit::MemorySize),
    ("max-table-elements", Limit::TableElements),
    ("max-continuations", Limit::Continuations),
    #[cfg(feature = "jit")]
    ("max-stack-memory", Limit::StackMemory),
    ("fuel", Limit::Fuel),
];

/// One `-W` setting.
#[derive(Debug, Clone, Copy)]
enum Setting {
    Feature(WasmFeatures, bool),
    Limit(Limit, u64),
    Timeout(Duration),
}

/// `-W`'s help, up to the limits that differ between builds.
macro_rules! w_help {
    ($limits:literal) => {
        concat!(
            "Turn a Wasm proposal on or off, or set a limit (repeatable). Proposals, \
             `-W NAME=y|n`: stack-switching, exceptions, multi-memory, memory64, tail-call, \
             function-references, gc, simd, relaxed-simd, threads, extended-const, \
             wide-arithmetic. Limits (`run` only), `-W NAME=N`: max-memory-size (bytes a \
             linear memory may reach: `memory.grow` past it returns -1, a module declaring \
             more fails to instantiate; default 4 GiB), max-table-elements (the same for \
             tables; default 10,000,000), ",
            $limits,
            ", timeout (`-W timeout=DURATION`, e.g. 500ms, 2s, 1m, or seconds: the program \
             traps \"interrupted\" when it passes; checked at the same places)"
        )
    };
}

/// `-W`'s help in a build with the compiled tier.
#[cfg(feature = "jit")]
const W_HELP: &str = w_help!(
    "max-continuations (continuations live at once, past which making one traps; default \
     none, or under an address-space limit (`ulimit -v`) as many as fit in a quarter of it \
     at 2 KiB each), max-stack-memory (bytes of native stack continuations of compiled code \
     may have mapped at once, 256 KiB each; default none, or under an address-space limit a \
     quarter of it), fuel (function entries plus loop \
     iterations the program may run before it traps \"all fuel consumed\"; checks at \
     function entries and loop headers, in both tiers, only with this option)"
);

/// `-W`'s help in an interpreter-only build (no native stacks, no
/// address-space limit read).
#[cfg(not(feature = "jit"))]
const W_HELP: &str = w_help!(
    "max-continuations (continuations live at once, past which making one traps; default \
     none), fuel (function entries plus loop iterations the program may run before it traps \
     \"all fuel consumed\"; checks at function entries and loop headers, only with this \
     option)"
);

#[derive(Args)]
pub struct FeatureOptions {
    #[arg(short = 'W', value_name = "NAME=VALUE", value_parser = parse_setting, help = W_HELP)]
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
                #[cfg(feature = "jit")]
                Setting::Limit(Limit::StackMemory, n) => base.max_stack_memory = n,
                Setting::Limit(Limit::Fuel, n) => base.fuel = Some(n),
                Setting::Timeout(_) => base.interruptible = true,
                Setting::Feature(..) => {}
            }
        }
        base
    }

    /// The time limit (`-W timeout`), the last one given.
    pub fn timeout(&self) -> Option<Duration> {
        self.wasm.iter().rev().find_map(|setting| match setting {
            Setting::Timeout(limit) => Some(*limit),
            _ => None,
        })
    }

    /// The first limit setting, by name (for commands that take none).
    pub fn first_limit(&self) -> Option<&'static str> {
        self.wasm.iter().find_map(|setting| match setting {
            Setting::Limit(limit, _) => LIMITS
                .iter()
                .find(|(_, known)| known == limit)
                .map(|(name, _)| *name),
            Setting::Timeout(_) => Some("timeout"),
            Setting::Feature(..) => None,
        })
    }
}

fn parse_setting(text: &str) -> Result<Setting, String> {
    let (name, value) = text.split_once('=').unwrap_or((text, "y"));
    if name == "timeout" {
        return parse_duration(value)
            .map(Setting::Timeout)
            .ok_or_else(|| format!("`{value}` is not a duration for `timeout` (e.g. 500ms, 2s)"));
    }
    #[cfg(not(feature = "jit"))]
    if name == "max-stack-memory" {
        return Err(
            "`max-stack-memory` limits the native stacks of compiled code, which this \
                    build does not have: it was built without the `jit` feature"
                .into(),
        );
    }
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

/// A duration as Wasmtime takes one: a number of seconds, or a number
/// with a unit (`ns`, `us`, `ms`, `s`, `m`, `h`); fractions allowed.
fn parse_duration(text: &str) -> Option<Duration> {
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit {
        "" | "s" => 1.0,
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        "m" => 60.0,
        "h" => 3600.0,
        _ => return None,
    };
    let number: f64 = number.parse().ok()?;
    Duration::try_from_secs_f64(number * seconds_per_unit).ok()
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
        assert!(
            matches!(parse_setting("fuel=1M"), Ok(Setting::Limit(Limit::Fuel, n)) if n == 1 << 20)
        );
        assert!(matches!(
            parse_setting("timeout=250ms"),
            Ok(Setting::Timeout(d)) if d == Duration::from_millis(250)
        ));
        assert!(matches!(
            parse_setting("timeout=2"),
            Ok(Setting::Timeout(d)) if d == Duration::from_secs(2)
        ));
        assert!(parse_setting("timeout=2 weeks").is_err());
        assert!(parse_setting("timeout=-1s").is_err());
        assert_eq!(
            parse_setting("max-stack-memory=1M").is_ok(),
            cfg!(feature = "jit"),
            "native stacks are limited in builds that have them"
        );
    }
}
