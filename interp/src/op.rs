//! [`Op`]: one instruction of the interpreter's internal bytecode.
//!
//! Ops work on a stack of untyped 64-bit slots (see `wasmfx_core::value` for
//! the encoding). Everything the translator could resolve is resolved:
//! branch targets are op indices (pcs), branch stack effects are slot counts,
//! and module indices are store addresses of the instance the code was
//! translated for.
//!
//! Stack effect of a taken branch (`keep` values move down over `drop` slots):
//!
//! ```text
//!   before:  … | label base … | dropped (drop slots) | kept (keep slots) |
//!   after:   … | label base … | kept (keep slots) |
//! ```
//!
//! Memory ops carry the store address of their memory (`mem`) and the static
//! `offset` (u64, for memory64). `BrTable { len }` is followed by `len + 1`
//! `Br` ops used as its table (the last one is the default).
//!
//! The register forms (`op/reg.rs`) name their operands and destination by
//! slot; `translate/operands.rs` emits them. The last group, fused ops, are
//! made by `translate/fuse.rs` from common adjacent pairs (`i32.const c;
//! i32.add` → `I32AddImm(c)`), to save dispatches.

use wasmfx_core::{FuncAddr, GlobalAddr, TagAddr};

mod branch;
mod reg;

pub use branch::I32Cmp;
pub use reg::{Bin, BinConst, BinImm, BinImmTee, BinTee};

