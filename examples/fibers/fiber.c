/* The C half of the fiber library (API in fiber.h): handles, states and C
 * stacks. The switching itself is done by fiber.wat's primitives, imported
 * here from the module `fiber` (wasm-merge links them, see build.sh).
 *
 * A handle indexes two parallel tables:
 *
 *   records[h]  (this file, linear memory)   fiber.wat's $fibers[h]
 *   ┌──────────────────────────────┐         ┌────────────────────────┐
 *   │ fn, arg    what to run        │         │ continuation, or null  │
 *   │ stack      C stack (malloc)   │         │ while the fiber runs   │
 *   │ state      FREE/READY/RUNNING │         │ and after it returned  │
 *   │            /DONE              │         └────────────────────────┘
 *   │ next_free  free-list link     │
 *   └──────────────────────────────┘
 *
 *   C stack of a fiber (grows down):
 *   stack ─▶ [ guard words | ............ used ◀── | ] ◀─ stack top (16-aligned)
 *
 * Each fiber's entry in fiber.wat calls fiber_run(handle) through the C
 * function table; fiber_run calls the user's fn(arg) and marks the record
 * DONE when it returns.
 */
#include "fiber.h"

#include <stdio.h>
#include <stdlib.h>

#define FIBER_IMPORT(name) __attribute__((import_module("fiber"), import_name(name)))

FIBER_IMPORT("create") int fiber_prim_create(int slot, void (*fn)(void *), void *arg, void *stack_top);
FIBER_IMPORT("resume") intptr_t fiber_prim_resume(int slot, intptr_t value);
FIBER_IMPORT("yield") intptr_t fiber_prim_yield(intptr_t value);
FIBER_IMPORT("drop") void fiber_prim_drop(int slot);

enum fiber_state {
    FIBER_FREE,    /* slot unused, on the free list */
    FIBER_READY,   /* not started, or suspended in fiber_yield */
    FIBER_RUNNING, /* running, or waiting in a fiber_resume of its own */
    FIBER_DONE,    /* its function returned */
};

struct fiber_record {
    void (*fn)(void *);
    void *arg;
    unsigned char *stack; /* lowest address of its C stack */
    enum fiber_state state;
    fiber_t next_free;    /* next free slot when FREE, else unused */
};

/* Written at the bottom of every fiber's C stack, checked after it runs. */
static const uint32_t GUARD_WORDS[2] = {0x5AFE57ACu, 0xF1BE4C0Du};

static struct fiber_record *records;
static size_t record_capacity;
static size_t live_fibers;
static fiber_t first_free = FIBER_NONE;
static fiber_t current = FIBER_NONE;

static _Noreturn void fail(const char *what, fiber_t fiber) {
    fprintf(stderr, "fiber: %s (fiber %d)\n", what, fiber);
    abort();
}

/* The record of a live fiber, or abort. */
static struct fiber_record *live_record(fiber_t fiber) {
    if (fiber < 0 || (size_t)fiber >= record_capacity || records[fiber].state == FIBER_FREE) {
        fail("no such fiber", fiber);
    }
    return &records[fiber];
}

/* A free slot: from the free list, or a new one after growing `records`. */
static fiber_t take_slot(void) {
    if (first_free == FIBER_NONE) {
        size_t capacity = record_capacity ? record_capacity * 2 : 64;
        struct fiber_record *grown = realloc(records, capacity * sizeof *grown);
        if (!grown) {
            fail("out of memory for fiber records", FIBER_NONE);
        }
        for (size_t slot = capacity; slot-- > record_capacity;) {
            grown[slot].state = FIBER_FREE;
            grown[slot].next_free = first_free;
            first_free = (fiber_t)slot;
        }
        records = grown;
        record_capacity = capacity;
    }
    fiber_t slot = first_free;
    first_free = records[slot].next_free;
    return slot;
}

static void release_slot(fiber_t slot) {
    records[slot].state = FIBER_FREE;
    records[slot].next_free = first_free;
    first_free = slot;
}

/* What fiber.wat runs on a new fiber's continuation. */
static void fiber_run(void *handle) {
    fiber_t fiber = (fiber_t)(intptr_t)handle;
    struct fiber_record *record = &records[fiber];
    record->fn(record->arg);
    /* `records` may have moved while fn ran (fibers created meanwhile). */
    records[fiber].state = FIBER_DONE;
}

fiber_t fiber_create_with_stack(void (*fn)(void *), void *arg, size_t stack_size) {
    if (stack_size < FIBER_MIN_STACK_SIZE) {
        stack_size = FIBER_MIN_STACK_SIZE;
    }
    stack_size = (stack_size + 15) & ~(size_t)15;
    /* 16-byte aligned by malloc, so the top is too. */
    unsigned char *stack = malloc(stack_size);
    if (!stack) {
        fail("out of memory for a fiber stack", FIBER_NONE);
    }
    ((uint32_t *)stack)[0] = GUARD_WORDS[0];
    ((uint32_t *)stack)[1] = GUARD_WORDS[1];
    fiber_t fiber = take_slot();
    if (!fiber_prim_create(fiber, fiber_run, (void *)(intptr_t)fiber, stack + stack_size)) {
        fail("the continuation table cannot grow", fiber);
    }
    records[fiber] = (struct fiber_record){
        .fn = fn,
        .arg = arg,
        .stack = stack,
        .state = FIBER_READY,
        .next_free = FIBER_NONE,
    };
    live_fibers++;
    return fiber;
}

fiber_t fiber_create(void (*fn)(void *), void *arg) {
    return fiber_create_with_stack(fn, arg, FIBER_DEFAULT_STACK_SIZE);
}

intptr_t fiber_resume(fiber_t fiber, intptr_t value) {
    struct fiber_record *record = live_record(fiber);
    if (record->state == FIBER_RUNNING) {
        fail("resume of a running fiber", fiber);
    }
    if (record->state == FIBER_DONE) {
        fail("resume of a finished fiber", fiber);
    }
    fiber_t resumer = current;
    record->state = FIBER_RUNNING;
    current = fiber;
    intptr_t yielded = fiber_prim_resume(fiber, value);
    current = resumer;
    record = &records[fiber];
    const uint32_t *guard = (const uint32_t *)record->stack;
    if (guard[0] != GUARD_WORDS[0] || guard[1] != GUARD_WORDS[1]) {
        fail("C stack overflow", fiber);
    }
    if (record->state == FIBER_RUNNING) {
        record->state = FIBER_READY;
    }
    return yielded;
}

intptr_t fiber_yield(intptr_t value) {
    if (current == FIBER_NONE) {
        fail("yield outside every fiber", FIBER_NONE);
    }
    return fiber_prim_yield(value);
}

int fiber_done(fiber_t fiber) {
    return live_record(fiber)->state == FIBER_DONE;
}

fiber_t fiber_current(void) {
    return current;
}

void fiber_destroy(fiber_t fiber) {
    struct fiber_record *record = live_record(fiber);
    if (record->state == FIBER_RUNNING) {
        fail("destroy of a running fiber", fiber);
    }
    fiber_prim_drop(fiber);
    free(record->stack);
    release_slot(fiber);
    live_fibers--;
}

size_t fiber_count(void) {
    return live_fibers;
}
