//! The engine: the canonical type registry every module shares, the
//! execution mode and the feature set modules are validated against. It
//! turns bytes (binary or `.wat` text) into modules and makes one executor
//! per store.

use crate::error::{Error, TextError};
use crate::executor::TierExecutor;
use crate::mode::TierMode;
use crate::tiering::TierUp;
use std::sync::Arc;
use wasmfx_core::{Module, TypeRegistry, WasmFeatures};
use wast::Wat;
use wast::parser::{self, ParseBuffer};

/// Magic number that opens every binary module.
const WASM_MAGIC: &[u8; 4] = b"\0asm";

pub struct Engine {
    registry: Arc<TypeRegistry>,
    mode: TierMode,
    /// Validation features (default: Wasm 3.0 + stack switching).
    features: WasmFeatures,
    new_executor: fn() -> TierExecutor,
    /// The `dyn` mode's settings.
    tier_up: TierUp,
}

impl Engine {
    /// An engine running every function in `mode`.
    ///
    /// # Errors
    /// [`Error::TierUnavailable`] when this build lacks the mode.
    pub fn new(mode: TierMode) -> Result<Engine, Error> {
        let new_executor = TierExecutor::factory(mode).ok_or(Error::TierUnavailable(mode))?;
        Ok(Engine {
            registry: Arc::new(TypeRegistry::new()),
            mode,
            features: wasmfx_core::module::features(),
            new_executor,
            tier_up: TierUp::default(),
        })
    }

    /// This engine, tiering up as `tier_up` says (`dyn` mode).
    pub fn with_tier_up(mut self, tier_up: TierUp) -> Engine {
        self.tier_up = tier_up;
        self
    }

    pub fn tier_up(&self) -> &TierUp {
        &self.tier_up
    }

    /// This engine, validating modules against `features` instead of the
    /// default set (e.g. a proposal's own set for its spec folder).
    pub fn with_features(mut self, features: WasmFeatures) -> Engine {
        self.features = features;
        self
    }

    pub fn features(&self) -> WasmFeatures {
        self.features
    }

    pub fn mode(&self) -> TierMode {
        self.mode
    }

    pub fn registry(&self) -> &Arc<TypeRegistry> {
        &self.registry
    }

    /// Parses and validates a module given as binary, or as text when the
    /// bytes do not start with the binary magic number.
    ///
    /// # Errors
    /// [`Error::Text`] for text that does not parse, [`Error::Compile`] for
    /// a malformed or invalid binary.
    pub fn compile(&self, bytes: &[u8]) -> Result<Arc<Module>, Error> {
        if bytes.starts_with(WASM_MAGIC) {
            return self.compile_binary(bytes);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            Error::Text(TextError {
                line: 1,
                col: 1,
                message: format!("neither a binary module nor UTF-8 text ({e})"),
            })
        })?;
        self.compile_text(text)
    }

    /// Parses and validates a binary module.
    ///
    /// # Errors
    /// [`Error::Compile`] with the validator's message.
    pub fn compile_binary(&self, bytes: &[u8]) -> Result<Arc<Module>, Error> {
        Module::new_with_features(&self.registry, bytes, self.features)
            .map(Arc::new)
            .map_err(Error::Compile)
    }

    /// Parses a module in the text format, then validates it.
    ///
    /// # Errors
    /// [`Error::Text`] with line and column, or [`Error::Compile`].
    pub fn compile_text(&self, text: &str) -> Result<Arc<Module>, Error> {
        let bytes = text_to_binary(text).map_err(Error::Text)?;
        self.compile_binary(&bytes)
    }

    /// A fresh executor for one store.
    pub fn executor(&self) -> TierExecutor {
        match self.mode {
            #[cfg(feature = "jit")]
            TierMode::Dyn => TierExecutor::tiered(self.tier_up.clone()),
            _ => (self.new_executor)(),
        }
    }
}

/// Encodes `.wat` text to a binary module.
///
/// # Errors
/// Where and why the text failed to parse or encode.
pub fn text_to_binary(text: &str) -> Result<Vec<u8>, TextError> {
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        TextError {
            line: line + 1,
            col: col + 1,
            message: e.message(),
        }
    };
    let buffer = ParseBuffer::new(text).map_err(located)?;
    let mut wat = parser::parse::<Wat<'_>>(&buffer).map_err(located)?;
    wat.encode().map_err(located)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "jit")]
    #[test]
    fn every_tier_is_built() {
        for mode in TierMode::ALL {
            assert!(Engine::new(mode).is_ok(), "{mode}");
        }
    }

    #[cfg(not(feature = "jit"))]
    #[test]
    fn only_the_interpreter_is_built() {
        assert!(Engine::new(TierMode::Interp).is_ok());
        for mode in [TierMode::Jit, TierMode::Dyn] {
            let err = Engine::new(mode).err().map(|e| e.to_string());
            let err = err.unwrap_or_default();
            assert!(err.contains("without the `jit` feature"), "{mode}: {err}");
        }
    }

    #[test]
    fn text_errors_are_located() {
        let err = text_to_binary("(module\n  (func (result i32) (i32.const)))").err();
        let err = err.map(|e| (e.line, e.col > 1, e.message.is_empty()));
        assert_eq!(err, Some((2, true, false)));
    }

    #[test]
    fn feature_set_decides_what_validates() {
        let tag_with_result = "(module (tag (param i32) (result i32)))";
        let default =
            Engine::new(TierMode::Interp).map(|e| e.compile(tag_with_result.as_bytes()).is_ok());
        assert_eq!(default.ok(), Some(true));
        let without_stack_switching = Engine::new(TierMode::Interp).map(|e| {
            e.with_features(wasmfx_core::module::features() - WasmFeatures::STACK_SWITCHING)
                .compile(tag_with_result.as_bytes())
                .map_err(|e| e.to_string())
        });
        let err = without_stack_switching
            .ok()
            .and_then(Result::err)
            .unwrap_or_default();
        assert!(err.contains("non-empty tag result type"), "{err}");
    }

    #[test]
    fn text_encodes() {
        let bytes = text_to_binary("(module (func (export \"f\")))").unwrap_or_default();
        assert!(bytes.starts_with(WASM_MAGIC));
    }
}
