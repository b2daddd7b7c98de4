#!/bin/sh
# The docs say what the code does:
#  - docs/mapping.md is exactly what the field table prints;
#  - every document a comment in src/ cites (docs/NAME.md, and its §N) is
#    in this repository, with that section; no comment cites one that is
#    not (DESIGN.md, research notes outside the repository).
set -u
bin=${1:-./dcswarm}
fail=0
if "$bin" fields --markdown | diff -u docs/mapping.md - ; then
    echo "docs: docs/mapping.md matches the field table"
else
    echo "docs: docs/mapping.md is out of date: run '$bin fields --markdown > docs/mapping.md'"
    fail=1
fi
refs=$(grep -rhoE 'docs/[a-z_]+\.md( §[0-9]+(, §[0-9]+)*)?' src | sort -u)
cited=0
while IFS= read -r ref; do
    [ -n "$ref" ] || continue
    cited=$((cited + 1))
    doc=${ref%% *}
    if [ ! -f "$doc" ]; then
        echo "docs: src cites $doc, which does not exist"
        fail=1
        continue
    fi
    for s in $(printf '%s\n' "$ref" | grep -oE '[0-9]+$|[0-9]+,' | tr -d ,); do
        grep -q "^## $s\. " "$doc" || {
            echo "docs: src cites $doc §$s, which has no section '## $s.'"
            fail=1
        }
    done
done <<REFS
$refs
REFS
stale=$(grep -rnE '(DESIGN\.md|[a-z-]+-anchors\.md|dockercloud-events\.md|[^/a-z_]stack\.md|\.\./shared)' src)
if [ -n "$stale" ]; then
    echo "docs: src cites documents outside the repository:"
    echo "$stale" | sed 's/^/  /'
    fail=1
fi
[ "$fail" -eq 0 ] && echo "docs: the $cited citations of docs/ in src resolve"
exit $fail
