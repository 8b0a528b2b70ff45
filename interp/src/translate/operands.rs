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
//!   local.get 1; i32.const 64 [L1, C64]
//!   i32.add; local.get 2      [Binary(add, L1, C64), L2]
//!   i32.add                   [AddImm(L1, L2, 64)]
//!   local.set 6               []                      I32AddRRI { imm: 64, dst: 6, a: 1, b: 2, sp }
//! ```
//!
//! Operands may also be temporaries: a binary op whose first operand is a
//! value already on the stack (a load's, a call's) and whose second is a
//! pending leaf reads the temporary in place, and a pending binary op that
//! is itself an operand is written to its temporary first:
//!
//! ```text
//!   wasm (acc = acc + a * b; x*x + y*y into d)   emitted
//!   local.get acc; local.get a; local.get b
//!   i32.mul                                      (pending: [Lacc, Binary(mul)])
//!   i32.add; local.set acc                       I32MulRRSp { dst: t1, a, b, sp: t1 + 1 }
//!                                                I32AddRRSp { dst: acc, a: acc, b: t1, sp: t0 }
//!   (f64.mul x x) (f64.mul y y) f64.add          F64MulRRSp { dst: t0, .. }, F64MulRRSp { dst: t1, .. }
//!   local.set d                                  F64AddRRSp { dst: d, a: t0, b: t1, sp: t0 }
//! ```
//!
//! The first product above leaves `t0`, acc's place on the stack, empty:
//! nothing reads it before the add, which names acc itself.
//!
//! Where the consumer is a stack op, the pending entries are emitted as
//! stack ops when those take one op (they may fuse on with the consumer,
//! `fuse.rs`), else as the register op writing the entry's temporary. A
//! local that `local.tee` kept from an f64 register op, pushed while that
//! op is still the last, is written by the op itself (its tee form writes
//! the local and the temporary, [`Teed`]), not by a `LocalGet` after it.
//!
//! Invariants:
//! - Pending entries are always the top of the stack (a suffix); only the
//!   first may read temporaries (its own slot, or the one above it with its
//!   own left empty), and entries are emitted bottom first, so a stack op
//!   emitted for an entry finds `sp` at its slot.
//! - At run time `sp = base + num_locals + height - pending.len()`, plus the
//!   temporaries the first pending entry reads ([`Pending::temporaries`]).
//!   A register op that moves the top is emitted as its `…Sp` twin, which
//!   sets `sp` from its field (`moving_sp`): a `local.set` of the top entry
//!   then leaves `sp` right whatever the entries below still hold.
//! - Every other op, and every label, sees the stack as the stack forms
//!   expect it: `translate_op` emits what is pending (`flush_before`) first.
//! - A `local.set`/`local.tee` of a local that a pending entry below the
//!   top reads is left to the stack forms (after a flush), so the entry
//!   reads the old value.

use super::{TranslateError, Translator};
use crate::op::{Bin, BinConst, BinImm, Op};
use wasmparser::Operator;

/// An operand-stack entry whose slot is not written yet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Pending {
    /// The value of a local (its slot).
    Local(u32),
    /// A constant's raw slot bits.
    Const(u64),
    /// A binary op on locals, constants or temporaries, emitted once its
    /// consumer is known: `reg` (register form, result in the temporary
    /// where it would be pushed) retargeted for a `local.set`/`local.tee`,
    /// or for a branch on an i32 comparison (fused into
    /// `BrIf<cmp>RR`/`BrIfCmpRI`); else the operands' stack ops and
    /// `stack` (fused by `fuse.rs`) or `reg`, whichever is fewer ops.
    Binary {
        stack: Op,
        reg: Op,
        a: Leaf,
        b: Leaf,
    },
    /// `local a + (local b << k)` (i32, `k` below 32): an `i32.add` of a
    /// local and a pending shift of a local by a constant, either way
    /// round. A `local.set`/`local.tee` makes it one `I32AddShlRR`; other
    /// consumers get it in a temporary, as a [`Pending::Binary`].
    AddShl { a: u32, b: u32, k: u8 },
    /// `local a + imm + local b` (i32): an `i32.add` of a pending sum of a
    /// local and a constant and a local, either way round (an address:
    /// base, field offset, index). One `I32AddRRI`, as [`Pending::AddShl`].
    AddImm { a: u32, b: u32, imm: i32 },
}

