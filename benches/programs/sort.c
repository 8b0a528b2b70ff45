/* Benchmark: in-place quicksort of n pseudo-random 32-bit keys in linear memory.
 * Exports `sort(n)`: a position-weighted checksum of the sorted keys (-1 if memory
 * cannot grow). Data-dependent branches, swaps and recursion through the shadow stack. */
#include "wasm_heap.h"

static void quicksort(unsigned *keys, int low, int high) {
    while (low < high) {
        unsigned pivot = keys[low + (high - low) / 2];
        int i = low;
        int j = high;
        while (i <= j) {
            while (keys[i] < pivot) {
                i++;
            }
            while (keys[j] > pivot) {
                j--;
            }
            if (i <= j) {
                unsigned swapped = keys[i];
                keys[i] = keys[j];
                keys[j] = swapped;
                i++;
                j--;
            }
        }
        /* Recurse into the smaller half, loop on the larger: depth stays O(log n). */
        if (j - low < high - i) {
            quicksort(keys, low, j);
            low = i;
        } else {
            quicksort(keys, i, high);
            high = j;
        }
    }
}

__attribute__((export_name("sort")))
int sort(int n) {
    if (n <= 0) {
        return 0;
    }
    unsigned *keys = heap_alloc((unsigned long)n * sizeof(unsigned));
    if (!keys) {
        return -1;
    }
    unsigned state = 2463534242u; /* xorshift32 */
    for (int i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        keys[i] = state;
    }
    quicksort(keys, 0, n - 1);
    unsigned checksum = 0;
    for (int i = 0; i < n; i++) {
        checksum += keys[i] * (unsigned)(i + 1);
    }
    return (int)checksum;
}
