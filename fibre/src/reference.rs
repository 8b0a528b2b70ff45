//! [`ContRef`]: the one-shot reference to a continuation record.
//!
//! ```text
//!   ContRef (16 bytes, #[repr(C)])
//!   +0  record    *ContRecord (null: the null reference)
//!   +8  revision  the record's revision when the reference was made
//! ```
//!
//! Using a reference checks that the revision still matches the record's
//! and bumps the record's, so every copy of the reference works once;
//! releasing the record bumps it too, so stale references to a recycled
//! record fail as "already consumed". A revision stops at
//! [`crate::RETIRED`] (record.rs), so a reference made there is used up
//! already. Records never leave their arena, so checking a stale reference
//! is always safe.

use crate::record::ContRecord;
use std::fmt;
use std::ptr::NonNull;

/// A one-shot continuation reference: (record, revision). Null is a null
/// record pointer.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContRef {
    pub record: *mut ContRecord,
    pub revision: u64,
}

/// Why a continuation reference cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContError {
    Null,
    AlreadyConsumed,
}

impl fmt::Display for ContError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ContError::Null => "null continuation reference",
            ContError::AlreadyConsumed => "continuation already consumed",
        })
    }
}

impl std::error::Error for ContError {}

impl ContRef {
    pub const NULL: ContRef = ContRef {
        record: std::ptr::null_mut(),
        revision: 0,
    };

    /// A reference to `record` as it is now.
    ///
    /// # Safety
    /// `record` must be a live record of an arena.
    pub unsafe fn new(record: NonNull<ContRecord>) -> ContRef {
        ContRef {
            record: record.as_ptr(),
            // SAFETY: the caller promises a live record.
            revision: unsafe { record.as_ref().revision() },
        }
    }

    pub fn is_null(&self) -> bool {
        self.record.is_null()
    }

    /// Uses the reference: checks null first, then the revision, and bumps
    /// the revision so no copy of this reference works again.
    ///
    /// # Errors
    /// [`ContError::Null`], then [`ContError::AlreadyConsumed`].
    ///
    /// # Safety
    /// A non-null `record` must point into a live arena (released records
    /// stay there, with a bumped revision).
    pub unsafe fn consume(self) -> Result<NonNull<ContRecord>, ContError> {
        let mut record = NonNull::new(self.record).ok_or(ContError::Null)?;
        // SAFETY: the caller promises the record is in a live arena.
        let target = unsafe { record.as_mut() };
        if target.revision() != self.revision || self.revision >= crate::RETIRED {
            return Err(ContError::AlreadyConsumed);
        }
        target.bump_revision();
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::offset_of;

    #[test]
    fn layout_matches_the_drawing() {
        assert_eq!(offset_of!(ContRef, record), 0);
        assert_eq!(offset_of!(ContRef, revision), 8);
        assert_eq!(size_of::<ContRef>(), 16);
    }
}