/// A register op writing a local that `local.tee` kept as a pending
/// entry: if that entry must be pushed while the op is still the last,
/// the op's tee form writes it to its slot too (no `LocalGet` after it).
#[derive(Debug, Clone, Copy)]
pub(super) struct Teed {
    /// The op's index.
    at: usize,
    /// The pending entry's slot.
    slot: u32,
}

/// An operand of a pending [`Pending::Binary`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Leaf {
    Local(u32),
    Const(u64),
    /// A written temporary (its slot), under the entry's own slot or at it.
    Temp(u16),
}

impl Pending {
    /// Whether the entry reads `local`.
    fn reads(self, local: u32) -> bool {
        match self {
            Pending::Local(l) => l == local,
            Pending::Const(_) => false,
            Pending::Binary { a, b, .. } => a == Leaf::Local(local) || b == Leaf::Local(local),
            Pending::AddShl { a, b, .. } | Pending::AddImm { a, b, .. } => a == local || b == local,
        }
    }

    /// The entry as an operand of a register op, if it is a local or a
    /// constant.
    fn leaf(self) -> Option<Leaf> {
        match self {
            Pending::Local(l) => Some(Leaf::Local(l)),
            Pending::Const(c) => Some(Leaf::Const(c)),
            Pending::Binary { .. } | Pending::AddShl { .. } | Pending::AddImm { .. } => None,
        }
    }

    /// How many slots from the entry's own up are written already: the
    /// temporaries its op reads (the first pending entry is the only one
    /// that can read any).
    fn temporaries(self) -> u32 {
        match self {
            Pending::Binary {
                b: Leaf::Temp(_), ..
            } => 2,
            Pending::Binary {
                a: Leaf::Temp(_), ..
            } => 1,
            _ => 0,
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
    /// Slot-constant with a 64-bit constant (f64).
    rc: Option<fn(BinConst) -> Op>,
    wide: bool,
    commutes: bool,
}

macro_rules! binary_forms {
    ($($wasm:ident => $rr:ident $(/ $ri:ident)? $(& $rc:ident)? : $wide:literal $commutes:literal;)*) => {
        /// The register forms of `op`, if it has them.
        fn binary_forms(op: &Operator<'_>) -> Option<BinaryForms> {
            Some(match op {
                $(Operator::$wasm => BinaryForms {
                    stack: Op::$wasm,
                    rr: Op::$rr,
                    ri: binary_forms!(@ri $($ri)?),
                    rc: binary_forms!(@rc $($rc)?),
                    wide: $wide,
                    commutes: $commutes,
                },)*
                _ => return None,
            })
        }
    };
    (@ri $ri:ident) => { Some(Op::$ri) };
    (@ri) => { None };
    (@rc $rc:ident) => { Some(Op::$rc) };
    (@rc) => { None };
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
    F32Add => F32AddRR / F32AddRI: false true;
    F32Sub => F32SubRR / F32SubRI: false false;
    F32Mul => F32MulRR / F32MulRI: false true;
    F32Div => F32DivRR / F32DivRI: false false;
    F64Add => F64AddRR & F64AddRC: false true;
    F64Sub => F64SubRR & F64SubRC: false false;
    F64Mul => F64MulRR & F64MulRC: false true;
    F64Div => F64DivRR & F64DivRC: false false;
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
            Operator::I32Eqz => Ok(self.eqz_of_local(&Operator::I32Eq)),
            Operator::I64Eqz => Ok(self.eqz_of_local(&Operator::I64Eq)),
            _ => match binary_forms(op) {
                Some(forms) => Ok(self.binary(&forms)),
                None => Ok(false),
            },
        }
    }

