"""Service triggers (issue 29), as Docker Cloud had them and its clients send
them: create, list (the fields the CLI's `trigger ls` prints), inspect and
delete with a key; calling a trigger's URL with no key redeploys (new tasks)
or scales up the service, answers the action's URI, is rate-limited, works
from another server of the swarm (nothing of it lives in a server), and
stops working once deleted."""
import json
import os
import sys

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import BOB  # noqa: E402
import labapi  # noqa: E402

from conftest import wait_for  # noqa: E402


@pytest.fixture(scope="module")
def srv(dcswarm):
    yield from dcserve.serving(dcswarm)


@pytest.fixture(scope="module")
def service(srv, lab_image):
    body = {"image": lab_image, "name": "triggered", "target_num_containers": 1,
            "run_command": dcserve.IDLE_CMD}
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body))
    assert r.status_code == 201, r.text
    o = r.json()
    assert srv.req("POST", o["resource_uri"] + "start/").status_code == 202
    running(srv, o, 1)
    return o


def running(srv, o, n):
    def ok():
        s = srv.req("GET", o["resource_uri"]).json()
        return s["state"] == "Running" and s["running_num_containers"] == n
    wait_for("%s running %d" % (o["name"], n), ok, timeout=90, interval=0.5)


def task_ids(o):
    eng = labapi.manager()
    svc = eng.get("/services", filters='{"label": ["dcswarm.uuid=%s"]}' % o["uuid"])[0]
    tasks = eng.get("/tasks", filters='{"service": ["%s"], "desired-state": ["running"]}'
                    % svc["ID"])
    return {t["ID"] for t in tasks}


def call(srv, url, more=""):
    """POST the trigger's URL as a CI job would: no key at all."""
    return requests.post(srv.url + url + more, timeout=60)


def make(srv, o, **body):
    r = srv.req("POST", o["resource_uri"] + "trigger/", data=json.dumps(body))
    assert r.status_code == 201, r.text
    return r.json()


def test_create_list_inspect(srv, service):
    t = make(srv, service, name="ci", operation="REDEPLOY")
    assert set(t) == {"uuid", "name", "operation", "url", "resource_uri"}
    assert (t["name"], t["operation"]) == ("ci", "REDEPLOY")
    assert t["resource_uri"] == service["resource_uri"] + "trigger/%s/" % t["uuid"]
    assert t["url"] == t["resource_uri"] + "call/"
    # The CLI asks with '//trigger/' (its resource_uri already ends in '/').
    r = srv.req("GET", service["resource_uri"] + "/trigger/")
    assert r.status_code == 200
    assert t in r.json()["objects"] and r.json()["meta"]["total_count"] >= 1
    assert srv.req("GET", t["resource_uri"]).json() == t
    # Defaults: REDEPLOY, no name.
    d = make(srv, service)
    assert (d["operation"], d["name"]) == ("REDEPLOY", "")
    assert srv.req("DELETE", d["resource_uri"]).status_code == 204
    # Another namespace sees none of it; a key is needed to list.
    assert srv.req("GET", service["resource_uri"] + "trigger/", auth=BOB).status_code == 404
    assert requests.get(srv.url + service["resource_uri"] + "trigger/").status_code == 401
    r = srv.req("POST", service["resource_uri"] + "trigger/",
                data=json.dumps({"operation": "DESTROY"}))
    assert r.status_code == 400 and "operation" in r.json()["error"]
    srv.req("DELETE", t["resource_uri"])


def test_call_redeploys_without_a_key(srv, service):
    t = make(srv, service, name="redeploy")
    before = task_ids(service)
    r = call(srv, t["url"])
    assert r.status_code == 202, r.text
    action = r.headers["X-DockerCloud-Action-URI"]
    a = srv.req("GET", action).json()
    assert a["action"] == "Service Redeploy" and a["object"] == service["resource_uri"]
    wait_for("the redeploy ends", lambda: srv.req("GET", action).json()["state"] == "Success",
             timeout=90, interval=0.5)
    running(srv, service, 1)
    assert not task_ids(service) & before   # new tasks
    # A uuid that is no trigger of the service: 404, nothing done.
    assert call(srv, service["resource_uri"] + "trigger/%s/call/" % service["uuid"]) \
        .status_code == 404
    srv.req("DELETE", t["resource_uri"])


def test_scale_up_by_a_count(srv, service):
    t = make(srv, service, name="more", operation="SCALEUP")
    r = call(srv, t["url"], "2/")
    assert r.status_code == 202, r.text
    running(srv, service, 3)
    assert srv.req("GET", service["resource_uri"]).json()["target_num_containers"] == 3
    assert call(srv, t["url"], "0/").status_code == 400
    assert call(srv, t["url"], "abc/").status_code == 400
    # Back to one for the next tests.
    srv.req("PATCH", service["resource_uri"], data=json.dumps({"target_num_containers": 1}))
    assert srv.req("POST", service["resource_uri"] + "scale/").status_code == 202
    running(srv, service, 1)
    srv.req("DELETE", t["resource_uri"])


def test_rate_limited_then_deleted(srv, service, dcswarm):
    t = make(srv, service, name="burst")
    codes = [call(srv, t["url"]).status_code for _ in range(6)]
    assert codes[:5] == [202] * 5 and codes[5] == 429, codes
    r = call(srv, t["url"])
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0
    assert "too often" in r.json()["error"]
    # Another server of the swarm knows the trigger too (the URL without the
    # namespace, as the reference writes it, finds the service's).
    other = dcserve.Server(dcswarm)
    try:
        r = requests.post(other.url + "/api/app/v1/service/%s/trigger/%s/call/"
                          % (service["uuid"], t["uuid"]), timeout=60)
        assert r.status_code == 202, r.text
    finally:
        other.stop()
    assert srv.req("DELETE", t["resource_uri"]).status_code == 204
    assert call(srv, t["url"]).status_code == 404
    assert srv.req("GET", t["resource_uri"]).status_code == 404


def test_terminated_service_revokes_its_triggers(srv, lab_image):
    body = {"image": lab_image, "name": "shortlived", "run_command": dcserve.IDLE_CMD}
    o = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body)).json()
    t = make(srv, o, name="gone")
    assert srv.req("DELETE", o["resource_uri"]).status_code == 202
    assert call(srv, t["url"]).status_code == 404
    eng = labapi.manager()
    left = eng.get("/configs", filters='{"label": ["dcswarm.kind=trigger", "dcswarm.uuid=%s"]}'
                   % o["uuid"])
    assert left == [], left
