//! The memory and table arms of the dispatch loop: loads, stores,
//! `memory.*`, `table.*` and segment ops (see `int_ops.rs` for how the arms
//! join the single dispatch `match`). The work itself is in `memory.rs`.

/// Expands to the dispatch `match` over `$op`: the caller's arms, then the
/// memory and table arms here, then the register-form, integer and float
/// arms. `$store` is
/// the store, `$code` the running function's code and `$base` its frame base.
macro_rules! match_op_with_memory_ops {
    ($op:expr, $v:ident, $sp:ident, $base:ident, $pc:ident, $start:ident, $store:ident, $code:ident, { $($arms:tt)* }) => {
        super::reg_ops::match_op_with_reg_ops!($op, $v, $sp, $base, $pc, $start, {
            $($arms)*
                    // --- memory ----------------------------------------------
                    Op::I32Load { mem, offset } => {
                        let b = super::memory::load::<4>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = u32::from_le_bytes(b) as u64;
                    }
                    Op::I32LoadLocal { local, mem, offset } => {
                        let b = super::memory::load::<4>($store, mem, $v[$base + local as usize], offset as u64)?;
                        $v[$sp] = u32::from_le_bytes(b) as u64;
                        $sp += 1;
                    }
                    Op::I64LoadLocal { local, mem, offset } => {
                        let b = super::memory::load::<8>($store, mem, $v[$base + local as usize], offset as u64)?;
                        $v[$sp] = u64::from_le_bytes(b);
                        $sp += 1;
                    }
                    Op::I32LoadLocalSet { mem, local, dst, offset } => {
                        let b = super::memory::load::<4>($store, mem as u32, $v[$base + local as usize], offset as u64)?;
                        $v[$base + dst as usize] = u32::from_le_bytes(b) as u64;
                    }
                    Op::I64LoadLocals { mem, a, b, offset } => {
                        let addr = from_i32(($v[$base + a as usize] as i32).wrapping_add($v[$base + b as usize] as i32));
                        let bytes = super::memory::load::<8>($store, mem as u32, addr, offset as u64)?;
                        $v[$sp] = u64::from_le_bytes(bytes);
                        $sp += 1;
                    }
                    Op::F64MulLoadLocals { mem, a, b, offset } => {
                        let addr = from_i32(($v[$base + a as usize] as i32).wrapping_add($v[$base + b as usize] as i32));
                        let bytes = super::memory::load::<8>($store, mem as u32, addr, offset as u64)?;
                        let product = f64::from_bits($v[$sp - 1]) * f64::from_le_bytes(bytes);
                        $v[$sp - 1] = product.to_bits();
                    }
                    Op::I32Load8UAt { mem, local, imm, offset } => {
                        let addr = from_i32(($v[$base + local as usize] as i32).wrapping_add(imm));
                        let b = super::memory::load::<1>($store, mem as u32, addr, offset as u64)?;
                        $v[$sp] = u8::from_le_bytes(b) as u64;
                        $sp += 1;
                    }
                    Op::I64LoadAt { mem, local, imm, offset } => {
                        let addr = from_i32(($v[$base + local as usize] as i32).wrapping_add(imm));
                        let b = super::memory::load::<8>($store, mem as u32, addr, offset as u64)?;
                        $v[$sp] = u64::from_le_bytes(b);
                        $sp += 1;
                    }
                    Op::Store8ImmAt { mem, local, imm, value } => {
                        let addr = from_i32(($v[$base + local as usize] as i32).wrapping_add(imm));
                        super::memory::store_bytes($store, mem as u32, addr, 0, (value as u8).to_le_bytes())?;
                    }
                    Op::I64LoadAddImm { mem, imm, offset } => {
                        let addr = from_i32(($v[$sp - 1] as i32).wrapping_add(imm));
                        $v[$sp - 1] = u64::from_le_bytes(super::memory::load::<8>($store, mem as u32, addr, offset as u64)?);
                    }
                    Op::I32LoadAddImm { mem, imm, offset } => {
                        let addr = from_i32(($v[$sp - 1] as i32).wrapping_add(imm));
                        let b = super::memory::load::<4>($store, mem as u32, addr, offset as u64)?;
                        $v[$sp - 1] = u32::from_le_bytes(b) as u64;
                    }
                    Op::I64Load { mem, offset } => {
                        $v[$sp - 1] = u64::from_le_bytes(super::memory::load::<8>($store, mem, $v[$sp - 1], offset)?);
                    }
                    Op::I32Load8S { mem, offset } => {
                        let b = super::memory::load::<1>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = from_i32(i8::from_le_bytes(b) as i32);
                    }
                    Op::I32Load8U { mem, offset } | Op::I64Load8U { mem, offset } => {
                        $v[$sp - 1] = u8::from_le_bytes(super::memory::load::<1>($store, mem, $v[$sp - 1], offset)?) as u64;
                    }
                    Op::I32Load16S { mem, offset } => {
                        let b = super::memory::load::<2>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = from_i32(i16::from_le_bytes(b) as i32);
                    }
                    Op::I32Load16U { mem, offset } | Op::I64Load16U { mem, offset } => {
                        let b = super::memory::load::<2>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = u16::from_le_bytes(b) as u64;
                    }
                    Op::I64Load8S { mem, offset } => {
                        let b = super::memory::load::<1>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = i8::from_le_bytes(b) as i64 as u64;
                    }
                    Op::I64Load16S { mem, offset } => {
                        let b = super::memory::load::<2>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = i16::from_le_bytes(b) as i64 as u64;
                    }
                    Op::I64Load32S { mem, offset } => {
                        let b = super::memory::load::<4>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = i32::from_le_bytes(b) as i64 as u64;
                    }
                    Op::I64Load32U { mem, offset } => {
                        let b = super::memory::load::<4>($store, mem, $v[$sp - 1], offset)?;
                        $v[$sp - 1] = u32::from_le_bytes(b) as u64;
                    }
                    Op::Store32 { mem, offset } => {
                        $sp -= 2;
                        super::memory::store_bytes($store, mem, $v[$sp], offset, ($v[$sp + 1] as u32).to_le_bytes())?;
                    }
                    Op::Store64 { mem, offset } => {
                        $sp -= 2;
                        super::memory::store_bytes($store, mem, $v[$sp], offset, $v[$sp + 1].to_le_bytes())?;
                    }
                    Op::Store8 { mem, offset } => {
                        $sp -= 2;
                        super::memory::store_bytes($store, mem, $v[$sp], offset, ($v[$sp + 1] as u8).to_le_bytes())?;
                    }
                    Op::Store8Imm { mem, offset, value } => {
                        $sp -= 1;
                        super::memory::store_bytes($store, mem, $v[$sp], offset as u64, (value as u8).to_le_bytes())?;
                    }
                    Op::Store32Locals { mem, addr, val, offset } => {
                        let bytes = ($v[$base + val as usize] as u32).to_le_bytes();
                        super::memory::store_bytes($store, mem as u32, $v[$base + addr as usize], offset as u64, bytes)?;
                    }
                    Op::Store32Local { mem, val, offset } => {
                        $sp -= 1;
                        let bytes = ($v[$base + val as usize] as u32).to_le_bytes();
                        super::memory::store_bytes($store, mem, $v[$sp], offset as u64, bytes)?;
                    }
                    Op::Store32LocalAt { mem, addr, val, imm, offset } => {
                        let at = from_i32(($v[$base + addr as usize] as i32).wrapping_add(imm));
                        let bytes = ($v[$base + val as usize] as u32).to_le_bytes();
                        super::memory::store_bytes($store, mem as u32, at, offset as u64, bytes)?;
                    }
                    Op::Store32Imm { mem, offset, value } => {
                        $sp -= 1;
                        super::memory::store_bytes($store, mem, $v[$sp], offset as u64, value.to_le_bytes())?;
                    }
                    Op::Store16 { mem, offset } => {
                        $sp -= 2;
                        super::memory::store_bytes($store, mem, $v[$sp], offset, ($v[$sp + 1] as u16).to_le_bytes())?;
                    }
                    Op::MemorySize { mem } => {
                        $v[$sp] = $store.memories[mem as usize].size_pages();
                        $sp += 1;
                    }
                    Op::MemoryGrow { mem, is64 } => {
                        $v[$sp - 1] = super::memory::memory_grow($store, mem, $v[$sp - 1], is64);
                    }
                    Op::MemoryFill { mem } => {
                        $sp -= 3;
                        let (dst, value, len) = ($v[$sp], $v[$sp + 1] as u8, $v[$sp + 2]);
                        $store.memories[mem as usize].fill(dst, value, len)?;
                    }
                    Op::MemoryCopy { dst, src } => {
                        $sp -= 3;
                        let (d, s, n) = ($v[$sp], $v[$sp + 1], $v[$sp + 2]);
                        $store.memory_copy(
                            wasmfx_core::MemAddr(dst),
                            d,
                            wasmfx_core::MemAddr(src),
                            s,
                            n,
                        )?;
                    }
                    Op::MemoryInit { mem, seg } => {
                        $sp -= 3;
                        let args = [$v[$sp], $v[$sp + 1], $v[$sp + 2]];
                        super::memory::memory_init($store, $code.instance, mem, seg, args)?;
                    }
                    Op::DataDrop(seg) => $store.data_drop($code.instance, seg),

                    // --- tables ------------------------------------------------
                    Op::TableGet(table) => $v[$sp - 1] = $store.tables[table as usize].get($v[$sp - 1])?,
                    Op::TableSet(table) => {
                        $sp -= 2;
                        $store.tables[table as usize].set($v[$sp], $v[$sp + 1])?;
                    }
                    Op::TableSize(table) => {
                        $v[$sp] = $store.tables[table as usize].size();
                        $sp += 1;
                    }
                    Op::TableGrow { table, is64 } => {
                        $sp -= 1;
                        $v[$sp - 1] = super::memory::table_grow($store, table, $v[$sp - 1], $v[$sp], is64);
                    }
                    Op::TableFill(table) => {
                        $sp -= 3;
                        $store.tables[table as usize].fill($v[$sp], $v[$sp + 1], $v[$sp + 2])?;
                    }
                    Op::TableCopy { dst, src } => {
                        $sp -= 3;
                        let (d, s, n) = ($v[$sp], $v[$sp + 1], $v[$sp + 2]);
                        $store.table_copy(
                            wasmfx_core::TableAddr(dst),
                            d,
                            wasmfx_core::TableAddr(src),
                            s,
                            n,
                        )?;
                    }
                    Op::TableInit { table, seg } => {
                        $sp -= 3;
                        let args = [$v[$sp], $v[$sp + 1], $v[$sp + 2]];
                        super::memory::table_init($store, $code.instance, table, seg, args)?;
                    }
                    Op::ElemDrop(seg) => $store.elem_drop($code.instance, seg),
        })
    };
}

pub(super) use match_op_with_memory_ops;
