# Summarizes a `scripts/test.sh` log: one line per suite, then
# `N passed, N failed, N skipped` (skipped: libtest's ignored tests, each with its reason).
# Suites after a `== interp-only build ==` line are named `interp-only: ...`.
# A suite is a test binary (named from cargo's "Running" / "Doc-tests" line) or the
# examples check; its counts come from libtest's "test result:" line or, for
# harness = false binaries and the examples, from their own closing
# "N passed, N failed" line (the last one wins). Set `status` (-v status=N) to the
# run's exit status: a failed run never closes with "0 failed".
# Suites after this line belong to the interpreter-only build (scripts/test.sh step 3).
/^== interp-only build ==$/ { prefix = "interp-only: "; next }
/^ *Running / {
    path = $2; binary = $NF
    if (path == "unittests") { path = $3 }
    gsub(/[()]/, "", binary); sub(/.*\//, "", binary); sub(/-[0-9a-f]+$/, "", binary)
    # Two crates may have test files of the same name: number every suite.
    suites++; suite = suites SUBSEP prefix binary " (" path ")"; order[suites] = suite; counted[suite] = 0
    next
}
/^ *Doc-tests / { suites++; suite = suites SUBSEP prefix "doc-tests " $2; order[suites] = suite; counted[suite] = 0; next }
/^examples: [0-9]+ passed, [0-9]+ failed/ {
    suites++; suite = suites SUBSEP prefix "examples (scripts/check-examples.sh)"; order[suites] = suite
}
/^test result: / {
    passed[suite] = $4; failed_count = $6; sub(/;/, "", failed_count); sub(/;/, "", passed[suite])
    skipped[suite] = $8; sub(/;/, "", skipped[suite])
    failed[suite] = failed_count; counted[suite] = 1; next
}
/(^|: )[0-9]+ passed, [0-9]+ failed/ {
    line = $0; sub(/^[^0-9]*/, "", line); split(line, words, " ")
    passed[suite] = words[1]; failed_count = words[3]; sub(/,/, "", failed_count)
    failed[suite] = failed_count; counted[suite] = 1
}
END {
    for (i = 1; i <= suites; i++) {
        suite = order[i]; name = suite; sub(/^[0-9]+\034/, "", name)
        if (counted[suite]) {
            printf "%-60s %6d passed, %4d failed, %3d skipped\n", name, passed[suite], failed[suite], skipped[suite]
            total_passed += passed[suite]; total_failed += failed[suite]; total_skipped += skipped[suite]
        } else {
            printf "%-60s no counts (did it crash?)\n", name
            total_failed += 1
        }
    }
    if (status != 0 && total_failed == 0) {
        print "(a build or a test binary failed outside the counted tests: counted as 1 failure)"
        total_failed = 1
    }
    printf "%d passed, %d failed, %d skipped\n", total_passed, total_failed, total_skipped
}
