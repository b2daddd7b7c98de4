"""The HTTP edge speaks JSON: what is refused before a route (a request
line or header that does not parse, a method the API does not serve, a
URL, headers or a body over the limits, a body that is not JSON) gets the
right status and a JSON {"error": ...}, never libevent's HTML page; nothing
is created and the server goes on answering."""
import json
import os
import socket
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import basic, ALICE  # noqa: E402

import labapi  # noqa: E402

AUTH = basic(*ALICE)


@pytest.fixture(scope="module")
def srv():
    s = dcserve.Server(extra=["--max-body", "4096"])
    yield s
    s.stop()
    dcserve.cleanup_swarm()


def complete_json(body):
    try:
        json.loads(body)
        return True
    except ValueError:
        return False


def raw(srv, data, timeout=10):
    """Send bytes as they are; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=timeout) as c:
        try:
            c.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the rest was read
        got = b""
        while True:
            try:
                chunk = c.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got += chunk
            head, sep, body = got.partition(b"\r\n\r\n")
            if sep and b"content-length:" in head.lower():
                n = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= n:
                    break
            elif sep and complete_json(body):
                break  # libevent keeps a CONNECT open, without a length
    head, _, body = got.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:])}
    return status, headers, body


def request(method, target, headers=(), body=b""):
    lines = ["%s %s HTTP/1.1" % (method, target), "Host: dcswarm.test",
             "Authorization: " + AUTH, "Content-Length: %d" % len(body)] + list(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def assert_json_error(answer, status, words):
    got_status, headers, body = answer
    assert got_status == status, (status, answer)
    assert headers["content-type"] == "application/json", answer
    assert words in json.loads(body)["error"], answer


@pytest.mark.parametrize("data, status, words", [
    (b"GARBAGE\r\n\r\n", 400, "could not be read"),
    (b"GET /api/app/v1/service/ HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400,
     "could not be read"),
    (b"FOO /api/app/v1/service/ HTTP/1.1\r\nHost: x\r\n\r\n", 501, "not implemented"),
    (request("TRACE", "/api/app/v1/service/"), 405, "method TRACE not allowed"),
    (request("CONNECT", "dcswarm.test:443"), 405, "method CONNECT not allowed"),
    (request("GET", "/api/app/v1/service/?name=" + "a" * 20000), 414, "URL too long"),
    (request("GET", "/api/app/v1/service/?name=" + "a" * 300000), 400, "256 KB"),
    (request("GET", "/api/app/v1/service/", ["X-Big: " + "a" * 70000]), 431,
     "request headers too large"),
    (request("POST", "/api/app/v1/service/", ["Content-Type: application/json"],
             b"{" + b" " * 5000 + b"}"), 413, "request body too large"),
    (request("POST", "/api/app/v1/service/", ["Content-Type: application/json"],
             b" " * 200000), 413, "request body too large"),
])
def test_refused_at_the_edge_in_json(srv, data, status, words):
    assert_json_error(raw(srv, data), status, words)
    assert srv.req("GET", "/api/app/v1/service/").status_code == 200


def test_only_json_bodies_are_read(srv, lab_image):
    body = json.dumps({"name": "edge", "image": lab_image, "run_command": "sleep 1"})
    for ct in ("text/plain", "application/xml", "multipart/form-data; boundary=x"):
        r = srv.req("POST", "/api/app/v1/service/", data=body, headers={"Content-Type": ct})
        assert r.status_code == 415, r.text
        assert "unsupported media type" in r.json()["error"]
    eng = labapi.manager()
    try:
        assert eng.request("GET", "/services/alice_edge").status == 404
    finally:
        eng.close()
    # What clients and scripts send: JSON with a charset, nothing (Go), and
    # curl -d's form-urlencoded.
    for i, ct in enumerate(("application/json; charset=utf-8", None,
                            "application/x-www-form-urlencoded")):
        b = json.loads(body)
        b["name"] = "edge%d" % i
        r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(b),
                    headers={"Content-Type": ct})
        assert r.status_code == 201, (ct, r.text)


@pytest.mark.parametrize("target, words", [
    ("/api/app/v1/service/?name=%ZZ", "name: invalid percent-encoding"),
    ("/api/app/v1/service/?name=a%00b", "name: a NUL character (%00)"),
    ("/api/app/v1/service/?name=%ff", "name: a query parameter must be UTF-8"),
    ("/api/app/v1/service/?state=Bogus", 'state: expected one of "Not running"'),
    ("/api/app/v1/stack/?state=Scaling", 'state: expected one of "Not running"'),
    ("/api/app/v1/container/?state=Partly+running", 'state: expected one of "Starting"'),
    ("/api/app/v1/service/?limit=99999999999999999999", "limit: expected an integer"),
    ("/api/app/v1/service/?offset=-1", "offset: expected an integer >= 0"),
    ("/api/app/v1/service/?colour=red", "colour: unknown filter"),
])
def test_query_refusals_name_the_parameter(srv, target, words):
    """A filter that cannot be read is refused, never dropped: a dropped
    filter would list everything."""
    assert_json_error(raw(srv, request("GET", target)), 400, words)


def test_valid_states_filter(srv):
    for target in ("/api/app/v1/service/?state=Partly+running",
                   "/api/app/v1/stack/?state=Not%20running",
                   "/api/app/v1/container/?state=Running"):
        status, _, body = raw(srv, request("GET", target))
        assert status == 200, (target, body)
