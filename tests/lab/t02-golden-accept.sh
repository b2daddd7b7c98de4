#!/bin/bash
# t02: what dcswarm's golden outputs promise is deployable, a real engine
# accepts.
#   tests/golden/*/expected.json: {"networks": [NetworkCreate bodies],
#       "services": [ServiceSpec]}.  Every network is created (POST
#       /networks/create; "already exists" is fine) and every service must
#       get 201 from POST /v1.41/services/create.
#   tests/golden/*/expected.compose.yml: `docker stack deploy` as stack
#       g<N><case> must succeed; `docker stack rm` then removes it.
# Everything is removed again, on every node.  No case at all is a failure.
# The work is done by golden_accept.py (rounds, draining: see there).
# DCS_GOLDEN_DIR overrides the directory of cases (default tests/golden).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

golden=${DCS_GOLDEN_DIR:-$here/../golden}
[ -d "$golden" ] || fail "no golden cases found: no directory $golden"
exec /usr/bin/python3 "$here/golden_accept.py" "$golden"
