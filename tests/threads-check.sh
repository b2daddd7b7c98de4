#!/bin/sh
# translate on one thread and on several must print the same bytes: a
# stackfile large enough to be cut into parts (several per thread) and to
# make many chunks of specs, in every output format, with and without
# --stack, warnings as lines and as JSON, and refused inputs (the same
# status, stdout and stderr); and read from the file a part at a time,
# each service read again when it is translated (DCS_REREAD_BYTES=0, what
# a file of 32 MiB or more gets).  The golden cases are too small for that.
set -u
bin=${1:-./dcswarm}
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

/usr/bin/python3 "$root/bench/gen-stackfile.py" 400 > "$tmp/big.yml"
# Refused where it is loaded (a bad port), and where it is translated (a
# link to a service the stack lacks), each after hundreds of valid
# services; a port published by two services (host mode) is no refusal.
sed 's/^  ports: \["10390:80", "443"\]$/  ports: ["10390:80x"]/' "$tmp/big.yml" > "$tmp/bad-load.yml"
sed 's/^  links: \["svc389:upstream"\]$/  links: ["nosuch:upstream"]/' "$tmp/big.yml" > "$tmp/bad-link.yml"
sed 's/^  ports: \["10390:80", "443"\]$/  ports: ["10005:80"]/' "$tmp/big.yml" > "$tmp/shared-port.yml"
# An anchor: the text is not cut, and is loaded in one piece.
sed 's/^svc7:$/svc7: \&seven/' "$tmp/big.yml" > "$tmp/anchor.yml"
for f in bad-load bad-link shared-port; do
    cmp -s "$tmp/big.yml" "$tmp/$f.yml" && { echo "threads: $f.yml was not made"; exit 1; }
done

run() { # threads (r: the file read again) file args... -> $tmp/out.T $tmp/err.T $tmp/rc.T
    t=$1; f=$2; shift 2
    reread=; case $t in *r) reread=0 ;; esac
    DCS_THREADS=${t%r} DCS_REREAD_BYTES=$reread "$bin" translate -f "$tmp/$f" "$@" \
        >"$tmp/out.$t" 2>"$tmp/err.$t"
    echo $? >"$tmp/rc.$t"
}

check() { # file args...
    run 1 "$@"
    for t in 2 5 1r 2r 5r; do
        run $t "$@"
        for x in rc out err; do
            if ! cmp -s "$tmp/$x.1" "$tmp/$x.$t"; then
                echo "FAIL $*: $x differs on $t threads"
                fail=$((fail + 1))
                return
            fi
        done
    done
    pass=$((pass + 1))
}

for f in big.yml anchor.yml; do
    check "$f" -o spec
    check "$f" -o spec --stack bench
    check "$f" -o spec --stack bench --warnings-json
    check "$f" -o compose --stack bench
    check "$f" -o cloud
done
check big.yml -o spec --stack bench --strict
check bad-load.yml -o spec --stack bench
check bad-link.yml -o spec --stack bench
check bad-link.yml -o spec --stack bench --warnings-json
check shared-port.yml -o spec --stack bench
check shared-port.yml -o compose --stack bench
# The refused inputs must be refused (not only alike).
for f in bad-load bad-link; do
    run 1 "$f.yml" -o spec --stack bench
    [ "$(cat "$tmp/rc.1")" = 1 ] || { echo "FAIL $f.yml: exit status $(cat "$tmp/rc.1"), expected 1"; fail=$((fail + 1)); }
done
run 1 shared-port.yml -o spec --stack bench
[ "$(cat "$tmp/rc.1")" = 0 ] && [ "$(grep -c '"PublishMode": "host"' "$tmp/out.1")" = 2 ] ||
    { echo "FAIL shared-port.yml: not two host-mode ports"; fail=$((fail + 1)); }
echo "threads: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
