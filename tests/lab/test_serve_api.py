"""dcswarm serve against the lab's swarm, with the requests the real clients
send (reference/client-wire/) and the answers they parse (clients.md),
compared field by field, types too."""
import base64
import json
import os
import re
import sys
import time
import urllib.parse

import pytest
import requests

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import ALICE, BOB, IDLE_CMD  # noqa: E402

import labapi  # noqa: E402

UUID4 = re.compile(r"^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$")
DATETIME = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|"
                      r"Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0000$")
NEVER = {"pk", "is_dirty", "logs", "start", "stop", "redeploy", "scale", "export", "save",
         "delete", "fetch", "list"}


@pytest.fixture(scope="module")
def srv(dcswarm):
    yield from dcserve.serving(dcswarm, exit_zero=False)


def create(srv, name, image, auth=ALICE, path="/api/app/v1/service/", **extra):
    # The body the CLI sends for `service create` (cli-service-create.txt).
    body = {"image": image, "name": name, "privileged": False, "container_ports": [],
            "container_envvars": [], "linked_to_service": [], "autoredeploy": False,
            "sequential_deployment": False, "tags": [], "bindings": [],
            "run_command": IDLE_CMD}
    body.update(extra)
    r = srv.req("POST", path, auth=auth, data=json.dumps(body))
    assert r.status_code == 201, r.text
    return r.json()


def poll_action(srv, uri, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = srv.req("GET", uri)
        assert r.status_code == 200, r.text
        if r.json()["state"] in ("Success", "Failed"):
            return r.json()
        time.sleep(1)
    pytest.fail("action %s never ended" % uri)


def check_service_types(o):
    for key in o:
        assert key not in NEVER and not key.startswith("_"), key
    assert UUID4.match(o["uuid"])
    assert isinstance(o["name"], str) and isinstance(o["image_name"], str)
    for k in ("current_num_containers", "running_num_containers", "stopped_num_containers",
              "target_num_containers"):
        assert type(o[k]) is int, k
    for k in ("privileged", "synchronized", "autoredeploy", "sequential_deployment"):
        assert type(o[k]) is bool, k
    for k in ("deployed_datetime", "started_datetime", "stopped_datetime", "destroyed_datetime"):
        assert o[k] is None or DATETIME.match(o[k]), (k, o[k])
    for p in o["container_ports"]:
        assert type(p["inner_port"]) is int
        assert p["outer_port"] is None or type(p["outer_port"]) is int
    for t in o["tags"]:
        assert set(t) == {"name"}
    assert o["entrypoint"] is None or isinstance(o["entrypoint"], str)
    assert o["run_command"] is None or isinstance(o["run_command"], str)
    assert all(isinstance(v, str) for v in o["link_variables"].values())
    for e in o["calculated_envvars"]:
        assert e["origin"] in ("user", "image", "tutum")


def test_ping_and_auth(srv):
    r = requests.get(srv.url + "/_ping")
    assert r.status_code == 200 and r.json()["engine"] is True
    r = srv.req("GET", "/api/app/v1/service/", auth=None)
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    assert r.json()["error"]
    r = srv.req("GET", "/api/app/v1/service/", auth=("alice", "wrong"))
    assert r.status_code == 401
    r = srv.req("GET", "/api/app/v1/service/", headers={"Authorization": "ApiKey alice:key-alice-1"})
    assert r.status_code == 200
    r = srv.req("GET", "/api/v1/auth/")
    assert r.status_code == 200 and isinstance(r.json(), dict)


def test_create_get_and_paths(srv, lab_image):
    o = create(srv, "web", lab_image, container_ports=[
        {"protocol": "tcp", "inner_port": "8080", "published": True, "outer_port": "18181"}],
        tags=["lab"])
    check_service_types(o)
    assert o["state"] == "Not running"
    assert o["current_num_containers"] == 0 and o["target_num_containers"] == 1
    assert o["autorestart"] == "OFF" and o["deployment_strategy"] == "EMPTIEST_NODE"
    assert o["resource_uri"] == "/api/app/v1/alice/service/%s/" % o["uuid"]
    assert o["container_ports"][0]["inner_port"] == 8080
    assert o["container_ports"][0]["outer_port"] == 18181
    assert o["tags"] == [{"name": "lab"}]
    assert o["public_dns"] == "web.alice.svc.dcswarm.test"
    u = o["uuid"]
    for path in ("/api/app/v1/service/%s/" % u, "/api/app/v1/alice/service/%s" % u,
                 "//api/app/v1/service/%s/" % u, "/api/v1/service/%s/" % u):
        r = srv.req("GET", path)
        assert r.status_code == 200, path
        assert r.json()["uuid"] == u
    assert srv.req("GET", "/api/v1/service/%s/" % u).json()["resource_uri"] == \
        "/api/v1/service/%s/" % u
    # Go: no Content-Type and a {} body on a GET; keep-alive must survive.
    with requests.Session() as s:
        for _ in range(2):
            r = s.get(srv.url + "/api/app/v1/service/%s/" % u, data="{}",
                      headers={"Authorization": dcserve.basic(*ALICE)})
            assert r.status_code == 200
    # The swarm has it, not started.
    eng = labapi.manager()
    spec = eng.request("GET", "/services/alice_web").json["Spec"]
    eng.close()
    assert spec["Mode"]["Replicated"]["Replicas"] == 0
    assert spec["Labels"]["dcswarm.uuid"] == u
    # Taken name.
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps({"image": lab_image, "name": "web"}))
    assert r.status_code == 409 and "error" in r.json()


