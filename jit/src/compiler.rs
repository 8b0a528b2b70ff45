//! The code module: Cranelift settings, compiling the functions of a Wasm
//! module, array trampolines, and installing code into instances.
//!
//! ```text
//!   compile_instance(store, id, select)
//!     module seen before? ── yes ─▶ reuse its code
//!        │ no
//!        ▼
//!     translate selected bodies (translate/) ─▶ CLIF; a function that does
//!        not translate is dropped from the batch and the rest retranslated
//!        (their direct calls to it go through its VmFuncRef instead)
//!     compile + define (JITModule), with the batch's helpers: trampolines
//!     for new signatures (trampoline.rs) and continuation starts for new
//!     continuation types (declared at prepare; one no batch brought is
//!     compiled here when installed code calls it), finalize, register
//!     trap sites (signals.rs)
//!     install: VmContext.runtime, FuncInst::set_code per function
//! ```

use crate::codegen::CompiledFunction;
use crate::cont_start::{self, StartKey};
use crate::translate::RuntimeAddrs;
use crate::{CompileError, abi, codegen, libcalls::Libcall, signals};
use cranelift_codegen::settings::{self, Configurable};
use cranelift_codegen::{Context, isa::OwnedTargetIsa};
use cranelift_frontend::FunctionBuilderContext;
use cranelift_jit::{ArenaMemoryProvider, JITBuilder, JITModule};
use cranelift_module::{
    FuncId, Linkage, Module as _, ModuleReloc, ModuleRelocTarget, default_libcall_names,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use wasmfx_core::{FuncType, Module};

mod host_cpu;
mod loop_lines;
mod osr;
mod placement;
mod trampoline;
mod translation;

pub(crate) use loop_lines::{loops, preferred_offset};
pub(crate) use trampoline::TRAMPOLINE;
use trampoline::TrampolineKey;
pub(crate) use translation::{Translation, indices_with_ids};

/// The function index a continuation start's machine code carries in a
/// batch (`cont_start.rs`: compiled with the batch that declared it).
pub(crate) const CONT_START: u32 = u32::MAX - 1;

/// Whether `index` marks code a batch made for the code module itself (a
/// trampoline or a continuation start), not a Wasm function.
pub(crate) fn is_helper(index: u32) -> bool {
    index == TRAMPOLINE || index == CONT_START
}

/// Address space reserved for one compiler's code (virtual; committed as used).
const CODE_ARENA_BYTES: usize = 1 << 30;

/// Code of one Wasm module: entry per function index (`None` for imports
/// and functions not compiled).
pub(crate) type ModuleCode = Arc<[Option<usize>]>;

/// A module's code is keyed by the module's address and the guard bytes
/// of its memories (code without bounds checks needs them).
pub(crate) type ModuleKey = (usize, Box<[u64]>);

/// What [`Compiler::prepare`] left to do.
pub(crate) enum Prepared {
    /// Every picked function has code (or cannot have any).
    Done(ModuleCode),
    Batch(Box<Batch>),
}

/// Functions declared, waiting for CLIF and machine code.
pub(crate) struct Batch {
    pub key: ModuleKey,
    /// The batch's ids by function index (direct calls within the batch),
    /// with what translating them needs.
    pub translation: Translation,
    /// Functions that cannot be declared (and those that later do not
    /// translate).
    pub failures: Vec<(u32, CompileError)>,
}

/// What the compiler knows of one Wasm module.
struct ModuleEntry {
    /// Keeps the module (and so the key, its address) alive.
    _module: Arc<Module>,
    code: ModuleCode,
    /// Ids of the functions with code, by function index (later batches
    /// call them directly).
    ids: Vec<Option<FuncId>>,
    /// Functions that cannot be compiled (not tried again).
    failed: Vec<bool>,
    /// Ids of functions in a batch that is being compiled (declared, not
    /// defined yet), by function index: not picked again, and an OSR
    /// entry prepared meanwhile may call them directly (`osr.rs`).
    queued: Vec<Option<FuncId>>,
}

impl ModuleEntry {
    fn is_open(&self, index: u32) -> bool {
        let i = index as usize;
        self.code[i].is_none() && !self.failed[i] && self.queued[i].is_none()
    }
}

/// Cranelift settings shared by every code module (built once).
pub(crate) fn isa() -> Result<OwnedTargetIsa, CompileError> {
    static ISA: OnceLock<Result<OwnedTargetIsa, String>> = OnceLock::new();
    ISA.get_or_init(|| {
        let mut flags = settings::builder();
        for (name, value) in [
            ("opt_level", "speed"),
            ("preserve_frame_pointers", "true"),
            // Stack switching (next milestone) lowers `stack_switch`, which needs it.
            ("stack_switch_model", "basic"),
            ("enable_verifier", "false"),
            // Block starts and edges, for placing small loops within a
            // cache line (`loop_lines.rs`).
            ("machine_code_cfg_info", "true"),
        ] {
            flags.set(name, value).map_err(|e| e.to_string())?;
        }
        let mut builder = cranelift_native::builder_with_options(false)?;
        host_cpu::infer_host_features(&mut builder)?;
        builder
            .finish(settings::Flags::new(flags))
            .map_err(|e| e.to_string())
    })
    .clone()
    .map_err(CompileError::Cranelift)
}

/// Threads for a compile on the program's thread (the host's
/// parallelism), asked at the first such compile: it reads cgroup files,
/// which a tiered run that compiles in the background has no use for.
fn compile_workers() -> usize {
    static WORKERS: OnceLock<usize> = OnceLock::new();
    *WORKERS.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

pub(crate) struct Compiler {
    /// Made at the first compile ([`Compiler::start`]); taken when dropped.
    module: Option<JITModule>,
    started: bool,
    libcalls: Vec<FuncId>,
    /// For the functions this thread compiles (continuation starts, a
    /// trampoline no batch made); made at [`Compiler::start`], so that a
    /// tiered run that compiles nothing never touches it.
    ctx: Option<Context>,
    builder_ctx: FunctionBuilderContext,
    /// Array trampolines by (params, results) CLIF types.
    trampolines: HashMap<TrampolineKey, usize>,
    /// Keys whose trampoline a batch in flight makes (`trampoline.rs`).
    trampolines_queued: HashSet<TrampolineKey>,
    /// Continuation starts by signature (`cont_start.rs`): declared when a
    /// batch may need them, compiled when installed code refers to them.
    cont_starts: HashMap<StartKey, FuncId>,
    /// Continuation starts declared and not compiled yet, with their types.
    undefined_starts: HashMap<FuncId, Arc<FuncType>>,
    /// Code per Wasm module, keyed by the module's address and the guard
    /// bytes of its memories (code without bounds checks needs them).
    modules: HashMap<ModuleKey, ModuleEntry>,
    /// Starts of registered code regions, unregistered on drop.
    regions: Vec<usize>,
    pub compile_time: Duration,
    pub compiled_functions: usize,
    /// The interruption checks code made from now on carries (the store's,
    /// set before each compile: one compiler serves one store).
    pub interrupt: wasmfx_core::InterruptChecks,
    /// Where the runtime record and the stack chain of the one store the
    /// compiler serves are (its Jit's, set once).
    pub runtime: RuntimeAddrs,
    /// Where in a cache line the next function defined should start
    /// (`placement::LineHint`, shared with the code arena).
    line_hint: placement::LineHint,
}

impl Compiler {
    /// A compiler whose code module is made at its first compile
    /// ([`Compiler::start`]): a tiered run that compiles nothing pays
    /// nothing for it.
    pub fn new() -> Compiler {
        Compiler {
            module: None,
            started: false,
            libcalls: Vec::new(),
            ctx: None,
            builder_ctx: FunctionBuilderContext::new(),
            trampolines: HashMap::new(),
            trampolines_queued: HashSet::new(),
            cont_starts: HashMap::new(),
            undefined_starts: HashMap::new(),
            modules: HashMap::new(),
            regions: Vec::new(),
            compile_time: Duration::ZERO,
            compiled_functions: 0,
            interrupt: wasmfx_core::InterruptChecks::default(),
            runtime: RuntimeAddrs::default(),
            line_hint: placement::LineHint::default(),
        }
    }

    /// Makes the code module, once: the host's ISA, the code arena and the
    /// libcalls' declarations.
    fn start(&mut self) -> Result<(), CompileError> {
        if self.started {
            return Ok(());
        }
        let mut builder = JITBuilder::with_isa(isa()?, default_libcall_names());
        for call in Libcall::ALL {
            builder.symbol(call.symbol(), call.address());
        }
        // Direct calls between compiled functions use 32-bit pc-relative
        // relocations, so all code of one compiler must lie within ±2 GiB.
        // Separate mmaps from the system allocator do not guarantee that (the
        // multi-GiB linear-memory reservations land in between), so code comes
        // from one reserved arena; only used pages are ever committed.
        // Under a lowered address-space limit the full reservation may not
        // fit: smaller arenas still hold all but the largest programs.
        let mut arena = ArenaMemoryProvider::new_with_size(CODE_ARENA_BYTES);
        for smaller in [CODE_ARENA_BYTES / 4, CODE_ARENA_BYTES / 16] {
            if arena.is_ok() {
                break;
            }
            arena = ArenaMemoryProvider::new_with_size(smaller);
        }
        let arena = arena
            .map_err(|e| CompileError::Cranelift(format!("cannot reserve code memory: {e}")))?;
        let code = placement::Continued::new(arena, self.line_hint.clone());
        builder.memory_provider(Box::new(code));
        let mut module = JITModule::new(builder);
        let mut libcalls = Vec::new();
        for call in Libcall::ALL {
            libcalls.push(module.declare_function(
                call.symbol(),
                Linkage::Import,
                &call.signature(),
            )?);
        }
        self.ctx = Some(module.make_context());
        self.module = Some(module);
        self.libcalls = libcalls;
        self.started = true;
        Ok(())
    }

    fn jit(&mut self) -> Result<&mut JITModule, CompileError> {
        self.module
            .as_mut()
            .ok_or_else(|| CompileError::Cranelift("code module freed".into()))
    }

    /// The trampoline for functions of type `ty`, if compiled.
    pub fn trampoline(&self, ty: &FuncType) -> Option<usize> {
        self.trampolines.get(&trampoline::key(ty).ok()?).copied()
    }

    /// The code of `module`'s functions, after compiling those that
    /// `select` picks (by function index) and that have none yet: a module
    /// can be compiled all at once or function by function (tiering).
    /// Returns the code and the picked functions that could not be
    /// compiled, with why (reported once). `memory_guards` are the
    /// instance's [`MemoryInst::guard_bytes`] by memory index.
    ///
    /// [`MemoryInst::guard_bytes`]: wasmfx_core::store::MemoryInst::guard_bytes
    pub fn compile_module(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        select: &dyn Fn(u32) -> bool,
    ) -> Result<(ModuleCode, Vec<(u32, CompileError)>), CompileError> {
        self.start()?;
        let started = Instant::now();
        let batch = match self.prepare(module, memory_guards, select)? {
            Prepared::Done(code) => return Ok((code, Vec::new())),
            Prepared::Batch(batch) => batch,
        };
        let isa = isa()?;
        let (mut translation, mut failures) = (batch.translation, batch.failures);
        let indices = indices_with_ids(&translation.func_ids);
        let mut functions = translation.batch(&mut self.builder_ctx, &mut failures);
        functions.extend(translation.helper_functions(&mut self.builder_ctx));
        // A function Cranelift refuses leaves the batch; the rest is redone
        // without direct calls to it (a refused trampoline is made by
        // `install`).
        let mut compiled = loop {
            let mut compiled = Vec::new();
            let mut failed = false;
            let outcomes = match codegen::compile_all(&*isa, functions, compile_workers()) {
                Ok(outcomes) => outcomes,
                Err(e) => {
                    self.forget_queued(&batch.key, indices);
                    return Err(e);
                }
            };
            for outcome in outcomes {
                match outcome {
                    Ok(f) => compiled.push(f),
                    Err((index, _)) if is_helper(index) => {}
                    Err((index, e)) => {
                        translation.func_ids[index as usize] = None;
                        failures.push((index, e));
                        failed = true;
                    }
                }
            }
            if !failed {
                break compiled;
            }
            functions = translation.batch(&mut self.builder_ctx, &mut failures);
            functions.extend(translation.helper_functions(&mut self.builder_ctx));
        };
        let trampolines = &translation.trampolines;
        let code = self.install(&batch.key, module, &mut compiled, &failures, trampolines)?;
        self.compile_time += started.elapsed();
        Ok((code, failures))
    }

    /// The first half of compiling the functions of `module` that `select`
    /// picks and that have no code yet: declared on this thread. CLIF
    /// ([`Translation::batch`]) and machine code (`codegen.rs`) may then be
    /// made on any thread, and [`Compiler::install`]ed here.
    pub fn prepare(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        select: &dyn Fn(u32) -> bool,
    ) -> Result<Prepared, CompileError> {
        self.start()?;
        let key = (Arc::as_ptr(module) as usize, Box::from(memory_guards));
        let n = module.funcs.len();
        let entry = self
            .modules
            .entry(key.clone())
            .or_insert_with(|| ModuleEntry {
                _module: module.clone(),
                code: vec![None; n].into(),
                ids: vec![None; n],
                failed: vec![false; n],
                queued: vec![None; n],
            });
        let todo: Vec<u32> = (module.num_imported_funcs..n as u32)
            .filter(|&i| select(i) && entry.is_open(i))
            .collect();
        if todo.is_empty() {
            return Ok(Prepared::Done(entry.code.clone()));
        }
        let starts = self.declare_cont_starts(module)?;
        let mut failures = Vec::new();
        let mut func_ids: Vec<Option<FuncId>> = vec![None; n];
        for index in todo {
            match abi::wasm_signature(module.func_type(index)) {
                Ok(sig) => {
                    func_ids[index as usize] = Some(self.jit()?.declare_anonymous_function(&sig)?)
                }
                Err(e) => failures.push((index, e)),
            }
        }
        if let Some(entry) = self.modules.get_mut(&key) {
            for (index, id) in func_ids.iter().enumerate() {
                if id.is_some() {
                    entry.queued[index] = *id;
                }
            }
        }
        let trampolines = self.queue_trampolines(module, &func_ids)?;
        let mut translation = self.translation(module, memory_guards, func_ids)?;
        translation.trampolines = trampolines;
        translation.starts = starts;
        Ok(Prepared::Batch(Box::new(Batch {
            key,
            translation,
            failures,
        })))
    }

    /// What translating functions `func_ids` of `module` needs, on any
    /// thread: the names of the code module as they are now.
    fn translation(
        &mut self,
        module: &Arc<Module>,
        memory_guards: &[u64],
        func_ids: Vec<Option<FuncId>>,
    ) -> Result<Translation, CompileError> {
        Ok(Translation {
            module: module.clone(),
            memory_guards: Box::from(memory_guards),
            func_ids,
            earlier_ids: self.earlier_ids(module, memory_guards),
            libcalls: self.libcalls.clone(),
            cont_starts: self.cont_starts.clone(),
            frontend: self.jit()?.isa().frontend_config(),
            interrupt: self.interrupt,
            runtime: self.runtime,
            trampolines: Vec::new(),
            starts: Vec::new(),
        })
    }

    /// Declares the trampolines that the functions with ids in `func_ids`
    /// need and no batch makes yet, for the batch to make
    /// (`trampoline.rs`).
    fn queue_trampolines(
        &mut self,
        module: &Module,
        func_ids: &[Option<FuncId>],
    ) -> Result<Vec<(FuncId, FuncType)>, CompileError> {
        let mut queued = Vec::new();
        for (index, _) in func_ids.iter().enumerate().filter(|(_, id)| id.is_some()) {
            let ty = module.func_type(index as u32);
            let Ok(key) = trampoline::key(ty) else {
                continue;
            };
            if self.trampolines.contains_key(&key) || self.trampolines_queued.contains(&key) {
                continue;
            }
            let id = (self.jit()?).declare_anonymous_function(&abi::trampoline_signature())?;
            self.trampolines_queued.insert(key);
            queued.push((id, ty.clone()));
        }
        Ok(queued)
    }

    /// Defines `f`'s machine code in the code module, at the offset within a
    /// cache line its loops ask for (`compiler/loop_lines.rs`).
    fn define_placed(&mut self, f: &CompiledFunction) -> Result<(), CompileError> {
        self.line_hint.set(f.line_offset);
        let defined = (self.jit()?).define_function_bytes(f.id, f.alignment, &f.bytes, &f.relocs);
        self.line_hint.set(None);
        defined?;
        Ok(())
    }

    /// The second half of a compile: defines the machine code of
    /// `compiled` (functions of `module`), makes the trampolines their
    /// signatures need, finalizes, and records the code and the
    /// `failures` for the module. Returns the module's code; `compiled`
    /// keeps its buffers (see `background.rs` on where they are freed).
    pub fn install(
        &mut self,
        key: &ModuleKey,
        module: &Arc<Module>,
        compiled: &mut [CompiledFunction],
        failures: &[(u32, CompileError)],
        trampolines: &[(FuncId, FuncType)],
    ) -> Result<ModuleCode, CompileError> {
        self.start()?;
        // The batch's trampolines: made here if their code came, by a later
        // batch or this install otherwise.
        let mut made = Vec::new();
        for (id, ty) in trampolines {
            let Ok(key) = trampoline::key(ty) else {
                continue;
            };
            self.trampolines_queued.remove(&key);
            if let Some(f) = compiled
                .iter()
                .find(|f| f.index == TRAMPOLINE && f.id == *id)
                && !self.trampolines.contains_key(&key)
                && !made.iter().any(|(k, _)| *k == key)
            {
                self.define_placed(f)?;
                made.push((key, *id));
            }
        }
        let mut defined = Vec::new();
        for f in compiled.iter().filter(|f| f.index == CONT_START) {
            if self.undefined_starts.remove(&f.id).is_some() {
                self.define_placed(f)?;
            }
        }
        for f in compiled.iter_mut().filter(|f| !is_helper(f.index)) {
            self.define_placed(f)?;
            defined.push((f.index, f.id, f.bytes.len(), std::mem::take(&mut f.traps)));
            self.compiled_functions += 1;
        }
        self.define_referenced_starts(compiled.iter().flat_map(|f| &f.relocs))?;
        let mut new_trampolines = Vec::new();
        for &(index, ..) in &defined {
            let ty = module.func_type(index);
            let key = trampoline::key(ty)?;
            if !self.trampolines.contains_key(&key)
                && !new_trampolines.iter().any(|(k, _)| *k == key)
                && !made.iter().any(|(k, _)| *k == key)
            {
                let id = self.define_trampoline(ty)?;
                new_trampolines.push((key, id));
            }
        }
        self.jit()?.finalize_definitions()?;
        let entry = self
            .modules
            .get(key)
            .ok_or_else(|| CompileError::Cranelift("module entry".into()))?;
        let (mut code, mut ids) = (entry.code.to_vec(), entry.ids.clone());
        for (index, id, len, traps) in defined {
            let start = self.jit()?.get_finalized_function(id) as usize;
            crate::perf_map::record(start, len, module, index, None);
            signals::register(start, len, traps);
            self.regions.push(start);
            code[index as usize] = Some(start);
            ids[index as usize] = Some(id);
        }
        for (key, id) in new_trampolines.into_iter().chain(made) {
            let start = self.jit()?.get_finalized_function(id) as usize;
            self.trampolines.insert(key, start);
        }
        let code: ModuleCode = code.into();
        if let Some(entry) = self.modules.get_mut(key) {
            entry.code = code.clone();
            entry.ids = ids;
            for &(index, _) in failures {
                entry.failed[index as usize] = true;
            }
        }
        let done = (code.iter().enumerate()).filter_map(|(i, c)| c.is_some().then_some(i as u32));
        self.forget_queued(key, done.chain(failures.iter().map(|&(i, _)| i)));
        Ok(code)
    }

    /// Functions `indices` of the module under `key` are no longer in a
    /// batch being compiled (installed, failed, or the batch dropped).
    pub fn forget_queued(&mut self, key: &ModuleKey, indices: impl IntoIterator<Item = u32>) {
        if let Some(entry) = self.modules.get_mut(key) {
            for index in indices {
                if let Some(slot) = entry.queued.get_mut(index as usize) {
                    *slot = None;
                }
            }
        }
    }

    /// Whether function `index` of `module` (for these memory guards) may
    /// be picked for a batch: defined, with no code, not failed, not in a
    /// batch being compiled.
    pub fn is_open(&self, module: &Arc<Module>, memory_guards: &[u64], index: u32) -> bool {
        index >= module.num_imported_funcs
            && (self.entry(module, memory_guards)).is_none_or(|entry| entry.is_open(index))
    }

    /// The ids of `module`'s functions compiled so far (for the same
    /// memory guards), by function index.
    pub(crate) fn earlier_ids(
        &self,
        module: &Arc<Module>,
        memory_guards: &[u64],
    ) -> Vec<Option<FuncId>> {
        let entry = self.entry(module, memory_guards);
        entry.map_or_else(|| vec![None; module.funcs.len()], |e| e.ids.clone())
    }

    /// The ids of `module`'s functions in batches being compiled, by
    /// function index.
    pub(crate) fn queued_ids(
        &self,
        module: &Arc<Module>,
        memory_guards: &[u64],
    ) -> Vec<Option<FuncId>> {
        let entry = self.entry(module, memory_guards);
        entry.map_or_else(|| vec![None; module.funcs.len()], |e| e.queued.clone())
    }

    /// What is known of `module` compiled for these memory guards.
    fn entry(&self, module: &Arc<Module>, memory_guards: &[u64]) -> Option<&ModuleEntry> {
        let key = (Arc::as_ptr(module) as usize, Box::from(memory_guards));
        self.modules.get(&key)
    }

    /// Declares the continuation starts of `module`'s continuation types
    /// that have none yet, and returns them: the batch being prepared
    /// compiles them on its thread; one that did not come is compiled here
    /// when code that refers to it is installed
    /// ([`Compiler::define_referenced_starts`]). A batch whose code uses no
    /// continuation costs no Cranelift compile here either way.
    fn declare_cont_starts(
        &mut self,
        module: &Module,
    ) -> Result<Vec<(FuncId, Arc<FuncType>)>, CompileError> {
        let mut declared = Vec::new();
        for def in &module.type_defs {
            let wasmfx_core::types::CompositeType::Cont(ft) = def else {
                continue;
            };
            let Some(ty) = module.registry.func_type(*ft) else {
                continue;
            };
            let Some(key) = cont_start::start_key(&ty) else {
                continue;
            };
            if self.cont_starts.contains_key(&key) {
                continue;
            }
            let id = self
                .jit()?
                .declare_anonymous_function(&cont_start::start_signature())?;
            self.cont_starts.insert(key, id);
            self.undefined_starts.insert(id, ty.clone());
            declared.push((id, ty));
        }
        Ok(declared)
    }

    /// Compiles the declared continuation starts that `relocs` (of code
    /// about to be defined) call, before they are finalized with it.
    fn define_referenced_starts<'r>(
        &mut self,
        relocs: impl IntoIterator<Item = &'r ModuleReloc>,
    ) -> Result<(), CompileError> {
        if self.undefined_starts.is_empty() {
            return Ok(());
        }
        for reloc in relocs {
            let ModuleRelocTarget::User {
                namespace: 0,
                index,
            } = reloc.name
            else {
                continue;
            };
            let id = FuncId::from_u32(index);
            let Some(ty) = self.undefined_starts.remove(&id) else {
                continue;
            };
            let frontend = self.jit()?.isa().frontend_config();
            let chain = self.runtime.chain;
            let func = cont_start::start_function(id, &ty, &mut self.builder_ctx, frontend, chain)?;
            let ctx = self.ctx.get_or_insert_with(Context::new);
            ctx.clear();
            ctx.func = func;
            let jit = (self.module.as_mut())
                .ok_or_else(|| CompileError::Cranelift("code module freed".into()))?;
            jit.define_function(id, ctx)?;
        }
        Ok(())
    }

    /// Compiles the trampoline for `ty` here (`trampoline.rs`: when no
    /// batch made it).
    fn define_trampoline(&mut self, ty: &FuncType) -> Result<FuncId, CompileError> {
        let id = self
            .jit()?
            .declare_anonymous_function(&abi::trampoline_signature())?;
        let frontend = self.jit()?.isa().frontend_config();
        let ctx = self.ctx.get_or_insert_with(Context::new);
        ctx.clear();
        ctx.func = trampoline::build(id, ty, &mut self.builder_ctx, frontend)?;
        let module = self
            .module
            .as_mut()
            .ok_or_else(|| CompileError::Cranelift("code module freed".into()))?;
        module.define_function(id, ctx)?;
        Ok(id)
    }
}

impl Drop for Compiler {
    fn drop(&mut self) {
        for &start in &self.regions {
            signals::unregister(start);
        }
        if let Some(module) = self.module.take() {
            // SAFETY: the Jit that owns this compiler is being dropped, so no
            // activation of its code runs (an activation borrows the Jit),
            // and only that Jit enters the code it installed in its store.
            unsafe { module.free_memory() };
        }
    }
}
