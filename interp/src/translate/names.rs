//! Text-format names of instructions this tier does not execute, for the
//! "unsupported instruction: NAME" trap.

use wasmparser::Operator;

/// A short name for an operator, for "unsupported instruction" traps.
pub(super) fn operator_name(op: &Operator<'_>) -> Box<str> {
    // Text-format names for the families we expect; for the rest (mostly
    // SIMD) the variant name from `Operator`'s Debug output.
    macro_rules! names {
        ($($variant:ident => $name:literal,)*) => {
            match op {
                $(Operator::$variant { .. } => $name.into(),)*
                _ => {
                    let debug = format!("{op:?}");
                    let end = debug.find([' ', '{', '(']).unwrap_or(debug.len());
                    debug[..end].into()
                }
            }
        };
    }
    names! {
        StructNew => "struct.new", StructNewDefault => "struct.new_default",
        StructGet => "struct.get", StructGetS => "struct.get_s", StructGetU => "struct.get_u",
        StructSet => "struct.set", ArrayNew => "array.new", ArrayNewDefault => "array.new_default",
        ArrayNewFixed => "array.new_fixed", ArrayNewData => "array.new_data",
        ArrayNewElem => "array.new_elem", ArrayGet => "array.get", ArrayGetS => "array.get_s",
        ArrayGetU => "array.get_u", ArraySet => "array.set", ArrayLen => "array.len",
        ArrayFill => "array.fill", ArrayCopy => "array.copy", ArrayInitData => "array.init_data",
        ArrayInitElem => "array.init_elem", RefTestNonNull => "ref.test", RefTestNullable => "ref.test",
        RefCastNonNull => "ref.cast", RefCastNullable => "ref.cast", BrOnCast => "br_on_cast",
        BrOnCastFail => "br_on_cast_fail", AnyConvertExtern => "any.convert_extern",
        ExternConvertAny => "extern.convert_any", RefI31 => "ref.i31", I31GetS => "i31.get_s",
        I31GetU => "i31.get_u", ContNew => "cont.new", ContBind => "cont.bind",
        Suspend => "suspend", Resume => "resume", ResumeThrow => "resume_throw",
        ResumeThrowRef => "resume_throw_ref", Switch => "switch", Try => "try",
        Catch => "catch", CatchAll => "catch_all", Rethrow => "rethrow", Delegate => "delegate",
        V128Const => "v128.const", V128Load => "v128.load", V128Store => "v128.store",
        MemoryAtomicNotify => "memory.atomic.notify", AtomicFence => "atomic.fence",
        I64Add128 => "i64.add128", I64Sub128 => "i64.sub128", I64MulWideS => "i64.mul_wide_s",
        I64MulWideU => "i64.mul_wide_u", MemoryDiscard => "memory.discard",
    }
}
