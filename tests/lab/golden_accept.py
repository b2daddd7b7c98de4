"""Deployability of dcswarm's golden outputs on the lab's engine.

Run by t02-golden-accept.sh (which documents what is checked); reads the
lab's environment (DOCKER_HOST, DCS_LAB_*).  Usage:
    /usr/bin/python3 golden_accept.py GOLDEN_DIR

Specs are sent unchanged.  Cases that would collide -- a service name, a
published port, a network of the same name but another body, an explicitly
named stack network, secret or config -- are deployed in different rounds;
each round is removed completely, on every node, before the next starts.
While the cases are deployed every node is drained: the engine still has to
accept every spec, but no task is scheduled, nothing runs or pulls, and
removal need not wait for containers.
"""
import glob
import json
import os
import re
import signal
import subprocess
import sys
import time

import yaml

import labapi

DOCKER = os.environ.get("DCS_LAB_DOCKER", "/usr/bin/docker")
STACK_LABEL = "com.docker.stack.namespace"
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL: " + msg, flush=True)


# ------------------------------------------------------------------ plan

class Round:
    def __init__(self):
        self.keys = set()       # exclusive: ("svc", name), ("port", proto, n), ...
        self.nets = {}          # spec networks, shareable: name -> canonical body
        self.spec_nets = []     # (case, name, body)
        self.services = []      # (case, name, spec)
        self.stacks = []        # (case, stack, compose file)

    def fits(self, keys, nets):
        if self.keys & keys:
            return False
        if any(("net", n) in self.keys or self.nets.get(n, b) != b for n, b in nets.items()):
            return False
        return not any(k[0] == "net" and k[1] in self.nets for k in keys)


def port_keys(proto, published):
    """Published ports are a swarm-wide resource (the manager also refuses
    a host-mode port that another service publishes in ingress mode)."""
    m = re.fullmatch(r"(\d+)(?:-(\d+))?", str(published))
    if not m or int(m.group(1)) == 0:
        return set()
    lo = int(m.group(1))
    hi = int(m.group(2) or lo)
    return {("port", proto or "tcp", p) for p in range(lo, min(hi, lo + 1000) + 1)}


def read_spec(path):
    """(exclusive keys, shareable networks, [(kind, object)]) of a spec case."""
    with open(path) as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or set(doc) - {"networks", "services"}:
        raise ValueError('want an object with only "networks" and "services"')
    nets, svcs = doc.get("networks", []), doc.get("services", [])
    if not isinstance(nets, list) or not isinstance(svcs, list):
        raise ValueError('"networks" and "services" must be arrays')
    if not svcs:
        raise ValueError("no services")
    objs = [("net", o) for o in nets] + [("svc", o) for o in svcs]
    keys, shared, seen = set(), {}, set()
    for kind, o in objs:
        what = "network" if kind == "net" else "service"
        if not isinstance(o, dict):
            raise ValueError("a %s that is not an object" % what)
        name = o.get("Name")
        if not isinstance(name, str) or not name:
            # The engine will say what it thinks of it.
            keys.add(("unnamed", path))
            continue
        if (kind, name) in seen:
            raise ValueError("%s %s appears twice" % (what, name))
        seen.add((kind, name))
        if kind == "net":
            shared[name] = json.dumps(o, sort_keys=True)
            continue
        keys.add(("svc", name))
        for p in (o.get("EndpointSpec") or {}).get("Ports") or []:
            if isinstance(p, dict):
                keys |= port_keys(p.get("Protocol"), p.get("PublishedPort"))
    return keys, shared, objs


