;; Mutual recursion through tail calls (`return_call`): `is_even` and `is_odd` bounce
;; n times without growing the call stack, so a million steps run in constant space.
;;   wasmfx-tier run --tier interp examples/tail_calls.wat --invoke is_even 1000000
;;   prints 1
(module
  (func $is_even (export "is_even") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (return_call $is_odd (i32.sub (local.get $n) (i32.const 1))))))

  (func $is_odd (export "is_odd") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (return_call $is_even (i32.sub (local.get $n) (i32.const 1)))))))
