#!/bin/sh
# src/http is layered (the table in src/http/api.h): a file includes the
# headers of its own layer and of the layers below, never one above, and
# every file of the folder has a layer.  The table is read from api.h, so
# that the comment and the check cannot disagree.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/src/http
table=$(sed -n '/src\/http is layered/,/A call goes down/p' "$dir/api.h" |
        sed -n 's/^ \*  *L\([0-9]\) *\([a-z_]*\.h\) *\(.*\)$/\1 \2 \3/p;
                s/^ \*  *\([a-z_][a-z_.]*\.c.*\)$/- - \1/p')
layers=$(echo "$table" | awk '
    $1 != "-" { layer = $1; print $2, layer; start = 3 } $1 == "-" { start = 3 }
    { for (i = start; i <= NF; i++) if ($i ~ /\.c$/) print $i, layer }')
layer_of() { echo "$layers" | awk -v f="$1" '$1 == f { print $2 }'; }
fail=0 files=0
for f in "$dir"/*.c "$dir"/*.h; do
    name=$(basename "$f")
    mine=$(layer_of "$name")
    if [ -z "$mine" ]; then
        echo "http-layers: $name has no layer in the table of src/http/api.h"
        fail=$((fail + 1))
        continue
    fi
    files=$((files + 1))
    for h in $(sed -n 's/^#include "http\/\([a-z_]*\.h\)"$/\1/p' "$f"); do
        theirs=$(layer_of "$h")
        if [ -z "$theirs" ] || [ "$theirs" -gt "$mine" ]; then
            echo "http-layers: $name (L$mine) includes $h (L${theirs:-?}), a layer above its own"
            fail=$((fail + 1))
        fi
    done
done
echo "http-layers: $files files, $fail problems"
[ "$fail" -eq 0 ]
