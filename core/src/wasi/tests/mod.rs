//! Tests of the WASI functions, called the way a Wasm frame calls them: a
//! small `.wat` guest is instantiated (it exports its memory and imports the
//! functions it "uses"), and each test calls the host functions with a
//! [`Caller`] naming that instance, then reads the results from its memory.
//! Files: `basics.rs` (args, env, clocks, random, stdio, poll, proc),
//! `files.rs` (fds, paths, directories), `sandbox.rs` (escapes).

mod basics;
mod files;
mod sandbox;

use super::*;
use crate::module::Module;
use crate::store::{FuncKind, InstanceId};
use crate::types::TypeRegistry;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A guest with one page of memory, and the WASI context it runs with.
struct Guest {
    store: Store,
    linker: Linker,
    instance: InstanceId,
}

const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1))"#;

impl Guest {
    fn new(builder: WasiCtxBuilder) -> Guest {
        Guest::with_module(builder, GUEST)
    }

    fn with_module(builder: WasiCtxBuilder, wat: &str) -> Guest {
        let registry = Arc::new(TypeRegistry::new());
        let mut store = Store::new(Arc::clone(&registry));
        let mut linker = Linker::new();
        define(&mut store, &mut linker, builder.build());
        let bytes = wat::parse_str(wat).expect("test guest is valid text");
        let module = Arc::new(Module::new(&registry, &bytes).expect("test guest validates"));
        let imports = linker.resolve(&module).expect("WASI imports resolve");
        let instance = store
            .instantiate(&module, &imports)
            .expect("test guest instantiates");
        Guest {
            store,
            linker,
            instance,
        }
    }

    /// Calls WASI function `name` as the guest would.
    fn call(&mut self, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let Some(Extern::Func(func)) = self.linker.get(MODULE, name) else {
            panic!("{name} is not defined");
        };
        let FuncKind::Host(host) = &self.store.func(func).kind else {
            panic!("{name} is not a host function");
        };
        let host = Arc::clone(host);
        let mut caller = Caller {
            store: &mut self.store,
            instance: Some(self.instance),
        };
        host(&mut caller, args)
    }

    /// Calls `name` with i32 arguments and returns its errno.
    fn errno(&mut self, name: &str, args: &[i32]) -> Errno {
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        self.errno_of(name, &args)
    }

    fn errno_of(&mut self, name: &str, args: &[Val]) -> Errno {
        match self.call(name, args).as_deref() {
            Ok([Val::I32(e)]) => Errno(*e as u16),
            other => panic!("{name} returned {other:?}"),
        }
    }

    fn memory(&mut self) -> &mut [u8] {
        let Some(Extern::Memory(mem)) = self.store.export(self.instance, "memory") else {
            panic!("guest exports no memory");
        };
        self.store.memory_mut(mem).data_mut()
    }

    fn write(&mut self, at: u32, bytes: &[u8]) {
        self.memory()[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }

    fn read(&mut self, at: u32, len: u32) -> Vec<u8> {
        self.memory()[at as usize..(at + len) as usize].to_vec()
    }

    fn u32_at(&mut self, at: u32) -> u32 {
        let b = self.read(at, 4);
        u32::from_le_bytes([b[0], b[1], b[2], b[3]])
    }

    fn u64_at(&mut self, at: u32) -> u64 {
        let mut b = [0; 8];
        b.copy_from_slice(&self.read(at, 8));
        u64::from_le_bytes(b)
    }

    /// Writes iovec `i` of the array at `array`: `(ptr, len)`.
    fn iovec(&mut self, array: u32, i: u32, ptr: u32, len: u32) {
        self.write(array + 8 * i, &ptr.to_le_bytes());
        self.write(array + 8 * i + 4, &len.to_le_bytes());
    }

    /// Writes `path` at `at`; returns `[at, len]` as call arguments.
    fn path(&mut self, at: u32, path: &str) -> [i32; 2] {
        self.write(at, path.as_bytes());
        [at as i32, path.len() as i32]
    }
}

/// A shared byte buffer to capture a guest's stdout or stderr.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// A fresh host directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("wasmfx-wasi-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir can be created");
        TempDir(path)
    }

    fn join(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
