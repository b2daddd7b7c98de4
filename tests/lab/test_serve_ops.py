"""Running dcswarm serve as operators run things (issue 28): liveness
(/_health, answered by the loop whatever the engine does), readiness
(/_ready: the engine answers), `dcswarm health` for a HEALTHCHECK, and
/metrics in Prometheus' text format (parsed by python3-prometheus-client)
whose counters move with requests, engine calls, actions and streams."""
import json
import os
import subprocess
import sys
import time

import pytest
import requests
import websocket
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import ALICE  # noqa: E402

from conftest import wait_for  # noqa: E402


@pytest.fixture(scope="module")
def srv(dcswarm):
    yield from dcserve.serving(dcswarm)


def scrape(srv):
    """{(name, frozenset(labels)): value} of every sample /metrics has."""
    r = requests.get(srv.url + "/metrics", timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    out = {}
    for fam in text_string_to_metric_families(r.text):
        for s in fam.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0)


def health(dcswarm, *args):
    p = subprocess.run([dcswarm, "health", *args], capture_output=True, text=True, timeout=30)
    return p.returncode, p.stdout + p.stderr


def test_liveness_and_readiness(srv, dcswarm):
    r = requests.get(srv.url + "/_health")
    assert r.status_code == 200 and r.json()["status"] == "ok", r.text
    r = requests.get(srv.url + "/_ready/")
    assert r.status_code == 200 and r.json()["engine"] is True, r.text
    assert health(dcswarm, "--url", srv.url) == (0, health(dcswarm, "--url", srv.url)[1])
    rc, out = health(dcswarm, "--url", srv.url + "/", "--ready")
    assert rc == 0 and out.startswith("200 "), out
    rc, out = health(dcswarm, "--url", "http://127.0.0.1:%d" % dcserve.free_port())
    assert rc == 1 and "Couldn't connect" in out, out


def test_alive_but_not_ready_without_an_engine(dcswarm):
    port = dcserve.free_port()
    url = "http://127.0.0.1:%d" % port
    p = subprocess.Popen([dcswarm, "serve", "--listen", "127.0.0.1:%d" % port,
                          "--insecure-no-auth", "--engine", "tcp://127.0.0.1:1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        def up():
            try:
                return requests.get(url + "/_health", timeout=2).status_code == 200
            except requests.ConnectionError:
                return False
        wait_for("serve answers /_health", up, timeout=10, interval=0.05)
        r = requests.get(url + "/_ready")
        assert r.status_code == 503 and r.json()["engine"] is False, r.text
        env = dict(os.environ, DCSWARM_LISTEN="127.0.0.1:%d" % port)
        h = subprocess.run([dcswarm, "health"], capture_output=True, text=True, env=env)
        assert h.returncode == 0, h.stdout + h.stderr
        h = subprocess.run([dcswarm, "health", "--ready"], capture_output=True, text=True,
                           env=env)
        assert h.returncode == 1 and h.stdout.startswith("503 "), h.stdout + h.stderr
    finally:
        p.terminate()
        assert p.wait(timeout=20) == 0


def test_metrics_move(srv, lab_image):
    before = scrape(srv)
    route = "/api/app/v1/service/"
    for _ in range(3):
        assert srv.req("GET", route).status_code == 200
    assert srv.req("GET", route + "no-such-uuid/").status_code == 404
    body = {"image": lab_image, "name": "metered", "target_num_containers": 1,
            "run_command": "sleep 600"}
    o = srv.req("POST", route, data=json.dumps(body)).json()
    r = srv.req("POST", o["resource_uri"] + "start/")
    assert r.status_code == 202
    action = r.headers["X-DockerCloud-Action-URI"]
    wait_for("the start ends", lambda: srv.req("GET", action).json()["state"] != "In progress",
             timeout=60)
    ws = websocket.create_connection(srv.url.replace("http", "ws") + "/api/audit/v1/events",
                                     header=["Authorization: " + dcserve.basic(*ALICE)])
    try:
        after = scrape(srv)
        labels = dict(method="GET", route=route, status="200")
        assert value(after, "dcswarm_http_requests_total", **labels) == \
            value(before, "dcswarm_http_requests_total", **labels) + 3
        assert value(after, "dcswarm_http_requests_total", method="GET", route="unknown",
                     status="404") >= 1
        starts = [dict(k[1])["route"] for k in after if k[0] == "dcswarm_http_requests_total"
                  and dict(k[1])["method"] == "POST"]
        assert value(after, "dcswarm_http_requests_total", method="POST",
                     route="/api/app/v1/{namespace}/service/{id}/start/", status="202") == 1, \
            starts
        assert value(after, "dcswarm_http_request_duration_seconds_count", method="GET",
                     route=route) >= 3
        assert value(after, "dcswarm_engine_requests_total", operation="POST /services/create",
                     status="201") >= 1
        assert value(after, "dcswarm_engine_requests_total", operation="GET /services",
                     status="200") > value(before, "dcswarm_engine_requests_total",
                                           operation="GET /services", status="200")
        assert value(after, "dcswarm_actions_total", action="Service Start",
                     state="Success") == 1
        assert value(after, "dcswarm_stream_clients") == 1
        build = [(dict(k[1]), v) for k, v in after.items() if k[0] == "dcswarm_build_info"]
        assert len(build) == 1 and build[0][1] == 1 and build[0][0]["engine_api"] == "1.41"
        # No uuid ever becomes a label value.
        assert not any(o["uuid"] in v for k in after for _, v in k[1])
    finally:
        ws.close()
    wait_for("the stream counted out",
             lambda: value(scrape(srv), "dcswarm_stream_clients") == 0, timeout=10)
    srv.req("DELETE", o["resource_uri"])


def test_log_lines_as_json_with_the_action(dcswarm, lab_image):
    s = dcserve.Server(dcswarm, extra=["--log-format", "json"])
    try:
        body = {"image": lab_image, "name": "logged", "target_num_containers": 1,
                "run_command": "sleep 600"}
        o = s.req("POST", "/api/app/v1/service/", data=json.dumps(body)).json()
        r = s.req("POST", o["resource_uri"] + "start/")
        assert r.status_code == 202
        uuid = r.headers["X-DockerCloud-Action-URI"].rstrip("/").rsplit("/", 1)[1]

        def logged():
            lines = [json.loads(line) for line in s.logtext().splitlines() if line]
            return [x for x in lines if x.get("action") == uuid]
        wait_for("the start's log line", logged, timeout=10)
        line = logged()[0]
        assert line["msg"] == "request" and line["method"] == "POST"
        assert line["status"] == 202 and line["user"] == ALICE[0]
        assert line["path"] == o["resource_uri"] + "start/"
        assert isinstance(line["ms"], float) and line["time"].endswith("Z")
        s.req("DELETE", o["resource_uri"])
    finally:
        s.stop()
        dcserve.cleanup_swarm()
