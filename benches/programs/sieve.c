/* Benchmark: sieve of Eratosthenes over a byte array in linear memory.
 * Exports `sieve(n)`: the number of primes below n (-1 if memory cannot grow).
 * A loop-and-memory kernel: byte stores with a stride, then a linear scan.
 * Each call clears the array itself, so repeated calls give the same answer. */
#include "wasm_heap.h"

__attribute__((export_name("sieve")))
int sieve(int n) {
    if (n < 2) {
        return 0;
    }
    unsigned char *composite = heap_alloc((unsigned long)n);
    if (!composite) {
        return -1;
    }
    /* Cleared through a volatile view: clang would turn a plain clearing loop into a
     * call to memset, which a module without libc cannot import. */
    volatile unsigned char *clearing = composite;
    for (int i = 0; i < n; i++) {
        clearing[i] = 0;
    }
    for (int i = 2; (long long)i * i < n; i++) {
        if (!composite[i]) {
            for (int multiple = i * i; multiple < n; multiple += i) {
                composite[multiple] = 1;
            }
        }
    }
    int count = 0;
    for (int i = 2; i < n; i++) {
        count += !composite[i];
    }
    return count;
}
