#!/usr/bin/env bash
# The project's test command (README "Run the tests"; .ci/run calls exactly this):
#   1. cargo test --workspace (test profile, opt-level 1), every suite even after a failure
#   2. scripts/check-examples.sh: the programs in examples/ through the CLI
# then prints each suite's counts and, as the last line, `N passed, N failed` over all.
# Exits non-zero when anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
trap 'rm -f "$log"' EXIT

set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
cargo_status=${PIPESTATUS[0]}
echo
bash scripts/check-examples.sh 2>&1 | tee -a "$log"
examples_status=${PIPESTATUS[0]}
set -e

# One line per suite: the test binary (from cargo's "Running"/"Doc-tests" line) and its
# counts, from libtest's "test result:" line or, for harness = false binaries and the
# examples, their own closing "N passed, N failed" line.
status=0
if [[ $cargo_status -ne 0 || $examples_status -ne 0 ]]; then
    status=1
fi

echo
echo "== Summary =="
if [[ $status -ne 0 ]]; then
    echo "FAILED: cargo test exit status $cargo_status, examples exit status $examples_status"
fi
awk '
    /^ *Running / {
        path = $2; binary = $NF
        if (path == "unittests") { path = $3 }
        gsub(/[()]/, "", binary); sub(/.*\//, "", binary); sub(/-[0-9a-f]+$/, "", binary)
        suite = binary " (" path ")"; order[++suites] = suite; counted[suite] = 0
        next
    }
    /^ *Doc-tests / { suite = "doc-tests " $2; order[++suites] = suite; counted[suite] = 0; next }
    /^examples: [0-9]+ passed, [0-9]+ failed/ {
        suite = "examples (scripts/check-examples.sh)"; order[++suites] = suite
    }
    /^test result: / {
        passed[suite] = $4; failed_count = $6; sub(/;/, "", failed_count); sub(/;/, "", passed[suite])
        failed[suite] = failed_count; counted[suite] = 1; next
    }
    /(^|: )[0-9]+ passed, [0-9]+ failed/ {
        line = $0; sub(/^[^0-9]*/, "", line); split(line, words, " ")
        passed[suite] = words[1]; failed_count = words[3]; sub(/,/, "", failed_count)
        failed[suite] = failed_count; counted[suite] = 1
    }
    END {
        for (i = 1; i <= suites; i++) {
            suite = order[i]
            if (counted[suite]) {
                printf "%-60s %6d passed, %4d failed\n", suite, passed[suite], failed[suite]
                total_passed += passed[suite]; total_failed += failed[suite]
            } else {
                printf "%-60s no counts (did it crash?)\n", suite
                total_failed += 1
            }
        }
        printf "%d passed, %d failed\n", total_passed, total_failed
    }
' "$log"
exit $status
