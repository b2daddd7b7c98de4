#!/bin/bash
# t21: dcswarm apply when things fail under it.
# A port another stack publishes: exit 1 naming the service and the port.
# The engine going away: a proxy in front
# of the engine (engine_proxy.py --cut-at N) vanishes at the Nth request of
# a kind: the first request of all, the first, a middle and the last create,
# a remove of --prune.  Each time apply exits 4 with one clear line naming
# the engine and the service it was on, and a re-run completes the stack.
# The cut is counted, not timed: no race with an apply that finishes first.
set -eu
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DCSWARM:-$root/build/dcswarm}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
work=$(mktemp -d)
proxy=$work/proxy.sock
proxy_pid=""
N=12
on_exit 'rm -rf "$work"'
on_exit 'dk service rm t21p1_a t21p2_b >/dev/null 2>&1; remove_networks t21p1_default t21p2_default'
on_exit '[ -z "$proxy_pid" ] || kill $proxy_pid 2>/dev/null; for i in $(seq 1 '$N'); do echo "t21_s$i"; done | xargs "$DCS_LAB_DOCKER" service rm >/dev/null 2>&1; remove_networks t21_default'

for i in $(seq 1 $N); do
    printf 's%d:\n  image: %s\n  command: sleep 1000\n  target_num_containers: 0\n' "$i" "$DCS_LAB_IMAGE"
done >"$work/all.yml"
head -n $((4 * (N / 2))) "$work/all.yml" >"$work/half.yml"

# proxy [--cut-at K --match RE]: a proxy of its own for one apply.
proxy() {
    rm -f "$proxy"
    /usr/bin/python3 "$root/tests/lab/engine_proxy.py" "$proxy" "$LAB_SOCK" "$@" &
    proxy_pid=$!
    wait_until 10 test -S "$proxy" || fail "the proxy did not start"
}

services() { dk service ls -q --filter label=dcswarm.stack=t21 | wc -l; }

# vanish NAME FILE ARGS CUT MATCH SERVICE: apply FILE through a proxy that
# cuts at the CUT-th request matching MATCH; exit 4, and one line on stderr
# that names the engine and SERVICE (none: the engine was gone at once).
vanish() {
    local what=$1 file=$2 args=$3 cut=$4 match=$5 service=$6 rc=0
    proxy --cut-at "$cut" --match "$match"
    # shellcheck disable=SC2086
    DOCKER_HOST=unix://$proxy "$bin" apply -f "$file" --stack t21 $args \
        >"$work/out" 2>"$work/err" || rc=$?
    wait "$proxy_pid" || true
    proxy_pid=""
    [ "$rc" = 4 ] || { cat "$work/err"; fail "$what: exit status $rc, expected 4"; }
    grep -v '^\(created\|updated\|unchanged\|removed\) ' "$work/err" >"$work/lines" || true
    [ "$(wc -l <"$work/lines")" = 1 ] ||
        { cat "$work/err"; fail "$what: expected one error line, got: $(cat "$work/lines")"; }
    grep -q "the Docker engine at unix://$proxy" "$work/lines" ||
        fail "$what: the error does not name the engine: $(cat "$work/lines")"
    if [ -n "$service" ]; then
        grep -q "^dcswarm: $service: " "$work/lines" ||
            fail "$what: the error does not name $service: $(cat "$work/lines")"
    fi
    [ ! -s "$work/out" ] || fail "$what: wrote on stdout: $(cat "$work/out")"
}

# rerun FILE ARGS: through a proxy that stays, the stack completes.
rerun() {
    local what=$1 file=$2 args=$3
    proxy
    # shellcheck disable=SC2086
    DOCKER_HOST=unix://$proxy "$bin" apply -f "$file" --stack t21 $args 2>"$work/err2" ||
        { cat "$work/err2"; fail "$what: the re-run failed"; }
    kill "$proxy_pid"
    wait "$proxy_pid" 2>/dev/null || true
    proxy_pid=""
}

vanish "gone at the first request" "$work/all.yml" "" 1 . ""
[ "$(services)" = 0 ] || fail "gone at once: services were made"
ok "an engine gone at the first request: exit 4, one line, nothing made"

vanish "gone at the first create" "$work/all.yml" "" 1 'POST .*/services/create' t21_s1
[ "$(services)" = 0 ] || fail "gone at the first create: $(services) services made"
vanish "gone at a middle create" "$work/all.yml" "" $((N / 2)) 'POST .*/services/create' \
    "t21_s$((N / 2))"
[ "$(services)" = $((N / 2 - 1)) ] || fail "gone at a middle create: $(services) services"
vanish "gone at the last create" "$work/all.yml" "" $((N / 2 + 1)) 'POST .*/services/create' \
    "t21_s$N"
[ "$(services)" = $((N - 1)) ] || fail "gone at the last create: $(services) services"
rerun "after the last create" "$work/all.yml" ""
[ "$(grep -c '^created ' "$work/err2")" = 1 ] && [ "$(services)" = $N ] ||
    fail "the re-run did not finish the job: $(cat "$work/err2")"
ok "an engine gone at the first, a middle, the last create: exit 4 naming the service; a re-run completes"

vanish "gone at a remove of --prune" "$work/half.yml" --prune 2 'DELETE .*/services/' ""
grep -q '^dcswarm: t21_s[0-9]*: remove failed' "$work/lines" ||
    fail "--prune: the error does not name the service: $(cat "$work/lines")"
[ "$(services)" = $((N - 1)) ] || fail "--prune: $(services) services left, expected $((N - 1))"
rerun "--prune" "$work/half.yml" --prune
[ "$(services)" = $((N / 2)) ] || fail "--prune re-run: $(services) services left"
ok "an engine gone during --prune: exit 4 naming the service; a re-run completes"

port=$((18000 + $$ % 1000))
printf 'a:\n  image: %s\n  command: sleep 1000\n  ports:\n    - "%d:80"\n' "$DCS_LAB_IMAGE" "$port" >"$work/p.yml"
sed 's/^a:/b:/' "$work/p.yml" >"$work/p2.yml"
"$bin" apply -f "$work/p.yml" --stack t21p1 2>"$work/err" || { cat "$work/err"; fail "apply a port"; }
rc=0
"$bin" apply -f "$work/p2.yml" --stack t21p2 2>"$work/err" || rc=$?
[ "$rc" = 1 ] || { cat "$work/err"; fail "a port in use: exit status $rc, expected 1"; }
grep -q "^dcswarm: t21p2_b: create failed: .*$port.*in use" "$work/err" ||
    fail "a port in use: the error does not name the service and the port: $(cat "$work/err")"
! dk service inspect t21p2_b >/dev/null 2>&1 || fail "a port in use: t21p2_b was made"
ok "a port another service publishes: exit 1 naming the service and the port"
