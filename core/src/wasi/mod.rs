//! WASI preview 1 (`wasi_snapshot_preview1`): the host functions a WASI
//! command imports, over a [`WasiCtx`] that holds its arguments,
//! environment, preopened directories and open files.
//!
//! ```text
//!   WasiCtxBuilder ──build──▶ WasiCtx ──define(store, linker, ctx)──▶ linker
//!     args, env, preopens,            "wasi_snapshot_preview1"::<func>
//!     stdin/stdout/stderr               └─ host func: lock ctx, run handler
//! ```
//!
//! Files, by family: `args_env.rs`, `clock.rs`, `random.rs`, `fd_io.rs`
//! (read, write, seek, close), `fd_stat.rs` (fdstat, filestat, prestat),
//! `dir.rs` (readdir), `path.rs` (path_*), `poll.rs`, `proc.rs` (exit,
//! yield, and the functions that are not supported); `fd_table.rs`,
//! `sandbox.rs` (path confinement), `memory.rs` (guest pointers),
//! `errno.rs`, `funcs.rs` (the table of every function and its type).
//!
//! Every function returns an `errno` ([`Errno`]); guest pointers outside
//! memory give `FAULT`. Nothing is inherited from the host unless asked:
//! no environment variables, no directories, and standard streams only as
//! the builder sets them (the host's own by default). Paths never leave
//! their directory fd (`sandbox.rs`: escapes give `PERM`, as in wasmtime).
//! What is not provided says so: `proc_raise` and the socket functions give
//! `NOSYS`; `fd_allocate`, `fd_fdstat_set_rights`, the CPU-time clocks and
//! the synchronous-write fd flags give `NOTSUP`. Tests: `tests/`.

mod args_env;
mod clock;
mod dir;
mod errno;
mod fd_io;
mod fd_stat;
mod fd_table;
mod funcs;
mod memory;
mod path;
mod poll;
mod proc;
mod random;
mod sandbox;
#[cfg(test)]
mod tests;

pub use errno::{Errno, WasiError, WasiResult};
pub use memory::GuestMemory;

use crate::linker::{Extern, Linker};
use crate::store::{Caller, HostFunc, Store};
use crate::trap::Trap;
use crate::types::{FuncType, ValType};
use crate::value::Val;
use fd_table::{DirHandle, FdEntry, FdTable};
use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// The state WASI functions work on.
pub struct WasiCtx {
    args: Vec<String>,
    /// `KEY=VALUE` strings.
    env: Vec<String>,
    fds: FdTable,
    /// Zero of the monotonic clock.
    started: Instant,
}

/// Builds a [`WasiCtx`].
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<String>,
    stdin: FdEntry,
    stdout: FdEntry,
    stderr: FdEntry,
    preopens: Vec<DirHandle>,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// No arguments, no environment, no directories; the host's standard
    /// streams (terminals reported as character devices).
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdin: FdEntry::Input {
                terminal: io::stdin().is_terminal(),
                stream: Box::new(io::stdin()),
            },
            stdout: FdEntry::Output {
                terminal: io::stdout().is_terminal(),
                stream: Box::new(io::stdout()),
            },
            stderr: FdEntry::Output {
                terminal: io::stderr().is_terminal(),
                stream: Box::new(io::stderr()),
            },
            preopens: Vec::new(),
        }
    }

    /// Appends one argument (the first is the program name, `argv[0]`).
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds the environment variable `key=value`.
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push(format!("{key}={value}"));
        self
    }

    /// Where the guest's fd 0 reads from (reported as not a terminal).
    pub fn stdin(mut self, input: impl Read + Send + 'static) -> Self {
        self.stdin = FdEntry::Input {
            stream: Box::new(input),
            terminal: false,
        };
        self
    }

    /// Where the guest's fd 1 goes (reported as not a terminal); every
    /// write is flushed at once.
    pub fn stdout(mut self, output: impl Write + Send + 'static) -> Self {
        self.stdout = FdEntry::Output {
            stream: Box::new(output),
            terminal: false,
        };
        self
    }

    /// Where the guest's fd 2 goes (reported as not a terminal); every
    /// write is flushed at once.
    pub fn stderr(mut self, output: impl Write + Send + 'static) -> Self {
        self.stderr = FdEntry::Output {
            stream: Box::new(output),
            terminal: false,
        };
        self
    }

    /// Lets the guest use host directory `host` under the name `guest`.
    ///
    /// # Errors
    /// The host error if `host` does not exist or is not a directory.
    pub fn preopen_dir(mut self, host: impl AsRef<Path>, guest: &str) -> io::Result<Self> {
        let host = std::fs::canonicalize(host)?;
        if !host.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", host.display()),
            ));
        }
        self.preopens.push(DirHandle {
            host,
            preopen: Some(guest.to_owned()),
        });
        Ok(self)
    }

    pub fn build(self) -> WasiCtx {
        let mut fds = FdTable::default();
        let stdio = [self.stdin, self.stdout, self.stderr];
        // A fresh table has room for every entry: `insert` cannot fail here.
        for entry in stdio
            .into_iter()
            .chain(self.preopens.into_iter().map(FdEntry::Dir))
        {
            let _ = fds.insert(entry);
        }
        WasiCtx {
            args: self.args,
            env: self.env,
            fds,
            started: Instant::now(),
        }
    }
}

