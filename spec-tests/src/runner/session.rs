//! The state one script runs in: a fresh store with `spectest` defined, the
//! linker that `register` fills, the named modules and instances, and the
//! executor of the tier under test.
//!
//! ```text
//!   Session ─┬─ store, linker (spectest + registered instances)
//!            ├─ executor           runs start functions and invocations
//!            ├─ current            the most recent instance (unnamed lookups)
//!            ├─ instances: $name → InstanceId
//!            └─ definitions: $name → Module   (`module definition`)
//! ```

use super::values;
use crate::Executor;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use wasmfx_core::store::InstantiateError;
use wasmfx_core::{
    Extern, InstanceId, Linker, Module, Store, Trap, TypeRegistry, Val, WasmFeatures,
};
use wast::token::Id;
use wast::{QuoteWat, WastExecute, WastInvoke, Wat};

/// Why an action (module, invocation, global read) did not produce values.
#[derive(Debug)]
pub enum ExecError {
    /// The text could not be turned into a binary (`wast` encoder).
    Encode(String),
    /// `Module::new` rejected the binary.
    Compile(String),
    /// An import could not be satisfied.
    Link(String),
    /// Execution (start function, segment initialization, call) trapped.
    Trap(Trap),
    /// The script asked for something that does not exist (unknown module,
    /// export, wrong argument types) or that this runner does not support.
    Script(String),
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExecError::Encode(m) => write!(f, "text did not encode: {m}"),
            ExecError::Compile(m) => write!(f, "module rejected: {m}"),
            ExecError::Link(m) => write!(f, "link error: {m}"),
            ExecError::Trap(t) => write!(f, "trap: {t}"),
            ExecError::Script(m) => f.write_str(m),
        }
    }
}

pub struct Session<E: Executor> {
    registry: Arc<TypeRegistry>,
    /// What modules are validated against (the script's proposal).
    features: WasmFeatures,
    pub store: Store,
    linker: Linker,
    executor: E,
    current: Option<InstanceId>,
    instances: HashMap<String, InstanceId>,
    definitions: HashMap<String, Arc<Module>>,
    last_definition: Option<Arc<Module>>,
}

impl<E: Executor> Session<E> {
    /// A session validating modules against `features`.
    pub fn with_features(executor: E, features: WasmFeatures) -> Session<E> {
        let registry = Arc::new(TypeRegistry::default());
        let mut store = Store::new(registry.clone());
        let mut linker = Linker::new();
        wasmfx_core::spectest::define(&mut store, &mut linker);
        Session {
            registry,
            features,
            store,
            linker,
            executor,
            current: None,
            instances: HashMap::new(),
            definitions: HashMap::new(),
            last_definition: None,
        }
    }

