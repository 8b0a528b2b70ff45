#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind, total Ir of a whole process): the
# repeatable figures README quotes next to wall times, which are noisy on a
# shared machine. Needs valgrind (Debian package) and, for `interp`, wasmi
# (`bash scripts/install-peers.sh`).
#
# Usage: bash benches/callgrind.sh interp|ops|switching|tiers|interruption|startup|icache|crossing [WASMFX_TIER_BINARY]
#   interp     the interpreter against wasmi on the compute programs:
#              Ir per process and ours / wasmi, with the geomean; then the
#              bench command's WASI row (examples/c/compute.wasm 100)
#   ops        the same calls, what each engine's instructions are spent on:
#              the ops our op loop dispatched (an interpreter-only build with
#              the op-counts feature, in target/op-counts) and the handlers
#              wasmi ran (its handlers jump to each other, which callgrind
#              counts as calls), and the instructions per op of each
#   switching  Ir per operation of the continuation programs under the jit
#              and the interpreter: (Ir of run(2n) - Ir of run(n)) /
#              operations, so start-up and compilation cancel out
#   tiers      Ir per unit of the argument of continuation programs under
#              interp, jit and dyn, and dyn over each
#   interruption what the fuel and timeout checks cost when on: Ir per
#              process with `-W fuel=N`, `-W timeout=1h` and both, against
#              none, under interp and jit
#   startup    Ir of a whole process that calls a trivial export, under
#              interp and wasmi: fib(0) (the bench command's startup row) and
#              run(0) of its 10,000-function module (both in
#              target/release/bench-modules/, written by the bench command:
#              run it first)
#   icache     L1 instruction-cache misses (valgrind's cachegrind, its
#              simulated caches) of examples/fibers/c10m.wasm 300000 10000
#              under jit and dyn --tier-up-sync, with the instructions
#   crossing   Ir per operation of every case of the tier_crossing bench
#              (calls, suspend + resume round trips with one generator and
#              with short-lived ones, and switches, within a tier and
#              across): (Ir at 2n - Ir at n) / n, and each over the
#              interpreted operation (builds the bench; takes no binary)
# Without a binary it builds the CLI in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:?usage: bash benches/callgrind.sh interp|ops|switching|tiers|interruption|startup|icache|crossing [WASMFX_TIER_BINARY]}
if [[ $# -ge 2 ]]; then
    cli=$(realpath "$2")
else
    cargo build --quiet --release -p wasmfx-tier --bin wasmfx-tier
    cli=target/release/wasmfx-tier
fi
programs=benches/programs

# ir COMMAND...: the total instructions callgrind counted for COMMAND.
ir() {
    local out
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >/dev/null 2>"$out" || {
        cat "$out" >&2
        rm -f "$out"
        return 1
    }
    awk '/Collected :/ {print $NF}' "$out"
    rm -f "$out"
}

case $mode in
interp)
    wasmi=${WASMI:-$(command -v wasmi || echo "$HOME/.cargo/bin/wasmi")}
    echo "| call | wasmi Ir | interp Ir | interp / wasmi |"
    echo "|---|---:|---:|---:|"
    logsum=0
    count=0
    for spec in "fib.wat fib 30" "sieve.wasm sieve 2000000" "matmul.wasm matmul 150" \
        "sort.wasm sort 300000"; do
        read -r file export arg <<<"$spec"
        theirs=$(ir "$wasmi" run --invoke "$export" "$programs/$file" "$arg")
        ours=$(ir "$cli" run --tier interp "$programs/$file" --invoke "$export" "$arg")
        ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')
        logsum=$(awk -v s="$logsum" -v r="$ratio" 'BEGIN {print s + log(r)}')
        count=$((count + 1))
        echo "| \`$export($arg)\` | $((theirs / 1000000)) M | $((ours / 1000000)) M | ${ratio}x |"
    done
    awk -v s="$logsum" -v n="$count" 'BEGIN {printf "| geomean | | | %.2fx |\n", exp(s / n)}'
    # The bench command's WASI row, apart from the geomean of the four above.
    theirs=$(ir "$wasmi" run examples/c/compute.wasm 100)
    ours=$(ir "$cli" run --tier interp examples/c/compute.wasm 100)
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')
    echo "| WASI \`compute.wasm 100\` (not in the geomean) | $((theirs / 1000000)) M | $((ours / 1000000)) M | ${ratio}x |"
    ;;
ops)
    wasmi=${WASMI:-$(command -v wasmi || echo "$HOME/.cargo/bin/wasmi")}
    cargo build --quiet --release -p wasmfx-tier --bin wasmfx-tier --no-default-features \
        --features op-counts --target-dir target/op-counts
    counting=target/op-counts/release/wasmfx-tier
    echo "| call | wasmi handlers | wasmi Ir / handler | interp ops | interp Ir / op | interp ops / wasmi handlers |"
    echo "|---|---:|---:|---:|---:|---:|"
    for spec in "fib.wat fib 30" "sieve.wasm sieve 2000000" "matmul.wasm matmul 150" \
        "sort.wasm sort 300000" "compute.wasm - 100"; do
        read -r file export arg <<<"$spec"
        if [[ $export == - ]]; then
            path=examples/c/$file
            call="WASI \`$file $arg\`"
            theirs_cmd=("$wasmi" run "$path" "$arg")
            ours_args=(run --tier interp "$path" "$arg")
        else
            path=$programs/$file
            call="\`$export($arg)\`"
            theirs_cmd=("$wasmi" run --invoke "$export" "$path" "$arg")
            ours_args=(run --tier interp "$path" --invoke "$export" "$arg")
        fi
        out=$(mktemp)
        log=$(mktemp)
        valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$out" \
            "${theirs_cmd[@]}" >/dev/null 2>"$log" || {
            cat "$log" >&2
            exit 1
        }
        theirs_ir=$(awk '/Collected :/ {print $NF}' "$log")
        handlers=$(awk '/^cfn=/ {callee = $0}
            /^calls=/ && callee ~ /handler::exec::/ {split($1, a, "="); n += a[2]}
            END {print n + 0}' "$out")
        rm -f "$out" "$log"
        ops=$("$counting" "${ours_args[@]}" 2>&1 >/dev/null | awk '/^interpreted ops:/ {print $3}')
        ours_ir=$(ir "$cli" "${ours_args[@]}")
        awk -v c="$call" -v h="$handlers" -v ti="$theirs_ir" -v o="$ops" -v oi="$ours_ir" 'BEGIN {
            th = h > 0 ? sprintf("%.1f", ti / h) : "-"
            r = h > 0 ? sprintf("%.2fx", o / h) : "-"
            printf "| %s | %.1f M | %s | %.1f M | %.1f | %s |\n", c, h / 1e6, th, o / 1e6, oi / o, r
        }'
    done
    ;;
