//! Unit tests of [`ContTable`]: handle encoding, one-shot use, index
//! retirement, warm records, and the header layout compiled code reads.

use super::*;
#[cfg(feature = "native")]
use crate::stack::FibreStack;

#[test]
fn header_layout_matches_the_drawing() {
    use table_offsets::*;
    assert_eq!((RECORDS, LEN, WARM, WARM_LEN), (0, 8, 16, 24));
    assert_eq!(size_of::<TableHeader>(), 32);
}

#[test]
fn handles_work_once_and_decode_as_drawn() {
    let mut table = ContTable::new();
    let record = table.alloc().expect("record");
    let raw = table.handle(record).expect("handle");
    // SAFETY: live record.
    let index = unsafe { record.as_ref().index() };
    assert_eq!(raw as u32, index + 1);
    let header = table.header();
    // SAFETY: the header and its array are live while the table is.
    unsafe {
        assert_eq!((*header).len, 1);
        assert_eq!(*(*header).records.add(index as usize), record.as_ptr());
    }
    assert_eq!(table.consume(0), Err(HandleError::Null));
    assert_eq!(table.consume(raw), Ok(record));
    assert_eq!(table.consume(raw), Err(HandleError::Consumed));
    let again = table.handle(record).expect("handle");
    assert_eq!(table.lookup(again), Ok(record));
    // SAFETY: on no chain, no stack.
    unsafe { table.release(record) };
    assert_eq!(table.consume(again), Err(HandleError::Consumed));
}

#[test]
fn a_released_record_keeps_its_index_and_stale_handles_fail() {
    let mut table = ContTable::new();
    let record = table.alloc().expect("record");
    let stale = table.handle(record).expect("handle");
    // SAFETY: on no chain, no stack.
    unsafe { table.release(record) };
    let reused = table.alloc().expect("record");
    assert_eq!(reused, record);
    assert_eq!(table.indices(), 1);
    let fresh = table.handle(reused).expect("handle");
    assert_ne!(fresh, stale);
    assert_eq!(table.consume(stale), Err(HandleError::Consumed));
    assert_eq!(table.consume(fresh), Ok(reused));
}

#[test]
fn an_index_is_retired_before_its_revision_wraps() {
    let mut table = ContTable::new();
    let mut record = table.alloc().expect("record");
    // SAFETY: a live record of the table; nothing else uses it.
    unsafe { record.as_mut().set_index(0, RETIRED - 2) };
    let old = table.handle(record).expect("handle");
    assert_eq!(old >> 32, RETIRED - 2);
    assert_eq!(table.consume(old), Ok(record));
    let last = table.handle(record).expect("handle");
    assert_eq!(table.consume(last), Ok(record));
    // The revision is now RETIRED: the next handle moves the record.
    // SAFETY: live record.
    assert_eq!(unsafe { record.as_ref().revision() }, RETIRED);
    let moved = table.handle(record).expect("handle");
    // SAFETY: live record.
    assert_eq!(unsafe { record.as_ref().index() }, 1);
    assert_eq!(moved >> 32, 0);
    assert_eq!(table.record(0), None, "index 0 is retired");
    // A handle of the old index with any revision never matches again.
    for revision in [0, RETIRED - 2, RETIRED - 1, RETIRED] {
        let stale = raw_handle(0, revision);
        assert_eq!(table.consume(stale), Err(HandleError::Consumed));
    }
    assert_eq!(table.consume(moved), Ok(record));
    // Released near the limit, the record comes back under a new index.
    // SAFETY: live record, then released on no chain.
    unsafe {
        record.as_mut().set_index(1, RETIRED);
        table.release(record);
    }
    let reused = table.alloc().expect("record");
    // SAFETY: live record.
    assert_eq!(unsafe { reused.as_ref().index() }, 2);
    assert_eq!(table.indices(), 3);
}

