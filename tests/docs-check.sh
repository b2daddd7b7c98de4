#!/bin/sh
# docs/mapping.md must be exactly what the field table prints.
set -u
bin=${1:-./dcswarm}
if "$bin" fields --markdown | diff -u docs/mapping.md - ; then
    echo "docs: docs/mapping.md matches the field table"
else
    echo "docs: docs/mapping.md is out of date: run '$bin fields --markdown > docs/mapping.md'"
    exit 1
fi
