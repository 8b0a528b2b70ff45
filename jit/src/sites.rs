//! Per-instruction records of the stack-switching instructions, leaked
//! with the code that points at them (compiled code is never freed before
//! the Jit): each caches what its instruction resolved for the last
//! instance that ran it, so the inline fast paths need no call.
//!
//! ```text
//!   ResumeSite (32, #[repr(C)]), one per resume / resume_throw*
//!   +0  cache_vmctx   the vmctx cache_tags were resolved for (0 = none)
//!   +8  cache_tags ──▶ [tag address; len]  (Conts keeps it for good)  ┐ laid out as fibre's
//!   +16 len           u32  clauses                                   │ HandlerTable: an inline
//!   +20 first_switch  u32  suspend clauses [0, first_switch), switch │ resume copies the 16
//!                          clauses after                             ┘ bytes to its prompt
//!   +24 tag_indices ──▶ [u32; len] the instance's tag indices (leaked)
//!
//!   TagSite (24, #[repr(C)]), one per suspend / switch (read by the runtime only:
//!   the inline paths take the tag from the instance's context, core's vm.rs)
//!   +0  cache_vmctx   the vmctx cache_tag was resolved for (0 = none)
//!   +8  cache_tag     the tag's address, the identity handler tables hold
//!   +16 tag_index     u32
//! ```
//! A cache entry is only a shortcut: a site whose `cache_vmctx` is not the
//! running instance's goes through the runtime, which resolves and refills
//! it (`Conts::resolve_site`, `conts::resolve_tag_site`). The tables the
//! cache points at are never rewritten, so a handler table installed from
//! an older cache entry stays right.

use std::mem::offset_of;

#[repr(C)]
#[derive(Debug)]
pub(crate) struct ResumeSite {
    pub cache_vmctx: usize,
    pub cache_tags: *const u64,
    pub len: u32,
    pub first_switch: u32,
    tag_indices: *const u32,
}

impl ResumeSite {
    /// A site whose clauses are `tag_indices`, the first `first_switch` of
    /// them suspend clauses.
    pub fn new(first_switch: u32, tag_indices: Vec<u32>) -> ResumeSite {
        let len = tag_indices.len() as u32;
        let tags: &'static [u32] = Box::leak(tag_indices.into_boxed_slice());
        ResumeSite {
            cache_vmctx: 0,
            cache_tags: std::ptr::null(),
            len,
            first_switch,
            tag_indices: tags.as_ptr(),
        }
    }

    /// The clauses' tag indices in the instance.
    pub fn tag_indices(&self) -> &[u32] {
        // SAFETY: `new` leaked exactly `len` indices at `tag_indices`.
        unsafe { std::slice::from_raw_parts(self.tag_indices, self.len as usize) }
    }

    /// Leaks the site for code that lives as long as the Jit; returns its
    /// address.
    pub fn leak(self) -> usize {
        std::ptr::from_mut(Box::leak(Box::new(self))) as usize
    }
}

#[repr(C)]
#[derive(Debug)]
pub(crate) struct TagSite {
    pub cache_vmctx: usize,
    pub cache_tag: u64,
    pub tag_index: u32,
}

impl TagSite {
    /// Leaks a site for tag `tag_index`; returns its address.
    pub fn leak(tag_index: u32) -> usize {
        let site = TagSite {
            cache_vmctx: 0,
            cache_tag: 0,
            tag_index,
        };
        std::ptr::from_mut(Box::leak(Box::new(site))) as usize
    }
}

pub(crate) const RESUME_CACHE_VMCTX: i32 = offset_of!(ResumeSite, cache_vmctx) as i32;
/// Where a site's cached handler table starts: `cache_tags`, `len` and
/// `first_switch` in the layout of fibre's `HandlerTable`.
pub(crate) const RESUME_CACHE_HANDLERS: i32 = offset_of!(ResumeSite, cache_tags) as i32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_match_the_drawing() {
        assert_eq!((RESUME_CACHE_VMCTX, RESUME_CACHE_HANDLERS), (0, 8));
        assert_eq!(offset_of!(ResumeSite, len), 16);
        assert_eq!(offset_of!(ResumeSite, first_switch), 20);
        assert_eq!(offset_of!(ResumeSite, tag_indices), 24);
        assert_eq!(size_of::<ResumeSite>(), 32);
        assert_eq!(offset_of!(TagSite, cache_vmctx), 0);
        assert_eq!(offset_of!(TagSite, cache_tag), 8);
        assert_eq!(offset_of!(TagSite, tag_index), 16);
        assert_eq!(size_of::<TagSite>(), 24);
    }

    #[test]
    fn the_cached_handlers_are_laid_out_as_a_handler_table() {
        use wasmfx_fibre::HandlerTable;
        let at = |field: usize| field - RESUME_CACHE_HANDLERS as usize;
        assert_eq!(
            at(offset_of!(ResumeSite, cache_tags)),
            offset_of!(HandlerTable, tags)
        );
        assert_eq!(
            at(offset_of!(ResumeSite, len)),
            offset_of!(HandlerTable, len)
        );
        let first_switch = offset_of!(HandlerTable, first_switch);
        assert_eq!(at(offset_of!(ResumeSite, first_switch)), first_switch);
        assert_eq!(size_of::<HandlerTable>(), 16);
    }

    #[test]
    fn a_site_keeps_its_tag_indices() {
        let site = ResumeSite::new(1, vec![4, 2]);
        assert_eq!(site.tag_indices(), &[4, 2]);
        assert_eq!((site.first_switch, site.len), (1, 2));
    }
}
