#!/bin/sh
# Services refused while translating, after more than 1 MB of specs: stdout
# is written in 1 MB pieces, so the small golden cases, whose output would
# stay in the buffer, cannot show that nothing was written.  Each error must
# leave stdout empty, exit 1 and end stderr with the error, the same on one
# thread and on four, and with the file read again (1r, 4r: DCS_REREAD_BYTES=0).  Run by tests/golden/run.sh; prints one line per
# failure and exits non-zero on any.
set -u
bin=$1
case "$bin" in /*) ;; *) bin=$PWD/$bin ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# 400 services make some 3.4 MB of specs; each links to and takes
# volumes_from the one before, and publishes port 10000 + its index.
/usr/bin/python3 "$root/bench/gen-stackfile.py" 400 >"$tmp/base.yml" || exit 1

late() { # name, the last service (YAML), the error line, translate args...
    name=$1 last=$2 want=$3
    shift 3
    cp "$tmp/base.yml" "$tmp/in.yml"
    printf '%s\n' "$last" >>"$tmp/in.yml"
    for threads in 1 4 1r 4r; do
        reread=; case $threads in *r) reread=0 ;; esac
        (cd "$tmp" && env -i DCS_THREADS=${threads%r} DCS_REREAD_BYTES=$reread "$bin" translate \
            -f in.yml -o spec "$@" >"out$threads" 2>"err$threads"; echo $? >"rc$threads")
        rc=$(cat "$tmp/rc$threads")
        if [ "$rc" != 1 ]; then
            echo "  $name ($threads threads): exit status $rc, expected 1"
            failed=1
        fi
        if [ -s "$tmp/out$threads" ]; then
            echo "  $name ($threads threads): $(wc -c <"$tmp/out$threads") bytes on stdout despite the error"
            failed=1
        fi
        got=$(tail -n 1 "$tmp/err$threads")
        if [ "$got" != "$want" ]; then
            echo "  $name ($threads threads): stderr ends with"
            echo "    $got"
            echo "  expected"
            echo "    $want"
            failed=1
        fi
    done
    for t in 4 1r 4r; do
        cmp -s "$tmp/err1" "$tmp/err$t" || { echo "  $name: stderr differs on $t threads"; failed=1; }
    done
}

late bad-dns 'zlast:
  image: nginx
  dns: [8.8.8.8, nope]' \
    'dcswarm: in.yml:zlast:dns[1]: expected an IP address, got "nope"'
late published-twice 'zlast:
  image: nginx
  ports: ["8080:80", "8080:81"]' \
    'dcswarm: in.yml:zlast:ports[1]: outer port 8080/tcp is published twice'
late mount-twice 'zlast:
  image: nginx
  volumes: [/data3]
  volumes_from: [svc3]' \
    'dcswarm: in.yml:zlast:volumes: container path "/data3" is mounted twice'
late unterminated-quote 'zlast:
  image: nginx
  command: echo "oops' \
    'dcswarm: in.yml:zlast:command: unterminated double quote (opened at character 6)'
late name-too-long 'a-longer-service-name:
  image: nginx' \
    'dcswarm: in.yml:a-longer-service-name:name: "stack-of-fifty-characters-which-is-quite-long-yes_a-longer-service-name" is longer than the 63 characters swarm allows in a service name' \
    --stack stack-of-fifty-characters-which-is-quite-long-yes
exit $failed
