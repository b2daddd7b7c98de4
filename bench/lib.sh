# Sourced by the lab benchmarks (bench/serve.sh, bench/stream.sh):
# bench_lab_serve [serve arguments...] starts a one-node lab and
# `dcswarm serve` on it with the key alice:key-alice-1, and sets lab (a
# folder removed at exit), pid, api and auth; everything is stopped at exit.
# Needs here (the checkout) and bin (the dcswarm to measure).
bench_cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    bash "$here/tests/lab/lab.sh" stop "$lab/lab" >/dev/null 2>&1 || true
    rm -rf "$lab"
}

bench_lab_serve() {
    lab=$(mktemp -d /tmp/dcsbench.XXXXXX)
    trap bench_cleanup EXIT
    bash "$here/tests/lab/lab.sh" start "$lab/lab" --nodes 1 > "$lab/env" 2>/dev/null
    . "$lab/env"
    port=$((20000 + RANDOM % 20000))
    echo "alice:key-alice-1" > "$lab/keys"
    "$bin" serve --listen 127.0.0.1:$port --keys "$lab/keys" "$@" 2>"$lab/serve.log" &
    pid=$!
    api=http://127.0.0.1:$port
    for _ in $(seq 1 100); do curl -sf -o /dev/null "$api/_ping" && break; sleep 0.05; done
    auth="Authorization: Basic $(printf alice:key-alice-1 | base64)"
}
