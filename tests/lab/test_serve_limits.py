"""The limits of dcswarm serve that need an engine (docs/limits.md): streams
over --max-streams get a 503 with the reason and the next one is accepted
once one closes; a WebSocket message over --max-ws-message closes that
connection (1009) and nothing else.  The limits without one (connections,
descriptors) are in tests/limits-check.py."""
import json
import os
import subprocess
import sys
import time

import pytest
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import ALICE  # noqa: E402

from conftest import wait_for  # noqa: E402

HEADER = ["Authorization: " + dcserve.basic(*ALICE)]


@pytest.fixture(scope="module")
def srv(dcswarm):
    s = dcserve.Server(dcswarm, extra=["--max-streams", "3", "--max-ws-message", "1024"])
    yield s
    assert s.stop() == 0
    dcserve.cleanup_swarm()


def events(srv):
    return websocket.create_connection(srv.url.replace("http://", "ws://") +
                                       "/api/audit/v1/events", header=HEADER, timeout=10)


def refused(srv):
    """The answer to one more events stream: (status, body)."""
    try:
        ws = events(srv)
    except websocket.WebSocketBadStatusException as e:
        return e.status_code, getattr(e, "resp_body", None)
    ws.close()
    return 101, None


def test_streams_over_the_limit(srv):
    held = [events(srv) for _ in range(3)]
    try:
        status, _ = refused(srv)
        assert status == 503
        # The same for a chunked client, with the reason in JSON.
        p = subprocess.run(["curl", "-sS", "-m", "10", "-w", "\n%{http_code}", "-u",
                            "%s:%s" % ALICE, srv.url + "/api/audit/v1/events"],
                           capture_output=True, text=True)
        body, code = p.stdout.rsplit("\n", 1)
        assert code == "503", p.stdout
        assert json.loads(body) == {"error": "too many streams: 3 open, at most 3 "
                                             "(--max-streams)"}
        # REST is not a stream: still answered.
        assert srv.req("GET", "/api/app/v1/service/").status_code == 200
    finally:
        held.pop().close()
    # One closed: the next one is accepted (once the server has seen it go).
    wait_for("a stream accepted again", lambda: refused(srv)[0] == 101, timeout=10)
    for ws in held:
        ws.close()


def test_websocket_message_over_the_limit(srv):
    ws = events(srv)
    other = events(srv)
    try:
        ws.send("x" * 1000)        # under the limit: read and ignored
        ws.ping("still there")
        ws.settimeout(10)
        op, _ = ws.recv_data(control_frame=True)
        assert op == websocket.ABNF.OPCODE_PONG
        ws.send("x" * 2000)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            op, data = ws.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                break
        assert op == websocket.ABNF.OPCODE_CLOSE
        assert int.from_bytes(data[:2], "big") == 1009, data
        # The other connection is untouched.
        other.ping("and you")
        other.settimeout(10)
        op, _ = other.recv_data(control_frame=True)
        assert op == websocket.ABNF.OPCODE_PONG
    finally:
        ws.close()
        other.close()
