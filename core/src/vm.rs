//! `#[repr(C)]` records that compiled code reads at fixed offsets.