    /// Encodes and validates a module (text, binary or quoted).
    pub fn compile(&self, module: &mut QuoteWat<'_>) -> Result<Arc<Module>, ExecError> {
        if matches!(
            module,
            QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_))
        ) {
            return Err(ExecError::Script("components are not supported".into()));
        }
        let bytes = module
            .encode()
            .map_err(|e| ExecError::Encode(e.message()))?;
        self.compile_bytes(&bytes)
    }

    pub fn compile_bytes(&self, bytes: &[u8]) -> Result<Arc<Module>, ExecError> {
        Module::new_with_features(&self.registry, bytes, self.features)
            .map(Arc::new)
            .map_err(|e| ExecError::Compile(e.message))
    }

    /// Links `module` against the linker, instantiates it and runs its start
    /// function. Does not bind it as the current instance.
    pub fn instantiate(&mut self, module: &Arc<Module>) -> Result<InstanceId, ExecError> {
        let imports = self
            .linker
            .resolve(module)
            .map_err(|e| ExecError::Link(e.0))?;
        let instance = self
            .store
            .instantiate(module, &imports)
            .map_err(|e| match e {
                InstantiateError::Link(l) => ExecError::Link(l.0),
                InstantiateError::Trap(t) => ExecError::Trap(t),
            })?;
        if let Some(start) = self.store.start_func(instance) {
            self.executor
                .call(&mut self.store, start, &[])
                .map_err(ExecError::Trap)?;
        }
        Ok(instance)
    }

    /// Makes `instance` the current one, and names it when `name` is given.
    pub fn bind_instance(&mut self, name: Option<Id<'_>>, instance: InstanceId) {
        if let Some(name) = name {
            self.instances.insert(name.name().to_string(), instance);
        }
        self.current = Some(instance);
    }

    /// After a module directive failed: later unnamed lookups must not
    /// reach the instance before it.
    pub fn forget_current(&mut self) {
        self.current = None;
    }

    /// Remembers a `module definition` for later `module instance`s.
    pub fn define_module(&mut self, name: Option<Id<'_>>, module: Arc<Module>) {
        if let Some(name) = name {
            self.definitions
                .insert(name.name().to_string(), module.clone());
        }
        self.last_definition = Some(module);
    }

    /// A defined module by name, or the most recent definition.
    pub fn definition(&self, name: Option<Id<'_>>) -> Result<Arc<Module>, ExecError> {
        let found = match name {
            Some(name) => self.definitions.get(name.name()).cloned(),
            None => self.last_definition.clone(),
        };
        found.ok_or_else(|| match name {
            Some(name) => ExecError::Script(format!("unknown module definition ${}", name.name())),
            None => ExecError::Script("no module definition before this directive".into()),
        })
    }

    /// An instance by name, or the current one.
    pub fn instance(&self, name: Option<Id<'_>>) -> Result<InstanceId, ExecError> {
        let found = match name {
            Some(name) => self.instances.get(name.name()).copied(),
            None => self.current,
        };
        found.ok_or_else(|| match name {
            Some(name) => ExecError::Script(format!("unknown module ${}", name.name())),
            None => ExecError::Script(
                "no current module (none instantiated, or the last one failed)".into(),
            ),
        })
    }

    /// Makes an instance's exports importable under `as_name`.
    pub fn register(&mut self, as_name: &str, instance: Option<Id<'_>>) -> Result<(), ExecError> {
        let instance = self.instance(instance)?;
        self.linker.define_instance(&self.store, as_name, instance);
        Ok(())
    }

    /// Runs an action: an invocation, a global read, or a module to
    /// instantiate (whose "result" is empty).
    pub fn execute(&mut self, exec: &mut WastExecute<'_>) -> Result<Vec<Val>, ExecError> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke),
            WastExecute::Get { module, global, .. } => {
                self.get_global(*module, global).map(|v| vec![v])
            }
            WastExecute::Wat(wat) => {
                let bytes = wat.encode().map_err(|e| ExecError::Encode(e.message()))?;
                let module = self.compile_bytes(&bytes)?;
                self.instantiate(&module).map(|_| Vec::new())
            }
        }
    }

    pub fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, ExecError> {
        let func = match self.export(invoke.module, invoke.name)? {
            Extern::Func(func) => func,
            other => {
                return Err(ExecError::Script(format!(
                    "export `{}` is a {other:?}",
                    invoke.name
                )));
            }
        };
        let sig = match self.store.funcs.get(func.0 as usize) {
            Some(func) => func.sig.clone(),
            None => {
                return Err(ExecError::Script(format!(
                    "export `{}` is a dangling function",
                    invoke.name
                )));
            }
        };
        let args = values::args_to_vals(&invoke.args, &sig.params).map_err(ExecError::Script)?;
        self.executor
            .call(&mut self.store, func, &args)
            .map_err(ExecError::Trap)
    }

    fn get_global(&self, module: Option<Id<'_>>, name: &str) -> Result<Val, ExecError> {
        let Extern::Global(global) = self.export(module, name)? else {
            return Err(ExecError::Script(format!(
                "export `{name}` is not a global"
            )));
        };
        let Some(global) = self.store.globals.get(global.0 as usize) else {
            return Err(ExecError::Script(format!(
                "export `{name}` is a dangling global"
            )));
        };
        let registry = &self.store.registry;
        Val::from_raw_in(global.get(), global.ty.content, registry).ok_or_else(|| {
            ExecError::Script(format!(
                "global `{name}` has a v128 value (SIMD is not supported)"
            ))
        })
    }

    fn export(&self, module: Option<Id<'_>>, name: &str) -> Result<Extern, ExecError> {
        let instance = self.instance(module)?;
        self.store
            .export(instance, name)
            .ok_or_else(|| ExecError::Script(format!("unknown export `{name}`")))
    }
}
