;; Sieve of filter continuations: every prime found becomes a filter
;; continuation that, resumed with a candidate, suspends with whether the
;; candidate survives it. Each candidate 2..n-1 visits filters in order until
;; one rejects it; one surviving them all is a prime and adds a filter.
;; One operation = one filter visit (resume + suspend). run(n) = primes below n.
(module
  (type $filter_f (func (param i32 i32)))
  (type $filter_c (cont $filter_f))
  (type $next_f (func (param i32)))
  (type $next_c (cont $next_f))
  (tag $verdict (param i32) (result i32))
  (table $filters 0 (ref null $next_c))
  (elem declare func $filter)

  ;; Answers "survives" (1) or "divisible" (0) for every candidate it is given.
  (func $filter (param $prime i32) (param $candidate i32)
    (loop $judge
      (local.set $candidate
        (suspend $verdict
          (i32.ne (i32.rem_u (local.get $candidate) (local.get $prime)) (i32.const 0))))
      (br $judge)))

  (func (export "run") (param $n i32) (result i32)
    (local $candidate i32)
    (local $j i32)
    (local $primes i32)
    (local $resumed (ref null $next_c))
    (local.set $candidate (i32.const 2))
    (block $done
      (loop $next_candidate
        (br_if $done (i32.ge_u (local.get $candidate) (local.get $n)))
        (local.set $j (i32.const 0))
        (block $composite
          (loop $next_filter
            (if (i32.lt_u (local.get $j) (local.get $primes))
              (then
                (block $on_verdict (result i32 (ref $next_c))
                  (resume $next_c (on $verdict $on_verdict)
                    (local.get $candidate) (table.get $filters (local.get $j)))
                  (unreachable))
                (local.set $resumed)
                (table.set $filters (local.get $j) (local.get $resumed))
                (br_if $composite (i32.eqz))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br $next_filter))))
          ;; A prime: its filter joins the end of the chain.
          (drop
            (table.grow $filters
              (cont.bind $filter_c $next_c (local.get $candidate)
                (cont.new $filter_c (ref.func $filter)))
              (i32.const 1)))
          (local.set $primes (i32.add (local.get $primes) (i32.const 1))))
        (local.set $candidate (i32.add (local.get $candidate) (i32.const 1)))
        (br $next_candidate)))
    (local.get $primes)))
