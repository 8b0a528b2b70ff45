//! Operands by slot: the translator side of the register forms
//! (`op/reg.rs`).
//!
//! `local.get` and constants are not emitted where they occur. They stay
//! *pending* on top of the translator's view of the operand stack; so does
//! a binary op on two of them, until its consumer is known:
//!
//! ```text
//!   wasm                      pending                 emitted
//!   local.get 3               [L3]
//!   local.get 4               [L3, L4]
//!   i32.add                   [Binary(add, L3, L4)]
//!   local.set 5               []                      I32AddRR { dst: 5, a: 3, b: 4, sp }
//!   local.get 5; i32.const 8  [L5, C8]
//!   i32.lt_s                  [Binary(lt_s, L5, C8)]
//!   br_if 0                   []                      BrIfCmpRI { LtS, a: 5, imm: 8, sp, target }
//!   local.get 1; local.get 2  [L1, L2]
//!   i32.add; i32.load         []                      LocalGet2(1, 2), I32Add, I32Load
//!   local.get 1; local.get 2  [L1, L2]
//!   i32.const 2; i32.shl      [L1, Binary(shl, L2, C2)]
//!   i32.add                   [AddShl(L1, L2, 2)]
//!   local.set 6               []                      I32AddShlRR { k: 2, dst: 6, a: 1, b: 2, sp }
//! ```
//!
//! A register op replaces the whole pattern only where the stack forms
//! would take several ops (a result stored in a local, a compare and
//! branch); where a stack op consumes the value, the stack forms and their
//! fusions (`fuse.rs`) are as cheap, so the pending entries are emitted as
//! they were (`local.get`, `i32.const`, the op).
//!
//! Invariants:
//! - Pending entries are always the top of the stack (a suffix): a binary
//!   op on the top two emits the pending entries below them first.
//! - At run time `sp = base + num_locals + height - pending.len()`: pending
//!   entries have a height (`height` counts them) but no slot written yet.
//! - Every other op, and every label, sees the stack as the stack forms
//!   expect it: `translate_op` emits what is pending (`flush_before`) first.
//! - A `local.set`/`local.tee` of a local that a pending entry below the
//!   top reads is left to the stack forms (after a flush), so the entry
//!   reads the old value.

use super::{TranslateError, Translator};
use crate::op::{Bin, BinImm, Op};
use wasmparser::Operator;

/// An operand-stack entry whose slot is not written yet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pending {
    /// The value of a local (its slot).
    Local(u32),
    /// A constant's raw slot bits.
    Const(u64),
    /// A binary op on two `Local`/`Const` entries, emitted once its
    /// consumer is known: `reg` (register form, result in the temporary
    /// where it would be pushed) for a `local.set`/`local.tee`, or for a
    /// branch on an i32 comparison (fused into `BrIf<cmp>RR`/`BrIfCmpRI`); else the
    /// operands' stack ops and `stack`, which `fuse.rs` fuses as before.
    Binary {
        stack: Op,
        reg: Op,
        a: Leaf,
        b: Leaf,
    },
    /// `local a + (local b << k)` (i32, `k` below 32): an `i32.add` of a
    /// local and a pending shift of a local by a constant, either way
    /// round. A `local.set`/`local.tee` makes it one `I32AddShlRR`; any
    /// other consumer gets the stack forms (`LocalGet2`, `I32AddShl`).
    AddShl { a: u32, b: u32, k: u8 },
}

/// An operand of a pending [`Pending::Binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Leaf {
    Local(u32),
    Const(u64),
}

impl Pending {
    /// Whether the entry reads `local`.
    fn reads(self, local: u32) -> bool {
        match self {
            Pending::Local(l) => l == local,
            Pending::Const(_) => false,
            Pending::Binary { a, b, .. } => a == Leaf::Local(local) || b == Leaf::Local(local),
            Pending::AddShl { a, b, .. } => a == local || b == local,
        }
    }
}

/// The register forms of a binary operator: slot-slot, slot-immediate (if
/// any), whether the immediate is sign-extended from i32 (i64 ops) and
/// whether the operands commute.
struct BinaryForms {
    stack: Op,
    rr: fn(Bin) -> Op,
    ri: Option<fn(BinImm) -> Op>,
    wide: bool,
    commutes: bool,
}

