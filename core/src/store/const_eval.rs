//! Evaluation of constant expressions (global, table and segment
//! initializers) to raw slots.
//!
//! ```text
//!   ops: [global.get 0, i32.const 4, i32.add]   stack: [g0] → [g0, 4] → [g0+4]
//! ```
//!
//! Expressions are validated, so the stack never underflows and ends with one
//! value; those cases still return an error rather than panicking.

use super::{FuncAddr, GlobalAddr, Store};
use crate::const_expr::{ConstExpr, ConstOp};
use crate::trap::Trap;
use crate::value::{Ref, Val};

/// What a constant expression may refer to: the function and global index
/// spaces of the instance being built (globals: only those allocated so far).
pub struct ConstContext<'a> {
    pub funcs: &'a [FuncAddr],
    pub globals: &'a [GlobalAddr],
}

impl Store {
    /// Evaluates `expr` to one raw slot.
    ///
    /// # Errors
    /// `Trap::Host("unsupported constant instruction NAME")` for operations
    /// this engine does not execute (GC allocation, `v128.const`), and a
    /// `Trap::Host` for a malformed expression.
    pub fn eval_const(&self, expr: &ConstExpr, cx: &ConstContext<'_>) -> Result<u64, Trap> {
        let mut stack: Vec<u64> = Vec::with_capacity(4);
        for op in expr.ops.iter() {
            let value = match *op {
                ConstOp::I32Const(v) => u64::from(v as u32),
                ConstOp::I64Const(v) => v as u64,
                ConstOp::F32Const(bits) => u64::from(bits),
                ConstOp::F64Const(bits) => bits,
                ConstOp::V128Const(_) => return Err(unsupported("v128.const")),
                ConstOp::RefNull(_) => 0,
                ConstOp::RefFunc(index) => {
                    let addr = cx
                        .funcs
                        .get(index as usize)
                        .ok_or_else(|| malformed("ref.func"))?;
                    // References always have a raw form.
                    Val::Ref(Ref::Func(*addr)).to_raw().unwrap_or(0)
                }
                ConstOp::GlobalGet(index) => {
                    let addr = cx
                        .globals
                        .get(index as usize)
                        .ok_or_else(|| malformed("global.get"))?;
                    self.global(*addr).get()
                }
                ConstOp::I32Add => binary(&mut stack, |a, b| i32_op(a, b, i32::wrapping_add))?,
                ConstOp::I32Sub => binary(&mut stack, |a, b| i32_op(a, b, i32::wrapping_sub))?,
                ConstOp::I32Mul => binary(&mut stack, |a, b| i32_op(a, b, i32::wrapping_mul))?,
                ConstOp::I64Add => binary(&mut stack, u64::wrapping_add)?,
                ConstOp::I64Sub => binary(&mut stack, u64::wrapping_sub)?,
                ConstOp::I64Mul => binary(&mut stack, u64::wrapping_mul)?,
                ConstOp::Unsupported(name) => return Err(unsupported(name)),
            };
            stack.push(value);
        }
        match stack.as_slice() {
            [value] => Ok(*value),
            _ => Err(malformed("end")),
        }
    }
}

/// Pops two operands and applies `op` (the result is pushed by the caller).
fn binary(stack: &mut Vec<u64>, op: impl Fn(u64, u64) -> u64) -> Result<u64, Trap> {
    match (stack.pop(), stack.pop()) {
        (Some(b), Some(a)) => Ok(op(a, b)),
        _ => Err(malformed("binary operator")),
    }
}

/// Applies an `i32` operation to raw slots (zero-extended result).
fn i32_op(a: u64, b: u64, op: fn(i32, i32) -> i32) -> u64 {
    u64::from(op(a as u32 as i32, b as u32 as i32) as u32)
}

fn unsupported(name: &str) -> Trap {
    Trap::Host(format!("unsupported constant instruction {name}"))
}

fn malformed(at: &str) -> Trap {
    Trap::Host(format!("malformed constant expression at {at}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::GlobalType;
    use crate::types::{TypeRegistry, ValType};
    use std::sync::Arc;

    fn expr(ops: &[ConstOp]) -> ConstExpr {
        ConstExpr { ops: ops.into() }
    }

    #[test]
    fn arithmetic_wraps_and_reads_globals() {
        let mut store = Store::new(Arc::new(TypeRegistry::new()));
        let g = store.alloc_global_raw(
            GlobalType {
                content: ValType::I32,
                mutable: false,
            },
            7,
        );
        let globals = [g];
        let funcs = [FuncAddr(41)];
        let cx = ConstContext {
            funcs: &funcs,
            globals: &globals,
        };
        let e = expr(&[
            ConstOp::GlobalGet(0),
            ConstOp::I32Const(i32::MAX),
            ConstOp::I32Add,
        ]);
        assert_eq!(
            store.eval_const(&e, &cx),
            Ok(u64::from(i32::MIN as u32 + 6))
        );
        let e = expr(&[ConstOp::I64Const(-2), ConstOp::I64Const(3), ConstOp::I64Mul]);
        assert_eq!(store.eval_const(&e, &cx), Ok(-6i64 as u64));
        let e = expr(&[ConstOp::I32Const(1), ConstOp::I32Const(2), ConstOp::I32Sub]);
        assert_eq!(store.eval_const(&e, &cx), Ok(0xffff_ffff));
        assert_eq!(store.eval_const(&expr(&[ConstOp::RefFunc(0)]), &cx), Ok(42));
    }

    #[test]
    fn unsupported_and_malformed_are_errors() {
        let store = Store::new(Arc::new(TypeRegistry::new()));
        let cx = ConstContext {
            funcs: &[],
            globals: &[],
        };
        let e = expr(&[ConstOp::Unsupported("struct.new")]);
        let err = store.eval_const(&e, &cx).expect_err("unsupported");
        assert_eq!(
            err.to_string(),
            "unsupported constant instruction struct.new"
        );
        assert!(store.eval_const(&expr(&[ConstOp::I32Add]), &cx).is_err());
        assert!(
            store
                .eval_const(&expr(&[ConstOp::GlobalGet(0)]), &cx)
                .is_err()
        );
        assert!(store.eval_const(&expr(&[]), &cx).is_err());
    }
}
