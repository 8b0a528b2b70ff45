//! Tests of linear memories: bounds, growth, heap and mapped storage.

use super::*;
use crate::module::Limits;

fn memory(min: u64, max: Option<u64>, memory64: bool) -> MemoryType {
    MemoryType {
        limits: Limits { min, max },
        memory64,
        shared: false,
    }
}

#[test]
fn reads_and_writes_are_bounds_checked() {
    let mut mem =
        MemoryInst::new(memory(1, None, false), &StoreLimits::default()).expect("one page fits");
    assert_eq!(mem.write(65532, &[1, 2, 3, 4]), Ok(()));
    assert_eq!(mem.read::<4>(65532), Ok([1, 2, 3, 4]));
    assert_eq!(mem.read::<4>(65533), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(mem.read::<1>(u64::MAX), Err(TrapCode::MemoryOutOfBounds));
    assert_eq!(
        mem.write(u64::MAX - 1, &[0; 4]),
        Err(TrapCode::MemoryOutOfBounds)
    );
    assert_eq!(mem.fill(65535, 9, 2), Err(Trap::MemoryOutOfBounds));
    assert_eq!(mem.fill(65536, 9, 0), Ok(()));
    assert_eq!(mem.fill(65537, 9, 0), Err(Trap::MemoryOutOfBounds));
    assert_eq!(mem.data()[65535], 4);
}

#[test]
fn grow_respects_maximum_index_range_and_limits() {
    let limits = StoreLimits {
        max_memory_bytes: 10 * WASM_PAGE_SIZE,
        ..StoreLimits::default()
    };
    let mut mem = MemoryInst::new(memory(1, Some(4), false), &limits).expect("fits");
    assert_eq!(mem.grow(2, &limits), Some(1));
    assert_eq!(mem.grow(2, &limits), None);
    assert_eq!(mem.grow(1, &limits), Some(3));
    assert_eq!(mem.size_pages(), 4);
    let mut big = MemoryInst::new(memory(0, None, true), &limits).expect("fits");
    assert_eq!(big.grow(11, &limits), None, "beyond the store limit");
    assert_eq!(big.grow(u64::MAX, &limits), None);
    assert_eq!(big.grow(10, &limits), Some(0));
    assert!(MemoryInst::new(memory(11, None, false), &limits).is_none());
    let mut small = MemoryInst::new(memory(0, None, false), &StoreLimits::default()).expect("fits");
    assert_eq!(
        small.grow(65537, &StoreLimits::default()),
        None,
        "beyond 2^16 pages"
    );
}

#[test]
fn grown_memory_is_zeroed_keeps_contents_and_updates_vm_record() {
    let heap = StoreLimits {
        memory_guard_regions: false,
        ..StoreLimits::default()
    };
    for (limits, memory64) in [
        (StoreLimits::default(), false),
        (StoreLimits::default(), true),
        (heap, false),
    ] {
        let mut mem = MemoryInst::new(memory(1, None, memory64), &limits).expect("fits");
        let base = mem.vm().base;
        mem.write(10, &[7]).expect("in bounds");
        for step in 1..5u64 {
            let old_len = mem.size_bytes() as usize;
            assert_eq!(mem.grow(1, &limits), Some(step));
            assert_eq!(mem.vm().length, mem.size_bytes());
            assert_eq!(mem.vm().base, mem.data().as_ptr() as usize);
            assert_eq!(mem.data().len(), old_len + WASM_PAGE_SIZE as usize);
            assert!(mem.data()[old_len..].iter().all(|&b| b == 0));
            mem.write(old_len as u64, &[1]).expect("in bounds");
        }
        assert_eq!(mem.read::<1>(10), Ok([7]));
        if mem.guard_bytes() > 0 {
            assert_eq!(mem.vm().base, base, "a mapped memory never moves");
        }
    }
}

#[cfg(feature = "native")]
#[test]
fn only_32_bit_memories_get_guard_regions() {
    let limits = StoreLimits::default();
    let mem = MemoryInst::new(memory(0, Some(0), false), &limits).expect("fits");
    assert_eq!(mem.guard_bytes(), GUARD_BYTES);
    assert_eq!(mem.data().len(), 0);
    let mem64 = MemoryInst::new(memory(1, None, true), &limits).expect("fits");
    assert_eq!(mem64.guard_bytes(), 0);
    let off = StoreLimits {
        memory_guard_regions: false,
        ..StoreLimits::default()
    };
    let heap = MemoryInst::new(memory(1, None, false), &off).expect("fits");
    assert_eq!(heap.guard_bytes(), 0);
}

/// Without `native` there is no mmap: every memory is a heap one, guard
/// regions asked for or not.
#[cfg(not(feature = "native"))]
#[test]
fn without_native_every_memory_is_on_the_heap() {
    let limits = StoreLimits::default();
    assert!(limits.memory_guard_regions);
    for memory64 in [false, true] {
        let mem = MemoryInst::new(memory(1, None, memory64), &limits).expect("fits");
        assert_eq!(mem.guard_bytes(), 0);
        assert!(matches!(mem.bytes, Bytes::Heap(_)));
    }
}

#[test]
fn mapped_memory_grows_to_4_gib_and_respects_limits() {
    let limits = StoreLimits {
        max_memory_bytes: 1 << 32,
        ..StoreLimits::default()
    };
    let mut mem = MemoryInst::new(memory(0, None, false), &limits).expect("fits");
    assert_eq!(mem.grow(65536, &limits), Some(0), "the whole 32-bit range");
    assert_eq!(mem.size_bytes(), 1 << 32);
    mem.write((1 << 32) - 1, &[5]).expect("last byte");
    assert_eq!(mem.read::<1>((1 << 32) - 1), Ok([5]));
    assert_eq!(mem.grow(1, &limits), None);
    let small = StoreLimits {
        max_memory_bytes: 2 * WASM_PAGE_SIZE,
        ..StoreLimits::default()
    };
    let mut mem = MemoryInst::new(memory(1, None, false), &small).expect("fits");
    assert_eq!(mem.grow(2, &small), None);
    assert_eq!(mem.grow(1, &small), Some(1));
}

/// Address space of this process, from /proc/self/status.
#[cfg(feature = "native")]
fn virtual_size_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmSize:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(feature = "native")]
#[test]
fn many_mapped_memories_live_at_once_and_release_their_reservations() {
    const COUNT: u64 = 1000;
    let limits = StoreLimits::default();
    let before = virtual_size_kib();
    let mut memories: Vec<MemoryInst> = (0..COUNT)
        .map(|_| MemoryInst::new(memory(1, None, false), &limits).expect("fits"))
        .collect();
    for (i, mem) in memories.iter_mut().enumerate() {
        assert_eq!(mem.guard_bytes(), GUARD_BYTES, "memory {i} is mapped");
        mem.write(0, &[i as u8]).expect("in bounds");
    }
    for (i, mem) in memories.iter().enumerate() {
        assert_eq!(mem.read::<1>(0), Ok([i as u8]));
    }
    // Other tests run in parallel and map and unmap memory too: compare
    // with bounds far from what they could change (1000 reservations are
    // 6 TiB).
    let reservations_kib = COUNT * RESERVATION / 1024;
    assert!(virtual_size_kib() > before + reservations_kib / 2);
    drop(memories);
    assert!(virtual_size_kib() < before + reservations_kib / 2);
}

#[test]
fn copy_and_init_check_both_ranges() {
    let mut mem = MemoryInst::new(memory(1, None, false), &StoreLimits::default()).expect("fits");
    mem.write(0, &[1, 2, 3, 4]).expect("in bounds");
    mem.copy_within(1, 0, 4).expect("in bounds");
    assert_eq!(mem.read::<5>(0), Ok([1, 1, 2, 3, 4]));
    assert_eq!(mem.copy_within(65535, 0, 2), Err(Trap::MemoryOutOfBounds));
    assert_eq!(mem.init(0, &[9, 8], 1, 1), Ok(()));
    assert_eq!(mem.read::<1>(0), Ok([8]));
    assert_eq!(mem.init(0, &[9, 8], 1, 2), Err(Trap::MemoryOutOfBounds));
    assert_eq!(mem.init(65536, &[], 0, 0), Ok(()));
}
