;; Effect-handler state: a counter asks its handler for the state (`get`) and
;; stores state + 1 (`put`), n times, then returns a final `get`. The handler
;; keeps the state in a local. One operation = one effect (suspend + resume);
;; a run performs 2n + 1 of them. run(n) = n.
(module
  (type $int_f (func (param i32) (result i32)))
  (type $int_c (cont $int_f))
  (type $unit_f (func (result i32)))
  (type $unit_c (cont $unit_f))
  (tag $get (result i32))
  (tag $put (param i32))
  (elem declare func $counter)

  (func $counter (param $n i32) (result i32)
    (block $done
      (loop $step
        (br_if $done (i32.eqz (local.get $n)))
        (suspend $put (i32.add (suspend $get) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $step)))
    (suspend $get))

  (func (export "run") (param $n i32) (result i32)
    (local $state i32)
    (local $answer i32)
    (local $after_get (ref null $int_c))
    (local $after_put (ref null $unit_c))
    (local $was_get i32)
    ;; The first resume passes n to the fresh counter, like an answer to `get`.
    (local.set $after_get (cont.new $int_c (ref.func $counter)))
    (local.set $answer (local.get $n))
    (local.set $was_get (i32.const 1))
    (loop $handle
      (block $on_put (result i32 (ref $unit_c))
        (block $on_get (result (ref $int_c))
          (if (local.get $was_get)
            (then
              (return
                (resume $int_c (on $get $on_get) (on $put $on_put)
                  (local.get $answer) (local.get $after_get))))
            (else
              (return
                (resume $unit_c (on $get $on_get) (on $put $on_put)
                  (local.get $after_put)))))
          (unreachable))
        (local.set $after_get)
        (local.set $answer (local.get $state))
        (local.set $was_get (i32.const 1))
        (br $handle))
      (local.set $after_put)
      (local.set $state)
      (local.set $was_get (i32.const 0))
      (br $handle))
    (unreachable)))
