;; Garbage continuations: new_drop(n) makes n continuations and drops them
;; unstarted; suspend_drop(n) makes n, runs each to its first suspension and
;; drops it there. Nothing keeps them: a collector frees them (README,
;; "Continuation collection").
(module
  (type $f (func))
  (type $c (cont $f))
  (tag $t)
  (func $body (suspend $t))
  (elem declare func $body)
  (func (export "new_drop") (param $n i32)
    (loop $l
      (drop (cont.new $c (ref.func $body)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "suspend_drop") (param $n i32)
    (loop $l
      (block $h (result (ref $c))
        (resume $c (on $t $h) (cont.new $c (ref.func $body)))
        (unreachable))
      (drop)
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
