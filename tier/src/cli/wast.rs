//! `wasmfx-tier wast`: run spec scripts with the shared runner and print
//! one line per failed directive, a summary per file, and the total as the
//! last line (`N passed, N failed`).

use super::features::FeatureOptions;
use super::{Exit, TierOption, fail};
use clap::Args;
use std::path::PathBuf;
use wasmfx_spec_tests::{Counts, FileReport, run_script_with_features};

#[derive(Args)]
pub struct WastCommand {
    #[command(flatten)]
    tier: TierOption,
    #[command(flatten)]
    features: FeatureOptions,
    /// Also list rejections that passed with a different error message
    #[arg(long)]
    show_message_differences: bool,
    /// The .wast scripts
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

impl WastCommand {
    pub fn execute(self) -> Exit {
        let engine = match self.tier.engine() {
            Ok(engine) => engine,
            Err(e) => return fail(2, e),
        };
        if let Some(limit) = self.features.first_limit() {
            return fail(
                2,
                format_args!("-W {limit} is an option of `run`, not of `wast`"),
            );
        }
        let features = self.features.apply(engine.features());
        let mut total = Counts::default();
        for path in &self.files {
            let name = path.display().to_string();
            let report = match super::input::read_script(path) {
                Ok(text) => run_script_with_features(&name, &text, engine.executor(), features),
                Err(e) => unreadable(&name, &e),
            };
            for line in report.failure_lines() {
                println!("{line}");
            }
            if self.show_message_differences {
                for line in report.message_difference_lines() {
                    println!("{line} (message only)");
                }
            }
            println!("{}", report.summary_line());
            total.add(Counts::of(&report));
        }
        if total.message_differences > 0 {
            println!(
                "{} of the passes are rejections with a different message{}",
                total.message_differences,
                if self.show_message_differences {
                    ""
                } else {
                    " (--show-message-differences lists them)"
                }
            );
        }
        println!("{} passed, {} failed", total.passed, total.failed);
        if total.failed == 0 {
            Exit::Success
        } else {
            Exit::Failure(1)
        }
    }
}

/// A script that cannot be read counts as one failed directive.
fn unreadable(name: &str, e: &std::io::Error) -> FileReport {
    let mut report = FileReport::new(name);
    report.record_failure(wasmfx_spec_tests::Failure {
        line: 1,
        col: 1,
        directive: "(script)",
        reason: format!("cannot read: {e}"),
    });
    report
}
