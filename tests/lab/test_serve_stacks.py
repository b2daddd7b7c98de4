"""Stacks written through the REST API, as the real clients write them
(reference/client-wire/cli-stack-*.txt, go-dockercloud's StackCreateRequest,
tutum-cli's /api/v1/ paths), against the lab's swarm: create (stackfile and
API format), start, export, update, redeploy, stop, terminate; actions that
follow the stack's services to Success; stack names shared by namespaces."""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import BOB, IDLE_CMD  # noqa: E402
from test_serve_more import engine_service  # noqa: E402

import labapi  # noqa: E402

STACK = "rs%d" % (os.getpid() % 100000)
IMAGE = os.environ.get("DCS_LAB_IMAGE", "dcswarm-test/busybox:latest")
# What `docker-cloud stack create -n NAME -f docker-cloud.yml` sends: the
# stackfile's services passed through, "name" added (cli-stack-create.txt).
CLI_CREATE = {"name": STACK, "services": [
    {"image": IMAGE, "command": IDLE_CMD, "environment": ["DB_USER=admin", "DB_PASS=s3cret"],
     "target_num_containers": 1, "expose": ["5432"], "name": "db"},
    {"image": IMAGE, "command": IDLE_CMD, "ports": ["8125/udp"], "expose": ["9121"],
     "environment": {"MODE": "lru"}, "links": ["db:database"], "restart": "always",
     "autodestroy": "no", "tags": [], "sequential_deployment": True,
     "target_num_containers": 2, "name": "cache"}]}


@pytest.fixture
def srv(dcswarm):
    yield from dcserve.serving(dcswarm, networks=[name + "_default" for name in
                                                  (STACK, STACK + "go", STACK + "copy")])


def wait_action(srv, r, timeout=90):
    """Poll the action of answer r as `--sync` does; its final state."""
    uri = r.headers["X-DockerCloud-Action-URI"]
    deadline = time.monotonic() + timeout
    while True:
        got = srv.req("GET", uri)
        assert got.status_code == 200, got.text
        state = got.json()["state"]
        if state in ("Success", "Failed") or time.monotonic() > deadline:
            return got.json()
        time.sleep(1)


def stack_state(srv, stack):
    return srv.req("GET", stack["resource_uri"]).json()["state"]


