"""A `dcswarm serve` of a test's own on a free loopback port, and helpers
for the requests the real clients send (reference/client-wire/)."""
import base64
import os
import socket
import subprocess
import tempfile
import time

import requests

import labapi

KEYS = "alice:key-alice-1\nbob:key-bob-2:shared\n"
ALICE = ("alice", "key-alice-1")
BOB = ("bob", "key-bob-2")
# What the Python clients send on every request, GETs included.
PY_HEADERS = {"Content-Type": "application/json", "Accept": "*/*",
              "User-Agent": "dockercloud-cli/1.0.9 python-dockercloud/1.0.12"}
IDLE_CMD = "sh -c 'trap \"exit 0\" TERM; while :; do sleep 1; done'"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def basic(user, key):
    return "Basic " + base64.b64encode(("%s:%s" % (user, key)).encode()).decode()


class Server:
    """dcswarm serve on 127.0.0.1:<free port>; stop() sends SIGTERM."""

    def __init__(self, dcswarm=None, port=None, extra=(), keys=KEYS):
        # The binary under test: run-tests.sh exports DCSWARM (a sanitizer
        # build when it is given one).
        dcswarm = dcswarm or os.environ["DCSWARM"]
        self.dir = tempfile.mkdtemp(prefix="dcserve-")
        self.keys = os.path.join(self.dir, "keys")
        with open(self.keys, "w") as f:
            f.write(keys)
        self.port = port or free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(self.dir, "log"), "w+")
        self.proc = subprocess.Popen(
            [dcswarm, "serve", "--listen", "127.0.0.1:%d" % self.port, "--keys", self.keys,
             "--public-domain", "dcswarm.test"] + list(extra),
            stderr=self.log, stdout=self.log)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/_ping", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise AssertionError("dcswarm serve did not start: " + self.logtext())

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)
        self.check_sanitizers()
        return self.proc.returncode

    def check_sanitizers(self):
        """A sanitizer build reports on stderr: any report fails the test."""
        text = self.logtext()
        for mark in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                     "ThreadSanitizer"):
            assert mark not in text, text

    def req(self, method, path, auth=ALICE, headers=None, **kw):
        h = dict(PY_HEADERS)
        h.update(headers or {})
        if auth:
            h["Authorization"] = basic(*auth)
        return requests.request(method, self.url + path, headers=h, timeout=60, **kw)


def cleanup_swarm():
    """Remove what dcswarm made on the lab: services, records, networks."""
    eng = labapi.manager()
    try:
        for s in eng.request("GET", "/services").json or []:
            if "dcswarm.namespace" in s["Spec"].get("Labels", {}):
                eng.request("DELETE", "/services/" + s["ID"])
        for c in eng.request("GET", "/configs").json or []:
            if c["Spec"]["Name"].startswith("dcswarm-"):
                eng.request("DELETE", "/configs/" + c["ID"])
        nets = [n["Name"] for n in eng.request("GET", "/networks").json or []
                if n["Name"].startswith("dcswarm_")]
        for net in nets:
            for _ in range(150):  # the network is busy until the tasks are gone
                r = eng.request("DELETE", "/networks/" + net)
                if r.status in (204, 404):
                    break
                time.sleep(0.2)
    finally:
        eng.close()


def remove_network(name):
    """Remove a network, waiting while its tasks still hold it."""
    eng = labapi.manager()
    try:
        for _ in range(150):  # busy until the tasks are gone
            eng.request("DELETE", "/networks/" + name)
            # A removal under way may answer 500 "not found" meanwhile.
            if eng.request("GET", "/networks/" + name).status == 404:
                return
            time.sleep(0.2)
    finally:
        eng.close()


def serving(binary, exit_zero=True, networks=()):
    """The body of a pytest fixture: a dcswarm serve for the tests, then
    stopped (with exit status 0 when exit_zero), what it made on the lab
    removed, and the networks named removed too."""
    s = Server(binary)
    yield s
    try:
        rc = s.stop()
        assert not exit_zero or rc == 0
    finally:
        cleanup_swarm()
        for name in networks:
            remove_network(name)