impl WasiCtx {
    /// Flushes the guest's output streams.
    pub fn flush_outputs(&mut self) {
        self.fds.flush_outputs();
    }
}

/// A [`WasiCtx`] shared by the host functions of one store.
pub type SharedWasiCtx = Arc<Mutex<WasiCtx>>;

/// Adds every WASI preview 1 function to `store` and defines it in
/// `linker` under [`MODULE`]; returns the context they share.
pub fn define(store: &mut Store, linker: &mut Linker, ctx: WasiCtx) -> SharedWasiCtx {
    let shared = Arc::new(Mutex::new(ctx));
    for func in funcs::FUNCS {
        let results: &[ValType] = if func.returns_errno {
            &[ValType::I32]
        } else {
            &[]
        };
        let ctx = Arc::clone(&shared);
        let handler = func.handler;
        let host: HostFunc = Arc::new(move |caller, args| {
            let mut ctx = lock(&ctx);
            match handler(&mut ctx, caller, &Params(args)) {
                Ok(()) => Ok(errno_result(Errno::SUCCESS, func.returns_errno)),
                Err(WasiError::Errno(errno)) => Ok(errno_result(errno, func.returns_errno)),
                Err(WasiError::Trap(trap)) => Err(trap),
            }
        });
        let addr = store.alloc_host_func(FuncType::new(func.params, results), host);
        linker.define(MODULE, func.name, Extern::Func(addr));
    }
    shared
}

/// Locks a shared context; a panic in another holder does not make its
/// state unusable (every handler leaves the table consistent).
pub fn lock(ctx: &SharedWasiCtx) -> MutexGuard<'_, WasiCtx> {
    ctx.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn errno_result(errno: Errno, returns_errno: bool) -> Vec<Val> {
    if returns_errno {
        vec![Val::I32(i32::from(errno.0))]
    } else {
        Vec::new()
    }
}

/// A handler's arguments, typed by the function's signature.
pub(crate) struct Params<'a>(&'a [Val]);

impl Params<'_> {
    /// Argument `i` as an `i32` reinterpreted unsigned (pointers, sizes, fds).
    fn u32(&self, i: usize) -> WasiResult<u32> {
        match self.0.get(i) {
            Some(Val::I32(v)) => Ok(*v as u32),
            _ => Err(bad_param(i)),
        }
    }

    /// Argument `i` as an `i64` reinterpreted unsigned.
    fn u64(&self, i: usize) -> WasiResult<u64> {
        match self.0.get(i) {
            Some(Val::I64(v)) => Ok(*v as u64),
            _ => Err(bad_param(i)),
        }
    }
}

fn bad_param(i: usize) -> WasiError {
    WasiError::Trap(Trap::Host(format!("WASI argument {i} has the wrong type")))
}

/// The signature of every handler.
type Handler = fn(&mut WasiCtx, &mut Caller<'_>, &Params<'_>) -> WasiResult;
