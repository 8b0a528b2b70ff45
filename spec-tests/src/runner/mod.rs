//! Runs one `.wast` script and reports every directive.
//!
//! ```text
//!   text ──wast lexer (confusing unicode allowed)──▶ [WastDirective]
//!        ──for each, under catch_unwind──▶ Session (store, linker, executor)
//!        ──▶ Pass | MessageDiffers | failure reason ──▶ FileReport
//! ```
//!
//! Matching rules: a trap passes when its message contains the expected
//! text (the reference interpreter checks a prefix; containment also admits
//! our longer messages such as `unhandled tag 3`). Rejections
//! (`assert_invalid`, `assert_malformed`, `assert_unlinkable`) pass whatever
//! the wording, but a different wording is recorded as a message difference.

mod session;
pub mod values;

use crate::Executor;
use crate::report::{Failure, FileReport};
use session::{ExecError, Session};
use std::panic::{self, AssertUnwindSafe};
use wasmfx_core::{Trap, Val, WasmFeatures};
use wast::lexer::Lexer;
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective};

/// A directive that did what the script expects.
enum Outcome {
    Pass,
    /// A rejection happened, with other wording than the script's.
    MessageDiffers {
        expected: String,
        actual: String,
    },
}

/// Runs the script `text` in a fresh store, executing with `executor`.
/// `name` labels the report. Never panics because of the script or the
/// engine: parse errors and engine panics become failures.
pub fn run_script<E: Executor>(name: &str, text: &str, executor: E) -> FileReport {
    run_script_with_features(name, text, executor, wasmfx_core::module::features())
}

/// [`run_script`] validating modules against `features` instead of the
/// engine's default set (a proposal's folder is written for that proposal).
pub fn run_script_with_features<E: Executor>(
    name: &str,
    text: &str,
    executor: E,
    features: WasmFeatures,
) -> FileReport {
    let mut report = FileReport::new(name);
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buffer = match ParseBuffer::new_with_lexer(lexer) {
        Ok(buffer) => buffer,
        Err(e) => return parse_failed(report, text, &e),
    };
    let directives = match parser::parse::<Wast<'_>>(&buffer) {
        Ok(wast) => wast.directives,
        Err(e) => return parse_failed(report, text, &e),
    };

    let mut session = match panic::catch_unwind(AssertUnwindSafe(|| {
        Session::with_features(executor, features)
    })) {
        Ok(session) => session,
        Err(payload) => {
            let reason = format!(
                "engine panicked while creating the store: {}",
                panic_text(&payload)
            );
            report.record_failure(Failure {
                line: 1,
                col: 1,
                directive: "(setup)",
                reason,
            });
            return report;
        }
    };
    for directive in directives {
        let (line, col) = directive.span().linecol_in(text);
        let (line, col) = (line + 1, col + 1);
        let kind = directive_name(&directive);
        let outcome =
            panic::catch_unwind(AssertUnwindSafe(|| run_directive(&mut session, directive)))
                .unwrap_or_else(|payload| {
                    Err(format!("engine panicked: {}", panic_text(&payload)))
                });
        if outcome.is_err() && matches!(kind, "module" | "module instance") {
            session.forget_current();
        }
        match outcome {
            Ok(Outcome::Pass) => report.record_pass(),
            Ok(Outcome::MessageDiffers { expected, actual }) => {
                let reason = format!("rejected with `{actual}`, script expects `{expected}`");
                report.record_message_difference(Failure {
                    line,
                    col,
                    directive: kind,
                    reason,
                });
            }
            Err(reason) => report.record_failure(Failure {
                line,
                col,
                directive: kind,
                reason,
            }),
        }
    }
    report
}

fn parse_failed(mut report: FileReport, text: &str, e: &wast::Error) -> FileReport {
    let (line, col) = e.span().linecol_in(text);
    let reason = format!("script does not parse: {}", e.message());
    report.record_failure(Failure {
        line: line + 1,
        col: col + 1,
        directive: "(script)",
        reason,
    });
    report
}

