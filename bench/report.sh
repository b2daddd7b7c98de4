#!/bin/sh
# dcswarm report over many stackfiles: the public stackfiles of tests/golden
# copied round-robin into N files (default 1000), one report (HTML and JSON);
# whole-process wall time, CPU time and peak RSS, best of three.
# Usage: sh bench/report.sh [./dcswarm]   DCS_BENCH_STACKS=1000
set -eu
bin=${1:-./dcswarm}
n=${DCS_BENCH_STACKS:-1000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/stacks"
i=0
while [ "$i" -lt "$n" ]; do
    for f in tests/golden/public-*/input.yml; do
        [ "$i" -ge "$n" ] && break
        cp "$f" "$tmp/stacks/s$i.yml"
        i=$((i + 1))
    done
done
best=""
for run in 1 2 3; do
    /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$bin" report -o "$tmp/r.html" \
        --json "$tmp/r.json" "$tmp/stacks" > /dev/null 2>&1 || true
    set -- $(tail -n 1 "$tmp/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($1 < $best)}"; then
        best=$1; rss=$2; cpu=$(awk "BEGIN{printf \"%.2f\", $3 + $4}")
    fi
done
printf 'report: %s stackfiles (%s KB), %s s wall, %s s CPU, peak RSS %s MB; HTML %s KB, JSON %s KB\n' \
    "$n" "$(du -sk "$tmp/stacks" | cut -f1)" "$best" "$cpu" \
    "$(awk "BEGIN{printf \"%.1f\", $rss/1024}")" "$(( $(wc -c < "$tmp/r.html") / 1024 ))" \
    "$(( $(wc -c < "$tmp/r.json") / 1024 ))"
