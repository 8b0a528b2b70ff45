;; Held continuations: n continuations are started and suspended, all held in
;; a table at once, then each is resumed to completion (returning its index).
;; Measures the memory of a suspended continuation. run(n) = (n * (n - 1) / 2)
;; mod 2^32.
(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (type $parked_f (func (result i32)))
  (type $parked_c (cont $parked_f))
  (tag $park)
  (table $held 0 (ref null $parked_c))
  (elem declare func $wait)

  (func $wait (param $i i32) (result i32)
    (suspend $park)
    (local.get $i))

  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (local $sum i32)
    (local $parked (ref null $parked_c))
    (drop (table.grow $held (ref.null $parked_c) (local.get $n)))
    (block $all_parked
      (loop $start
        (br_if $all_parked (i32.ge_u (local.get $i) (local.get $n)))
        (block $on_park (result (ref $parked_c))
          (drop (resume $c (on $park $on_park) (local.get $i) (cont.new $c (ref.func $wait))))
          (unreachable))
        (local.set $parked)
        (table.set $held (local.get $i) (local.get $parked))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $start)))
    (local.set $i (i32.const 0))
    (block $all_done
      (loop $finish
        (br_if $all_done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum) (resume $parked_c (table.get $held (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $finish)))
    (local.get $sum)))
