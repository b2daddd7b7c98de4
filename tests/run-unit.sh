#!/bin/sh
# Run the unit test binaries given as arguments (cmocka programs), show
# their output, and end with one summary line counting binaries:
#   unit: N passed, M failed
# Exits non-zero when any binary fails (a crash or a missing binary counts).
passed=0
failed=0
for bin in "$@"; do
    echo "== $bin"
    if [ ! -x "$bin" ]; then
        echo "FAILED: $bin is missing or not executable"
        failed=$((failed + 1))
    elif "$bin"; then
        passed=$((passed + 1))
    else
        echo "FAILED: $bin (exit status $?)"
        failed=$((failed + 1))
    fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
