;; Deep handlers: a generator nested under D resumes whose handlers do not
;; handle its tag. Each `suspend $yield` passes D prompts to reach the
;; driver's handler, and each resume puts the whole captured segment (D + 1
;; continuations) back. One operation = one round trip (suspend + resume).
;; runD(n) = n (the values yielded), for D = 1, 10, 100, 1000.
(module
  (type $gen_f (func))
  (type $gen_c (cont $gen_f))
  (type $wrap_f (func (param i32)))
  (type $wrap_c (cont $wrap_f))
  (tag $yield)
  (tag $other)
  (global $count (mut i32) (i32.const 0))
  (global $n (mut i32) (i32.const 0))
  (elem declare func $gen $wrap)

  (func $gen
    (loop $next
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (suspend $yield)
      (br_if $next (i32.lt_u (global.get $count) (global.get $n)))))

  ;; $d more wrappers, each resuming the next under a handler of $other
  ;; only (never suspended to); the last resumes the generator.
  (func $wrap (param $d i32)
    (block $other_h (result (ref $gen_c))
      (if (i32.eqz (local.get $d))
        (then (resume $gen_c (on $other $other_h) (cont.new $gen_c (ref.func $gen))))
        (else
          (resume $wrap_c (on $other $other_h)
            (i32.sub (local.get $d) (i32.const 1))
            (cont.new $wrap_c (ref.func $wrap)))))
      (return))
    (unreachable))

  (func $drive (param $d i32) (param $n i32) (result i32)
    (local $k (ref null $gen_c))
    (global.set $n (local.get $n))
    (global.set $count (i32.const 0))
    (block $done
      (block $first (result (ref $gen_c))
        (resume $wrap_c (on $yield $first)
          (i32.sub (local.get $d) (i32.const 1))
          (cont.new $wrap_c (ref.func $wrap)))
        (br $done))
      (local.set $k)
      (loop $again
        (block $yielded (result (ref $gen_c))
          (resume $gen_c (on $yield $yielded) (local.get $k))
          (br $done))
        (local.set $k)
        (br $again)))
    (global.get $count))

  (func (export "run1") (param i32) (result i32) (call $drive (i32.const 1) (local.get 0)))
  (func (export "run10") (param i32) (result i32) (call $drive (i32.const 10) (local.get 0)))
  (func (export "run100") (param i32) (result i32) (call $drive (i32.const 100) (local.get 0)))
  (func (export "run1000") (param i32) (result i32)
    (call $drive (i32.const 1000) (local.get 0))))
