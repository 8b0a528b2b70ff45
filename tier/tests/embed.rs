//! The embedding API: compile, link (host functions, registered instances),
//! instantiate with start functions, and checked calls by export name.

use std::sync::{Arc, Mutex};
use wasmfx_core::value::Ref;
use wasmfx_core::{FuncType, HeapType};
use wasmfx_tier::{Engine, Error, Runtime, TierMode, Trap, Val, ValType};

fn engine() -> Engine {
    Engine::new(TierMode::Interp).expect("interp is built")
}

#[test]
fn host_imports_start_function_and_calls() {
    let engine = engine();
    let module = engine
        .compile(
            br#"(module
                 (import "host" "log" (func $log (param i32)))
                 (global $g (mut i32) (i32.const 0))
                 (func $init (global.set $g (i32.const 40)) (call $log (i32.const 1)))
                 (start $init)
                 (func (export "add") (param i32) (result i32)
                   (call $log (local.get 0))
                   (i32.add (global.get $g) (local.get 0))))"#,
        )
        .expect("compiles");
    let mut runtime = Runtime::new(&engine);
    let logged = Arc::new(Mutex::new(Vec::new()));
    let sink = logged.clone();
    runtime.define_func(
        "host",
        "log",
        FuncType::new([ValType::I32], []),
        move |_, args| {
            sink.lock()
                .map_err(|_| Trap::Host("log poisoned".into()))?
                .extend_from_slice(args);
            Ok(Vec::new())
        },
    );
    let instance = runtime.instantiate(&module).expect("instantiates");
    let results = runtime.call(instance, "add", &[Val::I32(2)]).expect("runs");
    assert_eq!(results, [Val::I32(42)]);
    assert_eq!(
        *logged.lock().expect("not poisoned"),
        [Val::I32(1), Val::I32(2)]
    );
}

#[test]
fn calls_are_checked() {
    let engine = engine();
    let module = engine
        .compile_text(
            r#"(module
                 (memory (export "mem") 1)
                 (func (export "f") (param i64 externref) (result i64) (local.get 0))
                 (func (export "trap") (unreachable)))"#,
        )
        .expect("compiles");
    let mut runtime = Runtime::new(&engine);
    let id = runtime.instantiate(&module).expect("instantiates");
    let null_extern = Val::Ref(Ref::Null(HeapType::Extern));
    assert_eq!(
        runtime.call(id, "f", &[Val::I64(5), null_extern]).ok(),
        Some(vec![Val::I64(5)])
    );
    let extern_ref = Val::Ref(Ref::Extern(9));
    assert!(runtime.call(id, "f", &[Val::I64(5), extern_ref]).is_ok());

    let err = |r: Result<Vec<Val>, Error>| r.err().map(|e| e.to_string());
    assert_eq!(
        err(runtime.call(id, "f", &[Val::I64(5)])),
        Some("`f` takes 2 argument(s), 1 given".into())
    );
    assert_eq!(
        err(runtime.call(id, "f", &[Val::I32(5), null_extern])),
        Some("argument 0 of `f` does not have type i64".into())
    );
    let null_func = Val::Ref(Ref::Null(HeapType::Func));
    assert_eq!(
        err(runtime.call(id, "f", &[Val::I64(5), null_func])),
        Some("argument 1 of `f` does not have type (ref null extern)".into())
    );
    assert_eq!(
        err(runtime.call(id, "nope", &[])),
        Some("no export named `nope`".into())
    );
    assert_eq!(
        err(runtime.call(id, "mem", &[])),
        Some("export `mem` is not a function".into())
    );
    assert!(matches!(
        runtime.call(id, "trap", &[]),
        Err(Error::Trap(Trap::Unreachable))
    ));
}

#[test]
fn registered_instances_link_and_missing_imports_are_named() {
    let engine = engine();
    let lib = engine.compile_text(r#"(module (func (export "seven") (result i32) (i32.const 7)))"#);
    let user = engine.compile_text(
        r#"(module (import "lib" "seven" (func $s (result i32)))
                   (func (export "twice") (result i32) (i32.add (call $s) (call $s))))"#,
    );
    let (Ok(lib), Ok(user)) = (lib, user) else {
        panic!("modules compile")
    };
    let mut runtime = Runtime::new(&engine);
    let err = runtime
        .instantiate(&user)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("lib::seven"), "{err}");
    let lib_id = runtime.instantiate(&lib).expect("lib instantiates");
    runtime.register("lib", lib_id);
    let user_id = runtime.instantiate(&user).expect("user instantiates");
    assert_eq!(
        runtime.call(user_id, "twice", &[]).ok(),
        Some(vec![Val::I32(14)])
    );
}

#[test]
fn compile_errors() {
    let engine = engine();
    assert!(matches!(
        engine.compile(b"\0asm\x01\0\0"),
        Err(Error::Compile(_))
    ));
    assert!(matches!(
        engine.compile(b"(module (func (i32.const)))"),
        Err(Error::Text(_))
    ));
    assert!(matches!(engine.compile(&[0xff, 0xfe]), Err(Error::Text(_))));
    let invalid = engine.compile_text("(module (func (result i32)))");
    assert!(matches!(invalid, Err(Error::Compile(e)) if e.message.contains("type mismatch")));
}
