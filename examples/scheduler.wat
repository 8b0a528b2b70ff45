;; Green threads with stack switching: each thread is a continuation that
;; appends its id to a trace and yields (`suspend $yield`) between steps; a
;; round-robin scheduler keeps the runnable ones in a queue (a table).
;;   wasmfx-tier run examples/scheduler.wat --invoke run_threads   → 123131
;; (thread 1 takes 3 steps, thread 2 one, thread 3 two)
(module
  (type $thread_f (func (param i64 i32)))
  (type $thread_c (cont $thread_f))
  (type $task_f (func))
  (type $task_c (cont $task_f))
  (tag $yield)
  (global $trace (mut i64) (i64.const 0))
  (table $queue 8 (ref null $task_c))
  (global $head (mut i32) (i32.const 0))
  (global $tail (mut i32) (i32.const 0))
  (elem declare func $thread)

  ;; Thread `id`: `steps` times, append id to the trace and yield.
  (func $thread (param $id i64) (param $steps i32)
    (loop $step
      (global.set $trace
        (i64.add (i64.mul (global.get $trace) (i64.const 10)) (local.get $id)))
      (suspend $yield)
      (local.tee $steps (i32.sub (local.get $steps) (i32.const 1)))
      (br_if $step)))

  (func $enqueue (param $task (ref null $task_c))
    (table.set $queue (global.get $tail) (local.get $task))
    (global.set $tail (i32.and (i32.add (global.get $tail) (i32.const 1)) (i32.const 7))))

  (func $dequeue (result (ref null $task_c))
    (local $task (ref null $task_c))
    (local.set $task (table.get $queue (global.get $head)))
    (global.set $head (i32.and (i32.add (global.get $head) (i32.const 1)) (i32.const 7)))
    (local.get $task))

  (func $spawn (param $id i64) (param $steps i32)
    (call $enqueue
      (cont.bind $thread_c $task_c (local.get $id) (local.get $steps)
        (cont.new $thread_c (ref.func $thread)))))

  ;; Runs threads until none is left; a thread that yields goes to the back.
  (func (export "run_threads") (result i64)
    (call $spawn (i64.const 1) (i32.const 3))
    (call $spawn (i64.const 2) (i32.const 1))
    (call $spawn (i64.const 3) (i32.const 2))
    (block $idle
      (loop $schedule
        (br_if $idle (i32.eq (global.get $head) (global.get $tail)))
        (block $on_yield (result (ref $task_c))
          (resume $task_c (on $yield $on_yield) (call $dequeue))
          (br $schedule))
        (call $enqueue)
        (br $schedule)))
    (global.get $trace)))
