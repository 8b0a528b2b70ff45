//! Machine code made on a background thread while the program runs (the
//! tiered mode's compiles).
//!
//! ```text
//!   owner thread                         compile thread
//!   Compiler::prepare (declare) ──Job──▶ Job::translate (CLIF)
//!   ...the interpreter keeps running...  codegen::compile_all
//!   Jit::install_finished ◀──────Done──────────┘
//!     Compiler::install (define, finalize), FuncInst::set_code
//! ```
//!
//! Translation and Cranelift's code generation run on the thread: the code
//! module, the store and the runtime stay with their owner, which declares
//! the functions, hands over what translating them needs
//! ([`Translation`]), and installs at a point of its choosing. The thread
//! keeps off the CPU its owner was on when it sent the job (`beside.rs`).
//!
//! The thread has one job at a time; the owner keeps the others and sends
//! the most asked-for next (`compile_queue.rs`).
//!
//! The machine code comes back in buffers the thread allocated, and goes
//! back to it once installed ([`Background::give_back`]) to be freed
//! there. Freed by the owner, each buffer took the lock of the thread's
//! allocator arena, which the thread takes for every allocation while it
//! compiles the next job: the owner slept on it (`strace -f` of
//! `examples/fibers/round_robin.wasm` with `--tier-up-seed 1`: 9 to 15
//! waits of the owner in a run, 0 to 3 since).

use crate::CompileError;
use crate::beside::{current_cpu, spawn_beside};
use crate::codegen::{self, CompiledFunction, Outcome};
use crate::compile_queue::{CompileQueue, QueuedJob};
use crate::compiler::{ModuleKey, Translation, isa};
use cranelift_codegen::ir::Function;
use cranelift_frontend::FunctionBuilderContext;
use cranelift_module::FuncId;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::time::{Duration, Instant};
use wasmfx_core::{FuncAddr, Module};

/// Functions of one module to compile, for the store function `func`.
pub(crate) struct Job {
    pub func: FuncAddr,
    pub key: ModuleKey,
    pub module: Arc<Module>,
    /// The function indices declared for the job.
    pub indices: Vec<u32>,
    /// What the thread translates.
    pub work: Work,
    /// Functions that did not declare, or (from the thread) translate.
    pub failures: Vec<(u32, CompileError)>,
    /// For an OSR entry: the loop's offset, and the functions it calls
    /// directly that were in a batch still being compiled when it was
    /// prepared (`osr.rs`; the queue sends that batch first, and it is
    /// installed first unless some of it failed: `compile_queue.rs`).
    pub osr: Option<(u32, Vec<u32>)>,
}

impl QueuedJob for Job {
    fn asked_by(&self, func: FuncAddr, at_loop: Option<u32>) -> bool {
        self.func == func
            && match &self.osr {
                Some((offset, _)) => at_loop == Some(*offset),
                None => true,
            }
    }

    fn code_bytes(&self) -> usize {
        let body = |index: u32| {
            (index.checked_sub(self.module.num_imported_funcs))
                .and_then(|defined| self.module.bodies.get(defined as usize))
                .map_or(0, |body| body.range.len())
        };
        match &self.work {
            Work::Batch(_) => self.indices.iter().map(|&index| body(index)).sum(),
            Work::Osr { index, .. } => body(*index),
        }
    }

    fn comes_after(&self, other: &Job) -> bool {
        let Some((_, needs)) = &self.osr else {
            return false;
        };
        other.osr.is_none()
            && Arc::ptr_eq(&self.module, &other.module)
            && other.indices.iter().any(|i| needs.contains(i))
    }
}

/// The functions of a job, declared and still to be translated.
pub(crate) enum Work {
    /// A batch ([`Translation::batch`]).
    Batch(Translation),
    /// The OSR entry `id` of function `index` at the loop in the job's `osr`.
    Osr {
        translation: Translation,
        index: u32,
        id: FuncId,
    },
}

impl Job {
    /// CLIF for the job's functions; those that do not translate go to
    /// its failures.
    fn translate(
        &mut self,
        builder_ctx: &mut FunctionBuilderContext,
    ) -> Vec<(u32, FuncId, Function)> {
        match &mut self.work {
            Work::Batch(translation) => {
                let mut functions = translation.batch(builder_ctx, &mut self.failures);
                functions.extend(translation.helper_functions(builder_ctx));
                functions
            }
            Work::Osr {
                translation,
                index,
                id,
            } => {
                let offset = self.osr.as_ref().map_or(0, |&(offset, _)| offset as usize);
                match translation.osr(builder_ctx, *index, *id, offset) {
                    Ok(function) => vec![(*index, *id, function)],
                    Err(e) => {
                        self.failures.push((*index, e));
                        Vec::new()
                    }
                }
            }
        }
    }
}

