#!/usr/bin/env bash
# Rebuilds the WASI example programs (C, wasi-libc) into .wasm commands. The
# built files are committed, so tests never need this; run it after editing
# a .c file. Needs the toolchain from scripts/install-c-toolchain.sh.
set -euo pipefail
cd "$(dirname "$0")"

PROGRAMS=(args_env copy_file compute sandbox_probe)

for program in "${PROGRAMS[@]}"; do
    clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-debug -o "$program.wasm" "$program.c"
    echo "built $program.wasm ($(stat -c %s "$program.wasm") bytes)"
done
