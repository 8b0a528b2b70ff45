//! Command-line values: `--invoke` arguments parsed by parameter type, and
//! results printed one per line the way Wasmtime prints them.
//!
//! | type     | accepted                                   | printed            |
//! |----------|--------------------------------------------|--------------------|
//! | i32, i64 | decimal (`-5`, also unsigned range), `0x..` | signed decimal     |
//! | f32, f64 | decimal, `inf`, `-inf`, `nan`               | shortest decimal   |
//! | refs     | not accepted                               | `<null funcref>`... |

use wasmfx_core::value::Ref;
use wasmfx_core::{HeapType, Val, ValType};
use wasmfx_tier::type_name;

/// Parses one argument as a value of type `ty`.
pub fn parse_arg(text: &str, ty: ValType) -> Result<Val, String> {
    let bad = || format!("`{text}` is not a valid {}", type_name(ty));
    match ty {
        ValType::I32 => parse_int(text, 32)
            .map(|bits| Val::I32(bits as u32 as i32))
            .ok_or_else(bad),
        ValType::I64 => parse_int(text, 64)
            .map(|bits| Val::I64(bits as i64))
            .ok_or_else(bad),
        ValType::F32 => text
            .parse::<f32>()
            .map(|f| Val::F32(f.to_bits()))
            .map_err(|_| bad()),
        ValType::F64 => text
            .parse::<f64>()
            .map(|f| Val::F64(f.to_bits()))
            .map_err(|_| bad()),
        ValType::V128 | ValType::Ref(_) => Err(format!(
            "arguments of type {} cannot be given on the command line",
            type_name(ty)
        )),
    }
}

/// Parses a decimal or `0x` hexadecimal integer, optionally negative, that
/// fits in `bits` bits as a signed or an unsigned number (Wasm sees the same
/// bits either way). Returns the bits, sign-extended to 64.
fn parse_int(text: &str, bits: u32) -> Option<u64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => u128::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u128>().ok()?,
    };
    let limit = if negative {
        1u128 << (bits - 1)
    } else {
        (1u128 << bits) - 1
    };
    if magnitude > limit {
        return None;
    }
    let magnitude = magnitude as u64;
    Some(if negative {
        magnitude.wrapping_neg()
    } else {
        magnitude
    })
}

/// One result as the CLI prints it.
pub fn format_result(val: &Val) -> String {
    match val {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(bits) => bits.to_string(),
        Val::Ref(Ref::Null(heap)) => format!("<null {}ref>", hierarchy_name(*heap)),
        Val::Ref(Ref::Func(_)) => "<funcref>".into(),
        Val::Ref(Ref::Extern(_)) => "<externref>".into(),
        Val::Ref(Ref::Exn(_)) => "<exnref>".into(),
        Val::Ref(Ref::Cont(_)) => "<contref>".into(),
    }
}

/// `func`, `extern`, `exn`, `cont` or `any`: the hierarchy a null belongs to.
fn hierarchy_name(heap: HeapType) -> &'static str {
    match heap.abstract_top() {
        Some(HeapType::Extern) => "extern",
        Some(HeapType::Exn) => "exn",
        Some(HeapType::Cont) => "cont",
        Some(HeapType::Any) => "any",
        // Concrete types here are function types (continuations are not
        // returned to the command line yet).
        _ => "func",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        assert_eq!(parse_arg("-5", ValType::I32), Ok(Val::I32(-5)));
        assert_eq!(parse_arg("4294967295", ValType::I32), Ok(Val::I32(-1)));
        assert_eq!(parse_arg("0xff", ValType::I32), Ok(Val::I32(255)));
        assert_eq!(parse_arg("0xffffffff", ValType::I32), Ok(Val::I32(-1)));
        assert_eq!(parse_arg("-0x10", ValType::I64), Ok(Val::I64(-16)));
        assert_eq!(
            parse_arg("9223372036854775808", ValType::I64),
            Ok(Val::I64(i64::MIN))
        );
        assert!(parse_arg("4294967296", ValType::I32).is_err());
        assert!(parse_arg("12a", ValType::I32).is_err());
        assert!(parse_arg("", ValType::I64).is_err());
    }

    #[test]
    fn floats() {
        assert_eq!(
            parse_arg("1.5", ValType::F32),
            Ok(Val::F32(1.5f32.to_bits()))
        );
        assert_eq!(
            parse_arg("-inf", ValType::F64),
            Ok(Val::F64(f64::NEG_INFINITY.to_bits()))
        );
        assert!(
            matches!(parse_arg("nan", ValType::F32), Ok(Val::F32(b)) if f32::from_bits(b).is_nan())
        );
        assert!(parse_arg("one", ValType::F32).is_err());
    }

    #[test]
    fn references_are_refused() {
        assert!(parse_arg("0", ValType::FUNCREF).is_err());
    }

    #[test]
    fn results_print_like_wasmtime() {
        assert_eq!(format_result(&Val::I32(-7)), "-7");
        assert_eq!(format_result(&Val::F32(2.5f32.to_bits())), "2.5");
        assert_eq!(format_result(&Val::F64(f64::INFINITY.to_bits())), "inf");
        assert_eq!(format_result(&Val::F64(f64::NAN.to_bits())), "NaN");
        assert_eq!(
            format_result(&Val::Ref(Ref::Null(HeapType::Extern))),
            "<null externref>"
        );
    }
}
