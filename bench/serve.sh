#!/bin/bash
# bench/serve.sh - dcswarm serve against the Engine API it sits on.
#
#   bash bench/serve.sh [N_SERVICES]        (default 200; needs root, wrk, curl)
#
# Starts a lab (tests/lab/lab.sh), creates N services through the REST API,
# then for each endpoint times, in the same run, the bridge and the direct
# Engine API calls the bridge needs for the same answer:
#   GET list  (/api/app/v1/service/)   vs GET /services?filters=label + GET /tasks + GET /configs
#   GET one   (/api/app/v1/service/U/) vs the same three calls
#   create    (POST)                   vs POST /services/create + GET /services + GET /tasks
#   PATCH                              vs GET /services/ID + POST update + GET /services + GET /tasks
# (sequential, one client, 100 requests each; median and p99 per request),
# and wrk with 50 connections on GET list and GET one (p50/p99, errors).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
reqs=${DCS_BENCH_REQUESTS:-100}
lab=$(mktemp -d /tmp/dcsbench.XXXXXX)
bin=$here/build/dcswarm
[ -x "$bin" ] || { echo "build first: make" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-deps.sh" >&2; exit 2; }

cleanup() {
    [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true
    bash "$here/tests/lab/lab.sh" stop "$lab/lab" >/dev/null 2>&1 || true
    rm -rf "$lab"
}
trap cleanup EXIT
bash "$here/tests/lab/lab.sh" start "$lab/lab" --nodes 1 > "$lab/env" 2>/dev/null
. "$lab/env"
sock=${DOCKER_HOST#unix://}
port=$((20000 + RANDOM % 20000))
echo "alice:key-alice-1" > "$lab/keys"
"$bin" serve --listen 127.0.0.1:$port --keys "$lab/keys" --workers 8 2>"$lab/serve.log" &
pid=$!
sleep 0.5
api=http://127.0.0.1:$port
auth="Authorization: Basic $(printf alice:key-alice-1 | base64)"
eng=(curl -sf --unix-socket "$sock")
E=http://localhost/v1.41

body() { printf '{"image":"%s","name":"%s","run_command":"sleep 1"}' "$DCS_LAB_IMAGE" "$1"; }
echo "creating $n services..." >&2
for i in $(seq 1 "$n"); do
    curl -sf -o /dev/null -H "$auth" -X POST -d "$(body b$i)" $api/api/app/v1/service/
done
uuid=$(curl -sf -H "$auth" "$api/api/app/v1/service/?name=b1" | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["objects"][0]["uuid"])')
sid=$("${eng[@]}" "$E/services/b1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["ID"])')
filt=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"label\":{\"dcswarm.namespace=alice\":true}}"))')
cfilt=$(/usr/bin/python3 -c 'import urllib.parse; print(urllib.parse.quote("{\"label\":{\"dcswarm.kind=terminated-service\":true,\"dcswarm.namespace=alice\":true}}"))')

# time_it NAME CMD...: run CMD $reqs times, print median and p99 in ms.
time_it() {
    local name=$1; shift
    local t=()
    for i in $(seq 1 "$reqs"); do
        local a b
        a=$(date +%s%N); "$@" >/dev/null; b=$(date +%s%N)
        t+=($(( (b - a) / 1000 )))
    done
    printf '%s\n' "${t[@]}" | sort -n | awk -v name="$name" '
        {v[NR]=$1} END {printf "%-28s p50 %7.2f ms   p99 %7.2f ms\n", name,
                        v[int(NR*0.5)+1]/1000, v[int(NR*0.99)+(NR*0.99>int(NR*0.99))]/1000}'
}
engine_view() {
    "${eng[@]}" "$E/services?filters=$filt" >/dev/null
    "${eng[@]}" "$E/tasks" >/dev/null
    "${eng[@]}" "$E/configs?filters=$cfilt"
}
k=0
bridge_create() { k=$((k + 1)); curl -sf -H "$auth" -X POST -d "$(body c$k)" $api/api/app/v1/service/; }
e=0
engine_create() {
    e=$((e + 1))
    "${eng[@]}" -X POST -H 'Content-Type: application/json' -d \
        "{\"Name\":\"e$e\",\"Labels\":{\"dcswarm.namespace\":\"bench\"},\"Mode\":{\"Replicated\":{\"Replicas\":0}},\"TaskTemplate\":{\"ContainerSpec\":{\"Image\":\"$DCS_LAB_IMAGE\"}}}" \
        "$E/services/create" >/dev/null
    engine_view
}
bridge_patch() { curl -sf -H "$auth" -X PATCH -d '{"target_num_containers": 2}' "$api/api/app/v1/service/$uuid/"; }
engine_patch() {
    local v
    v=$("${eng[@]}" "$E/services/$sid" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["Version"]["Index"])')
    "${eng[@]}" "$E/services/$sid" | /usr/bin/python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["Spec"]))' >"$lab/spec"
    "${eng[@]}" -X POST -H 'Content-Type: application/json' --data-binary @"$lab/spec" "$E/services/$sid/update?version=$v" >/dev/null
    engine_view
}

echo "== $n services, $reqs sequential requests per line =="
time_it "bridge GET list"  curl -sf -H "$auth" "$api/api/app/v1/service/"
time_it "engine  (same calls)" engine_view
time_it "bridge GET one"   curl -sf -H "$auth" "$api/api/app/v1/service/$uuid/"
time_it "engine  (same calls)" engine_view
time_it "bridge create"    bridge_create
time_it "engine  create + view" engine_create
time_it "bridge PATCH"     bridge_patch
time_it "engine  inspect+update+view" engine_patch
echo "== wrk, 50 connections, 10 s =="
for path in "/api/app/v1/service/" "/api/app/v1/service/$uuid/"; do
    echo "-- GET $path"
    wrk -t4 -c50 -d10s --latency -H "$auth" "$api$path" | grep -E "50%|99%|Requests/sec|Non-2xx|Socket errors|requests in"
done
