#!/bin/bash
# t10: the Engine API client (src/swarm) against the lab's swarm: runs every
# cmocka binary in $DCS_BUILD/engine-tests (built from tests/engine/*.c)
# with the lab's DOCKER_HOST, each under a time limit.  Exits non-zero when
# any binary fails, crashes, hangs or is missing.
set -u

build=${DCS_BUILD:-build}
# run-tests.sh runs us from tests/lab: a relative build dir is the repo's.
case $build in /*) ;; *) build=$(cd "$(dirname "$0")/../.." && pwd)/$build ;; esac
limit=${DCS_ENGINE_TEST_TIMEOUT:-300}

if [ -z "${DOCKER_HOST:-}" ]; then
    echo "FAIL: DOCKER_HOST is unset: run this inside a started lab"
    exit 1
fi
shopt -s nullglob
bins=("$build"/engine-tests/test_*)
if [ ${#bins[@]} -eq 0 ]; then
    echo "FAIL: no test binaries in $build/engine-tests (make $build/engine-tests/...)"
    exit 1
fi

failed=0
for bin in "${bins[@]}"; do
    [ -x "$bin" ] || continue
    name=${bin##*/}
    echo "# $name"
    if timeout --kill-after=10 "$limit" "$bin"; then
        echo "ok - $name"
    else
        status=$?
        [ "$status" -eq 124 ] && echo "# $name did not finish within $limit s"
        echo "FAIL: $name (exit status $status)"
        failed=$((failed + 1))
    fi
done
echo "# engine client: ${#bins[@]} binaries, $failed failed"
[ "$failed" -eq 0 ]
