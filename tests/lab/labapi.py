"""The Docker Engine API of a lab's daemons, over their unix sockets.

Standard library only.  Used by golden_accept.py and the pytest tests
(conftest.py).  The lab's environment (see lab.sh) names the sockets:
DOCKER_HOST is the manager, DCS_LAB_NODE<i>_HOST node i.
"""
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

API_VERSION = "1.41"


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("lab", timeout=timeout)
        self._path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Response:
    def __init__(self, status, body):
        self.status = status
        self.text = body.decode("utf-8", "replace")
        try:
            self.json = json.loads(self.text) if self.text else None
        except ValueError:
            self.json = None

    @property
    def message(self):
        """The engine's error message, or the raw body."""
        if isinstance(self.json, dict) and "message" in self.json:
            return self.json["message"]
        return self.text.strip()


class Engine:
    """One dockerd.  Requests are serialised on one keep-alive connection;
    use one Engine per thread."""

    def __init__(self, host, timeout=60):
        self.path = host[len("unix://"):] if host.startswith("unix://") else host
        self.timeout = timeout
        self._conn = None

    def request(self, method, path, body=None, query=None):
        url = "/v%s%s" % (API_VERSION, path)
        if query:
            url += "?" + urllib.parse.urlencode(
                {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in query.items()})
        headers = {}
        if body is not None:
            if not isinstance(body, (bytes, str)):
                body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = _UnixConnection(self.path, self.timeout)
            try:
                self._conn.request(method, url, body=body, headers=headers)
                r = self._conn.getresponse()
                return Response(r.status, r.read())
            except (http.client.HTTPException, ConnectionError):
                self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise

    def get(self, path, **query):
        r = self.request("GET", path, query=query or None)
        if r.status != 200:
            raise RuntimeError("GET %s: HTTP %d: %s" % (path, r.status, r.message))
        return r.json

    def post(self, path, body=None, **query):
        return self.request("POST", path, body=body, query=query or None)

    def delete(self, path, **query):
        return self.request("DELETE", path, query=query or None)

    def close(self):
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def lab_env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError("%s is unset: no lab (run tests/lab/run-tests.sh, or "
                           "eval \"$(tests/lab/lab.sh start DIR)\")" % name)
    return value


def manager():
    return Engine(lab_env("DOCKER_HOST"))


def nodes():
    """Engines of nodes 1..DCS_LAB_NODES (node 1 is the manager)."""
    n = int(lab_env("DCS_LAB_NODES"))
    return [Engine(lab_env("DCS_LAB_NODE%d_HOST" % i)) for i in range(1, n + 1)]


# ------------------------------------------------------------------ leftovers
# What a test left in the lab, and removing it (used by run-tests.sh):
#   /usr/bin/python3 labapi.py leftovers     prints one line per leftover
#   /usr/bin/python3 labapi.py clean         removes them

SYSTEM_NETWORKS = {"ingress", "bridge", "host", "none", "docker_gwbridge"}


def update_node(node_id, change):
    """POST /nodes/{id}/update with change(spec) applied to the node's spec,
    read again when swarm changed the node meanwhile ("update out of
    sequence", as while a restarted node rejoins)."""
    eng = manager()
    try:
        for _ in range(20):
            node = eng.request("GET", "/nodes/" + node_id).json
            spec = node["Spec"]
            change(spec)
            r = eng.request("POST", "/nodes/%s/update" % node["ID"], body=spec,
                            query={"version": node["Version"]["Index"]})
            if "out of sequence" not in r.text:
                break
        assert r.status == 200, r.text
    finally:
        eng.close()


def leftovers(wait=30.0):
    """Services, secrets, configs and nodes not active are reported at once;
    containers and networks get `wait` seconds to go away (removals finish
    asynchronously: a worker once took more than 15 s to drop an overlay
    network after its last task, in a full make test)."""
    mgr, engines = manager(), nodes()
    deadline = time.monotonic() + wait
    while True:
        left = ["service %s" % s["Spec"]["Name"] for s in mgr.get("/services")]
        left += ["secret %s" % s["Spec"]["Name"] for s in mgr.get("/secrets")]
        left += ["config %s" % s["Spec"]["Name"] for s in mgr.get("/configs")]
        left += ["node %s %s" % (n["Description"]["Hostname"], n["Spec"]["Availability"])
                 for n in mgr.get("/nodes") if n["Spec"].get("Availability") != "active"]
        permanent = bool(left)
        for i, e in enumerate(engines, 1):
            left += ["node%d: network %s" % (i, n["Name"]) for n in e.get("/networks")
                     if n["Name"] not in SYSTEM_NETWORKS]
            left += ["node%d: container %s %s" % (i, c["Id"][:12], c["Names"][0])
                     for c in e.get("/containers/json")]
        if not left or permanent or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def clean(timeout=30.0):
    mgr, engines = manager(), nodes()
    for s in mgr.get("/services"):
        mgr.delete("/services/" + s["ID"])
    for n in mgr.get("/nodes"):
        if n["Spec"].get("Availability") != "active":
            n["Spec"]["Availability"] = "active"
            mgr.post("/nodes/%s/update" % n["ID"], n["Spec"], version=n["Version"]["Index"])
    for kind in ("secrets", "configs"):
        for o in mgr.get("/" + kind):
            mgr.delete("/%s/%s" % (kind, o["ID"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = False
        for e in engines:
            for c in e.get("/containers/json", all=1):
                e.delete("/containers/" + c["Id"], force=1)
                busy = True
        for n in mgr.get("/networks"):
            if n["Name"] not in SYSTEM_NETWORKS:
                mgr.delete("/networks/" + n["Id"])
                busy = True
        for e in engines[1:]:
            busy = busy or any(n["Name"] not in SYSTEM_NETWORKS for n in e.get("/networks"))
        if not busy:
            return True
        time.sleep(0.2)
    return False


if __name__ == "__main__":
    if sys.argv[1:] == ["leftovers"]:
        for line in leftovers():
            print(line)
    elif sys.argv[1:] == ["clean"]:
        sys.exit(0 if clean() else "lab not clean after 30 s")
    else:
        sys.exit("usage: labapi.py leftovers|clean")
