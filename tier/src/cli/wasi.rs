//! The WASI options of `run`, spelled as in Wasmtime: `--dir
//! HOST[::GUEST]` grants a directory, `--env NAME[=VALUE]` sets a variable
//! (NAME alone passes the host's value). Nothing else of the host is
//! visible to the guest; its standard streams are the host's.

use clap::Args;
use wasmfx_core::wasi::{WasiCtx, WasiCtxBuilder};

#[derive(Args)]
pub struct WasiOptions {
    /// Let the guest use a host directory, under the name GUEST_DIR (default:
    /// the host path)
    #[arg(long = "dir", value_name = "HOST_DIR[::GUEST_DIR]")]
    dirs: Vec<String>,
    /// Set an environment variable of the guest; NAME alone passes the host's
    /// value
    #[arg(long = "env", value_name = "NAME[=VAL]")]
    envs: Vec<String>,
}

impl WasiOptions {
    /// The guest's context, with `argv` as its arguments.
    ///
    /// # Errors
    /// A granted directory that cannot be opened.
    pub fn context(&self, argv: &[String]) -> Result<WasiCtx, String> {
        let mut builder = WasiCtxBuilder::new().args(argv.iter().cloned());
        for env in &self.envs {
            match env.split_once('=') {
                Some((name, value)) => builder = builder.env(name, value),
                None => {
                    if let Ok(value) = std::env::var(env) {
                        builder = builder.env(env, &value);
                    }
                }
            }
        }
        for dir in &self.dirs {
            let (host, guest) = dir.split_once("::").unwrap_or((dir, dir));
            builder = builder
                .preopen_dir(host, guest)
                .map_err(|e| format!("failed to open directory {host}: {e}"))?;
        }
        Ok(builder.build())
    }
}
