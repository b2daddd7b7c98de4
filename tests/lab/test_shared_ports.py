"""What Docker Cloud accepted, dcswarm accepts: two services of a stack that
publish the same outer port (Docker Cloud bound it on the node of each
container) are applied with that port in host mode; swarm puts them on
different nodes, and each answers on its own node's address."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402

STACK = "t22h%d" % (os.getpid() % 10000)
PORT = 18088


def stackfile(image):
    serve = ("sh -c 'mkdir -p /w && echo %s > /w/index.html && "
             "exec httpd -f -p 8000 -h /w'")
    return "".join("%s:\n  image: %s\n  command: %s\n  ports:\n    - \"%d:8000\"\n"
                   % (name, image, serve % name, PORT) for name in ("a", "b"))


def running_node(eng, service):
    tasks = eng.get("/tasks", filters='{"service": ["%s"], "desired-state": ["running"]}'
                    % service) or []
    for t in tasks:
        if t["Status"]["State"] == "running":
            return t["NodeID"]
    return None


def fetch_from_node1(addr):
    """GET http://addr:PORT/ from inside node 1's network namespace."""
    pid = open(os.path.join(labapi.lab_env("DCS_LAB_DIR"), "n1", "docker.pid")).read().strip()
    out = subprocess.run(["nsenter", "--net=/proc/%s/ns/net" % pid, "curl", "-sS", "-m", "5",
                          "http://%s:%d/" % (addr, PORT)],
                         capture_output=True, text=True, timeout=20)
    return out.stdout.strip() if out.returncode == 0 else None


def test_two_services_share_a_published_port(dcswarm, lab_image, tmp_path):
    path = tmp_path / "stack.yml"
    path.write_text(stackfile(lab_image))
    applied = subprocess.run([dcswarm, "apply", "-f", str(path), "--stack", STACK],
                             capture_output=True, text=True, timeout=120)
    eng = labapi.manager()
    try:
        assert applied.returncode == 0, applied.stderr
        assert "port %d/tcp is published by another service of this input too" % PORT \
            in applied.stderr
        for name in ("a", "b"):
            spec = eng.get("/services/%s_%s" % (STACK, name))["Spec"]
            assert spec["EndpointSpec"]["Ports"] == [
                {"Protocol": "tcp", "TargetPort": 8000, "PublishedPort": PORT,
                 "PublishMode": "host"}]
        nodes = {name: wait_for("%s running" % name,
                                lambda n=name: running_node(eng, "%s_%s" % (STACK, n)), 90)
                 for name in ("a", "b")}
        assert nodes["a"] != nodes["b"], nodes
        addr = {os.environ["DCS_LAB_NODE%d_ID" % i]: os.environ["DCS_LAB_NODE%d_ADDR" % i]
                for i in range(1, int(os.environ["DCS_LAB_NODES"]) + 1)}
        for name in ("a", "b"):
            got = wait_for("%s answering on its node" % name,
                           lambda n=name: fetch_from_node1(addr[nodes[n]]), 30, 0.5)
            assert got == name
        # Host mode: a node without such a container does not publish it.
        idle = [a for n, a in addr.items() if n not in nodes.values()]
        assert idle and all(fetch_from_node1(a) is None for a in idle)
    finally:
        for name in ("a", "b"):
            eng.delete("/services/%s_%s" % (STACK, name))
        # The network is busy until the containers are gone.
        wait_for("the stack's network gone",
                 lambda: eng.delete("/networks/%s_default" % STACK).status in (204, 404), 60, 1)
        eng.close()
