"""dcswarm serve across an engine outage: the manager's dockerd is stopped
(as a daemon restart stops it) and started again (lab.sh stop-dockerd /
start-dockerd).  Meanwhile every request gets a quick 5xx JSON error naming
the engine, with Retry-After; the server stays up; log streams end.  Once
the engine is back everything reads back, with Docker Cloud's states (only
autorestart ALWAYS containers come back after a daemon restart), events
flow again, and an action in progress across the outage ends as its stored
start time says."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import ALICE, IDLE_CMD  # noqa: E402

import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab.sh")
TAG = "dcsoutage"


def lab(*args):
    subprocess.run([LAB] + list(args), check=True, timeout=120)


def node_label(add):
    """Add or remove TAG on node 1."""
    def change(spec):
        labels = spec.setdefault("Labels", {})
        if add:
            labels[TAG] = "true"
        else:
            labels.pop(TAG, None)
    labapi.update_node(os.environ["DCS_LAB_NODE1_ID"], change)


@pytest.fixture
def srv(dcswarm):
    node_label(True)
    s = dcserve.Server(dcswarm)
    try:
        yield s
    finally:
        # The engine must be back whatever happened.
        if subprocess.run(["curl", "-sf", "--unix-socket", os.environ["DOCKER_HOST"][7:],
                           "http://lab/_ping"], capture_output=True).returncode != 0:
            lab("start-dockerd", os.environ["DCS_LAB_DIR"], "1")
        s.stop()
        dcserve.cleanup_swarm()
        node_label(False)


def create_started(srv, name, image, **extra):
    body = {"image": image, "name": name, "run_command": IDLE_CMD, "tags": [{"name": TAG}]}
    body.update(extra)
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body))
    assert r.status_code == 201, r.text
    o = r.json()
    r = srv.req("POST", o["resource_uri"] + "start/")
    assert r.status_code == 202, r.text
    return o, r.headers["X-DockerCloud-Action-URI"]


def action_state(srv, uri):
    r = srv.req("GET", uri)
    return r.json()["state"] if r.status_code == 200 else None


def state(srv, o):
    r = srv.req("GET", o["resource_uri"])
    return r.json()["state"] if r.status_code == 200 else None


class Events:
    """A WebSocket events client that records what it gets, and whether
    the stream is still open."""

    def __init__(self, srv):
        self.msgs, self.closed = [], False
        self.ws = websocket.create_connection(
            srv.url.replace("http://", "ws://") + "/api/audit/v1/events",
            header=["Authorization: " + dcserve.basic(*ALICE)], timeout=5)
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                op, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            except Exception:
                self.closed = True
                return
            if op == websocket.ABNF.OPCODE_CLOSE:
                self.closed = True
                return
            if op == websocket.ABNF.OPCODE_TEXT:
                self.msgs.append(json.loads(data.decode()))


def test_engine_outage_and_back(srv, lab_image):
    off, off_act = create_started(srv, "off", lab_image, autorestart="OFF")
    always, always_act = create_started(srv, "always", lab_image, autorestart="ALWAYS")
    wait_for("both running", lambda: action_state(srv, off_act) == "Success" and
             action_state(srv, always_act) == "Success", timeout=90)
    stuck, stuck_act = create_started(srv, "stuck", lab_image, tags=[{"name": "alpha"}])
    assert action_state(srv, stuck_act) == "In progress"
    events = Events(srv)
    logs = websocket.create_connection(
        srv.url.replace("http://", "ws://") + always["resource_uri"] + "logs/?follow=true",
        header=["Authorization: " + dcserve.basic(*ALICE)], timeout=30)

    lab("stop-dockerd", os.environ["DCS_LAB_DIR"], "1")
    try:
        paths = [("GET", "/api/app/v1/service/"), ("GET", off["resource_uri"]),
                 ("GET", "/api/app/v1/stack/"), ("GET", "/api/app/v1/container/"),
                 ("GET", "/api/infra/v1/node/"), ("GET", stuck_act),
                 ("POST", always["resource_uri"] + "stop/")]
        for method, path in paths:
            t0 = time.monotonic()
            r = srv.req(method, path)
            assert time.monotonic() - t0 < 5, (method, path)
            assert r.status_code in (502, 503, 504), (path, r.status_code, r.text)
            assert "Docker engine" in r.json()["error"], r.text
            assert r.headers["Retry-After"] == "5"
        # --sync re-polls errors with no pause: a burst stays answered.
        t0 = time.monotonic()
        for _ in range(200):
            assert srv.req("GET", stuck_act).status_code in (502, 503, 504)
        burst = time.monotonic() - t0
        print("200 requests with the engine away: %.2f s" % burst)
        r = srv.req("GET", "/_ping", auth=None)
        assert r.status_code == 503 and r.json()["engine"] is False, r.text
        # The log stream ends cleanly: a close, not a hang.
        logs.settimeout(30)
        while True:
            op, _ = logs.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                break
        assert srv.proc.poll() is None
    finally:
        lab("start-dockerd", os.environ["DCS_LAB_DIR"], "1")

    wait_for("the API back",
             lambda: srv.req("GET", "/api/app/v1/service/").status_code == 200, timeout=60)
    assert srv.req("GET", "/_ping", auth=None).status_code == 200
    # States as Docker Cloud showed them after a daemon restart: only
    # autorestart ALWAYS containers come back.
    wait_for("always running", lambda: state(srv, always) == "Running", timeout=90)
    wait_for("off stopped", lambda: state(srv, off) == "Stopped", timeout=90)
    assert action_state(srv, off_act) == "Success" and action_state(srv, always_act) == "Success"
    # The action in progress across the outage ends on its own clock.
    a = wait_for("the stuck start to end", lambda: (lambda s: s if s in ("Success", "Failed")
                                                    else None)(action_state(srv, stuck_act)),
                 timeout=90)
    assert a == "Failed"
    for path in ("/api/app/v1/stack/", "/api/app/v1/container/", "/api/infra/v1/node/",
                 "/api/audit/v1/action/"):
        assert srv.req("GET", path).status_code == 200, path
    # Events flow again: a following client sees a new one.
    n = len(events.msgs)
    r = srv.req("POST", always["resource_uri"] + "stop/")
    assert r.status_code == 202, r.text
    wait_for("a new event", lambda: [m for m in events.msgs[n:]
                                     if m["resource_uri"] == always["resource_uri"]], timeout=60)
    assert not events.closed
    events.ws.close()
