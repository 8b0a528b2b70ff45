//! Tests of `Module::new` on modules written in the text format.

use super::*;
use crate::types::HeapType;

fn parse(wat: &str) -> Result<Module, ModuleError> {
    let bytes = wat::parse_str(wat).expect("test module is valid text");
    Module::new(&Arc::new(TypeRegistry::new()), &bytes)
}

#[test]
fn simple_function_and_export() {
    let module = parse(
        r#"(module (func (export "add") (param i32 i32) (result i32)
              local.get 0 local.get 1 i32.add))"#,
    )
    .expect("valid module");
    assert_eq!(module.funcs, vec![0]);
    assert_eq!(module.bodies.len(), 1);
    assert_eq!(module.func_type(0), &FuncType::new([ValType::I32, ValType::I32], [ValType::I32]));
    let export = module.export("add").expect("export exists");
    assert_eq!((export.kind, export.index), (ExternKind::Func, 0));
    let body = &module.bodies[0];
    let reader = wasmparser::BinaryReader::new(&module.bytes[body.range.clone()], body.range.start as u64);
    let body = wasmparser::FunctionBody::new(reader);
    let ops: Vec<_> = body
        .get_operators_reader()
        .expect("operators")
        .into_iter()
        .collect::<Result<_, _>>()
        .expect("body decodes");
    assert_eq!(ops.len(), 4);
    assert!(matches!(ops[2], wasmparser::Operator::I32Add));
    let _ = HeapType::Func;
}
