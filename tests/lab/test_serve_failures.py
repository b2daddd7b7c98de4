"""Deploys that cannot run, through dcswarm serve on the lab's swarm: the way
out (stop, terminate) is always open, an action a later one overrides ends
Failed, never Canceled (`docker-cloud --sync` loops on it), and nothing is
left on the swarm afterwards."""
import json
import os
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import IDLE_CMD  # noqa: E402

import labapi  # noqa: E402

STACK = "rf%d" % (os.getpid() % 100000)


@pytest.fixture
def srv(dcswarm):
    yield from dcserve.serving(dcswarm, networks=[STACK + "_default"])


def body(name, image, **extra):
    # The body the CLI sends for `service create` (cli-service-create.txt).
    b = {"image": image, "name": name, "privileged": False, "container_ports": [],
         "container_envvars": [], "linked_to_service": [], "autoredeploy": False,
         "sequential_deployment": False, "tags": [], "bindings": [], "run_command": IDLE_CMD}
    b.update(extra)
    return b


def create(srv, name, image, **extra):
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body(name, image, **extra)))
    assert r.status_code == 201, r.text
    return r.json()


def action_of(r):
    assert r.status_code == 202, r.text
    return r.headers["X-DockerCloud-Action-URI"]


def action(srv, uri):
    got = srv.req("GET", uri)
    assert got.status_code == 200, got.text
    return got.json()


def wait_action(srv, uri, timeout=90):
    deadline = time.monotonic() + timeout
    while True:
        a = action(srv, uri)
        if a["state"] in ("Success", "Failed"):
            return a
        assert time.monotonic() < deadline, "action %s still %s" % (uri, a["state"])
        time.sleep(0.5)


def engine_services(uuid):
    eng = labapi.manager()
    try:
        r = eng.request("GET", "/services",
                        query={"filters": {"label": ["dcswarm.uuid=" + uuid]}})
        assert r.status == 200, r.text
        return r.json
    finally:
        eng.close()


def engine_tasks(uuid):
    eng = labapi.manager()
    try:
        out = []
        for s in engine_services(uuid):
            r = eng.request("GET", "/tasks", query={"filters": {"service": [s["ID"]]}})
            assert r.status == 200, r.text
            out += r.json
        return out
    finally:
        eng.close()


def wait_until(what, cond, timeout=60):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out waiting for " + what
        time.sleep(0.2)


def unplaced(uuid):
    """A task of the service is pending with swarm's reason."""
    return any(t["Status"]["State"] == "pending" and
               "no suitable node" in t["Status"].get("Err", "") for t in engine_tasks(uuid))


def service_id(uuid):
    (svc,) = engine_services(uuid)
    return svc["ID"]


def gone(sid):
    """No service and no container of it left on any node."""
    eng = labapi.manager()
    try:
        if eng.request("GET", "/services/" + sid).status != 404:
            return False
    finally:
        eng.close()
    for eng in labapi.nodes():
        try:
            r = eng.request("GET", "/containers/json", query={
                "all": "1", "filters": {"label": ["com.docker.swarm.service.id=" + sid]}})
            assert r.status == 200, r.text
            if r.json:
                return False
        finally:
            eng.close()
    return True


def test_unschedulable_service_stop_then_terminate(srv, lab_image):
    o = create(srv, "nowhere", lab_image, tags=[{"name": "alpha"}], target_num_containers=2)
    uri, sid = o["resource_uri"], service_id(o["uuid"])
    start = action_of(srv.req("POST", uri + "start/"))
    wait_until("a pending task", lambda: unplaced(o["uuid"]))
    assert action(srv, start)["state"] == "In progress"
    assert srv.req("GET", uri).json()["state"] == "Starting"

    # The way out: stop while Starting, and the start ends Failed.
    stop = action_of(srv.req("POST", uri + "stop/"))
    a = action(srv, start)
    assert a["state"] == "Failed", a
    assert a["end_date"] and "logs" not in a
    assert wait_action(srv, stop)["state"] == "Success"
    s = srv.req("GET", uri).json()
    assert s["state"] == "Stopped" and s["current_num_containers"] == 0, s
    assert not [t for t in engine_tasks(o["uuid"]) if t["DesiredState"] == "running"]

    # Then terminate, and nothing of it is left on the swarm.
    term = action_of(srv.req("DELETE", uri))
    assert wait_action(srv, term)["state"] == "Success"
    assert srv.req("GET", uri).json()["state"] == "Terminated"
    wait_until("the service gone", lambda: gone(sid))


def test_terminate_while_starting(srv, lab_image):
    o = create(srv, "nowhere2", lab_image, tags=[{"name": "alpha"}])
    uri, sid = o["resource_uri"], service_id(o["uuid"])
    start = action_of(srv.req("POST", uri + "start/"))
    wait_until("a pending task", lambda: unplaced(o["uuid"]))
    term = action_of(srv.req("DELETE", uri))
    a = action(srv, start)
    assert a["state"] == "Failed", a
    assert wait_action(srv, term)["state"] == "Success"
    # A second start of a Terminated service is refused; stop too.
    for verb in ("start", "stop"):
        r = srv.req("POST", uri + verb + "/")
        assert r.status_code == 400 and "Terminated" in r.json()["error"], r.text
    wait_until("the service gone", lambda: gone(sid))


def test_retry_start_after_stuck_start(srv, lab_image):
    """Start again on a service left Starting: taken, and the first start
    ends Failed (overridden), the second stays in progress."""
    o = create(srv, "nowhere3", lab_image, tags=[{"name": "alpha"}])
    uri, sid = o["resource_uri"], service_id(o["uuid"])
    first = action_of(srv.req("POST", uri + "start/"))
    wait_until("a pending task", lambda: unplaced(o["uuid"]))
    second = action_of(srv.req("POST", uri + "start/"))
    assert action(srv, first)["state"] == "Failed"
    assert action(srv, second)["state"] == "In progress"
    assert wait_action(srv, action_of(srv.req("DELETE", uri)))["state"] == "Success"
    assert action(srv, second)["state"] == "Failed"
    wait_until("the service gone", lambda: gone(sid))


def test_unschedulable_stack_stop_then_terminate(srv, lab_image):
    stackfile = {"name": STACK, "services": [
        {"name": "ok", "image": lab_image, "command": IDLE_CMD},
        {"name": "stuck", "image": lab_image, "command": IDLE_CMD, "tags": ["alpha"]}]}
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps(stackfile))
    assert r.status_code == 201, r.text
    stack = r.json()
    uri = stack["resource_uri"]
    stuck = srv.req("GET", "/api/app/v1/service/?name=stuck&stack__name=" + STACK).json()
    stuck = stuck["objects"][0]
    sids = [s["ID"] for s in labapi.manager().request("GET", "/services").json
            if s["Spec"]["Name"].startswith(STACK + "_")]
    assert len(sids) == 2
    start = action_of(srv.req("POST", uri + "start/"))
    wait_until("a pending task", lambda: unplaced(stuck["uuid"]))
    assert action(srv, start)["state"] == "In progress"

    stop = action_of(srv.req("POST", uri + "stop/"))
    assert action(srv, start)["state"] == "Failed"
    assert wait_action(srv, stop)["state"] == "Success"
    assert srv.req("GET", uri).json()["state"] == "Stopped"

    term = action_of(srv.req("DELETE", uri))
    assert wait_action(srv, term)["state"] == "Success"
    wait_until("the stack's services gone", lambda: all(gone(sid) for sid in sids))
