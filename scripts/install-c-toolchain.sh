#!/usr/bin/env bash
# Installs the C-to-Wasm toolchain from Debian's packages: clang, lld (wasm-ld),
# wasi-libc and the wasm32 compiler-rt builtins. Only needed to REBUILD the committed
# benchmark modules (benches/programs/build.sh); tests and benchmarks use the committed
# .wasm files. Idempotent: does nothing when every package is already installed.
set -euo pipefail

PACKAGES=(clang lld wasi-libc libclang-rt-14-dev-wasm32)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
    echo "C toolchain: already installed (${PACKAGES[*]})"
    exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then
    SUDO=sudo
fi
echo "C toolchain: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
clang --version | head -n 1