/// What the compile thread is sent.
enum Message {
    /// A job (boxed: it is much bigger than the other message), with the
    /// CPU its owner was on ([`Beside`]).
    Job(Box<Job>, Option<usize>),
    /// Machine code its owner has installed, to free.
    Spent(Vec<CompiledFunction>),
}

/// A job's machine code (or why Cranelift refused it).
pub(crate) struct Done {
    pub job: Job,
    pub outcomes: Result<Vec<Outcome>, CompileError>,
    /// Time the thread spent on it.
    pub took: Duration,
}

/// The compile thread, started on first use and told to stop when dropped.
pub(crate) struct Background {
    /// Jobs, and spent machine code.
    jobs: Option<Sender<Message>>,
    done: Receiver<Done>,
    /// Set when the owner goes: the thread drops the jobs still queued.
    abandoned: Arc<AtomicBool>,
    /// Jobs sent to the thread and not yet taken back (at most one).
    in_flight: usize,
    /// Jobs not sent yet.
    waiting: CompileQueue<Job>,
}

impl Background {
    /// Starts the thread.
    ///
    /// # Errors
    /// When the thread cannot be spawned.
    pub fn start() -> Result<Background, CompileError> {
        let (jobs, inbox) = channel::<Message>();
        let (outbox, done) = channel::<Done>();
        let abandoned = Arc::new(AtomicBool::new(false));
        let abandoned_seen = Arc::clone(&abandoned);
        let builder = std::thread::Builder::new().name("wasmfx-compile".into());
        spawn_beside(builder, move |mut beside| {
            let mut builder_ctx = FunctionBuilderContext::new();
            while let Ok(message) = inbox.recv() {
                if abandoned_seen.load(Ordering::Relaxed) {
                    break;
                }
                let (mut job, owner_cpu) = match message {
                    Message::Job(job, owner_cpu) => (*job, owner_cpu),
                    Message::Spent(code) => {
                        drop(code);
                        continue;
                    }
                };
                beside.avoid(owner_cpu);
                let started = Instant::now();
                let functions = job.translate(&mut builder_ctx);
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
        .map_err(|e| CompileError::Cranelift(format!("cannot start the compile thread: {e}")))?;
        Ok(Background {
            jobs: Some(jobs),
            done,
            abandoned,
            in_flight: 0,
            waiting: CompileQueue::default(),
        })
    }

    /// Queues `job`: to the thread when it has none, else among the
    /// waiting.
    ///
    /// # Errors
    /// When the thread has stopped.
    pub fn send(&mut self, job: Job) -> Result<(), CompileError> {
        if self.in_flight > 0 {
            self.waiting.push(job);
            return Ok(());
        }
        let jobs = self.jobs.as_ref();
        jobs.and_then(|jobs| jobs.send(Message::Job(Box::new(job), current_cpu())).ok())
            .ok_or_else(|| CompileError::Cranelift("the compile thread stopped".into()))?;
        self.in_flight += 1;
        Ok(())
    }

    /// Jobs queued and not yet taken back.
    pub fn pending(&self) -> usize {
        self.in_flight + self.waiting.len()
    }

    /// Counts a hot event of `func` (at the loop at `at_loop`) while a
    /// job of it waits.
    pub fn note_demand(&mut self, func: FuncAddr, at_loop: Option<u32>) {
        self.waiting.note_demand(func, at_loop);
    }

    /// Hands installed machine code back to the thread that made it, to be
    /// freed there (see the module doc); freed here if the thread stopped.
    pub fn give_back(&self, code: Vec<CompiledFunction>) {
        if let Some(jobs) = &self.jobs {
            let _ = jobs.send(Message::Spent(code));
        }
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
        if let Some(next) = self.waiting.pick()
            && self.send(next).is_err()
        {
            // The thread stopped: nothing waiting will be compiled.
            self.waiting.clear();
        }
        Some(done)
    }
}

impl Drop for Background {
    /// Does not wait for the thread. Code nobody will install is not worth
    /// the owner's time: a program that ends while a batch compiles would
    /// otherwise end only when the queue is empty. The thread finishes the
    /// job in hand (it owns all it reads), drops the rest and ends; at
    /// process exit it simply stops.
    fn drop(&mut self) {
        self.abandoned.store(true, Ordering::Relaxed);
        self.jobs = None;
    }
}
