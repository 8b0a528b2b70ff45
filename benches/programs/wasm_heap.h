/* Minimal heap for freestanding benchmark kernels (no libc): memory past the data and
 * stack (from __heap_base, set by wasm-ld) is handed out by growing linear memory.
 *
 *   0            __heap_base                              memory.size * 64 KiB
 *   | data, stack | heap_alloc'd buffers ...  ->           |
 */
#ifndef WASM_HEAP_H
#define WASM_HEAP_H

#define WASM_PAGE_BYTES 65536u

extern unsigned char __heap_base;

/* Returns `bytes` bytes of zeroed memory (fresh pages are zero), or 0 when memory
 * cannot grow. Each call starts over at __heap_base: a kernel allocates its buffers
 * once per call, all in one request. */
static void *heap_alloc(unsigned long bytes) {
    unsigned long start = (unsigned long)&__heap_base;
    unsigned long end = start + bytes;
    unsigned long have = __builtin_wasm_memory_size(0) * WASM_PAGE_BYTES;
    if (end > have) {
        unsigned long pages = (end - have + WASM_PAGE_BYTES - 1) / WASM_PAGE_BYTES;
        if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) {
            return 0;
        }
    }
    return (void *)start;
}

#endif