def compose_keys(path):
    """What a stack does not prefix with its own name: explicitly named
    networks, secrets and configs; and its published ports."""
    keys = set()
    try:
        with open(path) as f:
            doc = yaml.safe_load(f)
    except (OSError, yaml.YAMLError):
        return keys             # docker stack deploy will say what is wrong
    if not isinstance(doc, dict):
        return keys
    for section, kind in (("networks", "net"), ("secrets", "secret"), ("configs", "config")):
        for d in (doc.get(section) or {}).values():
            if isinstance(d, dict) and d.get("name") and not d.get("external"):
                keys.add((kind, str(d["name"])))
    for svc in (doc.get("services") or {}).values():
        for p in (svc or {}).get("ports") or []:
            if isinstance(p, dict):
                keys |= port_keys(p.get("protocol"), p.get("published"))
            else:
                spec, _, proto = str(p).partition("/")
                parts = spec.split(":")
                if len(parts) >= 2:
                    keys |= port_keys(proto, parts[-2])
    return keys


def is_patch_fragment(path):
    """A PATCH body gives the spec fragment of the fields it has: no Name, no
    image.  There is nothing to create; its case checks the translation."""
    with open(path) as f:
        doc = json.load(f)
    svcs = doc.get("services") or []
    return bool(svcs) and all(
        isinstance(s, dict) and "Name" not in s and
        "Image" not in ((s.get("TaskTemplate") or {}).get("ContainerSpec") or {})
        for s in svcs)


def plan(golden):
    specs = sorted(glob.glob(os.path.join(golden, "*", "expected.json")))
    composes = sorted(glob.glob(os.path.join(golden, "*", "expected.compose.yml")))
    rounds = []

    def place(keys, nets):
        for r in rounds:
            if r.fits(keys, nets):
                break
        else:
            r = Round()
            rounds.append(r)
        r.keys |= keys
        r.nets.update(nets)
        return r

    n_services = 0
    for path in specs:
        case = os.path.basename(os.path.dirname(path))
        if is_patch_fragment(path):
            continue  # a PATCH body translates to a fragment, not a service
        try:
            keys, shared, objs = read_spec(path)
        except (OSError, ValueError) as e:
            fail("%s/expected.json: %s" % (case, e))
            continue
        r = place(keys, shared)
        for kind, o in objs:
            name = o.get("Name") or "(without a Name)"
            (r.spec_nets if kind == "net" else r.services).append((case, name, o))
        n_services += sum(1 for kind, _ in objs if kind == "svc")
    for n, path in enumerate(composes, 1):
        case = os.path.basename(os.path.dirname(path))
        # A stack name of its own per case: g<N><case, alphanumerics only>.
        stack = "g%d%s" % (n, re.sub(r"[^a-z0-9]", "", case.lower())[:20])
        place(compose_keys(path), {}).stacks.append((case, stack, path))
    return specs, composes, n_services, rounds


# ------------------------------------------------------------------ engine

def set_availability(mgr, want):
    """Set every node's availability; returns {node id: previous}."""
    before = {}
    for node in mgr.get("/nodes"):
        spec = node["Spec"]
        before[node["ID"]] = spec.get("Availability", "active")
        if before[node["ID"]] != want:
            spec["Availability"] = want
            r = mgr.post("/nodes/%s/update" % node["ID"], spec, version=node["Version"]["Index"])
            if r.status != 200:
                raise RuntimeError("node update: HTTP %d: %s" % (r.status, r.message))
    return before


def restore_availability(mgr, before):
    for node in mgr.get("/nodes"):
        want = before.get(node["ID"], "active")
        if node["Spec"].get("Availability") != want:
            node["Spec"]["Availability"] = want
            mgr.post("/nodes/%s/update" % node["ID"], node["Spec"], version=node["Version"]["Index"])


