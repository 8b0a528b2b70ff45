//! Trap codes of compiled code, and their mapping to the runtime's [`Trap`].
//!
//! Compiled code stops with a Cranelift trap instruction (`trap`, `trapz`,
//! `trapnz`, the division and conversion checks). Each records a
//! [`TrapCode`] at its code offset; the signal handler finds it by the
//! faulting pc and hands its raw byte to the host entry, which turns it into
//! a [`Trap`] here.
//!
//! ```text
//!   Cranelift reserved codes       user codes (ours)
//!   STACK_OVERFLOW      exhausted   1 unreachable        6 null function ref
//!   INTEGER_OVERFLOW    overflow    2 table out of bounds 7 null reference
//!   HEAP_OUT_OF_BOUNDS  memory oob  3 undefined element   8 null exception ref
//!   INTEGER_DIVISION_BY_ZERO        4 uninitialized elem  9 trap stored by a libcall
//!   BAD_CONVERSION_TO_INTEGER       5 indirect call type mismatch
//! ```

use cranelift_codegen::ir::TrapCode;
use wasmfx_core::Trap;

pub const UNREACHABLE: TrapCode = TrapCode::unwrap_user(1);
pub const TABLE_OUT_OF_BOUNDS: TrapCode = TrapCode::unwrap_user(2);
pub const UNDEFINED_ELEMENT: TrapCode = TrapCode::unwrap_user(3);
pub const UNINITIALIZED_ELEMENT: TrapCode = TrapCode::unwrap_user(4);
pub const INDIRECT_CALL_TYPE_MISMATCH: TrapCode = TrapCode::unwrap_user(5);
pub const NULL_FUNCTION_REFERENCE: TrapCode = TrapCode::unwrap_user(6);
pub const NULL_REFERENCE: TrapCode = TrapCode::unwrap_user(7);
pub const NULL_EXCEPTION_REFERENCE: TrapCode = TrapCode::unwrap_user(8);
/// A libcall stored the trap in the running activation (host traps, bulk
/// memory and table operations): the entry takes it from there.
pub const STORED_TRAP: TrapCode = TrapCode::unwrap_user(9);

/// The trap a code stands for; `None` for [`STORED_TRAP`] and unknown codes
/// (the caller then looks at the activation's stored trap).
pub fn trap_of_code(raw: u8) -> Option<Trap> {
    let code = TrapCode::from_raw(std::num::NonZeroU8::new(raw)?);
    Some(match code {
        TrapCode::STACK_OVERFLOW => Trap::CallStackExhausted,
        TrapCode::INTEGER_OVERFLOW => Trap::IntegerOverflow,
        TrapCode::HEAP_OUT_OF_BOUNDS => Trap::MemoryOutOfBounds,
        TrapCode::INTEGER_DIVISION_BY_ZERO => Trap::IntegerDivideByZero,
        TrapCode::BAD_CONVERSION_TO_INTEGER => Trap::InvalidConversionToInteger,
        UNREACHABLE => Trap::Unreachable,
        TABLE_OUT_OF_BOUNDS => Trap::TableOutOfBounds,
        UNDEFINED_ELEMENT => Trap::UndefinedElement,
        UNINITIALIZED_ELEMENT => Trap::UninitializedElement,
        INDIRECT_CALL_TYPE_MISMATCH => Trap::IndirectCallTypeMismatch,
        NULL_FUNCTION_REFERENCE => Trap::NullFunctionReference,
        NULL_REFERENCE => Trap::NullReference,
        NULL_EXCEPTION_REFERENCE => Trap::NullExceptionReference,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_map_to_spec_messages() {
        let raw = |c: TrapCode| c.as_raw().get();
        let msg = |c| trap_of_code(raw(c)).map(|t| t.to_string());
        assert_eq!(
            msg(TrapCode::STACK_OVERFLOW).as_deref(),
            Some("call stack exhausted")
        );
        assert_eq!(msg(UNREACHABLE).as_deref(), Some("unreachable"));
        assert_eq!(
            msg(TrapCode::HEAP_OUT_OF_BOUNDS).as_deref(),
            Some("out of bounds memory access")
        );
        assert_eq!(
            msg(INDIRECT_CALL_TYPE_MISMATCH).as_deref(),
            Some("indirect call type mismatch")
        );
        assert_eq!(trap_of_code(raw(STORED_TRAP)), None);
        assert_eq!(trap_of_code(0), None);
    }
}
