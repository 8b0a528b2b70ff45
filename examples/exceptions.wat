;; Exception handling (Wasm 3.0 `throw` / `try_table`): `checked_add` throws the tag
;; $overflow when a signed 32-bit addition overflows; `add_or_saturate` catches it and
;; returns the saturated value carried by the exception.
;;   wasmfx-tier run --tier interp examples/exceptions.wat --invoke add_or_saturate 2147483647 1
;;   prints 2147483647
;;   wasmfx-tier run --tier interp examples/exceptions.wat --invoke checked_add 2147483647 1
;;   fails with an uncaught exception
(module
  (tag $overflow (export "overflow") (param i32))

  (func $checked_add (export "checked_add") (param $a i32) (param $b i32) (result i32)
    (local $sum i32)
    (local.set $sum (i32.add (local.get $a) (local.get $b)))
    ;; Overflow happened when both operands have the same sign and the sum's differs.
    (if (i32.lt_s
          (i32.and
            (i32.xor (local.get $sum) (local.get $a))
            (i32.xor (local.get $sum) (local.get $b)))
          (i32.const 0))
      (then
        ;; Positive operands saturate to i32::MAX, negative ones to i32::MIN.
        (throw $overflow
          (select (i32.const 0x7fffffff) (i32.const 0x80000000)
            (i32.ge_s (local.get $a) (i32.const 0))))))
    (local.get $sum))

  (func (export "add_or_saturate") (param $a i32) (param $b i32) (result i32)
    (block $caught (result i32)
      (try_table (result i32) (catch $overflow $caught)
        (call $checked_add (local.get $a) (local.get $b)))
      (return))))