def test_identifier_resolution_and_filters(srv, lab_image):
    o = create(srv, "ident", lab_image)
    u = o["uuid"]
    lst = srv.req("GET", "/api/app/v1/service/?uuid__startswith=%s" % u[:8]).json()
    assert [x["uuid"] for x in lst["objects"]] == [u]
    assert srv.req("GET", "/api/app/v1/service/?uuid__startswith=ident").json()["objects"] == []
    assert [x["uuid"] for x in srv.req("GET", "/api/app/v1/service/?name=ident").json()["objects"]] == [u]
    assert srv.req("GET", "/api/app/v1/service/?state=Not+running&name=ident").json()["meta"]["total_count"] == 1
    assert srv.req("GET", "/api/app/v1/service/?state=Running&name=ident").json()["meta"]["total_count"] == 0
    assert srv.req("GET", "/api/app/v1/service/?name=ident&stack__name=nostack").json()["objects"] == []
    r = srv.req("GET", "/api/app/v1/service/?bogus=1")
    assert r.status_code == 400


def test_paging_sdk_and_go(srv, lab_image):
    for i in range(4):
        create(srv, "page%d" % i, lab_image)
    total = srv.req("GET", "/api/app/v1/service/").json()["meta"]["total_count"]
    # The SDK asks offset+limit; Go follows next (slicing off "/api/").
    seen, offset = [], 0
    while True:
        page = srv.req("GET", "/api/app/v1/service/?limit=2&offset=%d" % offset).json()
        assert page["meta"]["limit"] == 2 and type(page["meta"]["total_count"]) is int
        seen += [o["uuid"] for o in page["objects"]]
        if not page["meta"]["next"]:
            break
        offset += 2
    assert len(seen) == total == len(set(seen))
    nxt, via_next = "/api/app/v1/service/?limit=3", []
    while nxt:
        assert nxt.startswith("/api/")
        page = srv.req("GET", "/api/" + nxt[5:]).json()
        via_next += [o["uuid"] for o in page["objects"]]
        nxt = page["meta"]["next"]
    assert via_next == seen


def test_lifecycle_and_actions(srv, lab_image):
    o = create(srv, "life", lab_image, target_num_containers=2)
    uri = o["resource_uri"]
    # Stop is taken in every state but Terminated (the way out is always
    # open); on a service never started it runs nothing and changes nothing.
    r = srv.req("POST", uri + "stop/")
    assert r.status_code == 202, r.text
    assert poll_action(srv, r.headers["X-DockerCloud-Action-URI"])["state"] == "Success"
    s = srv.req("GET", uri).json()
    assert s["current_num_containers"] == 0 and s["state"] == "Stopped", s["state"]
    r = srv.req("POST", uri + "start/")
    assert r.status_code == 202 and r.json()["uuid"] == o["uuid"]
    act = r.headers["X-DockerCloud-Action-URI"]
    assert re.match(r"^/api/audit/v1/action/[0-9a-f-]{36}/$", act)
    a = poll_action(srv, act)
    assert a["state"] == "Success" and a["action"] == "Service Start"
    assert DATETIME.match(a["start_date"]) and DATETIME.match(a["end_date"])
    assert a["object"] == uri and isinstance(a["body"], str)
    s = srv.req("GET", uri).json()
    check_service_types(s)
    assert s["state"] == "Running" and s["running_num_containers"] == 2
    assert len(s["containers"]) == 2
    # Containers and nodes the CLI cross-references.
    cs = srv.req("GET", "/api/app/v1/container/?service=" + urllib.parse.quote(uri)).json()
    nodes = {n["resource_uri"] for n in srv.req("GET", "/api/infra/v1/node/").json()["objects"]}
    assert len(cs["objects"]) == 2
    for c in cs["objects"]:
        assert c["service"] == uri and c["node"] in nodes and c["state"] == "Running"
        assert c["resource_uri"] in s["containers"]
    # PATCH target then scale.
    r = srv.req("PATCH", uri, data=json.dumps({"target_num_containers": 1}))
    assert r.status_code == 200 and r.json()["target_num_containers"] == 1
    r = srv.req("POST", uri + "scale/")
    assert r.status_code == 202
    assert poll_action(srv, r.headers["X-DockerCloud-Action-URI"])["state"] == "Success"
    assert srv.req("GET", uri).json()["current_num_containers"] == 1
    r = srv.req("POST", uri + "redeploy/?reuse_volumes=maybe")
    assert r.status_code == 400
    r = srv.req("POST", uri + "redeploy/?reuse_volumes=False")
    assert r.status_code == 202
    assert poll_action(srv, r.headers["X-DockerCloud-Action-URI"])["state"] == "Success"
    r = srv.req("POST", uri + "stop/")
    assert r.status_code == 202
    assert poll_action(srv, r.headers["X-DockerCloud-Action-URI"])["state"] == "Success"
    s = srv.req("GET", uri).json()
    assert s["state"] == "Stopped" and s["current_num_containers"] == 0
    assert s["target_num_containers"] == 1
    r = srv.req("DELETE", uri)
    assert r.status_code == 202 and r.json()["state"] == "Terminating"
    assert poll_action(srv, r.headers["X-DockerCloud-Action-URI"])["state"] == "Success"
    s = srv.req("GET", uri).json()
    assert s["state"] == "Terminated" and DATETIME.match(s["destroyed_datetime"])
    r = srv.req("POST", uri + "start/")
    assert r.status_code == 400 and "Terminated" in r.json()["error"]
    acts = srv.req("GET", "/api/audit/v1/action/").json()["objects"]
    assert acts and all(a["state"] in ("Success", "Failed", "In progress") for a in acts)