macro_rules! binary_forms {
    ($($wasm:ident => $rr:ident $(/ $ri:ident)? : $wide:literal $commutes:literal;)*) => {
        /// The register forms of `op`, if it has them.
        fn binary_forms(op: &Operator<'_>) -> Option<BinaryForms> {
            Some(match op {
                $(Operator::$wasm => BinaryForms {
                    stack: Op::$wasm,
                    rr: Op::$rr,
                    ri: binary_forms!(@ri $($ri)?),
                    wide: $wide,
                    commutes: $commutes,
                },)*
                _ => return None,
            })
        }
    };
    (@ri $ri:ident) => { Some(Op::$ri) };
    (@ri) => { None };
}

binary_forms! {
    I32Add => I32AddRR / I32AddRI: false true;
    I32Sub => I32SubRR / I32SubRI: false false;
    I32Mul => I32MulRR / I32MulRI: false true;
    I32And => I32AndRR / I32AndRI: false true;
    I32Or => I32OrRR / I32OrRI: false true;
    I32Xor => I32XorRR / I32XorRI: false true;
    I32Shl => I32ShlRR / I32ShlRI: false false;
    I32ShrS => I32ShrSRR / I32ShrSRI: false false;
    I32ShrU => I32ShrURR / I32ShrURI: false false;
    I32Rotl => I32RotlRR / I32RotlRI: false false;
    I32Rotr => I32RotrRR / I32RotrRI: false false;
    I32Eq => I32EqRR / I32EqRI: false true;
    I32Ne => I32NeRR / I32NeRI: false true;
    I32LtS => I32LtSRR / I32LtSRI: false false;
    I32LtU => I32LtURR / I32LtURI: false false;
    I32GtS => I32GtSRR / I32GtSRI: false false;
    I32GtU => I32GtURR / I32GtURI: false false;
    I32LeS => I32LeSRR / I32LeSRI: false false;
    I32LeU => I32LeURR / I32LeURI: false false;
    I32GeS => I32GeSRR / I32GeSRI: false false;
    I32GeU => I32GeURR / I32GeURI: false false;
    I64Add => I64AddRR / I64AddRI: true true;
    I64Sub => I64SubRR / I64SubRI: true false;
    I64Mul => I64MulRR / I64MulRI: true true;
    I64And => I64AndRR / I64AndRI: true true;
    I64Or => I64OrRR / I64OrRI: true true;
    I64Xor => I64XorRR / I64XorRI: true true;
    I64Shl => I64ShlRR / I64ShlRI: true false;
    I64ShrS => I64ShrSRR / I64ShrSRI: true false;
    I64ShrU => I64ShrURR / I64ShrURI: true false;
    I64Rotl => I64RotlRR / I64RotlRI: true false;
    I64Rotr => I64RotrRR / I64RotrRI: true false;
    I64Eq => I64EqRR / I64EqRI: true true;
    I64Ne => I64NeRR / I64NeRI: true true;
    I64LtS => I64LtSRR / I64LtSRI: true false;
    I64LtU => I64LtURR / I64LtURI: true false;
    I64GtS => I64GtSRR / I64GtSRI: true false;
    I64GtU => I64GtURR / I64GtURI: true false;
    I64LeS => I64LeSRR / I64LeSRI: true false;
    I64LeU => I64LeURR / I64LeURI: true false;
    I64GeS => I64GeSRR / I64GeSRI: true false;
    I64GeU => I64GeURR / I64GeURI: true false;
    F32Add => F32AddRR: false true;
    F32Sub => F32SubRR: false false;
    F32Mul => F32MulRR: false true;
    F32Div => F32DivRR: false false;
    F64Add => F64AddRR: false true;
    F64Sub => F64SubRR: false false;
    F64Mul => F64MulRR: false true;
    F64Div => F64DivRR: false false;
}