switching)
    n=100000
    echo "| program | operation | jit Ir per operation | interp Ir per operation |"
    echo "|---|---|---:|---:|"
    # per_op TIER FILE PER: Ir per operation of FILE's run under TIER
    per_op() {
        local small large
        small=$(ir "$cli" run --tier "$1" "$programs/$2" --invoke run "$n")
        large=$(ir "$cli" run --tier "$1" "$programs/$2" --invoke run "$((2 * n))")
        awk -v a="$large" -v b="$small" -v ops="$(($3 * n))" 'BEGIN {printf "%.0f", (a - b) / ops}'
    }
    # file, operations per unit of the argument, what one operation is
    for spec in "cont_generator.wat 1 suspend+resume round trip" \
        "cont_state.wat 2 state effect (suspend+resume)" \
        "cont_switch.wat 1 switch" \
        "cont_new.wat 1 cont.new+resume+return"; do
        read -r file per what <<<"$spec"
        echo "| $file | $what | $(per_op jit "$file" "$per") | $(per_op interp "$file" "$per") |"
    done
    ;;
tiers)
    # Ir per unit of the argument under each tier (run(2n) - run(n), so
    # start-up cancels out; dyn compiles on the calling thread, counts as
    # by default): whether dyn does the work of the tier it should match.
    # Instructions only: page faults (a native stack's first touch) and
    # memory layout are not in them.
    echo "| call | unit | interp Ir | jit Ir | dyn Ir | dyn / interp | dyn / jit |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    # file, export, n, what one unit of the argument is
    for spec in "cont_generator.wat run 100000 round trip" \
        "cont_switch.wat run 100000 switch" \
        "cont_new.wat run 100000 cont.new+resume+return" \
        "cont_sieve.wat run 2000 number sieved" \
        "cont_held.wat run 50000 continuation held" \
        "cont_deep.wat run1 20000 round trip past 1 handler" \
        "cont_deep.wat run1000 20000 round trip past 1000 handlers"; do
        read -r file export n what <<<"$spec"
        row="| \`$file\` $export | $what"
        per=()
        for tier in "interp" "jit" "dyn --tier-up-sync"; do
            # shellcheck disable=SC2086 # the tier options are separate words
            small=$(ir "$cli" run --tier $tier "$programs/$file" --invoke "$export" "$n")
            # shellcheck disable=SC2086
            large=$(ir "$cli" run --tier $tier "$programs/$file" --invoke "$export" "$((2 * n))")
            per+=("$(awk -v a="$large" -v b="$small" -v n="$n" 'BEGIN {printf "%.0f", (a - b) / n}')")
            row+=" | ${per[-1]}"
        done
        row+=$(awk -v i="${per[0]}" -v j="${per[1]}" -v d="${per[2]}" \
            'BEGIN {printf " | %.2fx | %.2fx", d / i, d / j}')
        echo "$row |"
    done
    ;;
