//! Machine code made on a background thread while the program runs (the
//! tiered mode's compiles).
//!
//! ```text
//!   owner thread                         compile thread
//!   Compiler::prepare (declare, CLIF) ──Job──▶ codegen::compile_all
//!   ...the interpreter keeps running...        │
//!   Jit::install_finished ◀──────Done──────────┘
//!     Compiler::install (define, finalize), FuncInst::set_code
//! ```
//!
//! Only Cranelift's code generation runs on the thread: the code module,
//! the store and the runtime stay with their owner, which installs at a
//! point of its choosing.

use crate::CompileError;
use crate::codegen::{self, Outcome};
use crate::compiler::{ModuleKey, isa};
use cranelift_codegen::ir::Function;
use cranelift_module::FuncId;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use wasmfx_core::{FuncAddr, Module};

/// Functions of one module to compile, for the store function `func`.
pub(crate) struct Job {
    pub func: FuncAddr,
    pub key: ModuleKey,
    pub module: Arc<Module>,
    /// The function indices of `functions` (the thread takes those).
    pub indices: Vec<u32>,
    pub functions: Vec<(u32, FuncId, Function)>,
    pub failures: Vec<(u32, CompileError)>,
    /// For an OSR entry: the loop's offset, and the functions it calls
    /// directly that were in a batch still being compiled when it was
    /// prepared (`osr.rs`; jobs finish in order, so that batch is installed
    /// first, unless some of it failed).
    pub osr: Option<(u32, Vec<u32>)>,
}

/// A job's machine code (or why Cranelift refused it).
pub(crate) struct Done {
    pub job: Job,
    pub outcomes: Result<Vec<Outcome>, CompileError>,
    /// Time the thread spent on it.
    pub took: Duration,
}

/// The compile thread, started on first use and stopped when dropped.
pub(crate) struct Background {
    jobs: Option<Sender<Job>>,
    done: Receiver<Done>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Jobs sent and not yet taken back.
    pub in_flight: usize,
}

impl Background {
    /// Starts the thread.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub fn start() -> Result<Background, CompileError> {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, done) = channel::<Done>();
        let thread = std::thread::Builder::new()
            .name("wasmfx-compile".into())
            .spawn(move || {
                while let Ok(mut job) = inbox.recv() {
                    let started = Instant::now();
                    let functions = std::mem::take(&mut job.functions);
                    let outcomes = isa().and_then(|isa| codegen::compile_all(&*isa, functions, 1));
                    let took = started.elapsed();
                    if outbox
                        .send(Done {
                            job,
                            outcomes,
                            took,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
            })
            .map_err(|e| {
                CompileError::Cranelift(format!("cannot start the compile thread: {e}"))
            })?;
        Ok(Background {
            jobs: Some(jobs),
            done,
            thread: Some(thread),
            in_flight: 0,
        })
    }

    /// Queues `job`.
    ///
    /// # Errors
    /// When the thread has stopped.
    pub fn send(&mut self, job: Job) -> Result<(), CompileError> {
        let jobs = self.jobs.as_ref();
        jobs.and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(|| CompileError::Cranelift("the compile thread stopped".into()))?;
        self.in_flight += 1;
        Ok(())
    }

    /// A finished job, if one is ready (`wait`: blocks until one is, while
    /// any is in flight).
    pub fn take(&mut self, wait: bool) -> Option<Done> {
        if self.in_flight == 0 {
            return None;
        }
        let done = match wait {
            true => self.done.recv().ok(),
            false => self.done.try_recv().ok(),
        }?;
        self.in_flight -= 1;
        Some(done)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        // Closing the job channel ends the thread's loop.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
