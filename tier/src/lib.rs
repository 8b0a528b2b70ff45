//! Engine and tiering.
