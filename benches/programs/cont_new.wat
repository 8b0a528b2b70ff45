;; cont.new + resume + return: n fresh continuations, each run to completion
;; (the function returns i + 1). One operation = cont.new, resume and return.
;; run(n) = (n * (n + 1) / 2) mod 2^32. Memory stays flat: a continuation that
;; returns is released at once.
(module
  (type $f (func (param i32) (result i32)))
  (type $c (cont $f))
  (elem declare func $successor)

  (func $successor (param $i i32) (result i32)
    (i32.add (local.get $i) (i32.const 1)))

  (func (export "run") (param $n i32) (result i32)
    (local $i i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $sum
          (i32.add (local.get $sum)
            (resume $c (local.get $i) (cont.new $c (ref.func $successor)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum)))