def test_patch_image_and_ports_visible_in_swarm(srv, lab_image):
    o = create(srv, "patchme", lab_image)
    r = srv.req("PATCH", o["resource_uri"], data=json.dumps({
        "image": lab_image, "container_ports": [{"protocol": "tcp", "inner_port": 81,
                                                 "outer_port": 18282, "published": True}],
        "container_envvars": [{"key": "A", "value": "1"}]}))
    assert r.status_code == 200, r.text
    assert r.json()["container_ports"][0]["outer_port"] == 18282
    eng = labapi.manager()
    spec = eng.request("GET", "/services/alice_patchme").json["Spec"]
    eng.close()
    assert spec["EndpointSpec"]["Ports"][0]["PublishedPort"] == 18282
    assert "A=1" in spec["TaskTemplate"]["ContainerSpec"]["Env"]
    env = {e["key"]: e["origin"] for e in r.json()["calculated_envvars"]}
    assert env["A"] == "user"
    r = srv.req("PATCH", o["resource_uri"], data=json.dumps({"deployment_strategy": "EVERY_NODE"}))
    assert r.status_code == 400


def test_namespaces(srv, lab_image):
    o = create(srv, "bobs", lab_image, auth=BOB, path="/api/app/v1/shared/service/")
    assert o["resource_uri"].startswith("/api/app/v1/shared/service/")
    assert srv.req("GET", o["resource_uri"], auth=BOB).status_code == 200
    assert srv.req("GET", o["resource_uri"]).status_code == 404
    assert srv.req("GET", "/api/app/v1/shared/service/").status_code == 404
    names = [x["name"] for x in srv.req("GET", "/api/app/v1/service/?limit=100").json()["objects"]]
    assert "bobs" not in names


def test_errors(srv):
    r = srv.req("POST", "/api/app/v1/service/", data="{not json")
    assert r.status_code == 400
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(
        {"image": "x", "container_ports": [{"inner_port": "80a"}]}))
    assert r.status_code == 400 and "inner_port" in r.json()["error"]
    r = srv.req("PUT", "/api/app/v1/service/")
    assert r.status_code == 405 and "GET" in r.headers["Allow"]
    r = srv.req("POST", "/api/app/v1/service/", data="x" * (1024 * 1024 + 10))
    assert r.status_code == 413
    r = srv.req("POST", "/api/app/v1/service/", data="<a/>", headers={"Content-Type": "text/xml"})
    assert r.status_code == 415
    r = srv.req("GET", "/api/app/v1/service/00000000-0000-4000-8000-000000000000/")
    assert r.status_code == 404 and r.json()["error"]


def test_two_servers_and_restart(srv, dcswarm, lab_image):
    o = create(srv, "shared", lab_image)
    other = dcserve.Server(dcswarm)
    try:
        a = srv.req("GET", o["resource_uri"]).json()
        b = other.req("GET", o["resource_uri"]).json()
        assert a == b
    finally:
        assert other.stop() == 0
    again = dcserve.Server(dcswarm)
    try:
        assert again.req("GET", o["resource_uri"]).json()["uuid"] == o["uuid"]
    finally:
        again.stop()


def test_engine_change_shows_up(srv, lab_image):
    o = create(srv, "byhand", lab_image)
    eng = labapi.manager()
    svc = eng.request("GET", "/services/alice_byhand").json
    spec = svc["Spec"]
    spec["TaskTemplate"]["ContainerSpec"]["Env"] = ["HAND=1"]
    r = eng.request("POST", "/services/%s/update" % svc["ID"], body=spec,
                    query={"version": svc["Version"]["Index"]})
    eng.close()
    assert r.status == 200, r.text
    env = srv.req("GET", o["resource_uri"]).json()["container_envvars"]
    assert {"key": "HAND", "value": "1"} in env
