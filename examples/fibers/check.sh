#!/usr/bin/env bash
# Runs every fiber program at full size, c10m with its 10 million fibers, and
# compares stdout with the recordings in expected/; prints each run's wall
# time, CPU time (user + system) and peak RSS (from /usr/bin/time -v). Too
# slow for the test profile, hence this script (tier/tests/fiber_programs.rs
# runs the small sizes).
#
# Usage: bash examples/fibers/check.sh [WASMFX_TIER_BINARY [TIER]]
# Without a binary it builds the CLI in release mode. TIER defaults to interp.
# Exits non-zero when a program prints something else or fails.
set -euo pipefail
if [[ $# -ge 1 ]]; then
    cli=$(realpath "$1")
fi
cd "$(dirname "$0")"

if [[ $# -eq 0 ]]; then
    cargo build --quiet --release -p wasmfx-tier --bin wasmfx-tier
    cli=../../target/release/wasmfx-tier
fi
tier=${2:-interp}
report=$(mktemp)
trap 'rm -f "$report"' EXIT

passed=0
failed=0

# check PROGRAM RECORDING [ARGS...]: PROGRAM.wasm prints expected/RECORDING.stdout.
check() {
    local program=$1 recording=$2
    shift 2
    local printed
    if printed=$(/usr/bin/time -v -o "$report" "$cli" run --tier "$tier" "$program.wasm" "$@") \
        && [[ "$printed" == "$(cat "expected/$recording.stdout")" ]]; then
        local wall cpu kib
        wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$report")
        cpu=$(awk -F': ' '/(User|System) time/ {sum += $2} END {printf "%.2f s", sum}' "$report")
        kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$report")
        echo "ok      $program $* ($tier): wall $wall, CPU $cpu, peak RSS $((kib / 1024)) MiB"
        passed=$((passed + 1))
    else
        echo "FAILED  $program $* ($tier): printed \`$printed\`"
        failed=$((failed + 1))
    fi
}

check generator generator
check round_robin round_robin
check sieve sieve
check c10m c10m_30000_10000 30000 10000
check c10m c10m 10000000 10000

echo "fibers: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
