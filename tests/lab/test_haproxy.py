"""Docker Cloud's load balancer, dockercloud/haproxy 1.6.7, unmodified, on dcswarm (issue 25).

Its Python code (docker/dockercloud-haproxy at 46c0922, python-dockercloud 1.0.10 at 06a1e53)
runs on Debian's python3 with Debian's haproxy 2.6, in the network namespace of a container of
the `lb` service (global role, every node) and with that container's environment, as dcswarm
gave it: exactly what Docker Cloud's image would have seen.  Python 2 behaviour and the image's
file layout come from tests/lab/haproxy/ (py3shim.py, haproxy-2.6), none of its files change.

It needs their sources: DCS_HAPROXY_SRC=DIR with DIR/dockercloud-haproxy and
DIR/python-dockercloud (README, "Docker Cloud's load balancer"); without them it is skipped.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import IDLE_CMD  # noqa: E402

import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402

SRC = os.environ.get("DCS_HAPROXY_SRC", "")
HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "haproxy")
KEY = ("alice", "key-alice-lb")

pytestmark = pytest.mark.skipif(
    not (os.path.isfile(os.path.join(SRC, "dockercloud-haproxy", "haproxy", "main.py")) and
         os.path.isdir(os.path.join(SRC, "python-dockercloud", "dockercloud"))),
    reason="optional: DCS_HAPROXY_SRC does not hold dockercloud-haproxy and "
           "python-dockercloud (docs/haproxy.md)")

from test_serve_more import HTTPD  # noqa: E402  (stops at once on SIGTERM)


def node_ns(i):
    pid = int(open(os.path.join(labapi.lab_env("DCS_LAB_DIR"), "n%d" % i, "docker.pid")).read())
    return "/proc/%d/ns/net" % pid


def in_ns(ns, argv, timeout=30):
    return subprocess.run(["nsenter", "--net=" + ns] + argv, capture_output=True, text=True,
                          timeout=timeout)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """dcswarm serve inside node1's network namespace, where the lb's containers reach it
    (docker_gwbridge's gateway); the test talks to it there with curl."""

    def __init__(self, dcswarm, tmp):
        self.ns = node_ns(1)
        out = in_ns(self.ns, ["ip", "-4", "-o", "addr", "show", "docker_gwbridge"]).stdout
        m = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
        assert m, "no docker_gwbridge on node1: %r" % out
        self.port = free_port()
        keys = os.path.join(tmp, "keys")
        with open(keys, "w") as f:
            f.write("%s:%s\n" % KEY)
        self.log = open(os.path.join(tmp, "serve.log"), "w")
        env = dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST"))
        self.proc = subprocess.Popen(
            ["nsenter", "--net=" + self.ns, dcswarm, "serve", "--listen",
             "0.0.0.0:%d" % self.port, "--keys", keys, "--public-url",
             "http://%s:%d" % (m.group(1), self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for("dcswarm serve", lambda: self.call("GET", "/_ping")[0] == 200, timeout=20)

    def call(self, method, path, body=None):
        argv = ["curl", "-s", "-u", "%s:%s" % KEY, "-X", method, "-w", "\n%{http_code}",
                "http://127.0.0.1:%d%s" % (self.port, path)]
        if body is not None:
            argv += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        out = in_ns(self.ns, argv).stdout
        text, _, code = out.rpartition("\n")
        try:
            return int(code), json.loads(text) if text else None
        except ValueError:
            return int(code or 0), text

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def service(srv, **body):
    code, o = srv.call("POST", "/api/app/v1/service/", body)
    assert code == 201, o
    code, out = srv.call("POST", o["resource_uri"] + "start/")
    assert code == 202, out
    return o


def running(srv, o, n):
    def ok():
        code, s = srv.call("GET", o["resource_uri"])
        return code == 200 and s["state"] == "Running" and s["running_num_containers"] >= n
    wait_for("%s running" % o["name"], ok, timeout=90)


def lb_container_on_node1(swarm_name):
    """(pid, environment) of the lb's running container on node1."""
    node1 = labapi.lab_env("DCS_LAB_NODE1_ID")
    eng = labapi.manager()
    try:
        def task():
            for t in eng.request("GET", "/tasks", query={"filters": {
                    "service": [swarm_name], "node": [node1]}}).json or []:
                st = t.get("Status", {})
                if st.get("State") == "running" and st.get("ContainerStatus", {}).get("ContainerID"):
                    return st["ContainerStatus"]["ContainerID"]
            return None
        cid = wait_for("the lb's container on node1", task, timeout=60)
    finally:
        eng.close()
    api = labapi.Engine(labapi.lab_env("DCS_LAB_NODE1_HOST"))
    try:
        c = api.request("GET", "/containers/%s/json" % cid).json
    finally:
        api.close()
    return c["State"]["Pid"], dict(e.split("=", 1) for e in c["Config"]["Env"])


def servers(cfg):
    """The backend servers of a haproxy.cfg: name -> address."""
    try:
        text = open(cfg).read()
    except FileNotFoundError:
        return {}
    return dict(re.findall(r"^\s*server (\S+) (\S+)", text, re.M))


def reached(ns, want, timeout=60):
    """The hostnames that answer through haproxy (port 80 of the lb's container) until
    `want` of them did."""
    seen, deadline = set(), time.monotonic() + timeout
    while time.monotonic() < deadline and len(seen) < want:
        out = in_ns(ns, ["curl", "-s", "--max-time", "2", "http://127.0.0.1:80/"]).stdout
        if out.strip():
            seen.add(out.strip())
        else:
            time.sleep(0.2)
    return seen


def test_dockercloud_haproxy_balances_the_linked_service_and_follows_a_scale(dcswarm, lab_image):
    assert shutil.which("haproxy") == "/usr/sbin/haproxy", "Debian's haproxy is not installed"
    tmp = tempfile.mkdtemp(prefix="dcs-haproxy-")
    srv = Server(dcswarm, tmp)
    lb_proc = None
    try:
        web = service(srv, name="web", image=lab_image, target_num_containers=2,
                      run_command=HTTPD, container_ports=[{"protocol": "tcp", "inner_port": 80}])
        lb = service(srv, name="lb", image=lab_image, run_command=IDLE_CMD, roles=["global"],
                     deployment_strategy="EVERY_NODE",
                     linked_to_service=[{"to_service": web["resource_uri"], "name": "web"}])
        running(srv, web, 2)
        pid, env = lb_container_on_node1("alice_lb")
        for k in ("DOCKERCLOUD_AUTH", "DOCKERCLOUD_CONTAINER_API_URI",
                  "DOCKERCLOUD_SERVICE_API_URI", "DOCKERCLOUD_REST_HOST"):
            assert env.get(k), k
        lbns = "/proc/%d/ns/net" % pid
        env.update(PYTHONPATH=":".join([HERE, os.path.join(SRC, "dockercloud-haproxy"),
                                        os.path.join(SRC, "python-dockercloud")]),
                   DCS_HAPROXY_DIR=tmp, DCS_HAPROXY_BIN=os.path.join(HERE, "haproxy-2.6"),
                   PATH="/usr/sbin:/usr/bin:/sbin:/bin", PYTHONUNBUFFERED="1")
        log = open(os.path.join(tmp, "haproxy.log"), "w")
        lb_proc = subprocess.Popen(
            ["nsenter", "--net=" + lbns, "/usr/bin/python3", "-c",
             "from haproxy.main import main; main()"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        cfg = os.path.join(tmp, "haproxy.cfg")

        def has(n):
            return lambda: len(servers(cfg)) == n and servers(cfg)
        got = wait_for("haproxy.cfg with both containers", has(2), timeout=60)
        assert sorted(got) == ["WEB_1", "WEB_2"], (got, open(os.path.join(tmp, "haproxy.log")).read())
        assert reached(lbns, 2) == {"web-1", "web-2"}

        code, out = srv.call("PATCH", web["resource_uri"], {"target_num_containers": 3})
        assert code == 200, out
        code, out = srv.call("POST", web["resource_uri"] + "scale/")
        assert code == 202, out
        t0 = time.monotonic()
        got = wait_for("haproxy.cfg with the third container", has(3), timeout=60)
        follow = time.monotonic() - t0
        assert sorted(got) == ["WEB_1", "WEB_2", "WEB_3"], got
        assert reached(lbns, 3) == {"web-1", "web-2", "web-3"}
        print("scale to 3 reached haproxy.cfg in %.1f s" % follow)
    finally:
        if lb_proc:
            os.killpg(lb_proc.pid, signal.SIGKILL)
            lb_proc.wait()
        for o in ("lb", "web"):
            code, found = srv.call("GET", "/api/app/v1/service/?name=" + o)
            for s in (found or {}).get("objects", []) if code == 200 else []:
                srv.call("DELETE", s["resource_uri"])
        srv.stop()
        dcserve.cleanup_swarm()
        shutil.rmtree(tmp, ignore_errors=True)