fn run_directive<E: Executor>(
    session: &mut Session<E>,
    directive: WastDirective<'_>,
) -> Result<Outcome, String> {
    match directive {
        WastDirective::Module(mut module) => {
            let name = module.name();
            let module = session.compile(&mut module).map_err(|e| e.to_string())?;
            let instance = session.instantiate(&module).map_err(|e| e.to_string())?;
            session.bind_instance(name, instance);
        }
        WastDirective::ModuleDefinition(mut module) => {
            let name = module.name();
            let module = session.compile(&mut module).map_err(|e| e.to_string())?;
            session.define_module(name, module);
        }
        WastDirective::ModuleInstance {
            instance, module, ..
        } => {
            let module = session.definition(module).map_err(|e| e.to_string())?;
            let id = session.instantiate(&module).map_err(|e| e.to_string())?;
            session.bind_instance(instance, id);
        }
        WastDirective::Register { name, module, .. } => {
            session.register(name, module).map_err(|e| e.to_string())?;
        }
        WastDirective::Invoke(invoke) => {
            session.invoke(&invoke).map_err(|e| e.to_string())?;
        }
        WastDirective::AssertReturn {
            mut exec, results, ..
        } => {
            let vals = session.execute(&mut exec).map_err(|e| e.to_string())?;
            values::check_results(&session.store, &vals, &results)?;
        }
        WastDirective::AssertTrap {
            mut exec, message, ..
        } => {
            expect_trap(session.execute(&mut exec), message, |_| true)?;
        }
        WastDirective::AssertExhaustion { call, message, .. } => {
            expect_trap(session.invoke(&call), message, |t| {
                *t == Trap::CallStackExhausted
            })?;
        }
        WastDirective::AssertSuspension {
            mut exec, message, ..
        } => {
            expect_trap(session.execute(&mut exec), message, |t| {
                matches!(t, Trap::UnhandledTag(_))
            })?;
        }
        WastDirective::AssertException { mut exec, .. } => match session.execute(&mut exec) {
            Err(ExecError::Trap(Trap::UncaughtException(_))) => {}
            other => {
                return Err(format!(
                    "expected an uncaught exception, {}",
                    describe(&other)
                ));
            }
        },
        WastDirective::AssertUnlinkable {
            mut module,
            message,
            ..
        } => {
            let bytes = module
                .encode()
                .map_err(|e| format!("text did not encode: {}", e.message()))?;
            let module = session.compile_bytes(&bytes).map_err(|e| e.to_string())?;
            return match session.instantiate(&module).map(|_| Vec::new()) {
                Err(ExecError::Link(actual)) => Ok(compare_rejection(&actual, message)),
                other => Err(format!(
                    "expected link error `{message}`, {}",
                    describe(&other)
                )),
            };
        }
        WastDirective::AssertInvalid {
            mut module,
            message,
            ..
        }
        | WastDirective::AssertMalformed {
            mut module,
            message,
            ..
        } => {
            return expect_rejection(session, &mut module, message);
        }
        WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
            return Err("custom-section assertions are not supported".into());
        }
        WastDirective::Thread(_) | WastDirective::Wait { .. } => {
            return Err("threads are not supported".into());
        }
    }
    Ok(Outcome::Pass)
}

/// Passes when the action trapped with a trap `is_expected_kind` accepts and
/// whose message contains `expected`.
fn expect_trap(
    result: Result<Vec<Val>, ExecError>,
    expected: &str,
    is_expected_kind: impl Fn(&Trap) -> bool,
) -> Result<(), String> {
    match result {
        Err(ExecError::Trap(trap))
            if is_expected_kind(&trap) && message_matches(&trap.to_string(), expected) =>
        {
            Ok(())
        }
        other => Err(format!("expected trap `{expected}`, {}", describe(&other))),
    }
}

/// `assert_invalid` / `assert_malformed`: any rejection (by the text
/// encoder or by `Module::new`) passes; the wording is compared.
fn expect_rejection<E: Executor>(
    session: &Session<E>,
    module: &mut QuoteWat<'_>,
    expected: &str,
) -> Result<Outcome, String> {
    let bytes = match module.encode() {
        Ok(bytes) => bytes,
        Err(e) => return Ok(compare_rejection(&e.message(), expected)),
    };
    match session.compile_bytes(&bytes) {
        Ok(_) => Err(format!(
            "module was accepted, script expects rejection `{expected}`"
        )),
        Err(ExecError::Compile(actual)) => Ok(compare_rejection(&actual, expected)),
        Err(other) => Ok(compare_rejection(&other.to_string(), expected)),
    }
}

fn compare_rejection(actual: &str, expected: &str) -> Outcome {
    if message_matches(actual, expected) {
        Outcome::Pass
    } else {
        Outcome::MessageDiffers {
            expected: expected.into(),
            actual: actual.into(),
        }
    }
}

/// The expected text must appear in the actual message.
fn message_matches(actual: &str, expected: &str) -> bool {
    actual.contains(expected)
}

fn describe(result: &Result<Vec<Val>, ExecError>) -> String {
    match result {
        Ok(vals) => format!("got [{}]", values::describe_all(vals)),
        Err(e) => format!("got {e}"),
    }
}

fn panic_text(payload: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-text panic payload)".into()
    }
}

fn directive_name(directive: &WastDirective<'_>) -> &'static str {
    match directive {
        WastDirective::Module(_) => "module",
        WastDirective::ModuleDefinition(_) => "module definition",
        WastDirective::ModuleInstance { .. } => "module instance",
        WastDirective::AssertMalformed { .. } => "assert_malformed",
        WastDirective::AssertInvalid { .. } => "assert_invalid",
        WastDirective::AssertInvalidCustom { .. } => "assert_invalid_custom",
        WastDirective::AssertMalformedCustom { .. } => "assert_malformed_custom",
        WastDirective::Register { .. } => "register",
        WastDirective::Invoke(_) => "invoke",
        WastDirective::AssertTrap { .. } => "assert_trap",
        WastDirective::AssertReturn { .. } => "assert_return",
        WastDirective::AssertExhaustion { .. } => "assert_exhaustion",
        WastDirective::AssertUnlinkable { .. } => "assert_unlinkable",
        WastDirective::AssertException { .. } => "assert_exception",
        WastDirective::AssertSuspension { .. } => "assert_suspension",
        WastDirective::Thread(_) => "thread",
        WastDirective::Wait { .. } => "wait",
    }
}
