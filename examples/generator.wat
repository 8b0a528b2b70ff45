;; A generator with stack switching: `$squares` yields 0, 1, 4, 9, ... with
;; `suspend $yield`; the consumer resumes it n times and adds what it yields.
;;   wasmfx-tier run examples/generator.wat --invoke sum_of_squares 10   → 285
;;   wasmfx-tier run examples/generator.wat --invoke unhandled           → error: unhandled tag "yield"
(module
  (type $squares_f (func))
  (type $squares_c (cont $squares_f))
  (tag $yield (export "yield") (param i64))
  (elem declare func $squares)

  ;; Yields i * i for i = 0, 1, 2, ... forever.
  (func $squares
    (local $i i64)
    (loop $next
      (suspend $yield (i64.mul (local.get $i) (local.get $i)))
      (local.set $i (i64.add (local.get $i) (i64.const 1)))
      (br $next)))

  ;; The sum of the first n values the generator yields.
  (func (export "sum_of_squares") (param $n i32) (result i64)
    (local $sum i64)
    (local $k (ref null $squares_c))
    (local.set $k (cont.new $squares_c (ref.func $squares)))
    (block $done
      (loop $take
        (br_if $done (i32.eqz (local.get $n)))
        (block $on_yield (result i64 (ref $squares_c))
          (resume $squares_c (on $yield $on_yield) (local.get $k))
          (unreachable))
        (local.set $k)
        (local.set $sum (i64.add (local.get $sum)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $take)))
    (local.get $sum))

  ;; Runs the generator without a handler: its first yield has nowhere to go.
  (func (export "unhandled")
    (call $squares)))
