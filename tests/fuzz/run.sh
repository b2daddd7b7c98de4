#!/bin/sh
# The fuzz targets of tests/fuzz (README.md there):
#   run.sh replay BUILD        every seed and regression through each target once
#                              (BUILD/fuzz-replay: no libFuzzer; make test, make check)
#   run.sh fuzz BUILD SECONDS  libFuzzer on each target for SECONDS (BUILD/fuzz: make fuzz);
#                              a crash's input is saved under tests/fuzz/crashes/
# Each ends with one line of totals and fails when a target crashed.
set -u
mode=$1 build=$2 secs=${3:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
public=$root/../shared/reference/stackfiles-public
targets=$(ls "$root"/tests/fuzz/fuzz_*.c | sed 's|.*/fuzz_\(.*\)\.c|\1|')

# The seeds of target $1, into a folder of their own under $build/seeds.
seeds() {
    d=$build/seeds/$1
    rm -rf "$d" && mkdir -p "$d"
    case $1 in
    stackfile)
        for f in "$root"/tests/golden/*/input.yml; do
            cp "$f" "$d/$(basename "$(dirname "$f")").yml"
        done
        [ -d "$public" ] && find "$public" -name '*.yml' -size -64k -exec cp {} "$d/" \; ;;
    api_json) # the first byte chooses the format: 0 is "detect it"
        for f in "$root"/tests/golden/*/input.json; do
            { printf '\000'; cat "$f"; } > "$d/$(basename "$(dirname "$f")")"
        done ;;
    *) cp "$root/tests/fuzz/seeds/$1/"* "$d/" ;;
    esac
    echo "$d"
}

dict() {
    case $1 in
    stackfile) echo "-dict=$root/tests/fuzz/yaml.dict" ;;
    api_json|events|http) echo "-dict=$root/tests/fuzz/json.dict" ;;
    esac
}

n=0 total=0 bad=0
for t in $targets; do
    n=$((n + 1))
    if [ "$mode" = replay ]; then
        out=$("$build/fuzz-replay/fuzz_$t" "$(seeds "$t")" "$root/tests/fuzz/regressions/$t" 2>&1)
        rc=$?
        inputs=$(echo "$out" | sed -n 's/^\([0-9]*\) inputs$/\1/p')
        total=$((total + ${inputs:-0}))
        if [ "$rc" -ne 0 ]; then
            bad=$((bad + 1))
            echo "FAIL fuzz_$t:"; echo "$out" | tail -n 30
        else
            echo "PASS fuzz_$t: ${inputs:-0} inputs"
        fi
        continue
    fi
    corpus=$build/corpus/$t
    mkdir -p "$corpus" "$root/tests/fuzz/crashes"
    log=$build/fuzz-$t.log
    # shellcheck disable=SC2046
    "$build/fuzz/fuzz_$t" -max_total_time="$secs" -print_final_stats=1 -timeout=10 \
        -artifact_prefix="$root/tests/fuzz/crashes/$t-" $(dict "$t") \
        "$corpus" "$(seeds "$t")" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\)/\1/p' "$log" | tail -n 1)
    total=$((total + ${execs:-0}))
    if [ "$rc" -ne 0 ]; then
        bad=$((bad + 1))
        echo "CRASH fuzz_$t (${execs:-?} executions): $(grep -m1 -E 'ERROR|runtime error|Test unit written' "$log")"
        grep -E 'Test unit written' "$log"
    else
        echo "fuzz_$t: ${execs:-0} executions, corpus $(ls "$corpus" | wc -l)"
    fi
done
if [ "$mode" = replay ]; then
    echo "fuzz-replay: $n targets, $total inputs, $bad failed"
else
    echo "fuzz: $n targets, $total executions, $bad crashes"
fi
[ "$bad" -eq 0 ]
