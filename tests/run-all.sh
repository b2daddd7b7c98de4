#!/bin/sh
# The whole test suite, as `make test` / `make check` run it:
#   unit     cmocka tests (tests/unit)
#   golden   the mapping's contract (tests/golden)
#   threads  a large stackfile gives the same bytes on 1, 2 and 5 threads
#   schema   schemas/ checked by python3-jsonschema against the golden inputs
#   docs     docs/mapping.md is what the field table says
#   layers   no file of src/http includes a header above its layer
#   limits   every input limit (docs/limits.md) met by a hostile input
#   report   dcswarm report: golden JSON, its schema, exit statuses, the page in Chromium
#   ops      the man page (mandoc lint), the systemd unit, sd_notify, dcswarm health
#   fuzz-replay  the fuzz targets' seeds and regressions, once each (tests/fuzz)
#   engine   against a real swarm started by tests/lab (root only)
# Ends with one line: "N passed, M failed" (suites).
set -u
build=$(cd "$1" && pwd)
bin=$2
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac
passed=0 failed=0 failed_names=""

suite() {
    name=$1; shift
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        failed_names="$failed_names $name"
    fi
}

suite unit sh tests/run-unit.sh "$build"/tests/test_*
suite golden sh tests/golden/run.sh "$bin"
suite threads sh tests/threads-check.sh "$bin"
suite schema /usr/bin/python3 tests/schema_check.py
suite docs sh tests/docs-check.sh "$bin"
suite layers sh tests/http-layers.sh
suite limits /usr/bin/python3 tests/limits-check.py "$bin"
suite report sh tests/report/run.sh "$bin"
suite ops /usr/bin/python3 tests/ops-check.py "$bin"
suite fuzz-replay sh tests/fuzz/run.sh replay "$build"
if [ -z "${DCS_SKIP_ENGINE:-}" ]; then
    suite engine env DCS_BUILD="$build" bash tests/lab/run-tests.sh "$bin"
else
    echo "=== engine: skipped (DCS_SKIP_ENGINE is set)"
fi
echo
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
