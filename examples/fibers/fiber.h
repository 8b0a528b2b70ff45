/* A small fiber (coroutine) library for C programs compiled to WebAssembly,
 * built on the stack-switching instructions (cont.new, cont.bind, resume,
 * suspend): see fiber.wat for the primitives and README.md for the design.
 *
 * A fiber runs fn(arg) on its own Wasm continuation and its own C stack.
 * fiber_resume() runs it until it calls fiber_yield() or returns; values go
 * both ways: fiber_yield(v) makes the resume return v, and the next
 * fiber_resume(f, w) makes that fiber_yield return w.
 *
 *     fiber_t f = fiber_create(produce, &state);
 *     while (1) {
 *         intptr_t v = fiber_resume(f, 0);
 *         if (fiber_done(f)) break;      // produce() returned
 *         use(v);                        // produce() called fiber_yield(v)
 *     }
 *     fiber_destroy(f);
 *
 * Fibers may create and resume other fibers (a resume inside a fiber nests;
 * a yield goes back to the innermost resumer). Misuse (resuming a finished
 * or running fiber, yielding outside a fiber, a bad handle) prints a message
 * on stderr and aborts. Single-threaded, like the Wasm module it runs in.
 */
#ifndef FIBER_H
#define FIBER_H

#include <stddef.h>
#include <stdint.h>

/* A fiber handle: a small non-negative number (its slot in fiber.wat's
 * continuation table). Slots of destroyed fibers are reused. */
typedef int fiber_t;

/* What fiber_current() returns outside every fiber. */
#define FIBER_NONE (-1)

/* The C stack size of fiber_create(), in bytes. */
#define FIBER_DEFAULT_STACK_SIZE (8 * 1024)

/* The smallest C stack fiber_create_with_stack() accepts, in bytes. */
#define FIBER_MIN_STACK_SIZE 256

/* A new fiber that will run fn(arg) on its first resume, with a C stack of
 * FIBER_DEFAULT_STACK_SIZE bytes. Aborts when out of memory. */
fiber_t fiber_create(void (*fn)(void *), void *arg);

/* The same with a C stack of `stack_size` bytes (rounded up to 16, at least
 * FIBER_MIN_STACK_SIZE). The C stack holds only what clang puts there (arrays,
 * address-taken locals, printf's buffers): small stacks suit fibers that do
 * not call deep library code. Overflowing it is detected at the next yield or
 * return (a guard word at its bottom) and aborts. */
fiber_t fiber_create_with_stack(void (*fn)(void *), void *arg, size_t stack_size);

/* Runs `fiber` until it yields or returns. Passes `value` to it: the result
 * of the fiber_yield() it is suspended in (the first resume's value is not
 * seen by anyone). Returns the value it yielded, or 0 when it returned; then
 * fiber_done() is true and the fiber can only be destroyed. */
intptr_t fiber_resume(fiber_t fiber, intptr_t value);

/* Suspends the current fiber, making its fiber_resume() return `value`.
 * Returns the value of the fiber_resume() that continues it. */
intptr_t fiber_yield(intptr_t value);

/* Whether `fiber` has returned from its function. */
int fiber_done(fiber_t fiber);

/* The fiber running now, or FIBER_NONE outside every fiber. */
fiber_t fiber_current(void);

/* Frees `fiber` (finished, or suspended: then it never continues) and its
 * C stack; its handle may be reused by a later fiber_create(). A running
 * fiber (the current one, or one waiting in a resume) cannot be destroyed. */
void fiber_destroy(fiber_t fiber);

/* How many fibers exist now (created and not destroyed). */
size_t fiber_count(void);

#endif
