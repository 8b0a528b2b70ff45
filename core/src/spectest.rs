//! The `spectest` host module that spec scripts import.
