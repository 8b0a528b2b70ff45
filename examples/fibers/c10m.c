/* Many short-lived fibers: TOTAL fibers (default 10,000,000) created over
 * the run, at most ALIVE (default 10,000) alive at once. The scheduler
 * keeps ALIVE slots and resumes them in turn; when a fiber finishes it is
 * destroyed and a new one takes its slot, until TOTAL have run. Memory stays
 * bounded by ALIVE fibers (slots, C stacks and continuations are reused).
 *
 * Fiber `id` yields (id % 4) + 1 values and returns; the checksum mixes every
 * value in the order the scheduler receives it.
 *
 * Usage: c10m [TOTAL [ALIVE]]
 */
#include "fiber.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The workers use no C stack of their own beyond a few words. */
#define WORKER_STACK_SIZE 256

static void worker(void *arg) {
    uint32_t id = (uint32_t)(uintptr_t)arg;
    uint32_t value = id * 2654435761u;
    for (uint32_t i = 0; i <= id % 4; i++) {
        value ^= value << 13;
        value ^= value >> 17;
        value ^= value << 5;
        fiber_yield((intptr_t)value);
    }
}

int main(int argc, char **argv) {
    long total = argc > 1 ? strtol(argv[1], NULL, 10) : 10000000;
    long alive_max = argc > 2 ? strtol(argv[2], NULL, 10) : 10000;
    if (total < 1 || alive_max < 1) {
        fprintf(stderr, "usage: c10m [TOTAL >= 1 [ALIVE >= 1]]\n");
        return 2;
    }
    if (alive_max > total) {
        alive_max = total;
    }
    fiber_t *slots = malloc((size_t)alive_max * sizeof *slots);
    if (!slots) {
        fprintf(stderr, "c10m: out of memory\n");
        return 1;
    }
    long created = 0;
    for (; created < alive_max; created++) {
        slots[created] = fiber_create_with_stack(worker, (void *)(uintptr_t)created, WORKER_STACK_SIZE);
    }
    size_t peak = fiber_count();
    uint64_t checksum = 0;
    long finished = 0;
    long switches = 0;
    long occupied = alive_max;
    while (occupied > 0) {
        for (long slot = 0; slot < alive_max; slot++) {
            if (slots[slot] == FIBER_NONE) {
                continue;
            }
            uint32_t value = (uint32_t)fiber_resume(slots[slot], 0);
            switches++;
            if (!fiber_done(slots[slot])) {
                checksum = checksum * 1000003u + value;
                continue;
            }
            fiber_destroy(slots[slot]);
            finished++;
            if (created < total) {
                slots[slot] = fiber_create_with_stack(worker, (void *)(uintptr_t)created, WORKER_STACK_SIZE);
                created++;
                if (fiber_count() > peak) {
                    peak = fiber_count();
                }
            } else {
                slots[slot] = FIBER_NONE;
                occupied--;
            }
        }
    }
    free(slots);
    printf("c10m: %ld fibers finished, at most %zu alive, %ld switches, checksum %016llx\n",
           finished, peak, switches, (unsigned long long)checksum);
    return 0;
}
