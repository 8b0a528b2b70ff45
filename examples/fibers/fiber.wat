;; The stack-switching primitives under the C fiber library (fiber.c).
;;
;; This module is merged into each C program by Binaryen's `wasm-merge`
;; (build.sh): it is named `fiber` there, the C module `app`. The C code
;; imports `create`, `resume`, `yield` and `drop` from `fiber`; this module
;; imports the C module's function table and its shadow-stack pointer from
;; `app`. After the merge both sides are one module and every import between
;; them is a direct reference.
;;
;; C cannot hold a continuation reference, so continuations live in the table
;; $fibers, indexed by the C handle (an i32 slot number chosen by fiber.c).
;;
;;   $fibers: [ slot 0 | slot 1 | ... ]   (ref null $fiber_cont)
;;            null      = no fiber in the slot, or its fiber is running
;;            non-null  = a fiber that has not started yet or is suspended
;;
;; The C shadow stack: clang keeps the C stack pointer in the global
;; `__stack_pointer`. Each fiber has its own region (allocated by fiber.c),
;; and the global must always point into the region of the code running now:
;;   - $body (first run of a fiber) sets it to the top of the fiber's region;
;;   - `resume` saves the resumer's value in a local and puts it back when the
;;     fiber yields or returns;
;;   - `yield` saves the fiber's value in a local and puts it back when the
;;     fiber is resumed.
;; So each saved value lives in a Wasm local on the stack it belongs to, and
;; nesting (a fiber resuming another fiber) needs nothing more.
(module
  ;; From the C module (see build.sh); imports come first in the module.
  (import "app" "__indirect_function_table" (table $c_functions 0 funcref))
  (import "app" "__stack_pointer" (global $stack_pointer (mut i32)))

  ;; A C `void (*)(void *)`, what $body calls through the C function table.
  (type $c_entry (func (param i32)))

  ;; A fiber: takes the value passed by `resume`, returns when finished (the
  ;; result is always 0; fiber.c records completion itself).
  (type $fiber_func (func (param i32) (result i32)))
  (type $fiber_cont (cont $fiber_func))

  ;; $body before its first three arguments are bound by `create`.
  (type $body_func (func (param i32 i32 i32 i32) (result i32)))
  (type $body_cont (cont $body_func))

  ;; `yield`: a fiber hands a value out and receives the next resume's value.
  (tag $yield (param i32) (result i32))

  (table $fibers 0 (ref null $fiber_cont))

  (elem declare func $body)

  ;; create(slot, fn, arg, stack_top) -> 1, or 0 when the table cannot grow.
  ;; Puts a fresh fiber in `slot`: on its first resume it runs fn(arg) on a C
  ;; stack whose top (highest address, 16-byte aligned) is `stack_top`.
  (func $create (export "create")
    (param $slot i32) (param $fn i32) (param $arg i32) (param $stack_top i32)
    (result i32)
    (local $size i32)
    (local.set $size (table.size $fibers))
    (if (i32.ge_u (local.get $slot) (local.get $size))
      (then
        ;; Grow to at least slot + 1, and at least double, so that creating
        ;; fibers one slot after another grows the table O(log n) times.
        (if (i32.eq
              (table.grow $fibers
                (ref.null $fiber_cont)
                (select
                  (i32.sub (i32.add (local.get $slot) (i32.const 1)) (local.get $size))
                  (i32.add (local.get $size) (i32.const 16))
                  (i32.gt_u
                    (i32.sub (i32.add (local.get $slot) (i32.const 1)) (local.get $size))
                    (i32.add (local.get $size) (i32.const 16)))))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (table.set $fibers
      (local.get $slot)
      (cont.bind $body_cont $fiber_cont
        (local.get $fn)
        (local.get $arg)
        (local.get $stack_top)
        (cont.new $body_cont (ref.func $body))))
    (i32.const 1))

  ;; The first run of a fiber: switch to its own C stack, call fn(arg). The
  ;; value of the first resume is not used (a C entry takes only `arg`).
  (func $body
    (param $fn i32) (param $arg i32) (param $stack_top i32) (param $first i32)
    (result i32)
    (global.set $stack_pointer (local.get $stack_top))
    (call_indirect $c_functions (type $c_entry) (local.get $arg) (local.get $fn))
    (i32.const 0))

  ;; resume(slot, value) -> the value the fiber yielded, or 0 when it returned.
  ;; The slot is empty while the fiber runs; it holds the rest of the fiber
  ;; again when the fiber yields, and stays empty when it returns. Resuming an
  ;; empty slot traps (null continuation): fiber.c never does.
  (func $resume (export "resume") (param $slot i32) (param $value i32) (result i32)
    (local $resumer_stack_pointer i32)
    (local $fiber (ref null $fiber_cont))
    (local $rest (ref null $fiber_cont))
    (local.set $resumer_stack_pointer (global.get $stack_pointer))
    (local.set $fiber (table.get $fibers (local.get $slot)))
    (table.set $fibers (local.get $slot) (ref.null $fiber_cont))
    (block $on_yield (result i32 (ref $fiber_cont))
      (resume $fiber_cont (on $yield $on_yield)
        (local.get $value)
        (local.get $fiber))
      ;; The fiber returned (its result, 0, is on the stack).
      (global.set $stack_pointer (local.get $resumer_stack_pointer))
      (return))
    ;; The fiber yielded: the stack holds its value and its continuation.
    (local.set $rest)
    (table.set $fibers (local.get $slot) (local.get $rest))
    (global.set $stack_pointer (local.get $resumer_stack_pointer)))

  ;; yield(value) -> the value of the resume that continues this fiber.
  ;; Only called on a fiber (fiber.c checks), where a `resume` handles $yield.
  (func $yield (export "yield") (param $value i32) (result i32)
    (local $fiber_stack_pointer i32)
    (local.set $fiber_stack_pointer (global.get $stack_pointer))
    (suspend $yield (local.get $value))
    (global.set $stack_pointer (local.get $fiber_stack_pointer)))

  ;; drop(slot): forget the fiber in `slot` (finished, or suspended and
  ;; abandoned: its continuation is simply never resumed).
  (func $drop (export "drop") (param $slot i32)
    (table.set $fibers (local.get $slot) (ref.null $fiber_cont)))
)
