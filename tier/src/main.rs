//! The `wasmfx-tier` command: `run` a module or `wast` spec scripts.
//! See `cli/` for the commands.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
