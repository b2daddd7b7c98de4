#!/bin/sh
# dcswarm report's contract: the JSON report of a set of stackfiles (the
# public ones of tests/golden, and cases for each verdict) is expected.json,
# valid against schemas/report.json; its exit status is the verdict's; and
# the HTML page renders in headless Chromium (report-render.py) when one is
# installed.  DCS_GOLDEN_UPDATE=1 rewrites expected.json.
set -u
bin=${1:-./dcswarm}
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

# Paths as the report shows them: relative to the repository.
cd "$root"
set -- tests/report/cases tests/golden/public-*/input.yml
env -i PATH="$PATH" SOURCE_DATE_EPOCH=0 "$bin" report --json "$tmp/report.json" \
    -o "$tmp/report.html" "$@" > "$tmp/summary" 2>&1
rc=$?
if [ "$rc" -ne 3 ]; then
    echo "report: exit $rc, expected 3 (kept fields and refused stackfiles)"; fail=1
fi
if [ -n "${DCS_GOLDEN_UPDATE:-}" ]; then
    cp "$tmp/report.json" "$here/expected.json"
elif ! diff -u "$here/expected.json" "$tmp/report.json" > "$tmp/diff"; then
    echo "report: the JSON report differs from tests/report/expected.json:"
    head -n 60 "$tmp/diff"; fail=1
fi
/usr/bin/python3 - "$tmp/report.json" "$root/schemas/report.json" <<'PY' || fail=1
import json, sys
import jsonschema
report, schema = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.Draft7Validator.check_schema(schema)
errors = list(jsonschema.Draft7Validator(schema).iter_errors(report))
for e in errors[:5]:
    print("report: not valid against schemas/report.json:", list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
PY
# Each verdict's exit status, and --strict.
status() { env -i PATH="$PATH" "$bin" report "$@" > /dev/null 2>&1; echo $?; }
for want in "0 tests/report/cases/ready.yml" "2 tests/report/cases/review.yml" \
            "3 tests/report/cases/attention.yml" "3 tests/report/cases/refused.yml" \
            "3 --strict tests/report/cases/review.yml" "1 --no-such-flag" \
            "3 tests/report/cases/ready.yml no-such-file.yml"; do
    set -- $want
    code=$1; shift
    got=$(status "$@")
    [ "$got" = "$code" ] || { echo "report $*: exit $got, expected $code"; fail=1; }
done
# 1,000 stackfiles in one report: all of them in it, memory within a bound
# (bench/report.sh measures the time).
mkdir "$tmp/many"
i=0
while [ "$i" -lt 1000 ]; do
    for f in tests/golden/public-*/input.yml; do
        [ "$i" -ge 1000 ] && break
        cp "$f" "$tmp/many/s$i.yml"
        i=$((i + 1))
    done
done
/usr/bin/time -f '%M' -o "$tmp/rss" "$bin" report --json "$tmp/many.json" -o "$tmp/many.html" \
    "$tmp/many" > /dev/null 2>&1
rss=$(tail -n 1 "$tmp/rss")
bound=153600
# AddressSanitizer adds to RSS: a sanitizer build (make check) gets three times the bound.
grep -q __asan_init "$bin" && bound=$((bound * 3))
count=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["stackfiles"])' "$tmp/many.json")
if [ "$count" != 1000 ] || [ "$rss" -gt "$bound" ]; then
    echo "report: 1,000 stackfiles: $count in the report, peak RSS $rss KB (bound $bound KB)"; fail=1
else
    echo "report: 1,000 stackfiles: peak RSS $((rss / 1024)) MB"
fi
if command -v chromium >/dev/null 2>&1; then
    /usr/bin/python3 "$here/render.py" "$tmp/report.html" "$tmp/report.json" || fail=1
else
    echo "report: optional: no chromium, the HTML page was not rendered"
fi
[ "$fail" -eq 0 ] && echo "report: passed"
exit "$fail"
