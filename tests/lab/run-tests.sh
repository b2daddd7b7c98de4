#!/bin/bash
# run-tests.sh DCSWARM_BINARY - the engine tests (`make engine-test`).
#
# Starts one lab (lab.sh; 3 nodes unless DCS_LAB_START_NODES says
# otherwise), runs every tests/lab/t[0-9]*.sh with bash and every
# tests/lab/test_*.py with /usr/bin/python3 -m pytest against it, prints
# each result, stops the lab and ends with the line
#   engine: N passed, M failed
# Exit status 0 only if nothing failed.  Not being root, or a missing
# dockerd, is a failure, not a skip; a test skips only for what the project
# may not ship, with a reason starting "optional:" (test_haproxy.py without
# the load balancer's sources), and says so: "SKIP name (reason)".
#
# Tests get the lab's environment (DOCKER_HOST, DCS_LAB_*, see lab.sh) and
# DCSWARM, the absolute path of the binary.  A test must remove what it
# creates: anything left afterwards fails it (and is cleaned up).
# DCS_ENGINE_VERBOSE=1 prints the output of passing tests too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
nodes=${DCS_LAB_START_NODES:-3}
verbose=${DCS_ENGINE_VERBOSE:-}
DOCKER=/usr/bin/docker
passed=0 failed=0 lab=""

say() { printf 'engine: %s\n' "$*"; }
summary() { printf 'engine: %d passed, %d failed\n' "$passed" "$failed"; }
abort() { say "FAIL: $*"; failed=$((failed + 1)); stop_lab; summary; exit 1; }
secs() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f s", (b - a) / 1e9}'; }
indent() { sed 's/^/    /'; }

stop_lab() {
    [ -n "$lab" ] || return 0
    local t0
    t0=$(date +%s%N)
    "$here/lab.sh" stop "$lab" 2>&1 | grep -v 'removed in' | indent || true
    rm -rf "$lab"
    say "lab stopped in $(secs "$t0")"
    lab=""
}
child=""
# The test runs in the background so that these traps run at once.
on_signal() {
    say "$1"
    [ -z "$child" ] || kill -TERM "$child" 2>/dev/null || true
    exit "$2"
}
trap 'stop_lab' EXIT
trap 'on_signal interrupted 130' INT
trap 'on_signal terminated 143' TERM