#[test]
fn a_key_is_the_current_handle_until_retirement() {
    let mut table = ContTable::new();
    let record = table.alloc().expect("record");
    let raw = table.handle(record).expect("handle");
    // SAFETY: a live record of the table, here and below.
    assert_eq!(unsafe { record.as_ref().key() }, raw);
    assert_eq!(table.consume(raw), Ok(record));
    let next = table.handle(record).expect("handle");
    assert_eq!(unsafe { record.as_ref().key() }, next);
    assert_eq!(next, raw + (1 << 32));
    // The revision stops at RETIRED, where the key is no handle any more.
    let mut record = record;
    unsafe { record.as_mut().set_index(0, RETIRED - 1) };
    let last = table.handle(record).expect("handle");
    assert_eq!(table.consume(last), Ok(record));
    unsafe {
        assert_eq!(record.as_ref().revision(), RETIRED);
        record.as_mut().bump_revision();
        assert_eq!(record.as_ref().revision(), RETIRED);
        assert_eq!(record.as_ref().key(), (RETIRED << 32) | 1);
    }
    assert_eq!(table.consume(last), Err(HandleError::Consumed));
}

#[cfg(feature = "native")]
unsafe extern "C" fn no_body(_: *mut ContRecord) -> u64 {
    0
}

#[cfg(feature = "native")]
#[test]
fn a_warm_record_keeps_its_stack_and_index() {
    let mut table = ContTable::new();
    let mut record = table.alloc().expect("record");
    let stack = FibreStack::new(64 << 10).expect("map");
    let top = stack.top();
    // SAFETY: a live record of the table; nothing runs on the stack.
    let target = unsafe { record.as_mut() };
    target.install_stack(stack, 0x1000, None).expect("fresh");
    let stale = table.handle(record).expect("handle");
    target.set_func(7);
    target.set_payload(&[1, 2]).expect("short");
    // SAFETY: live, on no chain, nothing runs on its stack.
    unsafe { table.park_warm(record, 0x2000, no_body) }.expect("parked");
    assert_eq!((table.live(), table.warm()), (0, 1));
    assert_eq!(table.consume(stale), Err(HandleError::Consumed));
    let again = table.take_warm().expect("warm");
    assert_eq!((again, table.live(), table.warm()), (record, 1, 0));
    // SAFETY: live record.
    let target = unsafe { again.as_ref() };
    assert_eq!(
        (target.state(), target.func(), target.payload()),
        (ContState::Fresh, 0, &[][..])
    );
    assert_eq!(target.stack_bounds().1, top);
    // SAFETY: the context is the record's own.
    let context = unsafe {
        *(&raw const *target)
            .byte_add(crate::offsets::CONTEXT as usize)
            .cast::<crate::Context>()
    };
    assert_eq!(
        (context.sp, context.fp, context.ip),
        (crate::stack::start_sp(top) as u64 - 8, 0, 0x2000)
    );
    // The frame area a collection scans ends where the frames start.
    let (low, high) = target.usable_stack().expect("a stack");
    assert_eq!(high, crate::stack::start_sp(top));
    assert!((low..high).contains(&(context.sp as usize)));
    assert!(table.take_warm().is_none());
    let fresh = table.handle(again).expect("handle");
    assert_eq!(fresh as u32, stale as u32, "same index");
    assert_eq!(table.consume(fresh), Ok(again));
}

#[cfg(feature = "native")]
#[test]
fn warm_records_are_bounded_and_need_a_stack() {
    let mut table = ContTable::new();
    let bare = table.alloc().expect("record");
    // SAFETY: live, on no chain, no stack.
    assert_eq!(unsafe { table.park_warm(bare, 0, no_body) }, Err(bare));
    let records: Vec<_> = (0..MAX_WARM + 1)
        .map(|_| {
            let mut record = table.alloc().expect("record");
            let stack = FibreStack::new(64 << 10).expect("map");
            // SAFETY: a live record of the table.
            unsafe { record.as_mut() }
                .install_stack(stack, 0, None)
                .expect("fresh");
            record
        })
        .collect();
    let parked = records
        .iter()
        // SAFETY: live records, on no chain, nothing runs on their stacks.
        .filter(|&&r| unsafe { table.park_warm(r, 0, no_body) }.is_ok())
        .count();
    assert_eq!(parked as u64, MAX_WARM);
    assert_eq!((table.live(), table.warm()), (2, MAX_WARM as usize));
}
