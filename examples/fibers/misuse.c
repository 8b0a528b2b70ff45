/* Misuses of the fiber library, one per run, each of which must print a
 * `fiber: ...` line on stderr and abort (a trap) instead of corrupting
 * memory. The test runs every case and checks the message.
 *
 * Usage: misuse CASE   with CASE one of
 *   yield-outside    fiber_yield() outside every fiber
 *   resume-finished  fiber_resume() of a fiber whose function returned
 *   resume-running   a fiber resuming itself
 *   destroy-running  a fiber destroying itself
 *   bad-handle       fiber_resume() of a handle never created
 *   stack-overflow   a fiber using more C stack than it was given
 */
#include "fiber.h"

#include <stdio.h>
#include <string.h>

static void return_at_once(void *unused) {
    (void)unused;
}

static void resume_self(void *unused) {
    (void)unused;
    fiber_resume(fiber_current(), 0);
}

static void destroy_self(void *unused) {
    (void)unused;
    fiber_destroy(fiber_current());
}

/* Fills a C array far bigger than the fiber's 256-byte stack, then yields
 * (where the overflow is caught). */
static void overflow_stack(void *unused) {
    (void)unused;
    volatile unsigned char big[1024];
    for (size_t i = 0; i < sizeof big; i++) {
        big[i] = 0xAB;
    }
    fiber_yield(big[100]);
}

int main(int argc, char **argv) {
    const char *which = argc > 1 ? argv[1] : "";
    if (strcmp(which, "yield-outside") == 0) {
        fiber_yield(1);
    } else if (strcmp(which, "resume-finished") == 0) {
        fiber_t fiber = fiber_create(return_at_once, NULL);
        fiber_resume(fiber, 0);
        fiber_resume(fiber, 0);
    } else if (strcmp(which, "resume-running") == 0) {
        fiber_resume(fiber_create(resume_self, NULL), 0);
    } else if (strcmp(which, "destroy-running") == 0) {
        fiber_resume(fiber_create(destroy_self, NULL), 0);
    } else if (strcmp(which, "bad-handle") == 0) {
        fiber_resume(7, 0);
    } else if (strcmp(which, "stack-overflow") == 0) {
        fiber_resume(fiber_create_with_stack(overflow_stack, NULL, FIBER_MIN_STACK_SIZE), 0);
    } else {
        fprintf(stderr, "usage: misuse yield-outside|resume-finished|resume-running|"
                        "destroy-running|bad-handle|stack-overflow\n");
        return 2;
    }
    printf("misuse %s was not caught\n", which);
    return 1;
}