    /// `eqz` of a pending local: the comparison `eq` with a pending 0, so
    /// that a branch on it is one `BrIfCmpRI` and a store one register op;
    /// `false` (the stack forms) for other operands.
    fn eqz_of_local(&mut self, eq: &Operator<'_>) -> bool {
        if !matches!(self.pending.last(), Some(Pending::Local(_)))
            || self.slot(self.height).is_none()
        {
            return false;
        }
        let Some(forms) = binary_forms(eq) else {
            return false;
        };
        self.pending.push(Pending::Const(0));
        self.push(1);
        if self.binary(&forms) {
            return true;
        }
        self.pending.pop();
        self.height -= 1;
        false
    }

    /// Emits the pending entries before `op` (see the module doc); a
    /// pending i32 comparison of locals and constants that `op` branches
    /// on is emitted in register form, for `fuse.rs` to join with the
    /// branch.
    pub(super) fn flush_before(&mut self, op: &Operator<'_>) {
        // Only where the fusion is sure: the branch pops the result that
        // the comparison would push.
        let branch = match *op {
            Operator::If { .. } => true,
            Operator::BrIf { relative_depth } => self.branch_drops_nothing(relative_depth),
            _ => false,
        };
        self.emit_pending(0, branch);
    }

    /// Emits the pending entries but the top `keep`, bottom first; with
    /// `branch`, a last entry that is an i32 comparison of locals and
    /// constants as its register op marked for fusion with the branch
    /// that follows.
    fn emit_pending(&mut self, keep: usize, branch: bool) {
        let first_slot = self.num_locals + self.height - self.pending.len() as u32;
        let kept = self.pending.split_off(self.pending.len() - keep);
        let entries = std::mem::replace(&mut self.pending, kept);
        let last = entries.len().wrapping_sub(1);
        for (i, entry) in entries.into_iter().enumerate() {
            let slot = first_slot + i as u32;
            // The runtime sp: the first entry's temporaries are written.
            let sp = if i == 0 {
                slot + entry.temporaries()
            } else {
                slot
            };
            if i == 0
                && let Pending::Local(local) = entry
                && self.push_teed(local, slot)
            {
                continue;
            }
            match entry {
                Pending::Binary { mut reg, .. }
                    if branch
                        && i == last
                        && sp == slot
                        && (reg.i32_compare_rr().is_some() || reg.i32_compare_ri().is_some()) =>
                {
                    if let Some((_, reg_sp)) = reg.register_dst_mut() {
                        *reg_sp = slot as u16;
                    }
                    self.emit(reg);
                }
                // `local.get l; br_if`: a branch on `l != 0`, as a comparison
                // with an immediate (`BrIfCmpRI`).
                Pending::Local(local)
                    if branch && i == last && sp == slot && u16::try_from(local).is_ok() =>
                {
                    let (a, dst) = (local as u16, slot as u16);
                    let sp = dst;
                    self.emit(Op::I32NeRI(BinImm { imm: 0, dst, a, sp }));
                }
                _ => self.emit_entry(entry, slot, sp),
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

    /// Turns the last op into its tee form if it wrote `local` for the
    /// pending entry at `slot` (see [`Teed`]); whether it did.
    fn push_teed(&mut self, local: u32, slot: u32) -> bool {
        let Some(teed) = self.teed.take() else {
            return false;
        };
        let last = self.ops.len().wrapping_sub(1);
        if teed.at != last || teed.slot != slot {
            return false;
        }
        let (Some(last), Ok(slot16)) = (self.ops.last_mut(), u16::try_from(slot)) else {
            return false;
        };
        match last.with_tee(local, slot16) {
            Some(tee) => {
                *last = tee;
                true
            }
            None => false,
        }
    }

    /// Writes a pending entry to its temporary `slot`, `sp` being at run
    /// time where it is (`slot` plus the temporaries the entry holds): the
    /// stack forms where they take one op (they may fuse on with the
    /// consumer), else the register op.
    fn emit_entry(&mut self, entry: Pending, slot: u32, sp: u32) {
        match entry {
            Pending::Local(l) => self.emit_leaf(Leaf::Local(l)),
            Pending::Const(c) => self.emit_leaf(Leaf::Const(c)),
            // The hole below the temporary: only the register op fills it.
            Pending::Binary {
                reg,
                a,
                b: Leaf::Temp(_),
                ..
            } if !matches!(a, Leaf::Temp(_)) => {
                self.emit(moving_sp(reg, sp));
            }
            Pending::Binary { stack, reg, a, b } => self.emit_cheapest(moving_sp(reg, sp), |t| {
                t.emit_leaf(a);
                t.emit_leaf(b);
                t.emit(stack);
            }),
            Pending::AddShl { .. } | Pending::AddImm { .. } => {
                let stack_forms = |t: &mut Self| match entry {
                    Pending::AddShl { a, b, k } => {
                        t.emit_leaf(Leaf::Local(a));
                        t.emit_leaf(Leaf::Local(b));
                        t.emit_leaf(Leaf::Const(u64::from(k)));
                        t.emit(Op::I32Shl);
                        t.emit(Op::I32Add);
                    }
                    Pending::AddImm { a, b, imm } => {
                        t.emit_leaf(Leaf::Local(a));
                        t.emit_leaf(Leaf::Const(u64::from(imm as u32)));
                        t.emit(Op::I32Add);
                        t.emit_leaf(Leaf::Local(b));
                        t.emit(Op::I32Add);
                    }
                    _ => {}
                };
                match sum_to_temp(entry, slot) {
                    Some(reg) => self.emit_cheapest(moving_sp(reg, sp), stack_forms),
                    None => stack_forms(self),
                }
            }
        }
    }

    /// Emits `stack_forms`, or `reg` instead if they took two ops or more
    /// (and did not fuse into the op before them).
    fn emit_cheapest(&mut self, reg: Op, stack_forms: impl FnOnce(&mut Self)) {
        let len = self.ops.len();
        let before = self.ops.last().copied();
        stack_forms(self);
        let intact = len == 0 || self.ops.get(len - 1).copied() == before;
        if intact && self.ops.len() >= len + 2 {
            self.ops.truncate(len);
            self.emit(reg);
        }
    }

    /// Pushes a leaf's value (a temporary is in its slot already).
    fn emit_leaf(&mut self, leaf: Leaf) {
        match leaf {
            Leaf::Local(l) => self.emit(Op::LocalGet(l)),
            Leaf::Const(c) => self.emit(Op::Const(c)),
            Leaf::Temp(_) => return,
        };
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

    /// `sp` at run time: the slots written so far (see the module doc).
    fn runtime_sp(&self) -> u32 {
        let held = self.pending.first().map_or(0, |first| first.temporaries());
        self.num_locals + self.height - self.pending.len() as u32 + held
    }

    /// The `sp` an op emitted now leaves if it takes the top pending entry
    /// (and the temporaries it reads) off the written slots: the first
    /// pending entry's slot, plus the temporaries that entry still holds
    /// if it is not the top.
    fn sp_without_top(&self) -> Option<u16> {
        let sp = match self.pending.len() {
            1 => self.num_locals + self.height - 1,
            _ => self.runtime_sp(),
        };
        u16::try_from(sp).ok()
    }

    /// A binary op on two operands that are pending locals, constants or
    /// binary ops, or written temporaries, becomes a pending
    /// [`Pending::Binary`] (a pending binary operand is written to its
    /// temporary first); `false` (the stack forms) otherwise.
    fn binary(&mut self, forms: &BinaryForms) -> bool {
        let n = self.pending.len();
        if self.height < 2 {
            return false;
        }
        if n >= 2
            && forms.stack == Op::I32Add
            && let Some(entry) = add_shl(self.pending[n - 2], self.pending[n - 1])
                .or_else(|| add_imm(self.pending[n - 2], self.pending[n - 1]))
        {
            self.pending.truncate(n - 2);
            self.pending.push(entry);
            self.height -= 1;
            return true;
        }
        let (Some(dst), Some(top)) = (self.slot(self.height - 2), self.slot(self.height - 1))
        else {
            return false;
        };
        let entry = |i: usize| (i < n).then(|| self.pending[n - 1 - i]);
        let (x, y) = (entry(1), entry(0));
        // Which operands become temporaries, and what is written first.
        let plan = match (x.and_then(Pending::leaf), y.and_then(Pending::leaf)) {
            (Some(a), Some(b)) => Plan::Leaves(a, b),
            // The top is a leaf, the value under it is (or becomes) a temporary.
            (None, Some(b)) => Plan::TempLeaf(Leaf::Temp(dst), b),
            // A pending binary on top of a local: it alone is written, above a hole.
            (Some(a), None) if y.is_some() => Plan::LeafTemp(a, Leaf::Temp(top)),
            _ => Plan::Temps(Leaf::Temp(dst), Leaf::Temp(top)),
        };
        // A temporary just copied to a local: the stack forms fuse the copy
        // with what reads it (`LocalTeeGet`, `BrIfTee<cmp>`).
        if matches!(plan, Plan::TempLeaf(..) | Plan::Temps(..)) && n <= 1 && self.follows_tee() {
            return false;
        }
        let (a, b) = plan.operands();
        let Some(reg) = register_form(forms, a, b, dst) else {
            return false;
        };
        match plan {
            Plan::Leaves(..) => self.pending.truncate(n - 2),
            Plan::TempLeaf(..) => {
                // What is under the leaf `b` is written.
                self.emit_pending(1, false);
                self.pending.clear();
            }
            Plan::LeafTemp(..) => {
                let Some(y_reg) = self.register_op_to_temp(self.pending[n - 1], u32::from(top))
                else {
                    return false;
                };
                // The entries under `x` are written, then `y` above its hole.
                self.emit_pending(2, false);
                self.pending.clear();
                self.emit(moving_sp(y_reg, u32::from(dst)));
            }
            Plan::Temps(..) => self.emit_pending(0, false),
        }
        self.pending.push(Pending::Binary {
            stack: forms.stack,
            reg,
            a,
            b,
        });
        self.height -= 1;
        true
    }

    /// Whether the last op is a `local.tee` that the next may fuse with.
    fn follows_tee(&self) -> bool {
        matches!(self.ops.last(), Some(Op::LocalTee(_))) && (self.barrier as usize) < self.ops.len()
    }

    /// The register op writing a pending binary `entry` to its temporary
    /// `slot`, if it has one.
    fn register_op_to_temp(&self, entry: Pending, slot: u32) -> Option<Op> {
        match entry {
            Pending::Binary { reg, .. } => Some(reg),
            Pending::AddShl { .. } | Pending::AddImm { .. } => sum_to_temp(entry, slot),
            Pending::Local(_) | Pending::Const(_) => None,
        }
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
        let sp_before = self.runtime_sp();
        match top {
            Pending::Local(l) if l == local => {}
            Pending::Local(from) => {
                self.emit(Op::LocalCopy { from, to: local });
            }
            Pending::Const(value) => {
                self.emit(Op::LocalSetConst { local, value });
            }
            Pending::Binary {
                mut reg,
                stack,
                a,
                b,
            } => {
                let (Ok(local16), Some(sp_after)) = (u16::try_from(local), self.sp_without_top())
                else {
                    return false;
                };
                if let Some((dst, sp)) = reg.register_dst_mut() {
                    *dst = local16;
                    *sp = sp_after;
                }
                if let (Leaf::Temp(_), false) = (a, tee) {
                    // On temporaries only (the one pending entry): the stack
                    // op and the store may fuse into one (`F64AddSet`).
                    self.pending.pop();
                    self.height -= 1;
                    self.emit_cheapest(moving_sp(reg, sp_before), |t| {
                        t.emit_leaf(b);
                        t.emit(stack);
                        t.emit(Op::LocalSet(local));
                    });
                    return true;
                }
                let at = self.emit(moving_sp(reg, sp_before));
                self.pending[n - 1] = Pending::Local(local);
                if tee {
                    let slot = self.num_locals + self.height - 1;
                    self.teed = Some(Teed { at, slot });
                }
            }
            Pending::AddShl { .. } | Pending::AddImm { .. } => {
                let Some(reg) = self.sp_without_top().and_then(|sp| sum_op(top, local, sp)) else {
                    return false;
                };
                self.emit(moving_sp(reg, sp_before));
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

/// Where a binary op's operands come from (see [`Translator::binary`]).
#[derive(Clone, Copy)]
enum Plan {
    /// Two pending leaves.
    Leaves(Leaf, Leaf),
    /// A written temporary (or a pending entry written now) under a leaf.
    TempLeaf(Leaf, Leaf),
    /// A pending local or constant under a pending binary op written now.
    LeafTemp(Leaf, Leaf),
    /// Two temporaries, written or written now.
    Temps(Leaf, Leaf),
}

impl Plan {
    fn operands(self) -> (Leaf, Leaf) {
        match self {
            Plan::Leaves(a, b)
            | Plan::TempLeaf(a, b)
            | Plan::LeafTemp(a, b)
            | Plan::Temps(a, b) => (a, b),
        }
    }
}

/// The register op of `forms` on `a` and `b` writing the temporary `dst`,
/// if the operands fit one (an immediate is an int constant that fits i32).
fn register_form(forms: &BinaryForms, a: Leaf, b: Leaf, dst: u16) -> Option<Op> {
    let slot = |l: Leaf| match l {
        Leaf::Local(l) => u16::try_from(l).ok(),
        Leaf::Temp(s) => Some(s),
        Leaf::Const(_) => None,
    };
    let imm = |l: Leaf| match l {
        Leaf::Const(c) if forms.wide => i32::try_from(c as i64).ok(),
        Leaf::Const(c) => Some(c as u32 as i32),
        Leaf::Local(_) | Leaf::Temp(_) => None,
    };
    let sp = dst + 1;
    if let Some(rc) = forms.rc {
        return match (slot(a), slot(b), a, b) {
            (Some(a), Some(b), ..) => Some((forms.rr)(Bin { dst, a, b, sp })),
            (Some(a), _, _, Leaf::Const(c)) => Some(rc(BinConst {
                dst,
                a,
                sp,
                imm: c.to_le_bytes(),
            })),
            (_, Some(b), Leaf::Const(c), _) if forms.commutes => Some(rc(BinConst {
                dst,
                a: b,
                sp,
                imm: c.to_le_bytes(),
            })),
            _ => None,
        };
    }
    Some(match (slot(a), slot(b), imm(a), imm(b), forms.ri) {
        (Some(a), Some(b), ..) => (forms.rr)(Bin { dst, a, b, sp }),
        (Some(a), _, _, Some(imm), Some(ri)) => ri(BinImm { dst, a, sp, imm }),
        (_, Some(b), Some(imm), _, Some(ri)) if forms.commutes => ri(BinImm { dst, a: b, sp, imm }),
        _ => return None,
    })
}

/// `reg`, or its `…Sp` twin if the `sp` it leaves is not `sp_before`,
/// where `sp` is at run time when it runs.
fn moving_sp(reg: Op, sp_before: u32) -> Op {
    if reg.register_sp().map(u32::from) == Some(sp_before) {
        reg
    } else {
        reg.with_sp()
    }
}

/// The register op of a pending three-operand sum ([`Pending::AddShl`],
/// [`Pending::AddImm`]) writing slot `dst` and leaving `sp`.
fn sum_op(entry: Pending, dst: u32, sp: u16) -> Option<Op> {
    let dst = u16::try_from(dst).ok()?;
    let slots = |a: u32, b: u32| Some((u16::try_from(a).ok()?, u16::try_from(b).ok()?));
    Some(match entry {
        Pending::AddShl { a, b, k } => {
            let (a, b) = slots(a, b)?;
            Op::I32AddShlRR { k, dst, a, b, sp }
        }
        Pending::AddImm { a, b, imm } => {
            let (a, b) = slots(a, b)?;
            Op::I32AddRRI { imm, dst, a, b, sp }
        }
        _ => return None,
    })
}

/// [`sum_op`] writing the entry's temporary `slot`.
fn sum_to_temp(entry: Pending, slot: u32) -> Option<Op> {
    sum_op(entry, slot, u16::try_from(slot.checked_add(1)?).ok()?)
}

/// The pending `a + imm + b` of an `i32.add` whose operands are `first`
/// and `second` (a local and a pending sum of a local and a constant,
/// either way round), if they are that.
fn add_imm(first: Pending, second: Pending) -> Option<Pending> {
    let offset = |p: Pending| match p {
        Pending::Binary {
            stack: Op::I32Add,
            a: Leaf::Local(a),
            b: Leaf::Const(c),
            ..
        }
        | Pending::Binary {
            stack: Op::I32Add,
            a: Leaf::Const(c),
            b: Leaf::Local(a),
            ..
        } => Some((a, c as u32 as i32)),
        Pending::Binary {
            stack: Op::I32Sub,
            a: Leaf::Local(a),
            b: Leaf::Const(c),
            ..
        } => Some((a, (c as u32 as i32).wrapping_neg())),
        _ => None,
    };
    let (b, other) = local_and(first, second)?;
    let (a, imm) = offset(other)?;
    Some(Pending::AddImm { a, b, imm })
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
    let (a, other) = local_and(first, second)?;
    let (b, k) = shifted(other)?;
    Some(Pending::AddShl { a, b, k })
}

/// The local and the other operand of a commutative op whose operands are
/// `first` and `second`, if one of them is a pending local (the first one
/// if both are).
fn local_and(first: Pending, second: Pending) -> Option<(u32, Pending)> {
    match (first, second) {
        (Pending::Local(l), other) | (other, Pending::Local(l)) => Some((l, other)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::op::{Bin, BinConst, BinImm, BinTee, I32Cmp, Op};
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
    fn a_branch_on_a_local_is_one_compare_with_zero() {
        let ops = ops("(module (func (param i32)
            (block (br_if 0 (local.get 0)))
            (if (local.get 0) (then (nop)))))");
        let on = |cmp| Op::BrIfCmpRI {
            cmp,
            a: 0,
            sp: 1,
            imm: 0,
            target: 1,
        };
        assert_eq!(ops[0], on(I32Cmp::Ne), "{ops:?}");
        // `if` skips its body when the local is zero.
        assert!(
            matches!(
                ops[1],
                Op::BrIfCmpRI {
                    cmp: I32Cmp::Eq,
                    a: 0,
                    sp: 1,
                    imm: 0,
                    ..
                }
            ),
            "{ops:?}"
        );
    }

    #[test]
    fn a_branch_on_a_local_being_zero_is_one_compare_with_zero() {
        let ops = ops("(module (func (param i32 i64)
            (block (br_if 0 (i32.eqz (local.get 0))))
            (drop (i64.eqz (local.get 1)))))");
        let on_zero = Op::BrIfCmpRI {
            cmp: I32Cmp::Eq,
            a: 0,
            sp: 2,
            imm: 0,
            target: 1,
        };
        assert_eq!(ops[0], on_zero, "{ops:?}");
        let i64_zero = Op::I64EqRISp(BinImm {
            imm: 0,
            dst: 2,
            a: 1,
            sp: 3,
        });
        assert_eq!(ops[1], i64_zero, "{ops:?}");
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
    fn a_shifted_sum_a_stack_op_consumes_is_one_register_op_to_a_temporary() {
        let ops = ops("(module (memory 1) (func (param i32 i32) (result i32)
            (i32.load (i32.add (local.get 0) (i32.shl (local.get 1) (i32.const 2))))))");
        // It writes the temporary the load reads, moving sp over it.
        let sum = Op::I32AddShlRRSp {
            k: 2,
            dst: 2,
            a: 0,
            b: 1,
            sp: 3,
        };
        assert_eq!(ops[0], sum, "{ops:?}");
        assert!(matches!(ops[1], Op::I32Load { .. }), "{ops:?}");
    }

    #[test]
    fn products_go_to_temporaries_and_their_sum_to_a_local() {
        let ops = ops("(module (func (param f64 f64) (local f64)
            (local.set 2 (f64.sub (f64.mul (local.get 0) (local.get 0))
                                  (f64.mul (local.get 1) (local.get 1))))))");
        // Each moves sp: the products push, the difference pops both.
        let mul = |dst, a| {
            Op::F64MulRRSp(Bin {
                dst,
                a,
                b: a,
                sp: dst + 1,
            })
        };
        let sub = Op::F64SubRRSp(Bin {
            dst: 2,
            a: 3,
            b: 4,
            sp: 3,
        });
        assert_eq!(ops, [mul(3, 0), mul(4, 1), sub, Op::Return]);
    }

    #[test]
    fn a_local_under_a_pending_op_is_read_in_place() {
        // acc = acc + a * b: the product goes above acc's empty slot.
        let ops = ops("(module (func (param i32 i32 i32)
            (local.set 0 (i32.add (local.get 0) (i32.mul (local.get 1) (local.get 2))))))");
        let mul = Op::I32MulRRSp(Bin {
            dst: 4,
            a: 1,
            b: 2,
            sp: 5,
        });
        let add = Op::I32AddRRSp(Bin {
            dst: 0,
            a: 0,
            b: 4,
            sp: 3,
        });
        assert_eq!(ops, [mul, add, Op::Return]);
    }

    #[test]
    fn float_constants_are_operands_of_register_ops() {
        let ops = ops("(module (func (param f64 f32) (local f64 f32)
            (local.set 2 (f64.mul (f64.const 0.5) (local.get 0)))
            (local.set 3 (f32.sub (local.get 1) (f32.const 2)))))");
        let half = Op::F64MulRC(BinConst {
            dst: 2,
            a: 0,
            sp: 4,
            imm: 0.5f64.to_bits().to_le_bytes(),
        });
        let minus_two = Op::F32SubRI(BinImm {
            imm: 2.0f32.to_bits() as i32,
            dst: 3,
            a: 1,
            sp: 4,
        });
        assert_eq!(ops, [half, minus_two, Op::Return]);
    }

    #[test]
    fn a_teed_result_a_load_pushes_is_written_by_its_op() {
        let ops = ops(
            "(module (memory 1) (func (param f64 f64 i32) (result f64) (local f64)
            (f64.add (local.tee 3 (f64.sub (local.get 0) (local.get 1)))
                     (f64.load (local.get 2)))))",
        );
        let tee = Op::F64SubRRTee(BinTee {
            dst: 4,
            a: 0,
            b: 1,
            sp: 5,
            also: 3,
        });
        assert_eq!(ops[0], tee, "{ops:?}");
        assert!(!ops.contains(&Op::LocalGet(3)), "{ops:?}");
    }

    #[test]
    fn a_temporary_just_teed_keeps_the_fused_stack_forms() {
        let ops = ops("(module (memory 1) (func (param i32 i32) (local i32)
            (block (br_if 0 (i32.lt_u (local.tee 2 (i32.load (local.get 0))) (local.get 1))))))");
        assert!(
            ops.iter()
                .any(|op| matches!(op, Op::BrIfTeeLtU { tee: 2, b: 1, .. })),
            "{ops:?}"
        );
    }

    #[test]
    fn a_base_an_offset_and_an_index_are_one_sum() {
        let sum = |dst, sp| Op::I32AddRRI {
            imm: 64,
            dst,
            a: 0,
            b: 1,
            sp,
        };
        for body in [
            "(local.set 2 (i32.add (i32.add (local.get 0) (i32.const 64)) (local.get 1)))",
            "(local.set 2 (i32.add (local.get 1) (i32.add (i32.const 64) (local.get 0))))",
            "(local.set 2 (i32.add (i32.sub (local.get 0) (i32.const -64)) (local.get 1)))",
        ] {
            let ops = ops(&format!(
                "(module (memory 1) (func (param i32 i32) (local i32) {body}))"
            ));
            assert_eq!(ops, [sum(2, 3), Op::Return], "{body}");
        }
        // Loaded from: the sum goes to the load's temporary.
        let ops = ops("(module (memory 1) (func (param i32 i32) (result i32)
            (i32.load (i32.add (i32.add (local.get 0) (i32.const 64)) (local.get 1)))))");
        assert_eq!(ops[0], sum(2, 3).with_sp(), "{ops:?}");
    }

    #[test]
    fn a_value_a_stack_op_consumes_keeps_the_stack_forms() {
        let ops = ops("(module (memory 1) (func (param i32 i32) (result i32)
            (i32.load (i32.add (local.get 0) (local.get 1)))))");
        assert!(ops.contains(&Op::LocalsI32Add(0, 1)), "{ops:?}");
    }
}
