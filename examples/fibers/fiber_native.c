/* fiber.h implemented natively with POSIX ucontext, for cross-checking: the
 * same C programs built for the host (no Wasm involved) must print what the
 * Wasm builds print. Used for c10m's 10 million fibers, which wasmtime
 * cannot run (it keeps every continuation stack until the store dies).
 *
 *   clang -O2 -o /tmp/c10m-native c10m.c fiber_native.c && /tmp/c10m-native
 *
 * Same rules and values as fiber.c; handles are numbered differently (the
 * programs' outputs do not depend on them). Each fiber gets a 64 KiB native
 * stack whatever size it asks for: native frames are bigger than Wasm's C
 * shadow-stack frames.
 */
#include "fiber.h"

#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

enum native_state { NATIVE_FREE, NATIVE_READY, NATIVE_RUNNING, NATIVE_DONE };

struct native_fiber {
    ucontext_t context;  /* the fiber's, while it is not running */
    ucontext_t *resumer; /* where its yield or return goes */
    void (*fn)(void *);
    void *arg;
    void *stack;
    intptr_t transfer;   /* the value passing through resume or yield */
    enum native_state state;
};

static struct native_fiber **fibers;
static size_t capacity;
static size_t live;
static fiber_t current = FIBER_NONE;

static _Noreturn void fail(const char *what, fiber_t fiber) {
    fprintf(stderr, "fiber: %s (fiber %d)\n", what, fiber);
    abort();
}

static struct native_fiber *live_fiber(fiber_t fiber) {
    if (fiber < 0 || (size_t)fiber >= capacity || !fibers[fiber]) {
        fail("no such fiber", fiber);
    }
    return fibers[fiber];
}

static void native_entry(int handle) {
    struct native_fiber *self = fibers[handle];
    self->fn(self->arg);
    self->state = NATIVE_DONE;
    self->transfer = 0;
    setcontext(self->resumer); /* back into the last fiber_resume */
}

fiber_t fiber_create_with_stack(void (*fn)(void *), void *arg, size_t stack_size) {
    (void)stack_size;
    fiber_t slot = 0;
    while ((size_t)slot < capacity && fibers[slot]) {
        slot++;
    }
    if ((size_t)slot == capacity) {
        size_t grown = capacity ? capacity * 2 : 64;
        fibers = realloc(fibers, grown * sizeof *fibers);
        if (!fibers) {
            fail("out of memory", FIBER_NONE);
        }
        for (size_t i = capacity; i < grown; i++) {
            fibers[i] = NULL;
        }
        capacity = grown;
    }
    struct native_fiber *fiber = calloc(1, sizeof *fiber);
    size_t native_stack = 64 * 1024;
    if (!fiber || !(fiber->stack = malloc(native_stack))) {
        fail("out of memory", FIBER_NONE);
    }
    fiber->fn = fn;
    fiber->arg = arg;
    fiber->state = NATIVE_READY;
    getcontext(&fiber->context);
    fiber->context.uc_stack.ss_sp = fiber->stack;
    fiber->context.uc_stack.ss_size = native_stack;
    fiber->context.uc_link = NULL;
    makecontext(&fiber->context, (void (*)(void))native_entry, 1, slot);
    fibers[slot] = fiber;
    live++;
    return slot;
}

fiber_t fiber_create(void (*fn)(void *), void *arg) {
    return fiber_create_with_stack(fn, arg, FIBER_DEFAULT_STACK_SIZE);
}

intptr_t fiber_resume(fiber_t handle, intptr_t value) {
    struct native_fiber *fiber = live_fiber(handle);
    if (fiber->state != NATIVE_READY) {
        fail("resume of a running or finished fiber", handle);
    }
    ucontext_t here;
    fiber_t resumer = current;
    fiber->resumer = &here;
    fiber->transfer = value;
    fiber->state = NATIVE_RUNNING;
    current = handle;
    swapcontext(&here, &fiber->context);
    current = resumer;
    if (fiber->state == NATIVE_RUNNING) {
        fiber->state = NATIVE_READY;
    }
    return fiber->transfer;
}

intptr_t fiber_yield(intptr_t value) {
    if (current == FIBER_NONE) {
        fail("yield outside every fiber", FIBER_NONE);
    }
    struct native_fiber *fiber = fibers[current];
    fiber->transfer = value;
    swapcontext(&fiber->context, fiber->resumer);
    return fiber->transfer;
}

int fiber_done(fiber_t fiber) {
    return live_fiber(fiber)->state == NATIVE_DONE;
}

fiber_t fiber_current(void) {
    return current;
}

void fiber_destroy(fiber_t handle) {
    struct native_fiber *fiber = live_fiber(handle);
    if (fiber->state == NATIVE_RUNNING) {
        fail("destroy of a running fiber", handle);
    }
    free(fiber->stack);
    free(fiber);
    fibers[handle] = NULL;
    live--;
}

size_t fiber_count(void) {
    return live;
}
