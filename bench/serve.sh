#!/bin/bash
# bench/serve.sh - dcswarm serve against the Engine API it sits on.
#
#   make bench && bash bench/serve.sh [N_SERVICES]   (default 200; root, wrk, curl)
#
# Starts a lab (tests/lab/lab.sh), creates N services through the REST API,
# then build/bench/serve_direct times, in the same run and the same way
# (in-process clock, one keep-alive connection per side, no fork per call,
# the two sides interleaved request by request), each endpoint against the
# Engine API calls the bridge needs for the same answer, made one after the
# other on dcswarm's own engine client:
#   GET list  (/api/app/v1/service/)   vs GET /services?filters=label{namespace}
#                                         + GET /tasks + GET /configs?filters=...
#   GET one   (/api/app/v1/service/U/) vs GET /services?filters=label{uuid}
#                                         + GET /tasks?filters=service
#   GET one/ID                         vs GET /services/ID + GET /tasks?filters=service
#   create    (POST)                   vs the name check (services by label),
#                                         POST /services/create, the action
#                                         config, the one-service read
#   PATCH                              vs the uuid look-up, inspect + POST
#                                         update?version, the action config,
#                                         the read
# (sequential, 100 requests each; p50 and p99 per request).  dcswarm makes
# the same calls, but concurrently where they do not depend on each other
# (the three reads of a list; inspect and tasks of one service), reads one
# service by the ID its uuid label gave before (checking the labels of what
# it reads, falling back to the label filter), and parses only the list
# elements whose bytes changed since the last read: the direct side does
# none of that, as a client of the Engine API would not.  "GET one/ID" is
# the engine's own cost for one service when the ID is known already.
#
# The reads also with 50 concurrent clients per side for 10 s (serve_direct
# with DCS_BENCH_CLIENTS=50: requests per second, p50, p99, errors;
# concurrent dcswarm requests for a namespace share the next read), and
# with wrk, 50 connections (p50/p99, errors); create and PATCH come last,
# so that the reads see exactly N services.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200}
reqs=${DCS_BENCH_REQUESTS:-100}
bin=${DCSWARM:-$here/build/dcswarm}   # DCSWARM: another build to compare
direct=$here/build/bench/serve_direct
[ -x "$bin" ] && [ -x "$direct" ] || { echo "build first: make bench" >&2; exit 2; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-deps.sh" >&2; exit 2; }

. "$here/bench/lib.sh"
bench_lab_serve --workers 8

body() { printf '{"image":"%s","name":"%s","run_command":"sleep 1"}' "$DCS_LAB_IMAGE" "$1"; }
echo "creating $n services..." >&2
for i in $(seq 1 "$n"); do
    curl -sf -o /dev/null -H "$auth" -X POST -d "$(body b$i)" $api/api/app/v1/service/
done
uuid=$(curl -sf -H "$auth" "$api/api/app/v1/service/?name=b1" | /usr/bin/python3 -c \
    'import json,sys; print(json.load(sys.stdin)["objects"][0]["uuid"])')

echo "== $n services =="
# The reads first, while the namespace holds exactly N services.
DCS_BENCH_ENDPOINTS=list,one,one-by-id "$direct" "$api" alice:key-alice-1 alice "$uuid" "$reqs"
DCS_BENCH_CLIENTS=50 DCS_BENCH_ENDPOINTS=list,one "$direct" "$api" alice:key-alice-1 alice "$uuid" 0
echo "== wrk, 50 connections, 10 s =="
for path in "/api/app/v1/service/" "/api/app/v1/service/$uuid/"; do
    echo "-- GET $path"
    wrk -t4 -c50 -d10s --latency -H "$auth" "$api$path" |
        grep -E "50%|99%|Requests/sec|Non-2xx|Socket errors|requests in"
done
DCS_BENCH_ENDPOINTS=create,patch "$direct" "$api" alice:key-alice-1 alice "$uuid" "$reqs"
