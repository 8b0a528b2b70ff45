//! Errors of the embedding API, each displayed as one line.

use crate::mode::TierMode;
use std::fmt;
use wasmfx_core::{HeapType, LinkError, ModuleError, Trap, ValType};

#[derive(Debug, Clone)]
pub enum Error {
    /// The mode exists in the design but this build lacks it (built
    /// without the `jit` feature: only `interp`).
    TierUnavailable(TierMode),
    /// Module text (`.wat`) did not parse or encode.
    Text(TextError),
    /// The binary is malformed or invalid.
    Compile(ModuleError),
    /// An import could not be satisfied.
    Link(LinkError),
    /// Execution trapped (or an exception escaped: `Trap::UncaughtException`).
    Trap(Trap),
    /// No export of that name.
    UnknownExport(String),
    /// The export exists but is not a function.
    NotAFunction(String),
    ArgumentCount {
        func: String,
        expected: usize,
        given: usize,
    },
    ArgumentType {
        func: String,
        index: usize,
        expected: ValType,
    },
}

/// Where and why module text failed to parse (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextError {
    pub line: usize,
    pub col: usize,
    pub message: String,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.col, self.message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::TierUnavailable(mode) => write!(
                f,
                "tier `{mode}` is not in this build: it was built without the `jit` \
                 feature and has only {}",
                TierMode::available_names()
            ),
            Error::Text(e) => write!(f, "text format error at {e}"),
            Error::Compile(e) => write!(f, "{e}"),
            Error::Link(e) => f.write_str(&e.0),
            Error::Trap(Trap::UncaughtException(_)) => {
                f.write_str("wasm exception: uncaught exception")
            }
            Error::Trap(t) => write!(f, "wasm trap: {t}"),
            Error::UnknownExport(name) => write!(f, "no export named `{name}`"),
            Error::NotAFunction(name) => write!(f, "export `{name}` is not a function"),
            Error::ArgumentCount {
                func,
                expected,
                given,
            } => {
                write!(f, "`{func}` takes {expected} argument(s), {given} given")
            }
            Error::ArgumentType {
                func,
                index,
                expected,
            } => {
                write!(
                    f,
                    "argument {index} of `{func}` does not have type {}",
                    type_name(*expected)
                )
            }
        }
    }
}

impl std::error::Error for Error {}

impl From<Trap> for Error {
    fn from(trap: Trap) -> Error {
        Error::Trap(trap)
    }
}

/// A value type as the text format writes it (`i32`, `(ref null func)`).
pub fn type_name(ty: ValType) -> String {
    match ty {
        ValType::I32 => "i32".into(),
        ValType::I64 => "i64".into(),
        ValType::F32 => "f32".into(),
        ValType::F64 => "f64".into(),
        ValType::V128 => "v128".into(),
        ValType::Ref(rt) => {
            let null = if rt.nullable { "null " } else { "" };
            let heap = match rt.heap {
                HeapType::Concrete(id) => format!("<canonical type {}>", id.0),
                other => format!("{other:?}").to_lowercase(),
            };
            format!("(ref {null}{heap})")
        }
    }
}
