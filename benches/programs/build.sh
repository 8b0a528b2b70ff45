#!/usr/bin/env bash
# Rebuilds the C benchmark kernels into freestanding Wasm modules (no imports, no libc,
# no entry point; each exports one function taking an i32 size). The built .wasm files
# are committed, so benchmarks and tests never need this; run it after editing a .c
# file. Needs the toolchain from scripts/install-c-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")"

# kernel name = source file stem = exported function
KERNELS=(sieve matmul sort)

for kernel in "${KERNELS[@]}"; do
    clang --target=wasm32-wasi --sysroot=/usr -O2 \
        -nostdlib -Wl,--no-entry -Wl,--export="$kernel" \
        -o "$kernel.wasm" "$kernel.c"
    echo "built $kernel.wasm ($(stat -c %s "$kernel.wasm") bytes)"
done
