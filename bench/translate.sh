#!/bin/sh
# Translate generated stackfiles (every stackfile key in each service) into
# each output format and report whole-process wall time, the CPU time of
# that run (user + system: translate uses every processor) and peak RSS.
# Usage: sh bench/translate.sh [./dcswarm]
#   DCS_BENCH_SIZES="1000 10000 100000"  DCS_BENCH_FORMATS="spec compose cloud"
set -eu
bin=${1:-./dcswarm}
sizes=${DCS_BENCH_SIZES:-1000 10000 100000}
formats=${DCS_BENCH_FORMATS:-spec compose cloud}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-9s %-8s %10s %10s %8s %12s %12s\n' services format bytes seconds cpu "peak RSS MB" \
    "us/service"
for n in $sizes; do
    /usr/bin/python3 bench/gen-stackfile.py "$n" > "$tmp/stack.yml"
    for fmt in $formats; do
        # Best of three runs: the figure is the program, not the machine's noise.
        best=""
        for run in 1 2 3; do
            /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$bin" translate -f "$tmp/stack.yml" \
                --stack bench -o "$fmt" >/dev/null 2>"$tmp/warnings"
            set -- $(cat "$tmp/time")
            if [ -z "$best" ] || awk "BEGIN{exit !($1 < $best)}"; then
                best=$1; rss=$2; cpu=$(awk "BEGIN{printf \"%.2f\", $3 + $4}")
            fi
        done
        printf '%-9s %-8s %10s %10s %8s %12s %12s\n' "$n" "$fmt" "$(wc -c < "$tmp/stack.yml")" \
            "$best" "$cpu" "$(awk "BEGIN{printf \"%.1f\", $rss/1024}")" \
            "$(awk "BEGIN{printf \"%.1f\", $best*1000000/$n}")"
    done
done
