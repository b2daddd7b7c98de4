#!/bin/bash
# Apply a 500-service stack with dcswarm and, in the same run against the
# same engine, create the same specs by direct Engine API calls (the
# engine's own create rate: the physical limit); then re-apply with no
# change.  Starts and stops its own lab (tests/lab/lab.sh; root).
# Usage: bash bench/apply.sh [DCSWARM] [N]   (make bench builds the helpers)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/dcswarm}
n=${2:-500}
build=${DCS_BUILD:-$root/build}
lab=$(mktemp -d /tmp/dcsbench.XXXXXX)
trap 'bash "$root/tests/lab/lab.sh" stop "$lab" >/dev/null 2>&1; rm -rf "$lab"' EXIT
eval "$(bash "$root/tests/lab/lab.sh" start "$lab")" >/dev/null
for i in $(seq 1 "$n"); do
    printf 's%d:\n  image: %s\n  command: sleep 100000\n  target_num_containers: 0\n  environment:\n    - INDEX=%d\n' \
        "$i" "$DCS_LAB_IMAGE" "$i"
done >"$lab/stack.yml"
docker=${DCS_LAB_DOCKER:-/usr/bin/docker}
clean() {
    "$docker" service ls -q | xargs -r "$docker" service rm >/dev/null
    while [ -n "$("$docker" service ls -q)" ]; do sleep 0.2; done
}
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
printf 'services: %d (0 replicas each: the API path, not container starts)\n' "$n"
for round in 1 2; do
    "$bin" translate -f "$lab/stack.yml" --stack direct -o spec >"$lab/specs.json" 2>/dev/null
    direct=$("$build/bench/direct_create" "$lab/specs.json")
    clean
    apply=$(t "$bin" apply -f "$lab/stack.yml" --stack bench)
    again=$(t "$bin" apply -f "$lab/stack.yml" --stack bench)
    "$bin" apply -f "$lab/stack.yml" --stack bench 2>&1 | grep -q 'nothing to change' ||
        { echo "re-apply changed something" >&2; exit 1; }
    clean
    printf 'round %d: direct API creates %6.2f s | dcswarm apply %6.2f s (%+.1f%%) | no-change re-apply %5.2f s\n' \
        "$round" "$direct" "$apply" "$(echo "($apply - $direct) * 100 / $direct" | bc -l)" "$again"
done
