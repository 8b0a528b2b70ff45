//! Offsets of the [`ContRecord`] fields compiled code reads or writes
//! (drawn in the record's module doc; the test pins them to the drawing).

use super::{ContRecord, HandlerTable, SkipEntry};
use std::mem::offset_of;

pub const KEY: i32 = offset_of!(ContRecord, key) as i32;
pub const STATE: i32 = offset_of!(ContRecord, state) as i32;
pub const LINK: i32 = offset_of!(ContRecord, link) as i32;
pub const NATIVE_PARENT: i32 = offset_of!(ContRecord, native_parent) as i32;
pub const CROSSED: i32 = offset_of!(ContRecord, crossed) as i32;
pub const INDEX: i32 = offset_of!(ContRecord, index) as i32;
pub const CLAUSE: i32 = offset_of!(ContRecord, clause) as i32;
pub const PARENT: i32 = offset_of!(ContRecord, parent) as i32;
pub const LAST_ANCESTOR: i32 = offset_of!(ContRecord, last_ancestor) as i32;
pub const CONTEXT: i32 = offset_of!(ContRecord, context) as i32;
pub const STACK_LIMIT: i32 = offset_of!(ContRecord, stack_limit) as i32;
pub const STACK_BASE: i32 = offset_of!(ContRecord, stack_base) as i32;
pub const HANDLERS: i32 = offset_of!(ContRecord, handlers) as i32;
pub const PAYLOAD_PTR: i32 = offset_of!(ContRecord, payload_ptr) as i32;
pub const PAYLOAD_LEN: i32 = offset_of!(ContRecord, payload_len) as i32;
pub const PAYLOAD_CAP: i32 = offset_of!(ContRecord, payload_cap) as i32;
pub const PAYLOAD_INLINE_SLOTS: i32 = offset_of!(ContRecord, payload_inline) as i32;
pub const HANDLER_TAGS: i32 = HANDLERS + offset_of!(HandlerTable, tags) as i32;
pub const HANDLER_LEN: i32 = HANDLERS + offset_of!(HandlerTable, len) as i32;
pub const HANDLER_FIRST_SWITCH: i32 = HANDLERS + offset_of!(HandlerTable, first_switch) as i32;
pub const STACK_START: i32 = offset_of!(ContRecord, stack_start) as i32;
pub const ENTRY: i32 = offset_of!(ContRecord, entry) as i32;
pub const INTERP: i32 = offset_of!(ContRecord, interp) as i32;
pub const FUNC: i32 = offset_of!(ContRecord, func) as i32;
pub const DEPTH: i32 = offset_of!(ContRecord, depth) as i32;
pub const FUNC_REF: i32 = offset_of!(ContRecord, func_ref) as i32;
pub const SKIP: i32 = offset_of!(ContRecord, skip) as i32;
pub const SKIP_TO: i32 = SKIP + offset_of!(SkipEntry, to) as i32;
pub const SKIP_MASK: i32 = SKIP + offset_of!(SkipEntry, mask) as i32;
pub const SKIP_EPOCH: i32 = SKIP + offset_of!(SkipEntry, epoch) as i32;

#[cfg(test)]
mod tests {
    use super::super::{ContState, FibreEntry, ParentLink};
    use super::*;

    #[test]
    fn layout_matches_the_drawing() {
        assert_eq!((KEY, STATE, LINK, NATIVE_PARENT), (0, 8, 12, 13));
        assert_eq!(CROSSED, 14);
        assert_eq!((INDEX, CLAUSE, PARENT, LAST_ANCESTOR), (16, 20, 24, 32));
        assert_eq!((CONTEXT, STACK_LIMIT, HANDLERS), (40, 64, 72));
        assert_eq!(
            (HANDLER_TAGS, HANDLER_LEN, HANDLER_FIRST_SWITCH),
            (72, 80, 84)
        );
        assert_eq!((PAYLOAD_PTR, PAYLOAD_LEN, PAYLOAD_CAP), (88, 96, 100));
        assert_eq!(PAYLOAD_INLINE_SLOTS, 104);
        assert_eq!((STACK_BASE, STACK_START, ENTRY), (136, 144, 152));
        assert_eq!((INTERP, FUNC, DEPTH, FUNC_REF), (160, 168, 172, 176));
        assert_eq!((SKIP_TO, SKIP_MASK, SKIP_EPOCH), (184, 192, 200));
        assert_eq!(size_of::<ContRecord>(), 208);
        assert_eq!((size_of::<ContState>(), size_of::<ParentLink>()), (4, 1));
        assert_eq!(size_of::<Option<FibreEntry>>(), 8);
    }
}
