#!/usr/bin/env bash
# Installs the peer engines that the benchmarks compare against:
#   wasmi_cli 2.0.0 (binary `wasmi`) and wasmtime-cli 48.0.8 (binary `wasmtime`).
# Both come from crates.io and build with the project's rustc (1.95). The builds are
# long on 2 cores (wasmtime: tens of minutes); run this in the background, e.g.
#   nice -n 19 bash scripts/install-peers.sh > /tmp/peers.log 2>&1 &
# Idempotent: a peer whose installed version already matches is skipped.
# Tests and CI never need the peers; the benchmark harness reports "not installed".
set -euo pipefail

WASMI_VERSION=2.0.0
WASMTIME_VERSION=48.0.8

# Prints "yes" when `$1 --version` mentions version `$2`.
installed() {
    local version_line
    version_line=$("$1" --version 2>/dev/null || true)
    [[ "$version_line" == *"$2"* ]] && echo yes || echo no
}

if [[ $(installed wasmi "$WASMI_VERSION") == yes ]]; then
    echo "wasmi_cli $WASMI_VERSION: already installed"
else
    echo "wasmi_cli $WASMI_VERSION: installing"
    cargo install --locked "wasmi_cli@$WASMI_VERSION"
fi

if [[ $(installed wasmtime "$WASMTIME_VERSION") == yes ]]; then
    echo "wasmtime $WASMTIME_VERSION: already installed"
else
    echo "wasmtime-cli $WASMTIME_VERSION: installing"
    cargo install --locked "wasmtime-cli@$WASMTIME_VERSION"
fi

wasmi --version
wasmtime --version
