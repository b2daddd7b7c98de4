#!/bin/bash
# bench/stream.sh - the Stream API's logs against `docker service logs`.
#
#   make bench && bash bench/stream.sh [LINES]     (default 100000; root, curl)
#
# Starts a lab (tests/lab/lab.sh, one node) and dcswarm serve, then through
# the REST API a service that prints LINES lines at once and idles ("flood"),
# and one that prints "seq N" every 10 ms ("tick").  In the same run:
#   throughput: all of flood's lines (follow=false, tail=all), best of 3,
#     `docker service logs alice_flood` (the docker CLI, Go)
#     vs 1 WebSocket client, and 50 at once (LINES/10 lines each, once: the
#     engine reads the log file for each of them) (build/bench/stream_ws, C:
#     one poll loop, frames read by their headers only)
#   latency: tick followed for 20 s by `docker service logs -f --timestamps`
#     and by one WebSocket client at once; each line's latency is its
#     arrival minus the engine's timestamp of the line (when the log driver
#     got it), p50/p99 for both.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
lines=${1:-100000}
follow_s=${DCS_BENCH_FOLLOW:-20}
bin=${DCSWARM:-$here/build/dcswarm}
ws=$here/build/bench/stream_ws
[ -x "$bin" ] && [ -x "$ws" ] || { echo "build first: make bench" >&2; exit 2; }

. "$here/bench/lib.sh"
bench_lab_serve

# create NAME COMMAND -> uuid (started)
create() {
    local body uuid
    body=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps({"image": sys.argv[1],
        "name": sys.argv[2], "run_command": sys.argv[3]}))' "$DCS_LAB_IMAGE" "$1" "$2")
    uuid=$(curl -sf -H "$auth" -X POST -d "$body" $api/api/app/v1/service/ |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
    curl -sf -o /dev/null -H "$auth" -X POST "$api/api/app/v1/service/$uuid/start/"
    echo "$uuid"
}
idle='trap "exit 0" TERM; while :; do sleep 1; done'
flood=$(create flood "sh -c 'seq 1 $lines; $idle'")
tick=$(create tick "sh -c 'trap \"exit 0\" TERM; i=0; while :; do i=\$((i+1)); echo seq \$i; sleep 0.01; done'")
echo "waiting for $lines lines..." >&2
for _ in $(seq 1 300); do
    [ "$(docker service logs alice_flood 2>/dev/null | wc -l)" = "$lines" ] && break
    sleep 0.5
done

best() {  # best (lowest) wall time of 3 runs of "$@" (prints "lines seconds")
    local b="" out
    for _ in 1 2 3; do
        out=$("$@")
        if [ -z "$b" ] || awk -v a="${out#* }" -v b="${b#* }" 'BEGIN{exit !(a<b)}'; then b=$out; fi
    done
    echo "$b"
}
cli_read() {
    local t0 n
    t0=$(date +%s%N)
    n=$(docker service logs alice_flood 2>&1 | wc -l)
    echo "$n $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN{printf "%.3f", (b-a)/1e9}')"
}
path="/api/app/v1/service/$flood/logs/?follow=false&tail=all"
echo "== throughput: $lines lines, best of 3 =="
r_cli=$(best cli_read)
r_1=$(best "$ws" "$port" "$path" alice:key-alice-1 1)
r_50=$("$ws" "$port" "${path%all}$((lines / 10))" alice:key-alice-1 50)
/usr/bin/python3 - "$r_cli" "$r_1" "$r_50" <<'EOF'
import sys
for name, r, n in (("docker service logs", sys.argv[1], 1), ("WebSocket, 1 client", sys.argv[2], 1),
                   ("WebSocket, 50 clients", sys.argv[3], 50)):
    lines, s = r.split()
    lines, s = int(lines), float(s)
    print("%-24s %8d lines in %6.3f s: %9.0f lines/s (%9.0f per client)"
          % (name, lines, s, lines / s, lines / s / n))
EOF

echo "== latency: tick followed for $follow_s s =="
stamp='import sys, time
for line in sys.stdin:
    sys.stdout.write("%d %s" % (time.time_ns(), line)); sys.stdout.flush()'
timeout "$follow_s" docker service logs -f --timestamps --tail 0 alice_tick 2>&1 |
    /usr/bin/python3 -c "$stamp" > "$lab/cli.txt" &
cli_pid=$!
timeout "$follow_s" "$ws" "$port" "/api/app/v1/service/$tick/logs/?follow=true&tail=0" \
    alice:key-alice-1 1 --stamp > "$lab/ws.txt" || true
wait "$cli_pid" || true    # not the server
/usr/bin/python3 - "$lab/cli.txt" "$lab/ws.txt" <<'EOF'
import json, re, sys
from datetime import datetime, timezone

def ts_ns(s):  # 2026-11-23T18:25:27.204107764Z
    m = re.match(r"(\d+-\d+-\d+T\d+:\d+:\d+)(?:\.(\d+))?Z", s)
    base = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    frac = (m.group(2) or "0").ljust(9, "0")[:9]
    return int(base.timestamp()) * 10**9 + int(frac)

engine, cli, ws = {}, {}, {}
for line in open(sys.argv[1]):
    m = re.match(r"(\d+) (\S+) .*seq (\d+)$", line.rstrip("\n"))
    if m:
        engine[int(m.group(3))] = ts_ns(m.group(2))
        cli[int(m.group(3))] = int(m.group(1))
for line in open(sys.argv[2]):
    recv, text = line.split(" ", 1)
    m = re.match(r"seq (\d+)", json.loads(text)["log"])
    if m:
        ws[int(m.group(1))] = int(recv)
both = sorted(set(engine) & set(ws) & set(cli))

def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(len(v) * p / 100))] / 1e6

lc = [cli[s] - engine[s] for s in both]
lw = [ws[s] - engine[s] for s in both]
ld = [ws[s] - cli[s] for s in both]
print("%d lines seen by both" % len(both))
print("%-24s p50 %6.2f ms  p99 %6.2f ms" % ("docker service logs -f", pct(lc, 50), pct(lc, 99)))
print("%-24s p50 %6.2f ms  p99 %6.2f ms" % ("WebSocket (dcswarm)", pct(lw, 50), pct(lw, 99)))
print("%-24s p50 %6.2f ms  p99 %6.2f ms" % ("added (WS - docker)", pct(ld, 50), pct(ld, 99)))
EOF
