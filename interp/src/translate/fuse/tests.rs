//! Unit tests of the peephole fusions and of jump threading into returns.

use super::*;

/// A store whose memory64 offset is too wide for any fused form.
const FAR_STORE32: Op = Op::Store32 {
    mem: 0,
    offset: 1 << 33,
};

#[test]
fn constants_fold_into_binary_ops() {
    assert_eq!(
        fuse(Op::Const(0xffff_ffff), Op::I32Add),
        Some(Op::I32AddImm(-1))
    );
    assert_eq!(
        fuse(Op::Const(u64::MAX), Op::I64Sub),
        Some(Op::I64SubImm(-1))
    );
    assert_eq!(
        fuse(Op::Const(1 << 40), Op::I64Add),
        None,
        "too wide for an immediate"
    );
    assert_eq!(fuse(Op::Const(1), Op::F32Add), None);
}

#[test]
fn local_updates_fuse_into_one_op() {
    let add = fuse(Op::LocalGet(3), Op::I32AddImm(8)).expect("fuses");
    assert_eq!(
        fuse(add, Op::LocalSet(3)),
        Some(Op::LocalSetI32AddImm {
            dst: 3,
            src: 3,
            imm: 8
        })
    );
    let sum = fuse(Op::LocalGet2(1, 2), Op::I32Add).expect("fuses");
    assert_eq!(
        fuse(sum, Op::LocalSet(0)),
        Some(Op::LocalsI32AddSet { a: 1, b: 2, dst: 0 })
    );
}

#[test]
fn constant_stores_and_tees_fuse() {
    let store = Op::Store8 { mem: 1, offset: 7 };
    assert_eq!(
        fuse(Op::Const(0x101), store),
        Some(Op::Store8Imm {
            mem: 1,
            offset: 7,
            value: 0x101
        })
    );
    assert_eq!(
        fuse(Op::Const(1), FAR_STORE32),
        None,
        "memory64 offset too wide"
    );
    let add = Op::LocalI32AddImm { local: 2, imm: 4 };
    assert_eq!(
        fuse(add, Op::LocalTee(5)),
        Some(Op::LocalTeeI32AddImm {
            dst: 5,
            src: 2,
            imm: 4
        })
    );
}

#[test]
fn local_comparisons_fuse_into_the_branch() {
    let branch = fuse(
        Op::I32GtU,
        Op::BrIf {
            target: 9,
            drop: 0,
            keep: 0,
        },
    )
    .expect("fuses");
    assert_eq!(
        fuse(Op::LocalGet2(1, 2), branch),
        Some(Op::BrIfLocalsI32 {
            cmp: crate::op::I32Cmp::GtU,
            a: 1,
            b: 2,
            target: 9
        })
    );
    assert!(crate::op::I32Cmp::LtS.holds(-1i32 as u32, 0));
    assert!(!crate::op::I32Cmp::LtU.holds(-1i32 as u32, 0));
}

#[test]
fn locals_fuse_into_branches_and_loads() {
    use crate::op::I32Cmp;
    let lt = Op::BrIfI32LtS(4);
    assert_eq!(
        fuse(Op::LocalTeeGet(1, 2), lt),
        Some(Op::BrIfTeeLtS {
            tee: 1,
            b: 2,
            target: 4
        })
    );
    let ge = Op::BrIfI32GeUImm { target: 6, imm: 2 };
    assert_eq!(
        fuse(Op::LocalGet(0), ge),
        Some(Op::BrIfLocalI32Imm {
            cmp: I32Cmp::GeU,
            local: 0,
            imm: 2,
            target: 6
        })
    );
    let load = Op::I64Load { mem: 3, offset: 8 };
    assert_eq!(
        fuse(Op::LocalGet(5), load),
        Some(Op::I64LoadLocal {
            local: 5,
            mem: 3,
            offset: 8
        })
    );
}

#[test]
fn addresses_from_locals_fuse_into_memory_ops() {
    let load = fuse(Op::LocalGet(2), Op::I32Load { mem: 1, offset: 4 }).expect("fuses");
    assert_eq!(
        fuse(load, Op::LocalSet(3)),
        Some(Op::I32LoadLocalSet {
            mem: 1,
            local: 2,
            dst: 3,
            offset: 4
        })
    );
    let far = Op::I32LoadLocal {
        local: 2,
        mem: 1 << 16,
        offset: 0,
    };
    assert_eq!(fuse(far, Op::LocalSet(3)), None, "memory address too wide");
    let sum = Op::LocalsI32Add(5, 6);
    let load = Op::I64Load { mem: 0, offset: 8 };
    assert_eq!(
        fuse(sum, load),
        Some(Op::I64LoadLocals {
            mem: 0,
            a: 5,
            b: 6,
            offset: 8
        })
    );
    let load = fuse(sum, load).expect("fuses");
    assert_eq!(
        fuse(load, Op::F64Mul),
        Some(Op::F64MulLoadLocals {
            mem: 0,
            a: 5,
            b: 6,
            offset: 8
        })
    );
    let addr = Op::LocalI32AddImm { local: 1, imm: 64 };
    let store = |offset| Op::Store8Imm {
        mem: 0,
        offset,
        value: 1,
    };
    assert_eq!(
        fuse(addr, store(0)),
        Some(Op::Store8ImmAt {
            mem: 0,
            local: 1,
            imm: 64,
            value: 1
        })
    );
    assert_eq!(fuse(addr, store(1)), None, "a static offset stays apart");
    let load = |mem, offset| Op::I32Load8U { mem, offset };
    assert_eq!(
        fuse(addr, load(3, 9)),
        Some(Op::I32Load8UAt {
            mem: 3,
            local: 1,
            imm: 64,
            offset: 9
        })
    );
    assert_eq!(fuse(addr, load(0, 1 << 33)), None, "too wide an offset");
    let stored = Op::Store32Local {
        mem: 0,
        val: 5,
        offset: 4,
    };
    assert_eq!(
        fuse(addr, stored),
        Some(Op::Store32LocalAt {
            mem: 0,
            addr: 1,
            val: 5,
            imm: 64,
            offset: 4
        })
    );
    assert_eq!(
        fuse(addr, Op::I64Load { mem: 2, offset: 16 }),
        Some(Op::I64LoadAt {
            mem: 2,
            local: 1,
            imm: 64,
            offset: 16
        })
    );
}

