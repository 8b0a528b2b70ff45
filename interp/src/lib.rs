//! The interpreter tier.
