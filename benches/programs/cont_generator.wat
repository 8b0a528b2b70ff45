;; Generator sum: a generator continuation yields 0, 1, ..., n-1 with `suspend`;
;; the consumer adds them up. One operation = one suspend + resume round trip.
;; run(n) = (n * (n - 1) / 2) mod 2^32.
(module
  (type $gen_f (func (param i32)))
  (type $gen_c (cont $gen_f))
  (type $k_f (func))
  (type $k_c (cont $k_f))
  (tag $yield (param i32))
  (elem declare func $generate)

  (func $generate (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (suspend $yield (local.get $i))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func (export "run") (param $n i32) (result i32)
    (local $sum i32)
    (local $k (ref null $k_c))
    (local.set $k
      (cont.bind $gen_c $k_c (local.get $n) (cont.new $gen_c (ref.func $generate))))
    (block $finished
      (loop $consume
        (block $on_yield (result i32 (ref $k_c))
          (resume $k_c (on $yield $on_yield) (local.get $k))
          (br $finished))
        (local.set $k)
        (local.set $sum (i32.add (local.get $sum)))
        (br $consume)))
    (local.get $sum)))