impl Translator<'_> {
    /// Translates `op` in register form (locals, constants and binary ops on
    /// them left pending, `local.set`/`local.tee` of them emitted as one
    /// op); `false` if `op` needs the stack forms.
    pub(super) fn translate_register(&mut self, op: &Operator<'_>) -> Result<bool, TranslateError> {
        match *op {
            Operator::LocalGet { local_index } => self.push_pending(Pending::Local(local_index)),
            Operator::I32Const { value } => self.push_pending(Pending::Const(value as u32 as u64)),
            Operator::I64Const { value } => self.push_pending(Pending::Const(value as u64)),
            Operator::F32Const { value } => self.push_pending(Pending::Const(value.bits() as u64)),
            Operator::F64Const { value } => self.push_pending(Pending::Const(value.bits())),
            Operator::LocalSet { local_index } => Ok(self.local_set(local_index, false)),
            Operator::LocalTee { local_index } => Ok(self.local_set(local_index, true)),
            _ => match binary_forms(op) {
                Some(forms) => Ok(self.binary(&forms)),
                None => Ok(false),
            },
        }
    }

    /// Emits the pending entries as stack ops before `op` (see the module
    /// doc); a pending i32 comparison that `op` branches on is emitted in
    /// register form, for `fuse.rs` to join with the branch.
    pub(super) fn flush_before(&mut self, op: &Operator<'_>) {
        // Only where the fusion is sure: a register op whose result stays
        // in a temporary would push it, and register ops leave sp alone.
        let branch = match *op {
            Operator::If { .. } => true,
            Operator::BrIf { relative_depth } => self.branch_drops_nothing(relative_depth),
            _ => false,
        };
        let entries = std::mem::take(&mut self.pending);
        let last = entries.len().wrapping_sub(1);
        for (i, entry) in entries.into_iter().enumerate() {
            match entry {
                Pending::Local(l) => self.emit_leaf(Leaf::Local(l)),
                Pending::Const(c) => self.emit_leaf(Leaf::Const(c)),
                Pending::Binary { reg, .. }
                    if branch
                        && i == last
                        && (reg.i32_compare_rr().is_some() || reg.i32_compare_ri().is_some()) =>
                {
                    self.emit(reg);
                }
                Pending::Binary { stack, a, b, .. } => {
                    self.emit_leaf(a);
                    self.emit_leaf(b);
                    self.emit(stack);
                }
                Pending::AddShl { a, b, k } => {
                    self.emit_leaf(Leaf::Local(a));
                    self.emit_leaf(Leaf::Local(b));
                    self.emit_leaf(Leaf::Const(u64::from(k)));
                    self.emit(Op::I32Shl);
                    self.emit(Op::I32Add);
                }
            }
        }
    }

    /// Whether a `br_if` to the label `depth` levels out, its condition
    /// on top now, moves no values (`drop` 0: the fused forms' case).
    fn branch_drops_nothing(&self, depth: u32) -> bool {
        self.control_at(depth).is_ok_and(|control| {
            let below = control.height + control.branch_arity() + 1;
            self.height.checked_sub(below) == Some(0)
        })
    }

    fn emit_leaf(&mut self, leaf: Leaf) {
        self.emit(match leaf {
            Leaf::Local(l) => Op::LocalGet(l),
            Leaf::Const(c) => Op::Const(c),
        });
    }

    fn push_pending(&mut self, entry: Pending) -> Result<bool, TranslateError> {
        if self.slot(self.height).is_none() {
            // Too many slots for u16 operands: the stack forms throughout.
            return Ok(false);
        }
        self.pending.push(entry);
        self.push(1);
        Ok(true)
    }

    /// The slot of the temporary at operand height `at`, if it and the one
    /// above fit in u16.
    fn slot(&self, at: u32) -> Option<u16> {
        u16::try_from(self.num_locals.checked_add(at)?.checked_add(1)?).ok()?;
        Some((self.num_locals + at) as u16)
    }

    /// The `sp` field of an op emitted now that leaves `height` and
    /// `pending` as they are: the slots written so far.
    fn written(&self) -> Option<u16> {
        let written = self.height - self.pending.len() as u32;
        u16::try_from(self.num_locals + written).ok()
    }

    /// A binary op whose two operands are pending locals or constants
    /// becomes a pending [`Pending::Binary`]; `false` (the stack forms)
    /// otherwise.
    fn binary(&mut self, forms: &BinaryForms) -> bool {
        let n = self.pending.len();
        if n < 2 {
            return false;
        }
        if forms.stack == Op::I32Add
            && let Some(entry) = add_shl(self.pending[n - 2], self.pending[n - 1])
        {
            self.pending.truncate(n - 2);
            self.pending.push(entry);
            self.height -= 1;
            return true;
        }
        let leaf = |p: Pending| match p {
            Pending::Local(l) => Some(Leaf::Local(l)),
            Pending::Const(c) => Some(Leaf::Const(c)),
            Pending::Binary { .. } | Pending::AddShl { .. } => None,
        };
        let (Some(a), Some(b), Some(dst)) = (
            leaf(self.pending[n - 2]),
            leaf(self.pending[n - 1]),
            self.slot(self.height - 2),
        ) else {
            return false;
        };
        let slot = |l: Leaf| match l {
            Leaf::Local(l) => u16::try_from(l).ok(),
            Leaf::Const(_) => None,
        };
        let imm = |l: Leaf| match l {
            Leaf::Const(c) if forms.wide => i32::try_from(c as i64).ok(),
            Leaf::Const(c) => Some(c as u32 as i32),
            Leaf::Local(_) => None,
        };
        let sp = dst + 1;
        let reg = match (slot(a), slot(b), imm(a), imm(b), forms.ri) {
            (Some(a), Some(b), ..) => (forms.rr)(Bin { dst, a, b, sp }),
            (Some(a), _, _, Some(imm), Some(ri)) => ri(BinImm { dst, a, sp, imm }),
            (_, Some(b), Some(imm), _, Some(ri)) if forms.commutes => {
                ri(BinImm { dst, a: b, sp, imm })
            }
            _ => return false,
        };
        self.pending.truncate(n - 2);
        self.pending.push(Pending::Binary {
            stack: forms.stack,
            reg,
            a,
            b,
        });
        self.height -= 1;
        true
    }

    /// `local.set` (or `local.tee`, keeping the value) of `local` when the
    /// top is pending: a copy, a constant store or the register op writing
    /// `local`; `false` (the stack forms) otherwise.
    fn local_set(&mut self, local: u32, tee: bool) -> bool {
        let Some(&top) = self.pending.last() else {
            return false;
        };
        let n = self.pending.len();
        if self.pending[..n - 1].iter().any(|p| p.reads(local)) {
            return false;
        }
        match top {
            Pending::Local(l) if l == local => {}
            Pending::Local(from) => {
                self.emit(Op::LocalCopy { from, to: local });
            }
            Pending::Const(value) => {
                self.emit(Op::LocalSetConst { local, value });
            }
            Pending::Binary { mut reg, .. } => {
                let (Ok(local16), Some(sp_now)) = (u16::try_from(local), self.written()) else {
                    return false;
                };
                if let Some((dst, sp)) = reg.register_dst_mut() {
                    *dst = local16;
                    *sp = sp_now;
                }
                self.emit(reg);
                self.pending[n - 1] = Pending::Local(local);
            }
            Pending::AddShl { a, b, k } => {
                let (Ok(dst), Ok(a), Ok(b), Some(sp)) = (
                    u16::try_from(local),
                    u16::try_from(a),
                    u16::try_from(b),
                    self.written(),
                ) else {
                    return false;
                };
                self.emit(Op::I32AddShlRR { k, dst, a, b, sp });
                self.pending[n - 1] = Pending::Local(local);
            }
        }
        if !tee {
            self.pending.pop();
            self.height -= 1;
        }
        true
    }
}

