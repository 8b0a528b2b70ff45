;; Skynet: node (num, size) with size > 1 spawns 10 child continuations
;; (num + i * size/10, size/10) and sums what they return; a leaf returns num.
;; skynet(1000000) makes 1,111,110 continuations and returns 499999500000.
;; run(size) = skynet(size) mod 2^32 (the harness prints an i32).
(module
  (type $node_f (func (param i64 i64) (result i64)))
  (type $node_c (cont $node_f))
  (elem declare func $node)

  (func $node (param $num i64) (param $size i64) (result i64)
    (local $child_size i64)
    (local $i i64)
    (local $sum i64)
    (if (i64.le_u (local.get $size) (i64.const 1))
      (then (return (local.get $num))))
    (local.set $child_size (i64.div_u (local.get $size) (i64.const 10)))
    (loop $spawn
      (local.set $sum
        (i64.add (local.get $sum)
          (resume $node_c
            (i64.add (local.get $num) (i64.mul (local.get $i) (local.get $child_size)))
            (local.get $child_size)
            (cont.new $node_c (ref.func $node)))))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br_if $spawn (i64.lt_u (local.get $i) (i64.const 10))))
    (local.get $sum))

  (func $skynet (export "skynet") (param $size i32) (result i64)
    (call $node (i64.const 0) (i64.extend_i32_u (local.get $size))))

  (func (export "run") (param $size i32) (result i32)
    (i32.wrap_i64 (call $skynet (local.get $size)))))
