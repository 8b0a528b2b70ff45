;; A loop over linear memory: stores the squares 0², 1², ..., (n-1)² as i64s, then sums
;; them back, growing memory when n does not fit.
;;   wasmfx-tier run --tier interp examples/memory_sum.wat --invoke sum_squares 1000
;;   prints 332833500
(module
  (memory 1)

  ;; Grows memory so that `bytes` bytes fit; returns 0, or -1 when growing failed.
  (func $reserve (param $bytes i32) (result i32)
    (local $needed_pages i32)
    (local.set $needed_pages
      (i32.shr_u (i32.add (local.get $bytes) (i32.const 0xffff)) (i32.const 16)))
    (if (i32.le_u (local.get $needed_pages) (memory.size))
      (then (return (i32.const 0))))
    (if (i32.eq
          (memory.grow (i32.sub (local.get $needed_pages) (memory.size)))
          (i32.const -1))
      (then (return (i32.const -1))))
    (i32.const 0))

  (func (export "sum_squares") (param $n i32) (result i64)
    (local $i i32)
    (local $sum i64)
    (if (i32.ne (call $reserve (i32.shl (local.get $n) (i32.const 3))) (i32.const 0))
      (then (return (i64.const -1))))
    ;; Fill: memory[8 i] = i * i.
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (local.get $n)))
        (i64.store
          (i32.shl (local.get $i) (i32.const 3))
          (i64.mul (i64.extend_i32_u (local.get $i)) (i64.extend_i32_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    ;; Sum them back.
    (local.set $i (i32.const 0))
    (block $summed
      (loop $sum_loop
        (br_if $summed (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i64.add (local.get $sum) (i64.load (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $sum_loop)))
    (local.get $sum)))
