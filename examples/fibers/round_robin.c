/* A round-robin scheduler of green threads: THREADS fibers (default 10,000)
 * each run a few steps, yielding after every step; the scheduler resumes
 * them in turn until all have finished. Each thread keeps an array on its
 * own C stack across its yields and checks it at the end, so threads that
 * shared or clobbered each other's C stack would be caught. The checksum
 * depends on the exact interleaving.
 *
 * Usage: round_robin [THREADS]
 */
#include "fiber.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_STEPS 8

/* Mixed by every step of every thread, in scheduling order. */
static uint32_t checksum = 2166136261u;
static long steps_run;
static long corrupted;

static void mix(uint32_t value) {
    checksum = (checksum ^ value) * 16777619u;
}

/* Thread `id` runs 1 + id % MAX_STEPS steps. */
static void green_thread(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    uint32_t steps = 1 + id % MAX_STEPS;
    volatile uint32_t history[MAX_STEPS]; /* on this fiber's C stack */
    for (uint32_t step = 0; step < steps; step++) {
        history[step] = id * 31 + step;
        mix(history[step]);
        steps_run++;
        fiber_yield(0);
    }
    for (uint32_t step = 0; step < steps; step++) {
        if (history[step] != id * 31 + step) {
            corrupted++;
        }
    }
}

int main(int argc, char **argv) {
    long threads = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    if (threads < 1) {
        fprintf(stderr, "usage: round_robin [THREADS >= 1]\n");
        return 2;
    }
    fiber_t *run_queue = malloc((size_t)threads * sizeof *run_queue);
    if (!run_queue) {
        fprintf(stderr, "round_robin: out of memory\n");
        return 1;
    }
    for (long i = 0; i < threads; i++) {
        run_queue[i] = fiber_create_with_stack(green_thread, (void *)(uintptr_t)i, 512);
    }
    size_t peak = fiber_count();
    long switches = 0;
    long alive = threads;
    while (alive > 0) {
        /* One round: resume each live thread once, keep the unfinished. */
        long kept = 0;
        for (long i = 0; i < alive; i++) {
            fiber_resume(run_queue[i], 0);
            switches++;
            if (fiber_done(run_queue[i])) {
                fiber_destroy(run_queue[i]);
            } else {
                run_queue[kept++] = run_queue[i];
            }
        }
        alive = kept;
    }
    free(run_queue);
    printf("round_robin: %ld threads (%zu alive at once), %ld steps, %ld switches, "
           "checksum %08x, corrupted %ld, fibers left %zu\n",
           threads, peak, steps_run, switches, checksum, corrupted, fiber_count());
    return corrupted == 0 ? 0 : 1;
}
