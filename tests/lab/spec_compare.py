#!/usr/bin/python3
"""spec_compare.py EXPECTED_JSON INSPECT_JSON: every service of a golden
expected.json ({"networks", "services"}) must be running on the swarm with
that spec: each field of the expected spec equal in the engine's Spec
(which adds its own defaults), network names resolved to their IDs, the
image possibly pinned to a digest.  INSPECT_JSON is `docker service inspect`
of all the stack's services; NETWORKS_JSON (optional third argument) is
`docker network inspect` of the networks.  Exits 1 listing what differs."""
import json
import os
import subprocess
import sys


def network_name(net_id, cache={}):
    """The name of a network ID the engine keeps in a spec.  Swarm's own
    "host" network has a swarm-scoped ID that `docker network ls` does not
    list: ask for it by ID."""
    if net_id not in cache:
        docker = os.environ.get("DCS_LAB_DOCKER", "/usr/bin/docker")
        out = subprocess.run([docker, "network", "inspect", "-f", "{{.Name}}", net_id],
                             capture_output=True, text=True)
        cache[net_id] = out.stdout.strip() if out.returncode == 0 else None
    return cache[net_id]


def subset(want, have, path, problems, nets):
    if path == "TaskTemplate.ContainerSpec.Image":
        if not (have == want or (isinstance(have, str) and have.startswith(want + "@"))):
            problems.append("%s: %r != %r" % (path, want, have))
        return
    if path.endswith("Networks.Target") and (nets.get(want) == have or
                                             network_name(have) == want):
        return
    if isinstance(want, dict):
        if not isinstance(have, dict):
            problems.append("%s: expected an object, got %r" % (path, have))
            return
        for k, v in want.items():
            subset(v, have.get(k), (path + "." if path else "") + k, problems, nets)
        return
    if isinstance(want, list):
        if not isinstance(have, list) or len(want) != len(have):
            problems.append("%s: %r != %r" % (path, want, have))
            return
        for w, h in zip(want, have):
            subset(w, h, path, problems, nets)
        return
    if want != have:
        problems.append("%s: %r != %r" % (path, want, have))


def main():
    expected = json.load(open(sys.argv[1]))
    running = {s["Spec"]["Name"]: s for s in json.load(open(sys.argv[2]))}
    nets = {}
    if len(sys.argv) > 3:
        nets = {n["Name"]: n["Id"] for n in json.load(open(sys.argv[3]))}
    problems = []
    for spec in expected["services"]:
        have = running.get(spec["Name"])
        if not have:
            problems.append("%s: not on the swarm" % spec["Name"])
            continue
        subset(spec, have["Spec"], "", problems, nets)
    for p in problems:
        print("  " + p[:300])
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
