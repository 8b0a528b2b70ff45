#!/usr/bin/env bash
# Coverage-guided fuzzing with libFuzzer on stable Rust (fuzz/README.md).
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer arguments...]
#     TARGET   bytes | differential | continuations (fuzz/fuzz_targets/)
#     SECONDS  how long to fuzz (-max_total_time)
#   e.g. scripts/fuzz.sh bytes 1200
#        scripts/fuzz.sh bytes 0 fuzz/artifacts/bytes/crash-...   (replay one input)
#        scripts/fuzz.sh bytes 60 -minimize_crash=1 fuzz/artifacts/bytes/crash-...
#
# Builds the fuzz/ workspace (release, instrumented) into fuzz/target, then runs
# the target with its corpus in fuzz/corpus/TARGET (kept between runs; an empty
# one is seeded by fuzz/src/bin/seeds.rs) and its findings written to
# fuzz/artifacts/TARGET. Prints libFuzzer's final statistics, among them
# stat::number_of_executed_units (executions).
#
# Instrumentation: the flags cargo-fuzz passes, less its nightly-only ones.
#   -Cpasses=sancov-module + -Cllvm-args=-sanitizer-coverage-*   stable: coverage
#       by edge (level 4), inline 8-bit counters, a PC table and comparison
#       tracing, as libFuzzer expects them
#   --cfg fuzzing                                  stable
#   -Cdebug-assertions -Coverflow-checks           stable: assertions and
#       overflow checks of the engine's own code (the release profile drops them)
#   -Zsanitizer=address (cargo-fuzz's default)     nightly only: left out, so
#       memory errors show as crashes (SIGSEGV) rather than ASan reports
#   -Cllvm-args=-sanitizer-coverage-stack-depth    left out: libFuzzer's
#       -use_value_profile and stack-depth features are not needed here
# The build is for the host target given explicitly (--target), so build
# scripts and proc macros are built without these flags, as cargo-fuzz does.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 2 ]]; then
    echo "usage: $0 TARGET SECONDS [libFuzzer arguments...]" >&2
    exit 2
fi
target=$1
seconds=$2
shift 2
case $target in
    bytes | differential | continuations) ;;
    *) echo "unknown target '$target' (bytes, differential, continuations)" >&2; exit 2 ;;
esac

root=$(pwd)
host=$(rustc -vV | sed -n 's/^host: //p')
export CARGO_TARGET_DIR="$root/fuzz/target"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-1}"
export RUSTFLAGS="-Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
--cfg fuzzing -Cdebug-assertions -Coverflow-checks"

cargo build --manifest-path fuzz/Cargo.toml --release --target "$host" \
    --bin "$target" --bin seeds
bin="$CARGO_TARGET_DIR/$host/release"

corpus="fuzz/corpus/$target"
artifacts="fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
if [[ -z $(ls -A "$corpus") ]]; then
    "$bin/seeds" "$target" "$corpus"
fi

# -timeout: an input running this long is a hang (a finding); -rss_limit_mb:
# the limits keep a store far below it (fuzz/src/limits.rs). Arguments given
# after SECONDS come last and override these.
args=(
    -max_total_time="$seconds"
    -timeout=20
    -rss_limit_mb=4096
    -print_final_stats=1
    -artifact_prefix="$artifacts/"
)
# The targets that draw through `arbitrary` need long inputs from the start
# (fuzz-diff's wasm-smith input is 8 KiB); libFuzzer would otherwise grow them
# slowly from a few bytes.
if [[ $target != bytes ]]; then
    args+=(-max_len=16384 -len_control=0)
fi
# Inputs named after the options (files, e.g. a crash to replay or minimize)
# replace the corpus folder.
inputs=("$corpus")
for arg in "$@"; do
    if [[ $arg != -* ]]; then
        inputs=()
    fi
done
set +e
"$bin/$target" "${args[@]}" "$@" "${inputs[@]}" 2>&1 | tee "fuzz/artifacts/$target.log"
status=${PIPESTATUS[0]}
set -e
# Executions: libFuzzer's final statistics, or in fork mode (-fork=N, e.g. with
# -ignore_crashes=1 to go on past a known finding) its last status line, which
# sums the jobs' executions and counts their crashes.
log="fuzz/artifacts/$target.log"
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
forked=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1)
if [[ -n $forked ]]; then
    executions=${forked%%:*}
    executions=${executions#\#}
    echo "fork mode, last status: $forked"
fi
echo
echo "== $target: ${executions:-?} executions; $(ls "$corpus" | wc -l) inputs in $corpus;" \
    "$(ls "$artifacts" | wc -l) findings in $artifacts =="
exit "$status"