# ---------------------------------------------------------------- checks
[ $# = 1 ] || abort "usage: tests/lab/run-tests.sh DCSWARM_BINARY"
[ -f "$1" ] && [ -x "$1" ] || abort "$1: no such executable (build it first: make)"
DCSWARM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
[ "$(id -u)" = 0 ] ||
    abort "not root: the lab runs its own dockerds in network namespaces, which needs root (CI runs as root)"
for c in "$DOCKER" dockerd containerd runc ip nsenter unshare curl /usr/bin/python3 /bin/busybox; do
    command -v "$c" >/dev/null 2>&1 || abort "$c not found: run scripts/install-deps.sh"
done
/usr/bin/python3 -c 'import pytest, yaml, docker' 2>/dev/null ||
    abort "/usr/bin/python3 lacks pytest, yaml or docker: run scripts/install-deps.sh"

shopt -s nullglob
shell_tests=("$here"/t[0-9]*.sh)
py_tests=("$here"/test_*.py)
shopt -u nullglob
[ $(( ${#shell_tests[@]} + ${#py_tests[@]} )) -gt 0 ] || abort "no engine tests in $here"

# ---------------------------------------------------------------- the lab
"$here/lab.sh" gc 2>&1 | indent || true      # leftovers of dead runs
lab=$(mktemp -d /tmp/dcslab.XXXXXX)
labels=()
for i in $(seq 1 "$nodes"); do labels+=(--label "node$i=lab.zone=z$i"); done
t0=$(date +%s%N)
if ! "$here/lab.sh" start "$lab" --nodes "$nodes" "${labels[@]}" --owner $$ \
        >/dev/null 2>"$lab.start.log"; then
    indent <"$lab.start.log"
    rm -f "$lab.start.log"
    rmdir "$lab" 2>/dev/null || true    # lab.sh start cleaned up the rest
    lab=""
    abort "the lab did not start (is dockerd usable here? see above)"
fi
rm -f "$lab.start.log"
say "lab of $nodes node(s) ready in $(secs "$t0") ($lab)"
# shellcheck disable=SC1091
. "$lab/env"
export DCSWARM DCSWARM_BINARY=$DCSWARM
export PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH} PYTHONDONTWRITEBYTECODE=1

# ---------------------------------------------------------------- leftovers

# What a test left behind (services, networks, containers, drained nodes,
# ...); empty when the lab is as the test found it.  Then removing it.
check_leftovers() { /usr/bin/python3 "$here/labapi.py" leftovers 2>&1 || true; }
clean_lab() { /usr/bin/python3 "$here/labapi.py" clean 2>&1 | indent || true; }

# ---------------------------------------------------------------- tests

record() {   # NAME OK(0|1) SECONDS_TEXT OUTPUT_FILE
    if [ "$2" = 0 ]; then
        passed=$((passed + 1))
        echo "PASS $1 ($3)"
        [ -z "$verbose" ] || indent <"$4"
    else
        failed=$((failed + 1))
        echo "FAIL $1 ($3)"
        indent <"$4"
    fi
}

out=$(mktemp)
trap 'rm -f "$out"; stop_lab' EXIT
for t in "${shell_tests[@]}"; do
    name=$(basename "$t")
    t0=$(date +%s%N)
    rc=0
    (cd "$here" && exec timeout -k 10 600 bash "$t") >"$out" 2>&1 </dev/null &
    child=$!
    wait "$child" || rc=$?
    child=""
    [ "$rc" != 124 ] || echo "timed out after 600 s" >>"$out"
    left=$(check_leftovers)
    if [ -n "$left" ]; then
        { echo "left behind (now removed):"; echo "$left" | indent; } >>"$out"
        clean_lab
        [ "$rc" != 0 ] || rc=1
    fi
    record "$name" "$rc" "$(secs "$t0")" "$out"
done

if [ ${#py_tests[@]} -gt 0 ]; then
    t0=$(date +%s%N)
    junit=$(mktemp)
    rc=0
    (cd "$here" && exec timeout -k 10 1200 /usr/bin/python3 -m pytest -p no:cacheprovider \
        --rootdir "$here" -c /dev/null -W ignore::DeprecationWarning -rfE -q --junitxml="$junit" "${py_tests[@]}") \
        >"$out" 2>&1 </dev/null &
    child=$!
    wait "$child" || rc=$?
    child=""
    # One result per test case, from the JUnit report.
    results=$(/usr/bin/python3 - "$junit" <<'EOF' 2>&1
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception as e:
    sys.exit("no pytest report: %s" % e)
for tc in root.iter("testcase"):
    name = "%s::%s" % (tc.get("classname", "").rsplit(".", 1)[-1] + ".py", tc.get("name"))
    skip = [c.get("message", "") for c in tc if c.tag == "skipped"]
    if skip and skip[0].startswith("optional:"):
        print("SKIP %s (%s)" % (name, skip[0]))
        continue
    bad = [c.tag for c in tc if c.tag in ("failure", "error", "skipped")]
    print("%s %s %.1f s" % ("FAIL" if bad else "PASS", name, float(tc.get("time", 0))),
          "(%s)" % bad[0] if bad else "")
EOF
    ) || results="FAIL pytest: $results"
    rm -f "$junit"
    echo "$results" | grep -q . || results="FAIL pytest: no test collected"
    while read -r verdict rest; do
        if [ "$verdict" = PASS ]; then
            passed=$((passed + 1)); echo "PASS $rest"
        elif [ "$verdict" = SKIP ]; then
            echo "SKIP $rest"
        else
            failed=$((failed + 1)); echo "FAIL $rest"
        fi
    done <<<"$results"
    if [ "$rc" != 0 ] || [ -n "$verbose" ]; then
        [ "$rc" = 0 ] || echo "pytest exited with status $rc; its output:"
        indent <"$out"
        # pytest failing as a whole with every case passed: still a failure.
        if [ "$rc" != 0 ] && ! grep -q '^FAIL' <<<"$results"; then failed=$((failed + 1)); fi
    fi
    left=$(check_leftovers)
    if [ -n "$left" ]; then
        failed=$((failed + 1))
        echo "FAIL pytest tests left behind (now removed):"
        echo "$left" | indent
        clean_lab
    fi
    say "pytest took $(secs "$t0")"
fi

rm -f "$out"
stop_lab
summary
[ "$failed" = 0 ]