class Deployed:
    """What a round created, and its removal."""

    def __init__(self):
        self.services, self.networks, self.stacks = [], [], []

    def ours(self, obj):
        labels = (obj.get("Spec") or obj).get("Labels") or {}
        return (obj.get("ID", obj.get("Id")) in self.services + self.networks
                or labels.get(STACK_LABEL) in self.stacks)

    def left(self, mgr, engines):
        left = [("service", s["ID"]) for s in mgr.get("/services") if self.ours(s)]
        for kind in ("secret", "config"):
            left += [(kind, o["ID"]) for o in mgr.get("/%ss" % kind) if self.ours(o)]
        for i, e in enumerate(engines, 1):
            left += [("network", n["Id"], i) for n in e.get("/networks") if self.ours(n)]
        return left

    def remove(self, mgr, engines, timeout=60):
        for sid in self.services:
            r = mgr.delete("/services/" + sid)
            if r.status not in (200, 404):
                fail("removing service %s: HTTP %d: %s" % (sid, r.status, r.message))
        if self.stacks:
            subprocess.run([DOCKER, "stack", "rm"] + self.stacks,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while True:
            left = self.left(mgr, engines)
            if not left:
                break
            if time.monotonic() > deadline:
                fail("not removed %d s after the round: %s" % (timeout, left))
                return
            # The manager refuses to remove a network while a task uses it,
            # and `docker stack rm` does not retry.
            for what in left:
                if what[0] == "network" and what[2] == 1:
                    mgr.delete("/networks/" + what[1])
                elif what[0] in ("secret", "config"):
                    mgr.delete("/%ss/%s" % what)
            time.sleep(0.1)
        self.services, self.networks, self.stacks = [], [], []


def run_round(mgr, engines, r, deployed):
    # The stacks first, in the background: they cannot collide with the rest
    # of the round.
    procs = []
    for case, stack, path in r.stacks:
        deployed.stacks.append(stack)
        procs.append((case, stack, subprocess.Popen(
            [DOCKER, "stack", "deploy", "--resolve-image", "never",
             "-c", os.path.basename(path), stack],
            cwd=os.path.dirname(path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)))
    for case, name, body in r.spec_nets:
        resp = mgr.post("/networks/create", body)
        if resp.status == 201:
            deployed.networks.append(resp.json["Id"])
        elif "already exists" not in resp.message:
            fail("%s: network %s: HTTP %d: %s" % (case, name, resp.status, resp.message))
    for case, name, spec in r.services:
        resp = mgr.post("/services/create", spec)
        if resp.status == 201:
            deployed.services.append(resp.json["ID"])
        else:
            fail("%s: service %s: HTTP %d: %s" % (case, name, resp.status, resp.message))
    for case, stack, proc in procs:
        out = proc.communicate()[0].decode("utf-8", "replace")
        if proc.returncode == 0 and not mgr.get(
                "/services", filters={"label": ["%s=%s" % (STACK_LABEL, stack)]}):
            proc.returncode, out = 1, out + "(no service deployed)\n"
        if proc.returncode != 0:
            fail("%s/expected.compose.yml: docker stack deploy %s failed:\n%s" % (
                case, stack, "\n".join("    " + l for l in out.rstrip().splitlines())))
    deployed.remove(mgr, engines)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: golden_accept.py GOLDEN_DIR")
    golden = os.path.abspath(sys.argv[1])
    # SIGTERM (a timeout, run-tests.sh) cleans up like Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t0 = time.monotonic()
    specs, composes, n_services, rounds = plan(golden)
    if not specs and not composes:
        print("FAIL: no golden cases found: no %s/*/expected.json or */expected.compose.yml" % golden)
        return 1
    mgr = labapi.manager()
    engines = [mgr] + labapi.nodes()[1:]
    deployed = Deployed()
    before = set_availability(mgr, "drain")
    try:
        for r in rounds:
            run_round(mgr, engines, r, deployed)
    finally:
        deployed.remove(mgr, engines)
        restore_availability(mgr, before)
    if failures:
        print("FAIL: %d golden deployability failure(s)" % failures)
        return 1
    print("ok - %d spec case(s) with %d service(s), %d stack(s): accepted and removed "
          "in %d round(s), %.1f s" % (len(specs), n_services, len(composes), len(rounds),
                                      time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
