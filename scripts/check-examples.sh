#!/usr/bin/env bash
# Runs the .wat programs in examples/ through the wasmfx-tier CLI, under every tier the
# CLI is built with (EXPECT_TIERS, below, says which it must have), and checks what
# they print. (examples/c/ has its own test, tier/tests/c_programs.rs.)
# Usage: bash scripts/check-examples.sh [WASMFX_TIER_BINARY]
# Without an argument it builds the CLI with the test profile (sharing the build of
# `cargo test`). Prints one line per check, then `examples: N passed, N failed`;
# exits non-zero when a check failed.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ge 1 ]]; then
    cli=$1
else
    cargo build --quiet --profile test -p wasmfx-tier --bin wasmfx-tier
    cli=target/debug/wasmfx-tier
fi

passed=0
failed=0

# expect_output FILE EXPORT EXPECTED [ARGS...]: the call prints EXPECTED and succeeds.
expect_output() {
    local file=$1 export=$2 expected=$3
    shift 3
    local printed
    if printed=$("$cli" run --tier "$tier" "examples/$file" --invoke "$export" "$@" 2>&1) \
        && [[ "$printed" == "$expected" ]]; then
        echo "ok      $tier $file $export $* => $expected"
        passed=$((passed + 1))
    else
        echo "FAILED  $tier $file $export $*: expected \`$expected\`, got \`$printed\`"
        failed=$((failed + 1))
    fi
}

# expect_failure FILE EXPORT MESSAGE_PART [ARGS...]: the call exits non-zero and its
# stderr mentions MESSAGE_PART.
expect_failure() {
    local file=$1 export=$2 message_part=$3
    shift 3
    local printed
    if printed=$("$cli" run --tier "$tier" "examples/$file" --invoke "$export" "$@" 2>&1); then
        echo "FAILED  $tier $file $export $*: expected a failure, got \`$printed\`"
        failed=$((failed + 1))
    elif [[ "$printed" == *"$message_part"* ]]; then
        echo "ok      $tier $file $export $* => fails ($message_part)"
        passed=$((passed + 1))
    else
        echo "FAILED  $tier $file $export $*: expected an error mentioning \`$message_part\`, got \`$printed\`"
        failed=$((failed + 1))
    fi
}

# check_all: every example under the current $tier.
check_all() {
    expect_output fib.wat fib 75025 25
    expect_output fib.wat fib 0 0
    expect_output memory_sum.wat sum_squares 332833500 1000
    expect_output memory_sum.wat sum_squares 0 0
    expect_output tail_calls.wat is_even 1 1000000
    expect_output tail_calls.wat is_odd 1 7
    expect_output exceptions.wat add_or_saturate 5 2 3
    expect_output exceptions.wat add_or_saturate 2147483647 2147483647 1
    expect_output exceptions.wat add_or_saturate -2147483648 -- -2147483647 -5
    expect_failure exceptions.wat checked_add exception 2147483647 1
    expect_output generator.wat sum_of_squares 285 10
    expect_output generator.wat sum_of_squares 0 0
    expect_failure generator.wat unhandled 'unhandled tag "yield"'
    expect_output scheduler.wat run_threads 123131
}

# A tier this CLI build does not have ("not in this build") fails the run when
# EXPECT_TIERS (default: all three) names it, and is skipped otherwise: the
# interpreter-only build is checked with EXPECT_TIERS=interp.
expected=" ${EXPECT_TIERS:-interp jit dyn} "
for tier in interp jit dyn; do
    if refusal=$("$cli" run --tier "$tier" examples/fib.wat --invoke fib 0 2>&1 >/dev/null) \
        || [[ "$refusal" != *"not in this build"* ]]; then
        check_all
    elif [[ "$expected" == *" $tier "* ]]; then
        echo "FAIL tier $tier is expected but missing: $refusal"
        failed=$((failed + 1))
    else
        echo "skipped tier $tier (not in this build): $refusal"
    fi
done

echo "examples: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
