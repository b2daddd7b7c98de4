#!/bin/sh
# Golden tests of the mapping: every tests/golden/<case>/ holds an input
# (input.yml or input.json) and what `dcswarm translate` must print for it:
#   expected.json          -o spec output           (or expected.error)
#   expected.compose.yml   -o compose output        (optional)
#   expected.warnings      stderr of the spec run   (absent = no warning allowed)
#   expected.error         stderr of a failing run, exit status 1
#   args                   extra translate arguments (one line), optional
#   env                    KEY=VALUE lines: the whole environment, optional
# DCS_GOLDEN_UPDATE=1 rewrites the expected files instead (make golden-update).
# Then late-error.sh: errors after more than 1 MB of specs write nothing.
# Each case runs on one thread and again on four (DCS_THREADS): a stackfile
# is then cut into parts parsed side by side, and the specs are made on
# several threads, which must not change a byte of the output, the
# warnings or the error; and again read from its file a part at a time, each
# service read again when it is translated (DCS_REREAD_BYTES=0: what a file
# of 32 MiB or more gets), which must not either.
set -u
bin=${1:-./dcswarm}
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")" && pwd)
update=${DCS_GOLDEN_UPDATE:-}
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() { # case dir, output format[, threads[, reread bytes]] -> $tmp/out $tmp/err $tmp/rc
    dir=$1; fmt=$2; threads=${3:-1}; reread=${4:-}
    input=$(ls "$dir"/input.* 2>/dev/null | head -n 1)
    args=""
    [ -f "$dir/args" ] && args=$(cat "$dir/args")
    envs=""
    [ -f "$dir/env" ] && envs=$(grep -v '^#' "$dir/env" | tr '\n' ' ')
    (cd "$dir" && env -i DCS_THREADS="$threads" DCS_REREAD_BYTES="$reread" $envs "$bin" translate -f "$(basename "$input")" -o "$fmt" $args \
        >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc")
}

check() { # name expected actual
    if [ -n "$update" ]; then
        cp "$3" "$2"
        return 0
    fi
    if [ ! -f "$2" ]; then
        echo "  missing $(basename "$2")"
        return 1
    fi
    if ! diff -u "$2" "$3" >"$tmp/diff"; then
        echo "  $(basename "$2") differs:"
        sed 's/^/    /' "$tmp/diff" | head -n 40
        return 1
    fi
}

# Four threads give what one gave: status, output and stderr; and so does
# the file read again, on one thread and on four.
same_on_threads() { # case dir, output format
    mv "$tmp/out" "$tmp/out1"; mv "$tmp/err" "$tmp/err1"; mv "$tmp/rc" "$tmp/rc1"
    for how in "4" "1 0" "4 0"; do
        run "$1" "$2" $how
        for f in rc out err; do
            cmp -s "$tmp/${f}1" "$tmp/$f" ||
                { echo "  $2 $f differs on threads, reread bytes: $how"; return 1; }
        done
    done
}

one_case() {
    dir=$1
    run "$dir" spec
    rc=$(cat "$tmp/rc")
    if [ -f "$dir/expected.error" ] || { [ -n "$update" ] && [ "$rc" != 0 ]; }; then
        [ "$rc" = 1 ] || { echo "  exit status $rc, expected 1"; [ -z "$update" ] && return 1; }
        check error "$dir/expected.error" "$tmp/err" || return 1
        [ -s "$tmp/out" ] && { echo "  printed output despite the error"; return 1; }
        same_on_threads "$dir" spec || return 1
        return 0
    fi
    [ "$rc" = 0 ] || { echo "  exit status $rc:"; sed 's/^/    /' "$tmp/err"; return 1; }
    check spec "$dir/expected.json" "$tmp/out" || return 1
    if [ -n "$update" ] && [ ! -s "$tmp/err" ]; then
        rm -f "$dir/expected.warnings"
    elif [ -s "$tmp/err" ] || [ -f "$dir/expected.warnings" ]; then
        # An unexpected warning fails the case, as in kompose.
        check warnings "$dir/expected.warnings" "$tmp/err" || return 1
    fi
    if [ -f "$dir/expected.compose.yml" ]; then
        run "$dir" compose
        check compose "$dir/expected.compose.yml" "$tmp/out" || return 1
    fi
    # The same input must give the same bytes, whatever the threads.
    run "$dir" spec
    cmp -s "$tmp/out" "$dir/expected.json" || { echo "  second run differs"; return 1; }
    same_on_threads "$dir" spec || return 1
}

for dir in "$root"/*/; do
    dir=${dir%/}
    [ -f "$dir/input.json" ] || [ -f "$dir/input.yml" ] || continue
    name=$(basename "$dir")
    if out=$(one_case "$dir" 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL $name"
        echo "$out"
    fi
done
# Refused after more than 1 MB of specs: nothing written (not a case dir:
# it makes its inputs).
if [ -z "$update" ]; then
    if out=$(sh "$root/late-error.sh" "$bin" 2>&1); then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL late-error.sh"
        echo "$out"
    fi
fi
[ $((pass + fail)) -gt 0 ] || { echo "golden: no cases found in $root"; exit 1; }
echo "golden: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
