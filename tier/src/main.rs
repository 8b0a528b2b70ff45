//! The `wasmfx-tier` command: `run` a module or `wast` spec scripts.
//! See `cli/` for the commands.

mod cli;

fn main() -> std::process::ExitCode {
    let code = cli::main();
    #[cfg(feature = "op-counts")]
    eprintln!(
        "interpreted ops: {}",
        wasmfx_interp::op_counts::dispatched()
    );
    code
}
