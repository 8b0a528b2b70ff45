//! Tests of `Module::new` on modules written in the text format.

use super::*;
use crate::const_expr::ConstOp;
use crate::types::HeapType;

fn bytes_of(wat: &str) -> Vec<u8> {
    wat::parse_str(wat).expect("test module is valid text")
}

fn parse(wat: &str) -> Result<Module, ModuleError> {
    Module::new(&Arc::new(TypeRegistry::new()), &bytes_of(wat))
}

fn ops(expr: &ConstExpr) -> &[ConstOp] {
    &expr.ops
}

const EVERY_SECTION: &str = r#"
(module $everything
  (type $unary (func (param i32) (result i32)))
  (type $nullary (func))
  (import "env" "f" (func $imported (type $unary)))
  (import "env" "t" (table $imported_table i64 1 funcref))
  (import "env" "m" (memory $imported_memory i64 2 3))
  (import "env" "g" (global $imported_global (mut i64)))
  (import "env" "e" (tag $imported_tag (param i32)))
  (func $first (type $unary) local.get 0)
  (func $second (type $nullary))
  (table $t 2 10 (ref null func) (ref.func $second))
  (table $plain 1 externref)
  (memory $m 1 2 shared)
  (global $g i32 (i32.add (i32.const 1) (i32.const 2)))
  (global $f f64 (f64.const 1.5))
  (tag $e)
  (export "first" (func $first))
  (export "mem" (memory $m))
  (export "tag" (tag $e))
  (start $second)
  (elem (table $t) (i32.const 0) func $first $second)
  (elem $passive funcref (ref.null func) (ref.func $first))
  (elem declare func $imported)
  (data (memory $m) (i32.const 8) "hello")
  (data $bytes "xyz"))
"#;

#[test]
fn every_section() {
    let module = parse(EVERY_SECTION).expect("valid module");
    assert_eq!(
        module.types.len(),
        3,
        "two declared, one implied by the imported tag"
    );
    assert_eq!(module.name.as_deref(), Some("everything"));
    assert_eq!(module.func_name(1), Some("first"));

    // Imports come first in every index space.
    assert_eq!(module.imports.len(), 5);
    assert_eq!(
        (
            module.imports[0].module.as_str(),
            module.imports[0].name.as_str()
        ),
        ("env", "f")
    );
    assert_eq!(module.imports[0].ty, ExternType::Func(0));
    assert_eq!(module.funcs, vec![0, 0, 1]);
    assert_eq!(module.num_imported_funcs, 1);
    let ExternType::Table(table) = module.imports[1].ty else {
        panic!("table import")
    };
    assert!(table.table64);
    assert_eq!(module.tables[0], table);
    let ExternType::Memory(memory) = module.imports[2].ty else {
        panic!("memory import")
    };
    assert_eq!(
        (memory.memory64, memory.limits),
        (
            true,
            Limits {
                min: 2,
                max: Some(3)
            }
        )
    );
    assert_eq!(
        module.globals[0],
        GlobalType {
            content: ValType::I64,
            mutable: true
        }
    );
    let tag_type = module
        .registry
        .func_type(module.tags[0].func_type)
        .expect("function type");
    assert_eq!(*tag_type, FuncType::new([ValType::I32], []));
    assert_eq!(
        [
            module.num_imported_tables,
            module.num_imported_memories,
            module.num_imported_globals
        ],
        [1, 1, 1]
    );
    assert_eq!(module.num_imported_tags, 1);

    // Definitions.
    assert_eq!(module.bodies.len(), 2);
    assert_eq!(module.bodies[1].type_index, 1);
    assert_eq!(module.tables.len(), 3);
    assert_eq!(
        module.tables[1].limits,
        Limits {
            min: 2,
            max: Some(10)
        }
    );
    assert_eq!(module.table_inits.len(), 2);
    assert_eq!(
        ops(module.table_inits[0].as_ref().expect("init")),
        &[ConstOp::RefFunc(2)]
    );
    assert!(module.table_inits[1].is_none());
    assert_eq!(
        module.tables[2].elem,
        RefType {
            nullable: true,
            heap: HeapType::Extern
        }
    );
    assert!(module.memories[1].shared);
    let add = [ConstOp::I32Const(1), ConstOp::I32Const(2), ConstOp::I32Add];
    assert_eq!(ops(&module.global_inits[0]), &add);
    assert_eq!(
        ops(&module.global_inits[1]),
        &[ConstOp::F64Const(1.5f64.to_bits())]
    );
    assert_eq!(module.tags.len(), 2);

    assert_eq!(
        module.export("mem").map(|e| (e.kind, e.index)),
        Some((ExternKind::Memory, 1))
    );
    assert_eq!(
        module.export("tag").map(|e| (e.kind, e.index)),
        Some((ExternKind::Tag, 1))
    );
    assert!(module.export("missing").is_none());
    assert_eq!(module.start, Some(2));
}