#[test]
fn stores_of_locals_fuse() {
    let store = Op::Store32 { mem: 2, offset: 12 };
    assert_eq!(
        fuse(Op::LocalGet2(4, 5), store),
        Some(Op::Store32Locals {
            mem: 2,
            addr: 4,
            val: 5,
            offset: 12
        })
    );
    assert_eq!(
        fuse(Op::LocalGet(5), store),
        Some(Op::Store32Local {
            mem: 2,
            val: 5,
            offset: 12
        })
    );
    assert_eq!(
        fuse(Op::LocalGet(5), FAR_STORE32),
        None,
        "memory64 offset too wide"
    );
    let many = Op::Store32 {
        mem: 1 << 16,
        offset: 0,
    };
    assert_eq!(
        fuse(Op::LocalGet2(4, 5), many),
        None,
        "memory address too wide"
    );
}

#[test]
fn a_sum_copied_on_at_once_fuses() {
    use crate::op::{BinImm, BinImmTee};
    let step = Op::I32AddRI(BinImm {
        imm: -4,
        dst: 13,
        a: 4,
        sp: 14,
    });
    assert_eq!(
        fuse(step, Op::LocalCopy { from: 13, to: 4 }),
        Some(Op::I32AddRITee(BinImmTee {
            imm: -4,
            dst: 13,
            a: 4,
            also: 4
        }))
    );
    assert_eq!(
        fuse(step, Op::LocalCopy { from: 12, to: 4 }),
        None,
        "another local"
    );
    assert_eq!(
        fuse(
            step,
            Op::LocalCopy {
                from: 13,
                to: 1 << 16
            }
        ),
        None,
        "slot too wide"
    );
}

#[test]
fn f64_operands_and_added_addresses_fuse() {
    let one = 1f64.to_bits();
    assert_eq!(fuse(Op::LocalGet(3), Op::F64Sub), Some(Op::F64SubLocal(3)));
    assert_eq!(fuse(Op::LocalGet(3), Op::F64Div), Some(Op::F64DivLocal(3)));
    assert_eq!(fuse(Op::Const(one), Op::F64Add), Some(Op::F64AddConst(one)));
    assert_eq!(fuse(Op::Const(one), Op::F64Div), Some(Op::F64DivConst(one)));
    assert_eq!(fuse(Op::F64Add, Op::LocalSet(7)), Some(Op::F64AddSet(7)));
    assert_eq!(fuse(Op::I32Eqz, Op::I32Add), Some(Op::I32AddEqz));
    let load = Op::I64Load { mem: 1, offset: 16 };
    assert_eq!(
        fuse(Op::I32AddImm(-8), load),
        Some(Op::I64LoadAddImm {
            mem: 1,
            imm: -8,
            offset: 16
        })
    );
    let far = Op::I32Load {
        mem: 0,
        offset: 1 << 33,
    };
    assert_eq!(
        fuse(Op::I32AddImm(8), far),
        None,
        "memory64 offset too wide"
    );
}

#[test]
fn jumps_to_returns_become_returns() {
    let table_entry = Op::Br {
        target: 5,
        drop: 0,
        keep: 1,
    };
    let mut ops = [
        Op::Jump(5),
        Op::Br {
            target: 5,
            drop: 2,
            keep: 1,
        },
        Op::Br {
            target: 5,
            drop: 1,
            keep: 0,
        },
        Op::BrTable { len: 0 },
        table_entry,
        Op::Return,
    ];
    thread_returns(&mut ops, 1);
    assert_eq!(ops[..2], [Op::Return, Op::Return]);
    assert_eq!(
        ops[2],
        Op::Br {
            target: 5,
            drop: 1,
            keep: 0
        },
        "keeps fewer than the results"
    );
    assert_eq!(ops[4], table_entry, "br_table entries stay branches");
}

#[test]
fn branches_keep_their_shape() {
    let br = Op::BrIf {
        target: 7,
        drop: 1,
        keep: 2,
    };
    assert_eq!(
        fuse(Op::I32Eqz, br),
        Some(Op::BrIfZero {
            target: 7,
            drop: 1,
            keep: 2
        })
    );
    assert_eq!(
        fuse(
            Op::BrTable { len: 1 },
            Op::Br {
                target: 0,
                drop: 0,
                keep: 0
            }
        ),
        None
    );
}
