//! Arithmetic, comparisons and conversions.
//!
//! Most Wasm numeric instructions are one CLIF instruction with the same
//! semantics: shifts and rotates take their count modulo the width,
//! `sdiv`/`udiv`/`srem`/`urem` trap on a zero divisor and `sdiv` on
//! overflow (`srem` of MIN by -1 is 0), `fcvt_to_*int` traps on NaN
//! ("invalid conversion") and out-of-range ("integer overflow"), `fmin`/
//! `fmax` return NaN if either operand is NaN and order -0 below +0, and
//! `nearest` rounds ties to even. Comparisons give an `i8` that is widened
//! to the Wasm `i32`.

use super::{CompileError, FuncTranslator};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::types::{F32, F64, I8, I16, I32, I64};
use cranelift_codegen::ir::{InstBuilder, Type, Value};
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    pub(super) fn translate_numeric(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            O::I32Eqz | O::I64Eqz => {
                let a = self.pop()?;
                let c = self.b.ins().icmp_imm_s(IntCC::Equal, a, 0);
                self.push_bool(c);
            }
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal)?,
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual)?,
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan)?,
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan)?,
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan)?,
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan)?,
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual)?,
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual)?,
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual)?,
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual)?,
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal)?,
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual)?,
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan)?,
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan)?,
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual)?,
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual)?,

            O::I32Clz | O::I64Clz => self.unary(|b, a| b.ins().clz(a))?,
            O::I32Ctz | O::I64Ctz => self.unary(|b, a| b.ins().ctz(a))?,
            O::I32Popcnt | O::I64Popcnt => self.unary(|b, a| b.ins().popcnt(a))?,
            O::I32Add | O::I64Add => self.binary(|b, x, y| b.ins().iadd(x, y))?,
            O::I32Sub | O::I64Sub => self.binary(|b, x, y| b.ins().isub(x, y))?,
            O::I32Mul | O::I64Mul => self.binary(|b, x, y| b.ins().imul(x, y))?,
            O::I32DivS | O::I64DivS => self.binary(|b, x, y| b.ins().sdiv(x, y))?,
            O::I32DivU | O::I64DivU => self.binary(|b, x, y| b.ins().udiv(x, y))?,
            O::I32RemS | O::I64RemS => self.binary(|b, x, y| b.ins().srem(x, y))?,
            O::I32RemU | O::I64RemU => self.binary(|b, x, y| b.ins().urem(x, y))?,
            O::I32And | O::I64And => self.binary(|b, x, y| b.ins().band(x, y))?,
            O::I32Or | O::I64Or => self.binary(|b, x, y| b.ins().bor(x, y))?,
            O::I32Xor | O::I64Xor => self.binary(|b, x, y| b.ins().bxor(x, y))?,
            O::I32Shl | O::I64Shl => self.binary(|b, x, y| b.ins().ishl(x, y))?,
            O::I32ShrS | O::I64ShrS => self.binary(|b, x, y| b.ins().sshr(x, y))?,
            O::I32ShrU | O::I64ShrU => self.binary(|b, x, y| b.ins().ushr(x, y))?,
            O::I32Rotl | O::I64Rotl => self.binary(|b, x, y| b.ins().rotl(x, y))?,
            O::I32Rotr | O::I64Rotr => self.binary(|b, x, y| b.ins().rotr(x, y))?,
            O::I32Extend8S => self.sign_extend(I8, I32)?,
            O::I32Extend16S => self.sign_extend(I16, I32)?,
            O::I64Extend8S => self.sign_extend(I8, I64)?,
            O::I64Extend16S => self.sign_extend(I16, I64)?,
            O::I64Extend32S => self.sign_extend(I32, I64)?,

            O::F32Abs | O::F64Abs => self.unary(|b, a| b.ins().fabs(a))?,
            O::F32Neg | O::F64Neg => self.unary(|b, a| b.ins().fneg(a))?,
            O::F32Ceil | O::F64Ceil => self.unary(|b, a| b.ins().ceil(a))?,
            O::F32Floor | O::F64Floor => self.unary(|b, a| b.ins().floor(a))?,
            O::F32Trunc | O::F64Trunc => self.unary(|b, a| b.ins().trunc(a))?,
            O::F32Nearest | O::F64Nearest => self.unary(|b, a| b.ins().nearest(a))?,
            O::F32Sqrt | O::F64Sqrt => self.unary(|b, a| b.ins().sqrt(a))?,
            O::F32Add | O::F64Add => self.binary(|b, x, y| b.ins().fadd(x, y))?,
            O::F32Sub | O::F64Sub => self.binary(|b, x, y| b.ins().fsub(x, y))?,
            O::F32Mul | O::F64Mul => self.binary(|b, x, y| b.ins().fmul(x, y))?,
            O::F32Div | O::F64Div => self.binary(|b, x, y| b.ins().fdiv(x, y))?,
            O::F32Min | O::F64Min => self.binary(|b, x, y| b.ins().fmin(x, y))?,
            O::F32Max | O::F64Max => self.binary(|b, x, y| b.ins().fmax(x, y))?,
            O::F32Copysign | O::F64Copysign => self.binary(|b, x, y| b.ins().fcopysign(x, y))?,

            O::I32WrapI64 => self.unary(|b, a| b.ins().ireduce(I32, a))?,
            O::I64ExtendI32S => self.unary(|b, a| b.ins().sextend(I64, a))?,
            O::I64ExtendI32U => self.unary(|b, a| b.ins().uextend(I64, a))?,
            O::I32TruncF32S | O::I32TruncF64S => self.unary(|b, a| b.ins().fcvt_to_sint(I32, a))?,
            O::I32TruncF32U | O::I32TruncF64U => self.unary(|b, a| b.ins().fcvt_to_uint(I32, a))?,
            O::I64TruncF32S | O::I64TruncF64S => self.unary(|b, a| b.ins().fcvt_to_sint(I64, a))?,
            O::I64TruncF32U | O::I64TruncF64U => self.unary(|b, a| b.ins().fcvt_to_uint(I64, a))?,
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unary(|b, a| b.ins().fcvt_to_sint_sat(I32, a))?
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unary(|b, a| b.ins().fcvt_to_uint_sat(I32, a))?
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unary(|b, a| b.ins().fcvt_to_sint_sat(I64, a))?
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unary(|b, a| b.ins().fcvt_to_uint_sat(I64, a))?
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unary(|b, a| b.ins().fcvt_from_sint(F32, a))?
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unary(|b, a| b.ins().fcvt_from_uint(F32, a))?
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unary(|b, a| b.ins().fcvt_from_sint(F64, a))?
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unary(|b, a| b.ins().fcvt_from_uint(F64, a))?
            }
            O::F32DemoteF64 => self.unary(|b, a| b.ins().fdemote(F32, a))?,
            O::F64PromoteF32 => self.unary(|b, a| b.ins().fpromote(F64, a))?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn unary(
        &mut self,
        f: impl FnOnce(&mut cranelift_frontend::FunctionBuilder<'_>, Value) -> Value,
    ) -> Result<(), CompileError> {
        let a = self.pop()?;
        let r = f(&mut self.b, a);
        self.push(r);
        Ok(())
    }

    fn binary(
        &mut self,
        f: impl FnOnce(&mut cranelift_frontend::FunctionBuilder<'_>, Value, Value) -> Value,
    ) -> Result<(), CompileError> {
        let y = self.pop()?;
        let x = self.pop()?;
        let r = f(&mut self.b, x, y);
        self.push(r);
        Ok(())
    }

    fn icmp(&mut self, cc: IntCC) -> Result<(), CompileError> {
        let y = self.pop()?;
        let x = self.pop()?;
        let c = self.b.ins().icmp(cc, x, y);
        self.push_bool(c);
        Ok(())
    }

    fn fcmp(&mut self, cc: FloatCC) -> Result<(), CompileError> {
        let y = self.pop()?;
        let x = self.pop()?;
        let c = self.b.ins().fcmp(cc, x, y);
        self.push_bool(c);
        Ok(())
    }

    /// Pushes a CLIF `i8` condition as a Wasm `i32` 0 or 1.
    fn push_bool(&mut self, c: Value) {
        let v = self.b.ins().uextend(I32, c);
        self.push(v);
    }

    fn sign_extend(&mut self, from: Type, to: Type) -> Result<(), CompileError> {
        self.unary(|b, a| {
            let narrow = b.ins().ireduce(from, a);
            b.ins().sextend(to, narrow)
        })
    }
}
