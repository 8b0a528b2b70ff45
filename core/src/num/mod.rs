//! Exact numeric semantics of Wasm that Rust's operators do not give directly.
//!
//! ```text
//!   int.rs      division and remainder (traps on zero and on MIN / -1)
//!   float.rs    min / max (NaN propagation, -0 < +0), nearest (ties to even)
//!   convert.rs  float → int truncations, trapping and saturating
//! ```
//!
//! Everything else (wrapping arithmetic, shifts, rotations, bit counts, abs,
//! neg, copysign on bits, sqrt/ceil/floor/trunc) is exact with the standard
//! library and is left to the tiers.

mod convert;
mod float;
mod int;

pub use convert::*;
pub use float::*;
pub use int::*;
