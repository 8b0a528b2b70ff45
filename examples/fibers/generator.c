/* Generators on fibers: values flow out of a fiber (a Fibonacci generator)
 * and into one (a running average fed by resume values), and a generator
 * stops early and is destroyed while suspended.
 *
 * Usage: generator [LIMIT]   (Fibonacci numbers below LIMIT, default 1000)
 */
#include "fiber.h"

#include <stdio.h>
#include <stdlib.h>

/* Yields the Fibonacci numbers below *limit, then returns. */
static void fibonacci(void *limit) {
    intptr_t below = *(const intptr_t *)limit;
    intptr_t a = 0, b = 1;
    while (a < below) {
        fiber_yield(a);
        intptr_t next = a + b;
        a = b;
        b = next;
    }
}

/* Receives numbers through resume and yields the running total each time;
 * the total lives in an array on this fiber's own C stack. */
static void running_total(void *unused) {
    (void)unused;
    volatile intptr_t total[1] = {0};
    intptr_t received = fiber_yield(0);
    for (;;) {
        total[0] += received;
        received = fiber_yield(total[0]);
    }
}

/* Yields 1, 2, 3, ... forever. */
static void naturals(void *unused) {
    (void)unused;
    for (intptr_t n = 1;; n++) {
        fiber_yield(n);
    }
}

int main(int argc, char **argv) {
    intptr_t limit = argc > 1 ? (intptr_t)strtol(argv[1], NULL, 10) : 1000;

    fiber_t fib = fiber_create(fibonacci, &limit);
    int count = 0;
    printf("fibonacci below %ld:", (long)limit);
    for (;;) {
        intptr_t value = fiber_resume(fib, 0);
        if (fiber_done(fib)) {
            break;
        }
        printf(" %ld", (long)value);
        count++;
    }
    printf(" (%d numbers)\n", count);
    fiber_destroy(fib);

    fiber_t totals = fiber_create(running_total, NULL);
    fiber_resume(totals, 0); /* runs it to its first yield */
    intptr_t total = 0;
    for (intptr_t n = 1; n <= 100; n++) {
        total = fiber_resume(totals, n * n);
    }
    printf("running total of the first 100 squares: %ld\n", (long)total);

    fiber_t numbers = fiber_create(naturals, NULL);
    intptr_t sum = 0;
    for (int i = 0; i < 10; i++) {
        sum += fiber_resume(numbers, 0);
    }
    fiber_destroy(numbers); /* suspended forever: dropped */
    fiber_destroy(totals);
    printf("sum of 10 naturals from an endless generator: %ld; fibers left: %zu\n",
           (long)sum, fiber_count());
    return 0;
}