interruption)
    fuel=-Wfuel=1000000000000
    echo "| tier | call | no checks Ir | fuel | timeout | both |"
    echo "|---|---|---:|---:|---:|---:|"
    for tier in interp jit; do
        for spec in "fib.wat fib 25" "sieve.wasm sieve 1000000" "cont_generator.wat run 100000" \
            "cont_switch.wat run 100000"; do
            read -r file export arg <<<"$spec"
            run=("$cli" run --tier "$tier" "$programs/$file" --invoke "$export" "$arg")
            base=$(ir "${run[@]}")
            row="| $tier | $file \`$export($arg)\` | $((base / 1000000)) M"
            for checks in "$fuel" "-Wtimeout=1h" "$fuel -Wtimeout=1h"; do
                # shellcheck disable=SC2086 # the checks are separate words
                with=$(ir "${run[@]:0:4}" $checks "${run[@]:4}")
                row+=$(awk -v a="$with" -v b="$base" 'BEGIN {printf " | %.2fx", a / b}')
            done
            echo "$row |"
        done
    done
    ;;
startup)
    wasmi=${WASMI:-$(command -v wasmi || echo "$HOME/.cargo/bin/wasmi")}
    modules=target/release/bench-modules
    [[ -f $modules/large.wasm && -f $modules/fib.wasm ]] || {
        echo "no $modules/{fib,large}.wasm: run the bench command first" >&2
        exit 1
    }
    echo "| call | interp Ir | wasmi Ir | interp / wasmi |"
    echo "|---|---:|---:|---:|"
    for spec in "$modules/fib.wasm fib" "$modules/large.wasm run"; do
        read -r file export <<<"$spec"
        ours=$(ir "$cli" run --tier interp "$file" --invoke "$export" 0)
        theirs=$(ir "$wasmi" run --invoke "$export" "$file" 0)
        ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')
        echo "| \`$(basename "$file")\` $export(0) | $ours | $theirs | ${ratio}x |"
    done
    ;;
icache)
    # misses COMMAND...: "I refs, I1 misses" that cachegrind counted.
    misses() {
        local out
        out=$(mktemp)
        valgrind --tool=cachegrind --cache-sim=yes --cachegrind-out-file=/dev/null "$@" \
            >/dev/null 2>"$out" || {
            cat "$out" >&2
            rm -f "$out"
            return 1
        }
        awk '/I +refs:/ {r=$NF} /I1 +misses:/ {m=$NF} END {gsub(",", "", r); gsub(",", "", m); print r, m}' "$out"
        rm -f "$out"
    }
    echo "| tier | instructions | L1i misses |"
    echo "|---|---:|---:|"
    for tier in "jit" "dyn --tier-up-sync"; do
        # shellcheck disable=SC2086 # the tier options are separate words
        read -r refs miss < <(misses "$cli" run --tier $tier examples/fibers/c10m.wasm 300000 10000)
        echo "| $tier | $refs | $miss |"
    done
    ;;
crossing)
    cargo build --quiet --release -p wasmfx-benches --bin tier_crossing
    bench=target/release/tier_crossing
    n=100000
    echo "| operation | case | Ir per operation | over the interpreted one |"
    echo "|---|---|---:|---:|"
    for table in calls suspend short switch; do
        within=""
        for case in "interp -> interp" "jit -> jit" "interp -> jit" "jit -> interp"; do
            once=$(ir "$bench" "$n" "$table:$case")
            twice=$(ir "$bench" $((2 * n)) "$table:$case")
            per=$(((twice - once) / n))
            [[ -z $within ]] && within=$per
            ratio=$(awk -v a="$per" -v b="$within" 'BEGIN {printf "%.2fx", a / b}')
            echo "| $table | $case | $per | $ratio |"
        done
    done
    ;;
*)
    echo "unknown mode: $mode (interp, switching, tiers, interruption, startup, icache or crossing)" >&2
    exit 2
    ;;
esac
