#!/bin/bash
# t20: dcswarm apply against the real swarm.
#   - every golden case that translates is applied, and the engine then runs
#     exactly the spec `translate` printed (tests/lab/spec_compare.py);
#   - a runnable stack reaches running tasks, its link alias resolves and its
#     link variables are set; `docker stack ps` sees it;
#   - applying twice changes nothing (service versions stay); changing one
#     field updates exactly that service; --prune removes what the file lost.
# The engine vanishing in the middle of an apply is t21.
set -eu
. "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${DCSWARM:-$root/build/dcswarm}
case "$bin" in /*) ;; *) bin=$root/$bin ;; esac
work=$(mktemp -d)
on_exit 'rm -rf "$work"'

# ---------------------------------------------------------- golden cases
applied=0
golden_nets=""
for dir in "$root"/tests/golden/*/; do
    case=$(basename "$dir")
    [ -f "$dir/expected.json" ] || continue
    # A PATCH body is a fragment, not a service: nothing to apply.
    /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
sys.exit(0 if d["services"] and all("Name" in s for s in d["services"]) else 1)' \
        "$dir/expected.json" || continue
    input=$(ls "$dir"/input.* | head -1)
    args=""; [ -f "$dir/args" ] && args=$(cat "$dir/args")
    envs=""; [ -f "$dir/env" ] && envs=$(grep -v '^#' "$dir/env" | tr '\n' ' ')
    # shellcheck disable=SC2086
    if ! (cd "$dir" && env -i PATH="$PATH" DOCKER_HOST="$DOCKER_HOST" $envs \
            "$bin" apply -f "$(basename "$input")" $args) >"$work/out" 2>&1; then
        cat "$work/out"
        fail "$case: apply failed"
    fi
    names=$(/usr/bin/python3 -c 'import json,sys
print(" ".join(s["Name"] for s in json.load(open(sys.argv[1]))["services"]))' "$dir/expected.json")
    # shellcheck disable=SC2086
    dk service inspect $names >"$work/inspect.json"
    dk network ls -q | xargs "$DCS_LAB_DOCKER" network inspect >"$work/nets.json"
    /usr/bin/python3 "$root/tests/lab/spec_compare.py" "$dir/expected.json" \
        "$work/inspect.json" "$work/nets.json" || fail "$case: the swarm runs another spec than translate printed"
    # shellcheck disable=SC2086
    dk service rm $names >/dev/null
    golden_nets="$golden_nets $(/usr/bin/python3 -c 'import json,sys
print(" ".join(n["Name"] for n in json.load(open(sys.argv[1]))["networks"]))' "$dir/expected.json")"
    applied=$((applied + 1))
done
[ "$applied" -ge 40 ] || fail "only $applied golden cases applied"
kill_orphan_tasks
# shellcheck disable=SC2086
remove_networks $(echo $golden_nets | tr ' ' '\n' | sort -u)
ok "$applied golden cases applied; the engine runs exactly the translated specs"

# ------------------------------------------------------ a runnable stack
cat >"$work/stack.yml" <<YML
web:
  image: $DCS_LAB_IMAGE
  command: sh -c 'echo started; exec httpd -f -p 8000'
  links:
    - db:database
  ports:
    - "18080:8000"
  target_num_containers: 2
db:
  image: $DCS_LAB_IMAGE
  command: sleep 100000
  restart: always
  expose:
    - "5432"
  environment:
    POSTGRES_DB: app
YML
on_exit 'dk service rm t20_web t20_db t20_extra >/dev/null 2>&1; remove_networks t20_default'
"$bin" apply -f "$work/stack.yml" --stack t20 2>"$work/err" || { cat "$work/err"; fail "apply"; }
grep -q '^created t20_web$' "$work/err" && grep -q '^created t20_db$' "$work/err" ||
    fail "apply did not report both creations: $(cat "$work/err")"
wait_until 60 service_running t20_web || fail "t20_web has no running task"
wait_until 60 service_running t20_db || fail "t20_db has no running task"
set -- $(task_container t20_web)
dk_node "$1" exec "$2" sh -c 'echo "$DATABASE_PORT_5432_TCP_ADDR $DATABASE_ENV_POSTGRES_DB"' \
    >"$work/env" || fail "exec in t20_web"
[ "$(cat "$work/env")" = "database app" ] || fail "link variables: $(cat "$work/env")"
dk_node "$1" exec "$2" nslookup database >/dev/null || fail "the link alias 'database' does not resolve"
dk stack ps t20 --format '{{.Name}}' | grep -q '^t20_web\.' || fail "docker stack ps t20 does not see the stack"
ok "a stack runs: tasks running, link alias and variables, docker stack ps"

versions() { dk service inspect -f '{{.Spec.Name}}={{.Version.Index}}' t20_web t20_db; }
versions >"$work/v1"
"$bin" apply -f "$work/stack.yml" --stack t20 2>"$work/err" || fail "second apply"
grep -q 'nothing to change' "$work/err" || fail "second apply changed something: $(cat "$work/err")"
versions >"$work/v2"
cmp -s "$work/v1" "$work/v2" || fail "a no-change apply changed versions: $(cat "$work/v1" "$work/v2")"
ok "applying twice changes nothing"

sed 's/target_num_containers: 2/target_num_containers: 3/' "$work/stack.yml" >"$work/stack3.yml"
"$bin" apply -f "$work/stack3.yml" --stack t20 --dry-run >"$work/plan" 2>/dev/null
grep -q '^update t20_web$' "$work/plan" && grep -q 'Mode.Replicated.Replicas: 2 -> 3' "$work/plan" &&
    grep -q '^unchanged t20_db$' "$work/plan" || fail "dry-run plan: $(cat "$work/plan")"
versions >"$work/v3"
cmp -s "$work/v1" "$work/v3" || fail "--dry-run changed the swarm"
"$bin" apply -f "$work/stack3.yml" --stack t20 2>"$work/err" || fail "apply one change"
[ "$(grep -c '^updated ' "$work/err")" = 1 ] && grep -q '^updated t20_web$' "$work/err" ||
    fail "one change should be one update: $(cat "$work/err")"
[ "$(dk service inspect -f '{{.Spec.Mode.Replicated.Replicas}}' t20_web)" = 3 ] ||
    fail "t20_web was not scaled to 3"
[ "$(versions | grep t20_db)" = "$(grep t20_db "$work/v1")" ] || fail "t20_db was touched"
ok "changing one field updates exactly that service (dry-run first changes nothing)"

printf 'web:\n  image: %s\n  command: sleep 1000\n' "$DCS_LAB_IMAGE" >"$work/small.yml"
"$bin" apply -f "$work/small.yml" --stack t20 --prune 2>"$work/err" || fail "apply --prune"
grep -q '^removed t20_db$' "$work/err" || fail "--prune did not remove t20_db: $(cat "$work/err")"
! dk service inspect t20_db >/dev/null 2>&1 || fail "t20_db still exists"
ok "--prune removes the services the file no longer has"

printf 'web:\n  image: %s\n  links: ["db"]\nok:\n  image: %s\n' "$DCS_LAB_IMAGE" "$DCS_LAB_IMAGE" \
    >"$work/broken.yml"
if "$bin" apply -f "$work/broken.yml" --stack t20b >"$work/out" 2>"$work/err"; then
    fail "a link to a missing service was applied"
fi
grep -q 'broken.yml:web:links\[0\]: no service "db" in this stack' "$work/err" ||
    fail "apply should name the link: $(cat "$work/err")"
! dk service inspect t20b_ok >/dev/null 2>&1 || fail "t20b_ok was created by a refused apply"
ok "a stack naming a missing service is refused before anything is created"
