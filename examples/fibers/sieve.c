/* The concurrent prime sieve: a pipeline of fibers. A counter fiber yields
 * 2, 3, 4, ...; each prime found gets a filter fiber that pulls numbers from
 * the stage before it and passes on those its prime does not divide. Every
 * number travels through nested resumes, as deep as the primes found so far.
 *
 * Usage: sieve [PRIMES]   (how many primes, default 1000)
 */
#include "fiber.h"

#include <stdio.h>
#include <stdlib.h>

/* Pipeline stages are small: they only hold a few locals. */
#define STAGE_STACK_SIZE 512

struct filter {
    intptr_t prime;
    fiber_t source;
};

static void count_from_two(void *unused) {
    (void)unused;
    for (intptr_t n = 2;; n++) {
        fiber_yield(n);
    }
}

static void filter_multiples(void *arg) {
    const struct filter *filter = arg;
    for (;;) {
        intptr_t n = fiber_resume(filter->source, 0);
        if (n % filter->prime != 0) {
            fiber_yield(n);
        }
    }
}

int main(int argc, char **argv) {
    long wanted = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
    if (wanted < 1) {
        fprintf(stderr, "usage: sieve [PRIMES >= 1]\n");
        return 2;
    }
    struct filter *filters = malloc((size_t)wanted * sizeof *filters);
    fiber_t *stages = malloc((size_t)(wanted + 1) * sizeof *stages);
    if (!filters || !stages) {
        fprintf(stderr, "sieve: out of memory\n");
        return 1;
    }
    stages[0] = fiber_create_with_stack(count_from_two, NULL, STAGE_STACK_SIZE);
    long long sum = 0;
    printf("first primes:");
    for (long i = 0; i < wanted; i++) {
        intptr_t prime = fiber_resume(stages[i], 0);
        if (i < 10) {
            printf(" %ld", (long)prime);
        }
        sum += prime;
        filters[i] = (struct filter){.prime = prime, .source = stages[i]};
        stages[i + 1] = fiber_create_with_stack(filter_multiples, &filters[i], STAGE_STACK_SIZE);
    }
    printf("\nsieve: %ld primes, the last %ld, sum %lld, %zu fibers in the pipeline\n",
           wanted, (long)filters[wanted - 1].prime, sum, fiber_count());
    /* Every stage is suspended forever: drop them all. */
    for (long i = 0; i <= wanted; i++) {
        fiber_destroy(stages[i]);
    }
    free(stages);
    free(filters);
    return 0;
}