def test_cli_stack_lifecycle(srv):
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps(CLI_CREATE))
    assert r.status_code == 201, r.text
    stack = r.json()
    assert stack["name"] == STACK and stack["state"] == "Not running"
    assert stack["resource_uri"] == "/api/app/v1/alice/stack/%s/" % stack["uuid"]
    assert len(stack["services"]) == 2
    # Created, not started: each service is Not running, found by name.stack.
    got = srv.req("GET", "/api/app/v1/service/?name=cache&stack__name=" + STACK).json()
    cache = got["objects"][0]
    assert cache["state"] == "Not running" and cache["stack"] == stack["resource_uri"]
    assert cache["target_num_containers"] == 2
    assert engine_service(STACK + "_cache")["Spec"]["Mode"]["Replicated"]["Replicas"] == 0
    # A second create of the name: 409.
    assert srv.req("POST", "/api/app/v1/stack/", data=json.dumps(CLI_CREATE)).status_code == 409

    # `stack start --sync`: an empty POST, then the action polled to Success.
    r = srv.req("POST", stack["resource_uri"] + "start/")
    assert r.status_code == 202, r.text
    act = wait_action(srv, r)
    assert act["state"] == "Success" and act["action"] == "Stack Start", act
    assert act["object"] == stack["resource_uri"]
    assert stack_state(srv, stack) == "Running"
    assert engine_service(STACK + "_cache")["Spec"]["Mode"]["Replicated"]["Replicas"] == 2
    aliases = engine_service(STACK + "_db")["Spec"]["TaskTemplate"]["Networks"][0]["Aliases"]
    assert set(aliases) == {"db", "database"}
    # A link written by name is to the service's resource URI, as on Docker Cloud, in a list
    # and read alone; its containers link to the target's (one entry per container).
    db = srv.req("GET", "/api/app/v1/service/?name=db&stack__name=" + STACK).json()["objects"][0]
    for got in (srv.req("GET", "/api/app/v1/service/?name=cache&stack__name=" + STACK)
                .json()["objects"][0], srv.req("GET", cache["resource_uri"]).json()):
        assert [x["to_service"] for x in got["linked_to_service"]] == [db["resource_uri"]]
    assert [x["from_service"] for x in srv.req("GET", db["resource_uri"]).json()
            ["linked_from_service"]] == [cache["resource_uri"]]
    conts = srv.req("GET", "/api/app/v1/container/?service=" + cache["resource_uri"]).json()
    for c in conts["objects"]:
        assert [(x["name"], list(x["endpoints"])) for x in c["linked_to_container"]] == \
            [("database-1", ["5432/tcp"])], c

    # `stack export`: the stackfile back, which creates the same stack again.
    r = srv.req("GET", stack["resource_uri"] + "export/")
    assert r.status_code == 200, r.text
    exported = r.json()
    assert exported["db"]["environment"] == ["DB_USER=admin", "DB_PASS=s3cret"]
    assert exported["db"]["expose"] == ["5432"]
    assert exported["cache"]["links"] == ["db:database"]
    assert exported["cache"]["ports"] == ["8125/udp"]
    assert exported["cache"]["target_num_containers"] == 2
    copy = {"name": STACK + "copy",
            "services": [dict(v, name=k) for k, v in sorted(exported.items())]}
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps(copy))
    assert r.status_code == 201, r.text
    assert srv.req("DELETE", r.json()["resource_uri"]).status_code == 202

    # `stack update -f`: {"services": [...]} only; running stays running.
    update = {"services": [dict(CLI_CREATE["services"][0], environment=["DB_USER=root"]),
                           CLI_CREATE["services"][1]]}
    r = srv.req("PATCH", stack["resource_uri"], data=json.dumps(update))
    assert r.status_code == 200, r.text
    spec = engine_service(STACK + "_db")["Spec"]
    assert "DB_USER=root" in spec["TaskTemplate"]["ContainerSpec"]["Env"]
    assert spec["Mode"]["Replicated"]["Replicas"] == 1
    deadline = time.monotonic() + 90
    while stack_state(srv, stack) != "Running":
        assert time.monotonic() < deadline
        time.sleep(1)

    # `stack redeploy --sync`, `stack stop --sync`.
    r = srv.req("POST", stack["resource_uri"] + "redeploy/?reuse_volumes=False")
    assert r.status_code == 202, r.text
    assert wait_action(srv, r)["state"] == "Success"
    r = srv.req("POST", stack["resource_uri"] + "stop/")
    assert r.status_code == 202, r.text
    assert wait_action(srv, r)["state"] == "Success"
    assert stack_state(srv, stack) == "Stopped"
    # Stopped: stop again is taken (the way out is always open) and changes nothing.
    r = srv.req("POST", stack["resource_uri"] + "stop/")
    assert r.status_code == 202, r.text
    assert wait_action(srv, r)["state"] == "Success"
    assert stack_state(srv, stack) == "Stopped"

    # `stack terminate --sync`: DELETE, the services Terminated, and the stack
    # too: still readable (issue 30), as Docker Cloud listed "recently
    # terminated stacks", every action on it refused.
    r = srv.req("DELETE", stack["resource_uri"])
    assert r.status_code == 202, r.text
    assert r.json()["state"] == "Terminating"
    assert wait_action(srv, r)["state"] == "Success"
    got = srv.req("GET", stack["resource_uri"])
    assert got.status_code == 200, got.text
    gone = got.json()
    assert gone["state"] == "Terminated" and gone["destroyed_datetime"], gone
    assert (gone["uuid"], gone["name"], sorted(gone["services"])) == \
        (stack["uuid"], STACK, sorted(stack["services"]))
    listed = srv.req("GET", "/api/app/v1/stack/?name=" + STACK).json()["objects"]
    assert listed == [gone]
    assert gone in srv.req("GET", "/api/app/v1/stack/?state=Terminated").json()["objects"]
    # The Tutum family reads it with its own URIs.
    tutum = srv.req("GET", "/api/v1/stack/%s/" % stack["uuid"]).json()
    assert tutum["resource_uri"] == "/api/v1/stack/%s/" % stack["uuid"]
    assert all(u.startswith("/api/v1/service/") for u in tutum["services"])
    for method, path in (("POST", "start/"), ("POST", "stop/"), ("POST", "redeploy/"),
                         ("DELETE", ""), ("PATCH", ""), ("GET", "export/")):
        r = srv.req(method, stack["resource_uri"] + path, data="{}")
        assert r.status_code == 400 and "Terminated" in r.json()["error"], (method, path, r.text)
    got = srv.req("GET", "/api/app/v1/service/" + cache["uuid"] + "/").json()
    assert got["state"] == "Terminated"


