//! What one run of a module showed: the result or trap of every call, then
//! the final state of its memories, globals and tables. Two runs agree when
//! their observation lists are equal.
//!
//! ```text
//!   [Instantiated(Ok) | Instantiated(Err "trap msg"),
//!    Call { export, args, result: Ok(["i32:7"]) | Err("integer overflow") }, ...
//!    Memory { index, bytes }, Global { index, value }, Table { index, elems }]
//! ```
//!
//! Values are written as text so that comparing them is plain equality:
//! floats as bits (generated modules canonicalise NaNs, so bits are
//! deterministic), references as what they denote. Exception and
//! continuation references are written without their address, which depends
//! on how many objects a tier allocated along the way.

use std::fmt;
use wasmfx_core::Val;
use wasmfx_core::value::Ref;

/// One observable fact of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observation {
    /// Instantiation (including the start function): `Err` holds the error.
    Instantiated(Result<(), String>),
    Call {
        export: String,
        args: Vec<String>,
        result: Result<Vec<String>, String>,
    },
    /// A call that was not made: a parameter has no value the harness can
    /// make (a non-nullable reference).
    Skipped {
        export: String,
    },
    Memory {
        index: u32,
        bytes: Vec<u8>,
    },
    Global {
        index: u32,
        value: String,
    },
    Table {
        index: u32,
        elems: Vec<String>,
    },
}

/// `val` as text, e.g. `i32:-1`, `f64:0x7ff8000000000000`, `func@3`, `null`.
pub fn show(val: &Val) -> String {
    match val {
        Val::I32(v) => format!("i32:{v}"),
        Val::I64(v) => format!("i64:{v}"),
        Val::F32(bits) => format!("f32:{bits:#010x}"),
        Val::F64(bits) => format!("f64:{bits:#018x}"),
        Val::V128(bits) => format!("v128:{bits:#034x}"),
        Val::Ref(r) => match r {
            Ref::Null(_) => "null".to_string(),
            Ref::Func(addr) => format!("func@{}", addr.0),
            Ref::Extern(n) => format!("extern:{n}"),
            Ref::Exn(_) => "exn".to_string(),
            Ref::Cont(_) => "cont".to_string(),
        },
    }
}

/// Where two observation lists first differ, as a readable line; `None`
/// when they are equal.
pub fn first_difference(expected: &[Observation], actual: &[Observation]) -> Option<String> {
    for (index, (e, a)) in expected.iter().zip(actual).enumerate() {
        if e != a {
            return Some(format!(
                "observation {index}:\n  expected {}\n  actual   {}",
                Brief(e),
                Brief(a)
            ));
        }
    }
    if expected.len() != actual.len() {
        return Some(format!(
            "{} observations expected, {} made",
            expected.len(),
            actual.len()
        ));
    }
    None
}

/// An observation shortened for a report: memories as size and checksum.
struct Brief<'a>(&'a Observation);

impl fmt::Display for Brief<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Observation::Memory { index, bytes } => {
                let sum = bytes
                    .iter()
                    .fold(0u64, |h, &b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
                let nonzero = bytes.iter().filter(|&&b| b != 0).count();
                write!(
                    f,
                    "memory {index}: {} bytes, {nonzero} non-zero, checksum {sum:#x}",
                    bytes.len()
                )
            }
            other => write!(f, "{other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmfx_core::{FuncAddr, HeapType};

    #[test]
    fn values_show_bits_and_what_references_denote() {
        assert_eq!(show(&Val::I32(-1)), "i32:-1");
        assert_eq!(show(&Val::F32(0x7fc0_0000)), "f32:0x7fc00000");
        assert_eq!(show(&Val::Ref(Ref::Null(HeapType::Func))), "null");
        assert_eq!(show(&Val::Ref(Ref::Func(FuncAddr(3)))), "func@3");
    }

    #[test]
    fn differences_are_located() {
        let call = |r: i32| Observation::Call {
            export: "f".into(),
            args: vec![],
            result: Ok(vec![show(&Val::I32(r))]),
        };
        assert_eq!(first_difference(&[call(1)], &[call(1)]), None);
        let diff = first_difference(&[call(1), call(2)], &[call(1), call(3)]);
        assert!(diff.is_some_and(|d| d.starts_with("observation 1:") && d.contains("i32:3")));
        let memory = |b: u8| Observation::Memory {
            index: 0,
            bytes: vec![b; 4],
        };
        let diff = first_difference(&[memory(0)], &[memory(1)]).unwrap_or_default();
        assert!(diff.contains("4 non-zero"), "{diff}");
        assert!(first_difference(&[call(1)], &[]).is_some());
    }
}