/// The pending `a + (b << k)` of an `i32.add` whose operands are
/// `first` and `second` (a local and an i32 shift of a local by a
/// constant, either way round), if they are that.
fn add_shl(first: Pending, second: Pending) -> Option<Pending> {
    let shifted = |p: Pending| match p {
        Pending::Binary {
            stack: Op::I32Shl,
            a: Leaf::Local(b),
            b: Leaf::Const(k),
            ..
        } => Some((b, (k as u32 & 31) as u8)),
        _ => None,
    };
    let (a, (b, k)) = match (first, second) {
        (Pending::Local(a), other) | (other, Pending::Local(a)) => (a, shifted(other)?),
        _ => return None,
    };
    Some(Pending::AddShl { a, b, k })
}

#[cfg(test)]
mod tests {
    use crate::op::{Bin, I32Cmp, Op};
    use std::sync::Arc;
    use wasmfx_core::{Module, Store, TypeRegistry};

    /// The ops of the module's first function.
    fn ops(wat: &str) -> Vec<Op> {
        let bytes = wat::parse_str(wat).expect("test WAT parses");
        let registry = Arc::new(TypeRegistry::new());
        let module = Module::new(&registry, &bytes).expect("validates");
        let mut store = Store::new(registry);
        let id = store
            .instantiate(&Arc::new(module), &[])
            .expect("instantiates");
        let func = store.instances[id.0 as usize].funcs[0];
        super::super::translate(&store, func)
            .expect("translates")
            .ops
            .into_vec()
    }

