//! Script values: building [`Val`] arguments from `(i32.const 1)`-style
//! arguments, and matching results against `assert_return` patterns
//! (`nan:canonical`, `nan:arithmetic`, `ref.null`, `ref.func`, `either`...).
//!
//! Arguments are converted against the callee's parameter types, so a
//! `ref.null` argument takes the parameter's heap type and a mismatched
//! argument is reported instead of reaching the engine.

use wasmfx_core::value::Ref;
use wasmfx_core::{HeapType, Store, Val, ValType};
use wast::core::{AbstractHeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::token::{F32, F64};
use wast::{WastArg, WastRet};

/// Converts invocation arguments, checking count and types against `params`.
pub fn args_to_vals(args: &[WastArg<'_>], params: &[ValType]) -> Result<Vec<Val>, String> {
    if args.len() != params.len() {
        return Err(format!(
            "expected {} arguments, script gives {}",
            params.len(),
            args.len()
        ));
    }
    args.iter()
        .zip(params)
        .enumerate()
        .map(|(i, (arg, &ty))| arg_to_val(arg, ty).map_err(|e| format!("argument {i}: {e}")))
        .collect()
}

fn arg_to_val(arg: &WastArg<'_>, ty: ValType) -> Result<Val, String> {
    let WastArg::Core(arg) = arg else {
        return Err("component-model arguments are not supported".into());
    };
    let val = match (arg, ty) {
        (WastArgCore::I32(v), ValType::I32) => Val::I32(*v),
        (WastArgCore::I64(v), ValType::I64) => Val::I64(*v),
        (WastArgCore::F32(v), ValType::F32) => Val::F32(v.bits),
        (WastArgCore::F64(v), ValType::F64) => Val::F64(v.bits),
        (WastArgCore::V128(v), ValType::V128) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
        (WastArgCore::RefNull(_), ValType::Ref(rt)) if rt.nullable => Val::Ref(Ref::Null(rt.heap)),
        (WastArgCore::RefExtern(n), ValType::Ref(rt))
            if rt.heap.abstract_top() == Some(HeapType::Extern) =>
        {
            Val::Ref(Ref::Extern(*n))
        }
        (WastArgCore::RefHost(_), _) => {
            return Err("`ref.host` values (GC host references) are not supported".into());
        }
        (arg, ty) => {
            return Err(format!(
                "{} does not fit parameter type {ty:?}",
                arg_name(arg)
            ));
        }
    };
    Ok(val)
}

fn arg_name(arg: &WastArgCore<'_>) -> &'static str {
    match arg {
        WastArgCore::I32(_) => "i32.const",
        WastArgCore::I64(_) => "i64.const",
        WastArgCore::F32(_) => "f32.const",
        WastArgCore::F64(_) => "f64.const",
        WastArgCore::V128(_) => "v128.const",
        WastArgCore::RefNull(_) => "ref.null",
        WastArgCore::RefExtern(_) => "ref.extern",
        WastArgCore::RefHost(_) => "ref.host",
    }
}

/// Compares results with the expected patterns; the error names the first
/// result that differs.
pub fn check_results(
    store: &Store,
    actual: &[Val],
    expected: &[WastRet<'_>],
) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!(
            "expected {} results, got {}: [{}]",
            expected.len(),
            actual.len(),
            describe_all(actual)
        ));
    }
    for (i, (val, want)) in actual.iter().zip(expected).enumerate() {
        let WastRet::Core(want) = want else {
            return Err("component-model results are not supported".into());
        };
        if !matches(store, val, want) {
            return Err(format!(
                "result {i}: expected {}, got {}",
                describe_pattern(want),
                describe(val)
            ));
        }
    }
    Ok(())
}

fn matches(store: &Store, val: &Val, want: &WastRetCore<'_>) -> bool {
    match (want, val) {
        (WastRetCore::I32(w), Val::I32(v)) => w == v,
        (WastRetCore::I64(w), Val::I64(v)) => w == v,
        (WastRetCore::F32(w), Val::F32(bits)) => f32_matches(w, *bits),
        (WastRetCore::F64(w), Val::F64(bits)) => f64_matches(w, *bits),
        (WastRetCore::V128(w), Val::V128(bits)) => v128_matches(w, *bits),
        (WastRetCore::RefNull(w), Val::Ref(Ref::Null(actual))) => null_matches(store, w, *actual),
        (WastRetCore::RefExtern(w), Val::Ref(Ref::Extern(n))) => w.is_none_or(|w| w == *n),
        // `(ref.func)` asks for any non-null function; an index in the
        // pattern is module-relative and not checked (as other runners do).
        (WastRetCore::RefFunc(_), Val::Ref(Ref::Func(_))) => true,
        (WastRetCore::Either(options), val) => options.iter().any(|w| matches(store, val, w)),
        // `ref.any`, `ref.eq`, `ref.struct`, `ref.array`, `ref.i31`, `ref.host`
        // need GC heap values, which this engine does not create yet.
        _ => false,
    }
}

fn null_matches(store: &Store, want: &Option<wast::core::HeapType<'_>>, actual: HeapType) -> bool {
    let Some(wast::core::HeapType::Abstract { ty, .. }) = want else {
        // No type, or a module-relative concrete index: any null matches.
        return true;
    };
    let actual_top = match actual.abstract_top() {
        Some(top) => top,
        None => store.registry.top_of(actual),
    };
    abstract_top(*ty) == actual_top
}

/// The top type of a script heap type's hierarchy.
fn abstract_top(ty: AbstractHeapType) -> HeapType {
    use AbstractHeapType as A;
    match ty {
        A::Func | A::NoFunc => HeapType::Func,
        A::Extern | A::NoExtern => HeapType::Extern,
        A::Exn | A::NoExn => HeapType::Exn,
        A::Cont | A::NoCont => HeapType::Cont,
        A::Any | A::Eq | A::Struct | A::Array | A::I31 | A::None => HeapType::Any,
    }
}

const F32_SIGN: u32 = 0x8000_0000;
const F32_QUIET: u32 = 0x7fc0_0000;
const F64_SIGN: u64 = 0x8000_0000_0000_0000;
const F64_QUIET: u64 = 0x7ff8_0000_0000_0000;

fn f32_matches(want: &NanPattern<F32>, bits: u32) -> bool {
    match want {
        // Canonical: quiet bit only, either sign.
        NanPattern::CanonicalNan => bits & !F32_SIGN == F32_QUIET,
        // Arithmetic: quiet bit set, any payload, either sign.
        NanPattern::ArithmeticNan => bits & F32_QUIET == F32_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(want: &NanPattern<F64>, bits: u64) -> bool {
    match want {
        NanPattern::CanonicalNan => bits & !F64_SIGN == F64_QUIET,
        NanPattern::ArithmeticNan => bits & F64_QUIET == F64_QUIET,
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Lane-wise comparison; lanes are little-endian in the 128 bits.
fn v128_matches(want: &V128Pattern, bits: u128) -> bool {
    let bytes = bits.to_le_bytes();
    let lane = |i: usize, size: usize| -> u64 {
        let mut wide = [0u8; 8];
        wide[..size].copy_from_slice(&bytes[i * size..(i + 1) * size]);
        u64::from_le_bytes(wide)
    };
    match want {
        V128Pattern::I8x16(w) => w
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 1) == u64::from(*v as u8)),
        V128Pattern::I16x8(w) => w
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 2) == u64::from(*v as u16)),
        V128Pattern::I32x4(w) => w
            .iter()
            .enumerate()
            .all(|(i, v)| lane(i, 4) == u64::from(*v as u32)),
        V128Pattern::I64x2(w) => w.iter().enumerate().all(|(i, v)| lane(i, 8) == *v as u64),
        V128Pattern::F32x4(w) => w
            .iter()
            .enumerate()
            .all(|(i, v)| f32_matches(v, lane(i, 4) as u32)),
        V128Pattern::F64x2(w) => w
            .iter()
            .enumerate()
            .all(|(i, v)| f64_matches(v, lane(i, 8))),
    }
}

/// A value as failure messages show it, e.g. `i32:-1` or `f32:nan (0x7fc00000)`.
pub fn describe(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(b) => format!("f32:{} (0x{b:08x})", f32::from_bits(*b)),
        Val::F64(b) => format!("f64:{} (0x{b:016x})", f64::from_bits(*b)),
        Val::V128(b) => format!("v128:0x{b:032x}"),
        Val::Ref(Ref::Null(ht)) => format!("ref.null {ht:?}"),
        Val::Ref(Ref::Func(a)) => format!("ref.func (store function {})", a.0),
        Val::Ref(Ref::Extern(n)) => format!("ref.extern {n}"),
        Val::Ref(Ref::Exn(a)) => format!("ref.exn (store exception {})", a.0),
        Val::Ref(Ref::Cont(c)) => format!("ref.cont (record {} revision {})", c.index, c.revision),
    }
}

