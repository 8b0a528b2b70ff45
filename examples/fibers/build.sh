#!/usr/bin/env bash
# Rebuilds the fiber example programs: each C program is compiled with the C
# half of the library (fiber.c) into a wasm32-wasi command, then merged with
# the stack-switching primitives (fiber.wat) by Binaryen's wasm-merge. The
# built .wasm files are committed, so tests never need this; run it after
# editing a source.
#
# Needs the C toolchain of scripts/install-c-toolchain.sh, and Binaryen 132's
# wasm-merge from npm, installed outside the repository:
#
#   mkdir -p ~/binaryen-132 && cd ~/binaryen-132 && npm install binaryen@132.0.0
#
# then BINARYEN_BIN=~/binaryen-132/node_modules/.bin bash examples/fibers/build.sh
set -euo pipefail
cd "$(dirname "$0")"

BINARYEN_BIN=${BINARYEN_BIN:-$HOME/binaryen-132/node_modules/.bin}
PROGRAMS=(generator round_robin sieve c10m misuse)
FEATURES=(--enable-sign-ext --enable-mutable-globals --enable-multivalue
    --enable-reference-types --enable-gc --enable-exception-handling
    --enable-stack-switching)
BUILD=$(mktemp -d)
trap 'rm -rf "$BUILD"' EXIT

"$BINARYEN_BIN/wasm-merge" --version | grep -q 'version 132' \
    || { echo "build.sh: wasm-merge 132 not found in $BINARYEN_BIN" >&2; exit 1; }

for program in "${PROGRAMS[@]}"; do
    # -mmutable-globals lets the C module export its stack pointer global
    # (`__stack_pointer`), which fiber.wat imports and switches per fiber;
    # --export-table exports `__indirect_function_table`, through which
    # fiber.wat calls the fiber's C entry function.
    clang --target=wasm32-wasi --sysroot=/usr -O2 -mmutable-globals \
        -Wl,--export=__stack_pointer -Wl,--export-table -Wl,--strip-debug \
        -o "$BUILD/$program.c.wasm" "$program.c" fiber.c
    # The C module is `app`, the primitives `fiber`: the imports between them
    # become direct references. FEATURES are those the inputs use (not -all:
    # that turns on Binaryen's compact import encoding, which engines reject;
    # --enable-gc only makes Binaryen write typed references as Wasm 3.0 does,
    # the programs use no GC instruction). -g keeps the name section, so
    # backtraces name the functions.
    "$BINARYEN_BIN/wasm-merge" "${FEATURES[@]}" -g \
        "$BUILD/$program.c.wasm" app fiber.wat fiber \
        -o "$program.wasm"
    echo "built $program.wasm ($(stat -c %s "$program.wasm") bytes)"
done
