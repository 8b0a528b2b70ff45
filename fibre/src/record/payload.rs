//! The record's payload: the values in flight across a switch, in the
//! [`PAYLOAD_INLINE`] slots inside the record or in a heap spill buffer
//! (the order of use is in the record's module doc, "Payload").

use super::{ContRecord, PAYLOAD_INLINE, PayloadTooLong};

impl ContRecord {
    /// The values passed by the last switch.
    #[inline]
    pub fn payload(&self) -> &[u64] {
        // SAFETY: payload_ptr points at payload_cap >= payload_len slots, in
        // the record or in its spill buffer.
        unsafe { std::slice::from_raw_parts(self.payload_ptr, self.payload_len as usize) }
    }

    /// Sets the payload length to `len` and returns the slots to fill
    /// (contents unspecified), spilling to the heap beyond the inline area.
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` slots.
    #[inline]
    pub fn payload_slots(&mut self, len: usize) -> Result<&mut [u64], PayloadTooLong> {
        let len32 = u32::try_from(len).map_err(|_| PayloadTooLong)?;
        if len32 > self.payload_cap {
            self.free_spill();
            let spill: Box<[u64]> = vec![0; len].into_boxed_slice();
            self.payload_ptr = Box::into_raw(spill).cast();
            self.payload_cap = len32;
        }
        self.payload_len = len32;
        // SAFETY: as in `payload`, with payload_len <= payload_cap.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.payload_ptr, len) })
    }

    /// Appends `values` to the payload (a resume's arguments after the
    /// bound values).
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` slots.
    pub fn push_payload(&mut self, values: &[u64]) -> Result<(), PayloadTooLong> {
        let old = self.payload_len as usize;
        let len = old.checked_add(values.len()).ok_or(PayloadTooLong)?;
        if len > self.payload_cap as usize {
            let kept: Vec<u64> = self.payload().to_vec();
            self.payload_slots(len)?[..old].copy_from_slice(&kept);
        }
        self.payload_slots(len)?[old..].copy_from_slice(values);
        Ok(())
    }

    /// The inline payload slots, when the payload lives there (no spill
    /// buffer): a buffer of [`PAYLOAD_INLINE`] slots inside the record.
    #[inline]
    pub fn inline_slots(&mut self) -> Option<*mut u64> {
        (self.payload_cap as usize == PAYLOAD_INLINE).then_some(self.payload_inline.as_mut_ptr())
    }

    /// Makes the payload the first `len` inline slots (at most
    /// [`PAYLOAD_INLINE`]; values written there through
    /// [`ContRecord::inline_slots`]), freeing a spill buffer made meanwhile.
    #[inline]
    pub fn set_inline_len(&mut self, len: usize) {
        self.free_spill();
        self.payload_len = len.min(PAYLOAD_INLINE) as u32;
    }

    /// Empties the payload (its values were taken), keeping any spill buffer.
    #[inline]
    pub fn clear_payload(&mut self) {
        self.payload_len = 0;
    }

    /// Sets the payload to `values`.
    ///
    /// # Errors
    /// [`PayloadTooLong`] beyond `u32::MAX` values.
    pub fn set_payload(&mut self, values: &[u64]) -> Result<(), PayloadTooLong> {
        self.payload_slots(values.len())?.copy_from_slice(values);
        Ok(())
    }

    /// Frees the spill buffer, if any, and points the payload at the inline area.
    pub(crate) fn free_spill(&mut self) {
        if self.payload_cap as usize > PAYLOAD_INLINE {
            let slice =
                std::ptr::slice_from_raw_parts_mut(self.payload_ptr, self.payload_cap as usize);
            // SAFETY: a capacity above the inline size means payload_ptr is a
            // boxed slice of that length made by `payload_slots`.
            drop(unsafe { Box::from_raw(slice) });
        }
        self.payload_ptr = self.payload_inline.as_mut_ptr();
        self.payload_cap = PAYLOAD_INLINE as u32;
        self.payload_len = 0;
    }
}