/// Values separated by commas.
pub fn describe_all(vals: &[Val]) -> String {
    vals.iter().map(describe).collect::<Vec<_>>().join(", ")
}

fn describe_pattern(want: &WastRetCore<'_>) -> String {
    fn nan<T>(p: &NanPattern<T>, bits: impl Fn(&T) -> String) -> String {
        match p {
            NanPattern::CanonicalNan => "nan:canonical".into(),
            NanPattern::ArithmeticNan => "nan:arithmetic".into(),
            NanPattern::Value(v) => bits(v),
        }
    }
    match want {
        WastRetCore::I32(v) => format!("i32:{v}"),
        WastRetCore::I64(v) => format!("i64:{v}"),
        WastRetCore::F32(p) => nan(p, |v| {
            format!("f32:{} (0x{:08x})", f32::from_bits(v.bits), v.bits)
        }),
        WastRetCore::F64(p) => nan(p, |v| {
            format!("f64:{} (0x{:016x})", f64::from_bits(v.bits), v.bits)
        }),
        WastRetCore::V128(p) => format!("v128 {p:?}"),
        WastRetCore::RefNull(Some(ht)) => format!("ref.null {ht:?}"),
        WastRetCore::RefNull(None) => "ref.null".into(),
        WastRetCore::RefExtern(Some(n)) => format!("ref.extern {n}"),
        WastRetCore::RefExtern(None) => "ref.extern".into(),
        WastRetCore::RefHost(n) => format!("ref.host {n} (unsupported: GC host reference)"),
        WastRetCore::RefFunc(_) => "ref.func".into(),
        WastRetCore::Either(options) => {
            let options: Vec<String> = options.iter().map(describe_pattern).collect();
            format!("either({})", options.join(" | "))
        }
        other => format!("{other:?} (unsupported: needs GC heap values)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nan_patterns() {
        let canon = NanPattern::<F32>::CanonicalNan;
        let arith = NanPattern::<F32>::ArithmeticNan;
        assert!(f32_matches(&canon, 0x7fc0_0000));
        assert!(f32_matches(&canon, 0xffc0_0000));
        assert!(!f32_matches(&canon, 0x7fc0_0001));
        assert!(f32_matches(&arith, 0x7fc0_0001));
        assert!(
            !f32_matches(&arith, 0x7f80_0001),
            "signalling NaN is not arithmetic"
        );
        assert!(
            !f32_matches(&NanPattern::Value(F32 { bits: 0 }), 0x8000_0000),
            "-0 is not +0"
        );
        assert!(f64_matches(
            &NanPattern::CanonicalNan,
            0xfff8_0000_0000_0000
        ));
        assert!(!f64_matches(
            &NanPattern::CanonicalNan,
            0x7ff0_0000_0000_0001
        ));
    }

    #[test]
    fn v128_lanes_are_little_endian() {
        let bits =
            u128::from_le_bytes([1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
        assert!(v128_matches(&V128Pattern::I32x4([1, 2, 3, -1]), bits));
        assert!(!v128_matches(&V128Pattern::I32x4([1, 2, 3, 4]), bits));
    }

    #[test]
    fn argument_count_and_type_are_checked() {
        let args = [WastArg::Core(WastArgCore::I32(7))];
        assert_eq!(args_to_vals(&args, &[ValType::I32]), Ok(vec![Val::I32(7)]));
        assert!(args_to_vals(&args, &[ValType::I64]).is_err());
        assert!(args_to_vals(&args, &[]).is_err());
    }
}