#[test]
fn element_and_data_segments() {
    let module = parse(EVERY_SECTION).expect("valid module");
    assert_eq!(module.elems.len(), 3);
    let active = &module.elems[0];
    assert_eq!(
        active.ty,
        RefType {
            nullable: true,
            heap: HeapType::Func
        }
    );
    let items: Vec<_> = active.items.iter().map(ops).collect();
    assert_eq!(items, [&[ConstOp::RefFunc(1)], &[ConstOp::RefFunc(2)]]);
    let ElemMode::Active { table, offset } = &active.mode else {
        panic!("active segment")
    };
    assert_eq!((*table, ops(offset)), (1, &[ConstOp::I32Const(0)][..]));
    let passive = &module.elems[1];
    assert!(matches!(passive.mode, ElemMode::Passive));
    assert_eq!(ops(&passive.items[0]), &[ConstOp::RefNull(HeapType::Func)]);
    assert!(matches!(module.elems[2].mode, ElemMode::Declared));

    let hello = &module.datas[0];
    assert_eq!(&module.bytes[hello.range.clone()], b"hello");
    let DataMode::Active { memory, offset } = &hello.mode else {
        panic!("active segment")
    };
    assert_eq!((*memory, ops(offset)), (1, &[ConstOp::I32Const(8)][..]));
    assert_eq!(&module.bytes[module.datas[1].range.clone()], b"xyz");
    assert!(matches!(module.datas[1].mode, DataMode::Passive));
}

#[test]
fn function_bodies_are_readable_from_their_range() {
    let module = parse(
        r#"(module (func (export "add") (param i32 i32) (result i32)
              local.get 0 local.get 1 i32.add))"#,
    )
    .expect("valid module");
    assert_eq!(
        module.func_type(0),
        &FuncType::new([ValType::I32, ValType::I32], [ValType::I32])
    );
    let range = module.bodies[0].range.clone();
    let reader = wasmparser::BinaryReader::new(&module.bytes[range.clone()], range.start as u64);
    let body = wasmparser::FunctionBody::new(reader);
    let ops = body
        .get_operators_reader()
        .expect("operators")
        .into_iter()
        .collect::<Result<Vec<_>, _>>()
        .expect("body decodes");
    assert_eq!(ops.len(), 4);
    assert!(matches!(ops[2], wasmparser::Operator::I32Add));
}

#[test]
fn invalid_module_reports_wasmparser_message() {
    let err = parse("(module (func (result i32) i64.const 0))").expect_err("invalid");
    assert!(err.message.starts_with("type mismatch"), "{}", err.message);
    assert!(!err.message.contains("offset"), "{}", err.message);
    assert!(err.offset.is_some());
}

#[test]
fn truncated_binaries_are_errors() {
    let bytes = bytes_of(EVERY_SECTION);
    // A prefix that ends right after the header or after a whole section may
    // still be a valid module; every other prefix is cut mid-item.
    let mut section_ends = vec![8];
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        if let Some((_, range)) = payload.expect("full module parses").as_section() {
            section_ends.push(range.end as usize);
        }
    }
    let registry = Arc::new(TypeRegistry::new());
    for len in (0..bytes.len()).filter(|len| !section_ends.contains(len)) {
        assert!(
            Module::new(&registry, &bytes[..len]).is_err(),
            "prefix of {len} bytes"
        );
    }
    assert!(
        Module::new(&registry, &bytes[..8]).is_ok(),
        "the bare header is a module"
    );
}

#[test]
fn malformed_name_section_is_ignored() {
    let mut bytes = bytes_of(r#"(module (func))"#);
    // Custom section 0, size 7: name "name" (4 bytes), then a function-names
    // subsection (id 1) whose declared size (9) runs past the end.
    bytes.extend_from_slice(&[0, 7, 4, b'n', b'a', b'm', b'e', 1, 9]);
    let module = Module::new(&Arc::new(TypeRegistry::new()), &bytes).expect("still valid");
    assert_eq!(module.func_name(0), None);
}

#[test]
fn modules_share_canonical_types() {
    let registry = Arc::new(TypeRegistry::new());
    let group = "(rec (type $s (struct (field (ref null $t)))) (type $t (func (param (ref $s)))))";
    let a = Module::new(&registry, &bytes_of(&format!("(module {group})"))).expect("valid");
    let b = Module::new(
        &registry,
        &bytes_of(&format!("(module (type (func)) {group})")),
    )
    .expect("valid");
    assert_eq!(a.types, b.types[1..]);
    assert_eq!(a.type_defs, b.type_defs[1..]);
}

#[test]
fn continuation_types_and_tags_with_results() {
    let module = parse(
        "(module (type $f (func (param i32) (result i64))) (type $k (cont $f))
                 (tag $yield (param i32) (result i64))
                 (global (ref null $k) (ref.null $k)))",
    )
    .expect("valid module");
    assert_eq!(module.type_defs[1], CompositeType::Cont(module.types[0]));
    assert_eq!(module.tags[0].func_type, module.types[0]);
    let k = HeapType::Concrete(module.types[1]);
    assert_eq!(
        module.globals[0].content,
        ValType::Ref(RefType {
            nullable: true,
            heap: k
        })
    );
    assert_eq!(ops(&module.global_inits[0]), &[ConstOp::RefNull(k)]);
}

#[test]
fn gc_allocation_in_constants_is_marked_unsupported() {
    let module = parse(
        "(module (type $s (struct (field i32)))
                 (global (ref $s) (struct.new $s (i32.const 1))))",
    )
    .expect("valid module");
    assert_eq!(
        ops(&module.global_inits[0]),
        &[ConstOp::I32Const(1), ConstOp::Unsupported("struct.new")]
    );
}

#[test]
fn feature_sets_decide_validity() {
    let registry = Arc::new(TypeRegistry::new());
    let tag_with_results = bytes_of("(module (tag (param i32) (result i64)))");
    assert!(Module::new(&registry, &tag_with_results).is_ok());
    let exceptions_only = features() - wasmparser::WasmFeatures::STACK_SWITCHING;
    let err = Module::new_with_features(&registry, &tag_with_results, exceptions_only)
        .expect_err("tag results need stack switching");
    assert!(err.message.contains("non-empty tag result type"), "{err}");
}
