//! Why execution stopped abnormally. Messages follow the reference
//! interpreter, which spec scripts compare against.

use crate::store::{ExnAddr, TagAddr};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    Unreachable,
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    MemoryOutOfBounds,
    TableOutOfBounds,
    /// `call_indirect` index past the end of the table.
    UndefinedElement,
    /// `call_indirect` on a null table entry.
    UninitializedElement,
    IndirectCallTypeMismatch,
    NullFunctionReference,
    NullReference,
    NullExceptionReference,
    CallStackExhausted,
    /// An exception left the outermost Wasm frame.
    UncaughtException(ExnAddr),
    /// A suspension found no handler (stack switching).
    UnhandledTag(TagAddr),
    /// A continuation instruction on a null continuation reference.
    NullContinuation,
    /// A continuation reference used a second time (they are one-shot).
    ContinuationAlreadyConsumed,
    /// The program asked to exit (WASI `proc_exit`).
    Exit(i32),
    /// A host function failed.
    Host(String),
    /// The store could not allocate what the program asked for (a memory
    /// or table at instantiation, continuation memory): out of memory, or
    /// over a limit of the store. The message says which.
    ResourceLimit(String),
    /// The store's fuel ran out (`StoreLimits::fuel`, `-W fuel`).
    OutOfFuel,
    /// The store's interrupt flag was set (`InterruptHandle`, `-W timeout`).
    Interrupted,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msg = match self {
            Trap::Unreachable => "unreachable",
            Trap::IntegerDivideByZero => "integer divide by zero",
            Trap::IntegerOverflow => "integer overflow",
            Trap::InvalidConversionToInteger => "invalid conversion to integer",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::UndefinedElement => "undefined element",
            Trap::UninitializedElement => "uninitialized element",
            Trap::IndirectCallTypeMismatch => "indirect call type mismatch",
            Trap::NullFunctionReference => "null function reference",
            Trap::NullReference => "null reference",
            Trap::NullExceptionReference => "null exception reference",
            Trap::CallStackExhausted => "call stack exhausted",
            Trap::UncaughtException(_) => "uncaught exception",
            Trap::NullContinuation => "null continuation reference",
            Trap::ContinuationAlreadyConsumed => "continuation already consumed",
            Trap::OutOfFuel => "all fuel consumed (the store's fuel limit)",
            Trap::Interrupted => "interrupted (a timeout or the host's request)",
            Trap::UnhandledTag(t) => return write!(f, "unhandled tag {}", t.0),
            Trap::Exit(code) => return write!(f, "exit with code {code}"),
            Trap::Host(m) | Trap::ResourceLimit(m) => return f.write_str(m),
        };
        f.write_str(msg)
    }
}

impl std::error::Error for Trap {}

/// The traps of an instruction's own arithmetic or memory access, in one
/// byte: what the interpreter's hot helpers return, turned into a [`Trap`]
/// only where the op loop stops. A `Trap` is three words; copied on every
/// `?` inside the op loop, its unused words became values LLVM carried
/// around the loop (stack-slot shuffles at each of its merges).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapCode {
    IntegerDivideByZero,
    IntegerOverflow,
    InvalidConversionToInteger,
    MemoryOutOfBounds,
}

impl From<TrapCode> for Trap {
    #[inline(always)]
    fn from(code: TrapCode) -> Trap {
        match code {
            TrapCode::IntegerDivideByZero => Trap::IntegerDivideByZero,
            TrapCode::IntegerOverflow => Trap::IntegerOverflow,
            TrapCode::InvalidConversionToInteger => Trap::InvalidConversionToInteger,
            TrapCode::MemoryOutOfBounds => Trap::MemoryOutOfBounds,
        }
    }
}

/// The trap for a continuation handle the store's table refuses (both
/// tiers check handles through it).
impl From<wasmfx_fibre::HandleError> for Trap {
    fn from(e: wasmfx_fibre::HandleError) -> Trap {
        match e {
            wasmfx_fibre::HandleError::Null => Trap::NullContinuation,
            wasmfx_fibre::HandleError::Consumed => Trap::ContinuationAlreadyConsumed,
            wasmfx_fibre::HandleError::Full => {
                Trap::ResourceLimit("too many live continuations (no index left)".into())
            }
            wasmfx_fibre::HandleError::OutOfMemory => {
                crate::reserve::release();
                Trap::ResourceLimit("out of memory: cannot allocate a continuation".into())
            }
            wasmfx_fibre::HandleError::Limit => Trap::ResourceLimit(
                "too many live continuations (the limit of -W max-continuations)".into(),
            ),
        }
    }
}
