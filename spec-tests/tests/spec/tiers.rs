//! The tier configurations every script runs under: each mode this build
//! has, and `dyn` three ways. With the `jit` feature that is every mode;
//! without it (the interpreter-only build) `interp` alone.
//!
//! ```text
//!   name        mode    tier-up                          expected failures
//!   interp      interp  -                                interp.txt
//!   jit         jit     -                                jit.txt
//!   dyn         dyn     default count, background        dyn.txt
//!   dyn-eager   dyn     --tier-up-after 1 --tier-up-sync dyn.txt
//!   dyn-seeded  dyn     --tier-up-after 2 --tier-up-seed 1 --tier-up-sync   dyn.txt
//! ```

use std::fmt;
use wasmfx_tier::{Engine, Error, TierMode, TierUp};

#[derive(Clone)]
pub struct TierConfig {
    pub name: &'static str,
    pub mode: TierMode,
    pub tier_up: TierUp,
    /// The expected-failure list (`expected-failures/<list>.txt`).
    pub list: &'static str,
}

impl TierConfig {
    pub fn engine(&self) -> Result<Engine, Error> {
        Ok(Engine::new(self.mode)?.with_tier_up(self.tier_up.clone()))
    }
}

impl fmt::Display for TierConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// Every configuration of the modes this build has.
///
/// # Panics
/// With the `jit` feature, when a mode is missing: a build that lost a
/// tier must fail, not pass on fewer configurations.
pub fn configs() -> Vec<TierConfig> {
    #[cfg(feature = "jit")]
    assert_eq!(
        TierMode::available().collect::<Vec<_>>(),
        TierMode::ALL,
        "built with the `jit` feature, so every mode must be available"
    );
    let mut configs = Vec::new();
    for mode in TierMode::available() {
        let plain = TierConfig {
            name: mode.name(),
            mode,
            tier_up: TierUp::default(),
            list: mode.name(),
        };
        configs.push(plain.clone());
        if mode == TierMode::Dyn {
            let eager = TierUp {
                after: 1,
                sync: true,
                ..TierUp::default()
            };
            // As the CLI's `--tier-up-seed`: each function alone.
            let seeded = TierUp {
                after: 2,
                sync: true,
                seed: Some(1),
                callees: false,
                ..TierUp::default()
            };
            for (name, tier_up) in [("dyn-eager", eager), ("dyn-seeded", seeded)] {
                configs.push(TierConfig {
                    name,
                    tier_up,
                    ..plain.clone()
                });
            }
        }
    }
    configs
}