    #[test]
    fn a_result_stored_in_a_local_is_one_register_op() {
        let ops = ops("(module (func (param i32 i32) (local i32)
            (local.set 2 (i32.sub (local.get 0) (local.get 1)))))");
        let sub = Op::I32SubRR(Bin {
            dst: 2,
            a: 0,
            b: 1,
            sp: 3,
        });
        assert_eq!(ops, [sub, Op::Return]);
    }

    #[test]
    fn a_compare_and_branch_on_a_local_and_a_constant_is_one_op() {
        let ops = ops("(module (func (param i32)
            (block (br_if 0 (i32.lt_s (local.get 0) (i32.const 8))))))");
        assert!(
            matches!(
                ops[0],
                Op::BrIfCmpRI {
                    cmp: I32Cmp::LtS,
                    a: 0,
                    imm: 8,
                    sp: 1,
                    ..
                }
            ),
            "{ops:?}"
        );
        assert_eq!(ops.len(), 2, "{ops:?}");
    }

    #[test]
    fn a_compare_and_branch_on_two_locals_is_one_op_of_its_comparison() {
        let ops = ops("(module (func (param i32 i32)
            (block (br_if 0 (i32.lt_u (local.get 0) (local.get 1))))
            (if (i32.gt_s (local.get 1) (local.get 0)) (then (nop)))))");
        assert!(
            matches!(
                ops[0],
                Op::BrIfLtURR {
                    a: 0,
                    b: 1,
                    sp: 2,
                    ..
                }
            ),
            "{ops:?}"
        );
        // `if` skips its body when the comparison fails: the negated one.
        assert!(
            matches!(
                ops[1],
                Op::BrIfLeSRR {
                    a: 1,
                    b: 0,
                    sp: 2,
                    ..
                }
            ),
            "{ops:?}"
        );
    }

    #[test]
    fn a_shifted_sum_stored_in_a_local_is_one_register_op() {
        let sum = Op::I32AddShlRR {
            k: 2,
            dst: 2,
            a: 0,
            b: 1,
            sp: 3,
        };
        for body in [
            "(i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2)))",
            "(i32.add (i32.shl (local.get 1) (i32.const 34)) (local.get 0))",
        ] {
            let ops = ops(&format!(
                "(module (func (param i32 i32) (local i32) (local.set 2 {body})))"
            ));
            assert_eq!(ops, [sum, Op::Return], "{body}");
        }
    }

    #[test]
    fn a_shifted_sum_a_stack_op_consumes_keeps_the_stack_forms() {
        let ops = ops("(module (memory 1) (func (param i32 i32) (result i32)
            (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))))))");
        assert!(ops.contains(&Op::I32AddShl(2)), "{ops:?}");
        assert!(ops.contains(&Op::LocalGet2(0, 1)), "{ops:?}");
    }

    #[test]
    fn a_value_a_stack_op_consumes_keeps_the_stack_forms() {
        let ops = ops("(module (memory 1) (func (param i32 i32) (result i32)
            (i32.load (i32.add (local.get 0) (local.get 1)))))");
        assert!(ops.contains(&Op::LocalsI32Add(0, 1)), "{ops:?}");
    }
}
