#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls exactly this):
#   1. cargo test --workspace (test profile, opt-level 1), every suite even after a failure
#   2. scripts/check-examples.sh: the programs in examples/ through the CLI
#   3. the interpreter-only build (README "Interpreter-only build": --no-default-features,
#      no Cranelift, no native code), in its own target dir so that feature unification
#      does not rebuild the default one: the unit tests of core, interp, tier and
#      spec-tests, the tier's integration tests that need no jit, the spec suites under
#      interp, and the examples through that build's CLI; and that it builds with the
#      op-counts feature (benches/callgrind.sh ops)
# then prints each suite's counts (the third step's prefixed `interp-only:`) and, as the
# last line, `N passed, N failed, N skipped` over all. Exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
cargo_status=${PIPESTATUS[0]}
echo
# The CLI that cargo test just built for the tier's integration tests (building it
# alone, with other feature unification, would recompile Cranelift).
cli="${CARGO_TARGET_DIR:-target}/debug/wasmfx-tier"
examples_args=()
if [[ -x "$cli" ]]; then
    examples_args=("$cli")
fi
bash scripts/check-examples.sh "${examples_args[@]}" 2>&1 | tee -a "$log"
examples_status=${PIPESTATUS[0]}

echo
# The summary names this step's suites `interp-only: ...` from this line on.
echo "== interp-only build ==" | tee -a "$log"
interp_target="${CARGO_TARGET_DIR:-target}/interp-only"
cargo test --no-fail-fast --no-default-features --target-dir "$interp_target" \
    -p wasmfx-core -p wasmfx-interp -p wasmfx-tier -p wasmfx-spec-tests 2>&1 | tee -a "$log"
interp_status=${PIPESTATUS[0]}
echo
EXPECT_TIERS=interp bash scripts/check-examples.sh "$interp_target/debug/wasmfx-tier" 2>&1 | tee -a "$log"
interp_examples_status=${PIPESTATUS[0]}
# The op-counts feature (`bash benches/callgrind.sh ops`) builds: nothing else does.
cargo check --no-default-features --features op-counts --target-dir "$interp_target" \
    -p wasmfx-tier 2>&1 | tee -a "$log"
op_counts_status=${PIPESTATUS[0]}
set -e

status=0
if [[ $cargo_status -ne 0 || $examples_status -ne 0 || $interp_status -ne 0 \
    || $interp_examples_status -ne 0 || $op_counts_status -ne 0 ]]; then
    status=1
fi

echo
echo "== Summary =="
if [[ $status -ne 0 ]]; then
    echo "FAILED: cargo test exit status $cargo_status, examples exit status $examples_status," \
        "interp-only cargo test exit status $interp_status, interp-only examples exit status" \
        "$interp_examples_status, op-counts check exit status $op_counts_status"
fi
awk -v status="$status" -f scripts/summarize-tests.awk "$log"
exit $status