/// One instruction of the internal bytecode. Kept at 16 bytes (pinned by a
/// test) so the dispatch loop stays cache friendly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Op {
    // --- control -----------------------------------------------------------
    Unreachable,
    /// Traps with the name of an instruction this engine does not execute
    /// (index into [`Code::unsupported`](crate::code::Code::unsupported)).
    Unsupported(u32),
    /// Unconditional jump to a pc (no stack change).
    Jump(u32),
    /// Pops an i32; jumps when it is zero (the `if` of an if/else).
    JumpIfZero(u32),
    Br {
        target: u32,
        drop: u32,
        keep: u32,
    },
    /// Pops an i32; branches when it is non-zero.
    BrIf {
        target: u32,
        drop: u32,
        keep: u32,
    },
    /// Pops an index; followed by `len + 1` `Br` entries.
    BrTable {
        len: u32,
    },
    /// Branches when the top reference is null (dropping it), else keeps it.
    BrOnNull {
        target: u32,
        drop: u32,
        keep: u32,
    },
    /// Branches (keeping the reference) when it is non-null, else drops it.
    BrOnNonNull {
        target: u32,
        drop: u32,
        keep: u32,
    },
    /// Returns the function's results from the top of the stack.
    Return,

    // --- calls ---------------------------------------------------------------
    /// Calls a Wasm function.
    Call(FuncAddr),
    /// Calls a host function.
    CallHost(FuncAddr),
    /// Pops a table index; `ty` is the expected canonical type id.
    CallIndirect {
        table: u32,
        ty: u32,
    },
    /// Pops a function reference and calls it.
    CallRef,
    ReturnCall(FuncAddr),
    ReturnCallHost(FuncAddr),
    ReturnCallIndirect {
        table: u32,
        ty: u32,
    },
    ReturnCallRef,

    // --- exceptions ---------------------------------------------------------
    Throw(TagAddr),
    ThrowRef,

    // --- tiering --------------------------------------------------------------
    /// The start of a loop (translations for a tiering only): spends one
    /// unit of the function's tier-up budget. Holds the `loop` operator's
    /// offset in the module (the loop's name for an OSR entry).
    LoopHeader(u32),
    /// A check of the store's fuel and interrupt flag (`store/interrupt.rs`
    /// in core), at the function's start and every loop's; translated only
    /// when the store's limits ask for checks.
    Check,

    // --- stack switching (exec/cont.rs; sites in Code::cont_sites) ---------
    /// Pops a funcref, pushes a fresh continuation.
    ContNew,
    /// Pops a contref and the given number of arguments below it, pushes a
    /// continuation with them bound.
    ContBind(u32),
    Suspend(TagAddr),
    Resume(u32),
    ResumeThrow(u32),
    ResumeThrowRef(u32),
    Switch(u32),

    // --- stack, locals, globals ---------------------------------------------
    Drop,
    /// Pops a condition and two values; keeps the first if the condition is non-zero.
    Select,
    LocalGet(u32),
    LocalSet(u32),
    LocalTee(u32),
    GlobalGet(GlobalAddr),
    GlobalSet(GlobalAddr),
    /// Pushes a raw slot (any numeric constant, or a null reference).
    Const(u64),

    // --- references ---------------------------------------------------------
    RefFunc(FuncAddr),
    RefIsNull,
    RefAsNonNull,
    RefEq,

    // --- memory ---------------------------------------------------------------
    I32Load {
        mem: u32,
        offset: u64,
    },
    I64Load {
        mem: u32,
        offset: u64,
    },
    I32Load8S {
        mem: u32,
        offset: u64,
    },
    I32Load8U {
        mem: u32,
        offset: u64,
    },
    I32Load16S {
        mem: u32,
        offset: u64,
    },
    I32Load16U {
        mem: u32,
        offset: u64,
    },
    I64Load8S {
        mem: u32,
        offset: u64,
    },
    I64Load8U {
        mem: u32,
        offset: u64,
    },
    I64Load16S {
        mem: u32,
        offset: u64,
    },
    I64Load16U {
        mem: u32,
        offset: u64,
    },
    I64Load32S {
        mem: u32,
        offset: u64,
    },
    I64Load32U {
        mem: u32,
        offset: u64,
    },
    /// Stores the low 32 bits (i32 and f32 stores).
    Store32 {
        mem: u32,
        offset: u64,
    },
    /// Stores all 64 bits (i64 and f64 stores).
    Store64 {
        mem: u32,
        offset: u64,
    },
    Store8 {
        mem: u32,
        offset: u64,
    },
    Store16 {
        mem: u32,
        offset: u64,
    },
    MemorySize {
        mem: u32,
    },
    MemoryGrow {
        mem: u32,
        is64: bool,
    },
    MemoryFill {
        mem: u32,
    },
    MemoryCopy {
        dst: u32,
        src: u32,
    },
    /// `seg` is the instance's data segment index.
    MemoryInit {
        mem: u32,
        seg: u32,
    },
    DataDrop(u32),

    // --- tables -------------------------------------------------------------
    TableGet(u32),
    TableSet(u32),
    TableSize(u32),
    TableGrow {
        table: u32,
        is64: bool,
    },
    TableFill(u32),
    TableCopy {
        dst: u32,
        src: u32,
    },
    /// `seg` is the instance's element segment index.
    TableInit {
        table: u32,
        seg: u32,
    },
    ElemDrop(u32),

    // --- i32 ----------------------------------------------------------------
    I32Eqz,
    I32Eq,
    I32Ne,
    I32LtS,
    I32LtU,
    I32GtS,
    I32GtU,
    I32LeS,
    I32LeU,
    I32GeS,
    I32GeU,
    I32Clz,
    I32Ctz,
    I32Popcnt,
    I32Add,
    I32Sub,
    I32Mul,
    I32DivS,
    I32DivU,
    I32RemS,
    I32RemU,
    I32And,
    I32Or,
    I32Xor,
    I32Shl,
    I32ShrS,
    I32ShrU,
    I32Rotl,
    I32Rotr,
    I32Extend8S,
    I32Extend16S,

    // --- i64 ----------------------------------------------------------------
    I64Eqz,
    I64Eq,
    I64Ne,
    I64LtS,
    I64LtU,
    I64GtS,
    I64GtU,
    I64LeS,
    I64LeU,
    I64GeS,
    I64GeU,
    I64Clz,
    I64Ctz,
    I64Popcnt,
    I64Add,
    I64Sub,
    I64Mul,
    I64DivS,
    I64DivU,
    I64RemS,
    I64RemU,
    I64And,
    I64Or,
    I64Xor,
    I64Shl,
    I64ShrS,
    I64ShrU,
    I64Rotl,
    I64Rotr,
    I64Extend8S,
    I64Extend16S,
    I64Extend32S,

    // --- f32 ----------------------------------------------------------------
    F32Eq,
    F32Ne,
    F32Lt,
    F32Gt,
    F32Le,
    F32Ge,
    F32Abs,
    F32Neg,
    F32Ceil,
    F32Floor,
    F32Trunc,
    F32Nearest,
    F32Sqrt,
    F32Add,
    F32Sub,
    F32Mul,
    F32Div,
    F32Min,
    F32Max,
    F32Copysign,

    // --- f64 ----------------------------------------------------------------
    F64Eq,
    F64Ne,
    F64Lt,
    F64Gt,
    F64Le,
    F64Ge,
    F64Abs,
    F64Neg,
    F64Ceil,
    F64Floor,
    F64Trunc,
    F64Nearest,
    F64Sqrt,
    F64Add,
    F64Sub,
    F64Mul,
    F64Div,
    F64Min,
    F64Max,
    F64Copysign,

    // --- conversions (reinterpretations and i64.extend_i32_u are no-ops on
    // raw slots and are not emitted) -----------------------------------------
    I32WrapI64,
    I32TruncF32S,
    I32TruncF32U,
    I32TruncF64S,
    I32TruncF64U,
    I64ExtendI32S,
    I64TruncF32S,
    I64TruncF32U,
    I64TruncF64S,
    I64TruncF64U,
    F32ConvertI32S,
    F32ConvertI32U,
    F32ConvertI64S,
    F32ConvertI64U,
    F32DemoteF64,
    F64ConvertI32S,
    F64ConvertI32U,
    F64ConvertI64S,
    F64ConvertI64U,
    F64PromoteF32,
    I32TruncSatF32S,
    I32TruncSatF32U,
    I32TruncSatF64S,
    I32TruncSatF64U,
    I64TruncSatF32S,
    I64TruncSatF32U,
    I64TruncSatF64S,
    I64TruncSatF64U,

    // --- register forms (op/reg.rs): operands and result by slot ---------
    I32AddRR(Bin),
    I32SubRR(Bin),
    I32MulRR(Bin),
    I32AndRR(Bin),
    I32OrRR(Bin),
    I32XorRR(Bin),
    I32ShlRR(Bin),
    I32ShrSRR(Bin),
    I32ShrURR(Bin),
    I32RotlRR(Bin),
    I32RotrRR(Bin),
    I32EqRR(Bin),
    I32NeRR(Bin),
    I32LtSRR(Bin),
    I32LtURR(Bin),
    I32GtSRR(Bin),
    I32GtURR(Bin),
    I32LeSRR(Bin),
    I32LeURR(Bin),
    I32GeSRR(Bin),
    I32GeURR(Bin),
    I32AddRI(BinImm),
    /// `I32AddRI` then a copy of its result to a second local.
    I32AddRITee(BinImmTee),
    /// `slot[dst] = slot[a] + (slot[b] << k)` (i32; `k` taken mod 32): an
    /// array element's address stored in a local; `sp` as in [`Bin`]. Its
    /// own fields rather than a `Bin`, which the arm would load as one
    /// word and take apart with shifts.
    I32AddShlRR {
        k: u8,
        dst: u16,
        a: u16,
        b: u16,
        sp: u16,
    },
    /// `slot[dst] = slot[a] + imm + slot[b]` (i32): an address of a base,
    /// a field offset and an index; `sp` as in [`Bin`].
    I32AddRRI {
        imm: i32,
        dst: u16,
        a: u16,
        b: u16,
        sp: u16,
    },
    I32SubRI(BinImm),
    I32MulRI(BinImm),
    I32AndRI(BinImm),
    I32OrRI(BinImm),
    I32XorRI(BinImm),
    I32ShlRI(BinImm),
    I32ShrSRI(BinImm),
    I32ShrURI(BinImm),
    I32RotlRI(BinImm),
    I32RotrRI(BinImm),
    I32EqRI(BinImm),
    I32NeRI(BinImm),
    I32LtSRI(BinImm),
    I32LtURI(BinImm),
    I32GtSRI(BinImm),
    I32GtURI(BinImm),
    I32LeSRI(BinImm),
    I32LeURI(BinImm),
    I32GeSRI(BinImm),
    I32GeURI(BinImm),
    I64AddRR(Bin),
    I64SubRR(Bin),
    I64MulRR(Bin),
    I64AndRR(Bin),
    I64OrRR(Bin),
    I64XorRR(Bin),
    I64ShlRR(Bin),
    I64ShrSRR(Bin),
    I64ShrURR(Bin),
    I64RotlRR(Bin),
    I64RotrRR(Bin),
    I64EqRR(Bin),
    I64NeRR(Bin),
    I64LtSRR(Bin),
    I64LtURR(Bin),
    I64GtSRR(Bin),
    I64GtURR(Bin),
    I64LeSRR(Bin),
    I64LeURR(Bin),
    I64GeSRR(Bin),
    I64GeURR(Bin),
    I64AddRI(BinImm),
    I64SubRI(BinImm),
    I64MulRI(BinImm),
    I64AndRI(BinImm),
    I64OrRI(BinImm),
    I64XorRI(BinImm),
    I64ShlRI(BinImm),
    I64ShrSRI(BinImm),
    I64ShrURI(BinImm),
    I64RotlRI(BinImm),
    I64RotrRI(BinImm),
    I64EqRI(BinImm),
    I64NeRI(BinImm),
    I64LtSRI(BinImm),
    I64LtURI(BinImm),
    I64GtSRI(BinImm),
    I64GtURI(BinImm),
    I64LeSRI(BinImm),
    I64LeURI(BinImm),
    I64GeSRI(BinImm),
    I64GeURI(BinImm),
    F32AddRR(Bin),
    F32SubRR(Bin),
    F32MulRR(Bin),
    F32DivRR(Bin),
    F64AddRR(Bin),
    F64SubRR(Bin),
    F64MulRR(Bin),
    F64DivRR(Bin),
    F32AddRI(BinImm),
    F32SubRI(BinImm),
    F32MulRI(BinImm),
    F32DivRI(BinImm),
    F64AddRC(BinConst),
    F64SubRC(BinConst),
    F64MulRC(BinConst),
    F64DivRC(BinConst),
    /// The register forms above, setting `sp` from the field after writing
    /// `dst` (`…Sp`): emitted where their operands or result are
    /// temporaries, so the stack's top moves (`translate/operands.rs`). The
    /// forms above leave `sp` alone, one load fewer in every loop that
    /// steps a local.
    I32AddRRSp(Bin),
    I32SubRRSp(Bin),
    I32MulRRSp(Bin),
    I32AndRRSp(Bin),
    I32OrRRSp(Bin),
    I32XorRRSp(Bin),
    I32ShlRRSp(Bin),
    I32ShrSRRSp(Bin),
    I32ShrURRSp(Bin),
    I32RotlRRSp(Bin),
    I32RotrRRSp(Bin),
    I32EqRRSp(Bin),
    I32NeRRSp(Bin),
    I32LtSRRSp(Bin),
    I32LtURRSp(Bin),
    I32GtSRRSp(Bin),
    I32GtURRSp(Bin),
    I32LeSRRSp(Bin),
    I32LeURRSp(Bin),
    I32GeSRRSp(Bin),
    I32GeURRSp(Bin),
    I32AddRISp(BinImm),
    I32SubRISp(BinImm),
    I32MulRISp(BinImm),
    I32AndRISp(BinImm),
    I32OrRISp(BinImm),
    I32XorRISp(BinImm),
    I32ShlRISp(BinImm),
    I32ShrSRISp(BinImm),
    I32ShrURISp(BinImm),
    I32RotlRISp(BinImm),
    I32RotrRISp(BinImm),
    I32EqRISp(BinImm),
    I32NeRISp(BinImm),
    I32LtSRISp(BinImm),
    I32LtURISp(BinImm),
    I32GtSRISp(BinImm),
    I32GtURISp(BinImm),
    I32LeSRISp(BinImm),
    I32LeURISp(BinImm),
    I32GeSRISp(BinImm),
    I32GeURISp(BinImm),
    I64AddRRSp(Bin),
    I64SubRRSp(Bin),
    I64MulRRSp(Bin),
    I64AndRRSp(Bin),
    I64OrRRSp(Bin),
    I64XorRRSp(Bin),
    I64ShlRRSp(Bin),
    I64ShrSRRSp(Bin),
    I64ShrURRSp(Bin),
    I64RotlRRSp(Bin),
    I64RotrRRSp(Bin),
    I64EqRRSp(Bin),
    I64NeRRSp(Bin),
    I64LtSRRSp(Bin),
    I64LtURRSp(Bin),
    I64GtSRRSp(Bin),
    I64GtURRSp(Bin),
    I64LeSRRSp(Bin),
    I64LeURRSp(Bin),
    I64GeSRRSp(Bin),
    I64GeURRSp(Bin),
    I64AddRISp(BinImm),
    I64SubRISp(BinImm),
    I64MulRISp(BinImm),
    I64AndRISp(BinImm),
    I64OrRISp(BinImm),
    I64XorRISp(BinImm),
    I64ShlRISp(BinImm),
    I64ShrSRISp(BinImm),
    I64ShrURISp(BinImm),
    I64RotlRISp(BinImm),
    I64RotrRISp(BinImm),
    I64EqRISp(BinImm),
    I64NeRISp(BinImm),
    I64LtSRISp(BinImm),
    I64LtURISp(BinImm),
    I64GtSRISp(BinImm),
    I64GtURISp(BinImm),
    I64LeSRISp(BinImm),
    I64LeURISp(BinImm),
    I64GeSRISp(BinImm),
    I64GeURISp(BinImm),
    F32AddRRSp(Bin),
    F32SubRRSp(Bin),
    F32MulRRSp(Bin),
    F32DivRRSp(Bin),
    F64AddRRSp(Bin),
    F64SubRRSp(Bin),
    F64MulRRSp(Bin),
    F64DivRRSp(Bin),
    F32AddRISp(BinImm),
    F32SubRISp(BinImm),
    F32MulRISp(BinImm),
    F32DivRISp(BinImm),
    F64AddRCSp(BinConst),
    F64SubRCSp(BinConst),
    F64MulRCSp(BinConst),
    F64DivRCSp(BinConst),
    /// f64 register ops writing a local and a temporary, setting `sp`
    /// ([`BinTee`]).
    F64AddRRTee(BinTee),
    F64SubRRTee(BinTee),
    F64MulRRTee(BinTee),
    F64DivRRTee(BinTee),
    I32AddRRISp {
        imm: i32,
        dst: u16,
        a: u16,
        b: u16,
        sp: u16,
    },
    I32AddShlRRSp {
        k: u8,
        dst: u16,
        a: u16,
        b: u16,
        sp: u16,
    },
    /// A register-form i32 compare and `br_if` (or an `if`, negated),
    /// one op per comparison (so the op's dispatch is the only indirect
    /// jump; see `Op::br_if_rr`): `sp = base + sp`, then jumps when
    /// `slot[a] <cmp> slot[b]`.
    BrIfEqRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfNeRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfLtSRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfLtURR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfGtSRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfGtURR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfLeSRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfLeURR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfGeSRR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    BrIfGeURR {
        a: u16,
        b: u16,
        sp: u16,
        target: u32,
    },
    /// A register-form i32 compare and `br_if` against an immediate, the
    /// comparison a field (split like the two-slot form, it made the op
    /// loop's other arms slower: README, "Interpreter against wasmi").
    BrIfCmpRI {
        cmp: I32Cmp,
        a: u16,
        sp: u16,
        imm: i32,
        target: u32,
    },

    // --- fused ops (translate/fuse.rs) --------------------------------------
    /// `i32.eqz; br_if`: branches when the popped i32 is zero.
    BrIfZero {
        target: u32,
        drop: u32,
        keep: u32,
    },
    /// `i32.eqz; if`: jumps when the popped i32 is non-zero.
    JumpIfNonZero(u32),
    /// Two `local.get`s.
    LocalGet2(u32, u32),
    /// `local.get from; local.set to`.
    LocalCopy {
        from: u32,
        to: u32,
    },
    /// `<const>; local.set local`.
    LocalSetConst {
        local: u32,
        value: u64,
    },
    /// `local.get local; i32.const imm; i32.add`.
    LocalI32AddImm {
        local: u32,
        imm: i32,
    },
    /// `i32.const c; local.get l`: pushes `c` then local `l`.
    ConstLocalGet {
        local: u32,
        value: u64,
    },
    /// `local.get a; local.get b; i32.add`.
    LocalsI32Add(u32, u32),
    /// A comparison then `br_if` (with nothing to drop) or `if` (negated):
    /// pops two operands, jumps to the target when the comparison holds.
    BrIfI32Eq(u32),
    BrIfI32Ne(u32),
    BrIfI32LtS(u32),
    BrIfI32LtU(u32),
    BrIfI32GtS(u32),
    BrIfI32GtU(u32),
    BrIfI32LeS(u32),
    BrIfI32LeU(u32),
    BrIfI32GeS(u32),
    BrIfI32GeU(u32),
    BrIfI64Eq(u32),
    BrIfI64Ne(u32),
    BrIfI64LtS(u32),
    BrIfI64LtU(u32),
    BrIfI64GtS(u32),
    BrIfI64GtU(u32),
    BrIfI64LeS(u32),
    BrIfI64LeU(u32),
    BrIfI64GeS(u32),
    BrIfI64GeU(u32),
    /// `local.tee a; local.get b`.
    LocalTeeGet(u32, u32),
    /// `i32.const imm; <comparison>` then `br_if` (nothing to drop) or `if`
    /// (negated): pops one operand, jumps when `operand <cmp> imm` holds.
    BrIfI32EqImm {
        target: u32,
        imm: i32,
    },
    BrIfI32NeImm {
        target: u32,
        imm: i32,
    },
    BrIfI32LtSImm {
        target: u32,
        imm: i32,
    },
    BrIfI32LtUImm {
        target: u32,
        imm: i32,
    },
    BrIfI32GtSImm {
        target: u32,
        imm: i32,
    },
    BrIfI32GtUImm {
        target: u32,
        imm: i32,
    },
    BrIfI32LeSImm {
        target: u32,
        imm: i32,
    },
    BrIfI32LeUImm {
        target: u32,
        imm: i32,
    },
    BrIfI32GeSImm {
        target: u32,
        imm: i32,
    },
    BrIfI32GeUImm {
        target: u32,
        imm: i32,
    },
    /// `local.get src; i32.const imm; i32.add; local.set dst`.
    LocalSetI32AddImm {
        dst: u32,
        src: u32,
        imm: i32,
    },
    /// `local.get a; local.get b; i32.add; local.set dst`.
    LocalsI32AddSet {
        a: u32,
        b: u32,
        dst: u32,
    },
    /// `local.get src; i32.const imm; i32.add; local.tee dst`: sets `dst`
    /// and pushes the sum.
    LocalTeeI32AddImm {
        dst: u32,
        src: u32,
        imm: i32,
    },
    /// `i32.const value; i32.store8`: pops the address, stores the low byte
    /// of `value` (the static offset fits in u32).
    Store8Imm {
        mem: u32,
        offset: u32,
        value: u32,
    },
    /// `i32.const value; i32.store`: pops the address, stores `value`.
    Store32Imm {
        mem: u32,
        offset: u32,
        value: u32,
    },
    /// `local.get a; local.get b` then a fused i32 compare-and-branch:
    /// jumps to `target` when `local a <cmp> local b` (stack unchanged).
    BrIfLocalsI32 {
        cmp: I32Cmp,
        a: u32,
        b: u32,
        target: u32,
    },
    /// `local.get l` then a fused i32 compare-with-immediate-and-branch:
    /// jumps to `target` when `local l <cmp> imm` (stack unchanged).
    BrIfLocalI32Imm {
        cmp: I32Cmp,
        local: u32,
        imm: i32,
        target: u32,
    },
    /// `local.tee a; local.get b` then a fused i32 compare-and-branch: pops
    /// the top into local `a`, jumps when `top <cmp> local b`. One op per
    /// comparison, as `BrIf<cmp>RR`.
    BrIfTeeEq {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeNe {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeLtS {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeLtU {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeGtS {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeGtU {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeLeS {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeLeU {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeGeS {
        tee: u32,
        b: u32,
        target: u32,
    },
    BrIfTeeGeU {
        tee: u32,
        b: u32,
        target: u32,
    },
    /// `local.get l; i32.load` (the static offset fits in u32).
    I32LoadLocal {
        local: u32,
        mem: u32,
        offset: u32,
    },
    /// `local.get l; i64.load` (or `f64.load`; the offset fits in u32).
    I64LoadLocal {
        local: u32,
        mem: u32,
        offset: u32,
    },
    /// `local.get l; i32.load; local.set dst` (memory address and offset
    /// narrowed to fit).
    I32LoadLocalSet {
        mem: u16,
        local: u32,
        dst: u32,
        offset: u32,
    },
    /// `local.get a; local.get b; i32.add; i64.load` (or `f64.load`): loads
    /// at `a + b` (wrapping in i32) plus `offset`.
    I64LoadLocals {
        mem: u16,
        a: u32,
        b: u32,
        offset: u32,
    },
    /// `I64LoadLocals` then `f64.mul`: multiplies the top by the f64 at
    /// `a + b` plus `offset`.
    F64MulLoadLocals {
        mem: u16,
        a: u32,
        b: u32,
        offset: u32,
    },
    /// `local.get a; local.get v; i32.store` (or `f32.store`): stores the
    /// low 32 bits of local `v` at local `a` plus `offset` (memory address
    /// narrowed to fit).
    Store32Locals {
        mem: u16,
        addr: u32,
        val: u32,
        offset: u32,
    },
    /// `local.get v; i32.store` (or `f32.store`): pops the address, stores
    /// the low 32 bits of local `v` (the static offset fits in u32).
    Store32Local {
        mem: u32,
        val: u32,
        offset: u32,
    },
    /// `local.get a; i32.const imm; i32.add; local.get v; i32.store`:
    /// stores the low 32 bits of local `v` at `a + imm` (wrapped in i32) +
    /// `offset` (locals and memory narrowed to u16).
    Store32LocalAt {
        mem: u16,
        addr: u16,
        val: u16,
        imm: i32,
        offset: u32,
    },
    /// `local.get l; i32.const imm; i32.add; i32.load8_u`: pushes the byte
    /// at `l + imm` (wrapped in i32) + `offset`.
    I32Load8UAt {
        mem: u16,
        local: u32,
        imm: i32,
        offset: u32,
    },
    /// The same for `i64.load` and `f64.load` (eight bytes).
    I64LoadAt {
        mem: u16,
        local: u32,
        imm: i32,
        offset: u32,
    },
    /// `local.get l; i32.const imm; i32.add; i32.const value; i32.store8`
    /// with no static offset: stores the low byte of `value` at `l + imm`.
    Store8ImmAt {
        mem: u16,
        local: u32,
        imm: i32,
        value: u32,
    },
    /// `local.get l; i32.add`: adds local `l` to the top.
    I32AddLocal(u32),
    /// `local.get l; <binary op>`: local `l` is the right operand.
    I32SubLocal(u32),
    I32MulLocal(u32),
    I32AndLocal(u32),
    I32OrLocal(u32),
    I32XorLocal(u32),
    I64AddLocal(u32),
    I64SubLocal(u32),
    I64MulLocal(u32),
    F64AddLocal(u32),
    /// `f64.add; local.set l`: pops two, stores their sum in local `l`
    /// (an accumulator).
    F64AddSet(u32),
    /// `i32.eqz; i32.add`: pops `x`, adds 1 to the new top when `x` is 0
    /// (counting zeros).
    I32AddEqz,
    F64MulLocal(u32),
    F64SubLocal(u32),
    F64DivLocal(u32),
    /// `f64.const c; f64.<op>`: the right operand is `c` (its bits).
    F64AddConst(u64),
    F64SubConst(u64),
    F64MulConst(u64),
    F64DivConst(u64),
    /// `i32.const imm; i32.add; i64.load` (or `f64.load`): loads at the top
    /// plus `imm` (wrapping in i32, as the add does) plus `offset`.
    I64LoadAddImm {
        mem: u16,
        imm: i32,
        offset: u32,
    },
    /// `i32.const imm; i32.add; i32.load`: as `I64LoadAddImm`, 32 bits.
    I32LoadAddImm {
        mem: u16,
        imm: i32,
        offset: u32,
    },
    /// `i32.const k; i32.shl; i32.add`: `a + (b << k)` (array indexing).
    I32AddShl(i32),
    /// `i32.const imm; i32.<op>`: the right operand is `imm`.
    I32AddImm(i32),
    I32SubImm(i32),
    I32MulImm(i32),
    I32AndImm(i32),
    I32OrImm(i32),
    I32XorImm(i32),
    I32ShlImm(i32),
    I32ShrSImm(i32),
    I32ShrUImm(i32),
    I32EqImm(i32),
    I32NeImm(i32),
    I32LtSImm(i32),
    I32LtUImm(i32),
    I32GtSImm(i32),
    I32GtUImm(i32),
    I32LeSImm(i32),
    I32LeUImm(i32),
    I32GeSImm(i32),
    I32GeUImm(i32),
    /// `i64.const imm; i64.<op>` with `imm` fitting in i32 (sign-extended).
    I64AddImm(i32),
    I64SubImm(i32),
    I64MulImm(i32),
    I64AndImm(i32),
    I64OrImm(i32),
    I64XorImm(i32),
    I64ShlImm(i32),
    I64ShrSImm(i32),
    I64ShrUImm(i32),
    I64EqImm(i32),
    I64NeImm(i32),
    I64LtSImm(i32),
    I64LtUImm(i32),
    I64GtSImm(i32),
    I64GtUImm(i32),
    I64LeSImm(i32),
    I64LeUImm(i32),
    I64GeSImm(i32),
    I64GeUImm(i32),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_stays_small() {
        assert_eq!(std::mem::size_of::<Op>(), 16);
    }
}
