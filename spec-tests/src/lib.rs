//! The .wast runner.