def test_go_and_tutum_stack_create(srv):
    """go-dockercloud: API-format services, no Content-Type, "{}" on actions;
    tutum-cli: the /api/v1/ family; a stack name is the swarm's, not the
    namespace's: another user's create of it is a 409."""
    go = {"name": STACK + "go", "services": [
        {"image": IMAGE, "name": "a", "run_command": IDLE_CMD,
         "container_envvars": [{"key": "K", "value": "v"}],
         "linked_to_service": [{"to_service": "b", "name": "bee"}]},
        {"image": IMAGE, "name": "b", "run_command": IDLE_CMD}]}
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps(go),
                headers={"Content-Type": None, "User-Agent": "go-dockercloud/1.0.8"})
    assert r.status_code == 201, r.text
    stack = r.json()
    r = srv.req("POST", "/api/app/v1/stack/", auth=BOB, data=json.dumps(go))
    assert r.status_code == 409, r.text
    assert "shared by all namespaces" in r.json()["error"]
    r = srv.req("POST", stack["resource_uri"] + "start/", data="{}",
                headers={"Content-Type": None})
    assert r.status_code == 202, r.text
    assert wait_action(srv, r)["state"] == "Success"
    # tutum-cli reads and acts on the same stack through /api/v1/.
    r = srv.req("GET", "/api/v1/stack/%s/" % stack["uuid"])
    assert r.status_code == 200 and r.json()["resource_uri"].startswith("/api/v1/stack/")
    r = srv.req("DELETE", r.json()["resource_uri"])
    assert r.status_code == 202, r.text
    assert r.headers["X-Tutum-Action-URI"].startswith("/api/v1/action/")
    r = srv.req("POST", "/api/v1/stack/", data=json.dumps(
        {"name": "bad name!", "services": []}))
    assert r.status_code == 400 and "name" in r.json()["error"]
    r = srv.req("POST", "/api/v1/stack/", data=json.dumps({"name": "empty", "services": []}))
    assert r.status_code == 400 and "services" in r.json()["error"]
    assert srv.req("PUT", "/api/app/v1/stack/").status_code == 405


def test_stack_references_checked_before_anything_is_made(srv):
    """A stack whose links or volumes_from name no service of it, or the
    service itself, is refused whole with the field named: 400, a JSON
    body, no service on the swarm, the server still answering."""
    name = STACK + "bad"
    ok = {"image": IMAGE, "command": IDLE_CMD, "name": "ok"}
    cases = [
        ({"image": IMAGE, "name": "web", "links": ["ok", "db"]},
         'web:links[1]: no service "db" in this stack'),
        ({"image": IMAGE, "name": "web", "links": ["web:me"]},
         "web:links[0]: a service cannot link to itself"),
        ({"image": IMAGE, "name": "web", "volumes_from": ["web"]},
         "web:volumes_from[0]: a service cannot take volumes from itself"),
        ({"image": IMAGE, "name": "web",
          "linked_to_service": [{"to_service": "store", "name": "s"}]},
         'web:linked_to_service[0].to_service: no service "store" in this stack'),
        ({"image": IMAGE, "name": "OK"},
         'the service names "ok" and "OK" are one name on swarm'),
    ]
    for bad, message in cases:
        r = srv.req("POST", "/api/app/v1/stack/",
                    data=json.dumps({"name": name, "services": [ok, bad]}))
        assert r.status_code == 400, r.text
        assert message in r.json()["error"], r.text
    eng = labapi.manager()
    try:
        names = [s["Spec"]["Name"] for s in eng.request("GET", "/services").json]
    finally:
        eng.close()
    assert not [n for n in names if n.startswith(name + "_")]
    assert srv.req("GET", "/api/app/v1/stack/?name=" + name).json()["objects"] == []


def test_terminated_stack_kept_for_the_retention(dcswarm):
    """Kept on the swarm: a restarted server still shows it; gone after
    --retention; its name free at once."""
    name = STACK + "ret"
    body = {"name": name, "services": [{"image": IMAGE, "name": "w", "run_command": IDLE_CMD}]}
    s = dcserve.Server(dcswarm, extra=["--retention", "10"])
    try:
        r = s.req("POST", "/api/app/v1/stack/", data=json.dumps(body))
        assert r.status_code == 201, r.text
        stack = r.json()
        r = s.req("DELETE", stack["resource_uri"])
        assert r.status_code == 202 and wait_action(s, r)["state"] == "Success"
        assert s.stop() == 0
        s = dcserve.Server(dcswarm, extra=["--retention", "10"])
        assert s.req("GET", stack["resource_uri"]).json()["state"] == "Terminated"
        # The name again at once: the new stack is the one of that uuid now.
        r = s.req("POST", "/api/app/v1/stack/", data=json.dumps(body))
        assert r.status_code == 201, r.text
        assert s.req("GET", stack["resource_uri"]).json()["state"] == "Not running"
        r = s.req("DELETE", stack["resource_uri"])
        assert r.status_code == 202 and wait_action(s, r)["state"] == "Success"
        assert s.req("GET", stack["resource_uri"]).json()["state"] == "Terminated"
        deadline = time.monotonic() + 40
        while s.req("GET", stack["resource_uri"]).status_code != 404:
            assert time.monotonic() < deadline, "still there after the retention"
            time.sleep(1)
        assert s.req("GET", "/api/app/v1/stack/?name=" + name).json()["objects"] == []
    finally:
        s.stop()
        dcserve.cleanup_swarm()
        dcserve.remove_network(name + "_default")
