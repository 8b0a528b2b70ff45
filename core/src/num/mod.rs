//! Exact numeric semantics of Wasm (integer, float, conversions).
