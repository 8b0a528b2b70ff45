//! Execution modes: which tier runs a module's functions.
//!
//! | mode     | meaning                                              | built |
//! |----------|------------------------------------------------------|-------|
//! | `interp` | every function interpreted                           | always |
//! | `jit`    | every function compiled before it first runs         | with the `jit` feature |
//! | `dyn`    | start interpreted, compile hot functions (the default) | with the `jit` feature |
//!
//! Asking for a mode that is not built is an error, never a silent fallback.
//! The CLI's default is [`TierMode::DEFAULT`]: `dyn`, or `interp` in a
//! build without the `jit` feature.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TierMode {
    Interp,
    Jit,
    Dyn,
}

impl TierMode {
    pub const ALL: [TierMode; 3] = [TierMode::Interp, TierMode::Jit, TierMode::Dyn];

    /// The mode to use when none is asked for: the tiered one when it is
    /// built.
    #[cfg(feature = "jit")]
    pub const DEFAULT: TierMode = TierMode::Dyn;

    /// The mode to use when none is asked for: the only one built.
    #[cfg(not(feature = "jit"))]
    pub const DEFAULT: TierMode = TierMode::Interp;

    /// The mode's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            TierMode::Interp => "interp",
            TierMode::Jit => "jit",
            TierMode::Dyn => "dyn",
        }
    }

    /// Whether this build can run the mode.
    pub fn is_available(self) -> bool {
        crate::executor::TierExecutor::factory(self).is_some()
    }

    /// The modes this build can run, in [`TierMode::ALL`] order.
    pub fn available() -> impl Iterator<Item = TierMode> {
        TierMode::ALL.into_iter().filter(|m| m.is_available())
    }

    /// The names of [`TierMode::available`], as `interp, jit or dyn`.
    pub fn available_names() -> String {
        let names: Vec<&str> = TierMode::available().map(TierMode::name).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        }
    }
}

impl fmt::Display for TierMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A tier name that is not `interp`, `jit` or `dyn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTier(pub String);

impl fmt::Display for UnknownTier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let expected = TierMode::available_names();
        write!(f, "unknown tier `{}` (expected {expected})", self.0)
    }
}

impl std::error::Error for UnknownTier {}

impl FromStr for TierMode {
    type Err = UnknownTier;

    fn from_str(s: &str) -> Result<TierMode, UnknownTier> {
        TierMode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| UnknownTier(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for mode in TierMode::ALL {
            assert_eq!(mode.name().parse::<TierMode>(), Ok(mode));
        }
        assert_eq!("fast".parse::<TierMode>(), Err(UnknownTier("fast".into())));
    }

    #[cfg(feature = "jit")]
    #[test]
    fn every_mode_is_built() {
        assert_eq!(TierMode::available().collect::<Vec<_>>(), TierMode::ALL);
        assert_eq!(TierMode::available_names(), "interp, jit or dyn");
        assert_eq!(TierMode::DEFAULT, TierMode::Dyn);
    }

    #[cfg(not(feature = "jit"))]
    #[test]
    fn only_the_interpreter_is_built() {
        assert_eq!(
            TierMode::available().collect::<Vec<_>>(),
            [TierMode::Interp]
        );
        assert_eq!(TierMode::available_names(), "interp");
        assert_eq!(TierMode::DEFAULT, TierMode::Interp);
        let unknown = UnknownTier("fast".into()).to_string();
        assert_eq!(unknown, "unknown tier `fast` (expected interp)");
    }
}
