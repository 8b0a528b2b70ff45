/* Benchmark: dense f64 matrix multiply C = A * B of n x n matrices in linear memory.
 * Exports `matmul(n)`: a checksum of C as an i32 (-1 if memory cannot grow).
 * A floating-point kernel: f64 loads, multiply-adds and stores in nested loops.
 *
 * Memory, from the heap start: | A (n*n f64) | B (n*n f64) | C (n*n f64) | */
#include "wasm_heap.h"

__attribute__((export_name("matmul")))
int matmul(int n) {
    if (n <= 0) {
        return 0;
    }
    unsigned long cells = (unsigned long)n * (unsigned long)n;
    double *a = heap_alloc(3 * cells * sizeof(double));
    if (!a) {
        return -1;
    }
    double *b = a + cells;
    double *c = b + cells;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            a[i * n + j] = (double)((i + 2 * j) % 7) - 3.0;
            b[i * n + j] = (double)((3 * i + j) % 5) * 0.5;
        }
    }
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double sum = 0.0;
            for (int k = 0; k < n; k++) {
                sum += a[i * n + k] * b[k * n + j];
            }
            c[i * n + j] = sum;
        }
    }
    /* Every entry is a small integer multiple of 0.5, so the sums are exact. */
    unsigned long long checksum = 0;
    for (unsigned long cell = 0; cell < cells; cell++) {
        checksum = checksum * 31 + (unsigned long long)(long long)(c[cell] * 2.0);
    }
    return (int)(checksum ^ (checksum >> 32));
}
