# shellcheck shell=bash
# tests/lab/lib.sh - helpers for the engine tests (bash, sourced).
# Needs the environment of a started lab (DOCKER_HOST, DCS_LAB_*), which
# run-tests.sh exports; by hand: eval "$(tests/lab/lab.sh start DIR)".

: "${DOCKER_HOST:?no lab: DOCKER_HOST is unset (run via tests/lab/run-tests.sh)}"
: "${DCS_LAB_NODES:?no lab: DCS_LAB_NODES is unset (run via tests/lab/run-tests.sh)}"
DCS_LAB_DOCKER=${DCS_LAB_DOCKER:-/usr/bin/docker}
DCS_LAB_IMAGE=${DCS_LAB_IMAGE:-dcswarm-test/busybox:latest}
LAB_SOCK=${DOCKER_HOST#unix://}
API=http://lab/v1.41

# The docker.io client (API 1.41), never whatever `docker` is on PATH.
dk() { "$DCS_LAB_DOCKER" "$@"; }
# The same on node I (1..DCS_LAB_NODES).
dk_node() {
    local host
    eval "host=\${DCS_LAB_NODE$1_HOST:?no node $1}"
    shift
    "$DCS_LAB_DOCKER" -H "$host" "$@"
}

fail() { printf 'FAIL: %s\n' "$*"; exit 1; }
ok() { printf 'ok - %s\n' "$*"; }
note() { printf '# %s\n' "$*"; }

# api METHOD PATH [BODY_FILE]: call the manager's API; the body of the
# answer goes to $API_OUT, the HTTP status to stdout.
API_OUT=$(mktemp)
api() {
    local data=()
    [ $# -ge 3 ] && data=(-H 'Content-Type: application/json' --data-binary "@$3")
    curl -sS -o "$API_OUT" -w '%{http_code}' --unix-socket "$LAB_SOCK" \
        -X "$1" "${data[@]}" "$API$2"
}
# The engine's error message in $API_OUT (or the raw body).
api_message() {
    /usr/bin/python3 -c 'import json,sys
t=open(sys.argv[1]).read()
try: print(json.loads(t).get("message", t))
except Exception: print(t)' "$API_OUT"
}

# wait_until SECONDS CMD...: true once CMD succeeds, false after SECONDS.
wait_until() {
    local t=$(( $1 * 10 ))
    shift
    until "$@" >/dev/null 2>&1; do
        t=$((t - 1))
        [ "$t" -gt 0 ] || return 1
        sleep 0.1
    done
}

# The running task of service NAME as "NODE_INDEX CONTAINER_ID" (first one).
task_container() {
    local line node cid
    line=$(dk service ps "$1" --no-trunc --filter desired-state=running \
             --format '{{.ID}} {{.Node}} {{.CurrentState}}' | grep ' Running ' | head -1) ||
        return 1
    [ -n "$line" ] || return 1
    node=$(echo "$line" | cut -d' ' -f2)
    cid=$(dk inspect -f '{{.Status.ContainerStatus.ContainerID}}' "${line%% *}") || return 1
    [ -n "$cid" ] || return 1
    echo "${node#node} $cid"
}

service_running() { task_container "$1" >/dev/null; }

# Kill the containers of swarm tasks whose service no longer exists, on
# every node, so that removals don't wait out stop grace periods.
kill_orphan_tasks() {
    local i live cid sid
    live=" $(dk service ls -q | tr '\n' ' ') "     # 12-character IDs
    for i in $(seq 1 "$DCS_LAB_NODES"); do
        dk_node "$i" ps --no-trunc --filter label=com.docker.swarm.service.id \
            --format '{{.ID}} {{.Label "com.docker.swarm.service.id"}}' |
        while read -r cid sid; do
            case $live in
                *" ${sid:0:12} "*) ;;
                *) dk_node "$i" kill "$cid" >/dev/null 2>&1 || true ;;
            esac
        done
    done
}

# remove_networks NAME...: remove overlay networks once their tasks are
# gone (the manager refuses while a task is still attached); waits <= 30 s.
remove_networks() {
    local n left t=300
    while :; do
        left=""
        for n in "$@"; do
            dk network inspect "$n" >/dev/null 2>&1 || continue
            dk network rm "$n" >/dev/null 2>&1 || left="$left $n"
        done
        [ -z "$left" ] && return 0
        t=$((t - 1))
        [ "$t" -gt 0 ] || { echo "networks not removable after 30 s:$left" >&2; return 1; }
        [ $((t % 10)) = 0 ] && kill_orphan_tasks
        sleep 0.1
    done
}

# on_exit 'CMD': run CMD when the test exits, however it exits (last
# registered runs first).  Use it to remove what the test created.
LAB_ON_EXIT=()
on_exit() { LAB_ON_EXIT=("$1" "${LAB_ON_EXIT[@]}"); }
lab_run_on_exit() {
    local c
    for c in "${LAB_ON_EXIT[@]}"; do eval "$c" || true; done
    rm -f "$API_OUT"
}
trap lab_run_on_exit EXIT
trap 'exit 130' INT TERM
