;; A continuation hidden in each kind of root while `churn` makes and drops
;; continuations (a collection at each with the minimum at 0); each export
;; then resumes the hidden one: 7 (or 1005 for the suspended holder) when
;; it survived, a trap ("continuation already consumed") if it was freed.
(module
  (type $f (func (result i32)))
  (type $c (cont $f))
  (type $g (func (param i32) (result i32)))
  (type $gc (cont $g))
  (type $takes_f (func (param (ref null $c)) (result i32)))
  (type $takes (cont $takes_f))
  (tag $yield (result i32))
  (tag $carry (param (ref null $c)))
  (table $t 1 (ref null $c))
  (global $g (mut (ref null $c)) (ref.null $c))
  (elem declare func $seven $run_it $holder $inner $waiter $in_place_body)

  (func $seven (result i32) (i32.const 7))
  (func $run_it (param $k (ref null $c)) (result i32) (resume $c (local.get $k)))

  ;; Makes n continuations and drops them.
  (func $churn (param $n i32)
    (loop $l
      (drop (cont.new $c (ref.func $seven)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; Suspends from its own frame (compiled under the "churn compiled" plan).
  (func $suspender (result i32) (i32.add (suspend $yield) (i32.const 1)))

  (func (export "in_local") (result i32) (local $k (ref null $c))
    (local.set $k (call $hidden))
    (call $churn (i32.const 100))
    (resume $c (local.get $k)))

  (func (export "in_operand") (result i32)
    (call $hidden)
    (call $churn (i32.const 100))
    (resume $c))

  (func (export "in_table") (result i32)
    (table.set $t (i32.const 0) (call $hidden))
    (call $churn (i32.const 100))
    (resume $c (table.get $t (i32.const 0))))

  (func (export "in_global") (result i32)
    (global.set $g (call $hidden))
    (call $churn (i32.const 100))
    (resume $c (global.get $g)))

  ;; Bound as the argument of another continuation (its record's payload).
  (func (export "in_bound") (result i32) (local $outer (ref null $c))
    (local.set $outer
      (cont.bind $takes $c (call $hidden) (cont.new $takes (ref.func $run_it))))
    (call $churn (i32.const 100))
    (resume $c (local.get $outer)))

  ;; In an exception object only: caught with its reference, thrown again.
  (func (export "in_exception") (result i32) (local $e exnref)
    (local.set $e
      (block $caught (result exnref)
        (try_table (catch_all_ref $caught)
          (throw $carry (call $hidden)))
        (unreachable)))
    (call $churn (i32.const 100))
    (block $again (result (ref null $c))
      (try_table (catch $carry $again)
        (throw_ref (local.get $e)))
      (unreachable))
    (resume $c))

  ;; In the frame of a suspended continuation.
  (func $holder (result i32) (local $k (ref null $c))
    (local.set $k (call $hidden))
    (i32.add (suspend $yield) (resume $c (local.get $k))))
  (func (export "in_suspended") (result i32) (local $h (ref null $gc))
    (local.set $h
      (block $on (result (ref $gc))
        (drop (resume $c (on $yield $on) (cont.new $c (ref.func $holder))))
        (unreachable)))
    (call $churn (i32.const 100))
    (resume $gc (i32.const 998) (local.get $h)))

  ;; On the stack of a resumer that waits while its continuation churns.
  (func $inner (result i32) (call $churn (i32.const 100)) (i32.const 0))
  (func (export "in_resumer") (result i32) (local $k (ref null $c))
    (local.set $k (call $hidden))
    (drop (resume $c (cont.new $c (ref.func $inner))))
    (resume $c (local.get $k)))

  ;; Named by index only: an interpreted frame ($waiter) waits in the
  ;; native continuation of its call to compiled $suspender, which
  ;; suspended through it.
  (func $waiter (result i32) (i32.add (call $suspender) (i32.const 100)))
  (func (export "in_waited") (result i32) (local $h (ref null $gc))
    (local.set $h
      (block $on (result (ref $gc))
        (drop (resume $c (on $yield $on) (cont.new $c (ref.func $waiter))))
        (unreachable)))
    (call $churn (i32.const 100))
    (resume $gc (i32.const 20) (local.get $h)))

  ;; Its own record while it runs as heap frames in place of a native
  ;; continuation (the "in place" configuration), named by no handle then.
  (func $in_place_body (result i32) (call $churn (i32.const 100)) (i32.const 7))
  (func (export "in_place") (result i32)
    (resume $c (cont.new $c (ref.func $in_place_body))))

  ;; Unreachable continuations, fresh and suspended: n of each.
  (func (export "garbage") (param $n i32)
    (loop $l
      (drop (cont.new $c (ref.func $seven)))
      (block $on (result (ref $gc))
        (drop (resume $c (on $yield $on) (cont.new $c (ref.func $holder))))
        (unreachable))
      (drop)
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))

  ;; The continuation each export hides: bound twice, so that its handle
  ;; carries revision 2 and no small integer left on a stack looks like it
  ;; (which would keep it alive for the wrong reason: with a handle of
  ;; revision 0, `in_suspended` passed under `jit` with suspended stacks
  ;; not scanned at all). Last, so the other functions keep their indices.
  (func $hidden (result (ref $c))
    (cont.bind $c $c (cont.bind $c $c (cont.new $c (ref.func $seven))))))
