"""Deploys that cannot run, through dcswarm serve on the lab's swarm: the way
out (stop, terminate) is always open, an action a later one overrides ends
Failed, never Canceled (`docker-cloud --sync` loops on it), and nothing is
left on the swarm afterwards."""
import json
import os
import sys
import time

import pytest
import requests
import websocket

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import IDLE_CMD  # noqa: E402

import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402
from test_serve_more import body, create  # noqa: E402

STACK = "rf%d" % (os.getpid() % 100000)


@pytest.fixture
def srv(dcswarm):
    yield from dcserve.serving(dcswarm, networks=[STACK + "_default"])


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
    wait_for("a pending task", lambda: unplaced(o["uuid"]), timeout=60)
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
    wait_for("the service gone", lambda: gone(sid), timeout=60)


def test_terminate_while_starting(srv, lab_image):
    o = create(srv, "nowhere2", lab_image, tags=[{"name": "alpha"}])
    uri, sid = o["resource_uri"], service_id(o["uuid"])
    start = action_of(srv.req("POST", uri + "start/"))
    wait_for("a pending task", lambda: unplaced(o["uuid"]), timeout=60)
    term = action_of(srv.req("DELETE", uri))
    a = action(srv, start)
    assert a["state"] == "Failed", a
    assert wait_action(srv, term)["state"] == "Success"
    # A second start of a Terminated service is refused; stop too.
    for verb in ("start", "stop"):
        r = srv.req("POST", uri + verb + "/")
        assert r.status_code == 400 and "Terminated" in r.json()["error"], r.text
    wait_for("the service gone", lambda: gone(sid), timeout=60)


def test_retry_start_after_stuck_start(srv, lab_image):
    """Start again on a service left Starting: taken, and the first start
    ends Failed (overridden), the second stays in progress."""
    o = create(srv, "nowhere3", lab_image, tags=[{"name": "alpha"}])
    uri, sid = o["resource_uri"], service_id(o["uuid"])
    first = action_of(srv.req("POST", uri + "start/"))
    wait_for("a pending task", lambda: unplaced(o["uuid"]), timeout=60)
    second = action_of(srv.req("POST", uri + "start/"))
    assert action(srv, first)["state"] == "Failed"
    assert action(srv, second)["state"] == "In progress"
    assert wait_action(srv, action_of(srv.req("DELETE", uri)))["state"] == "Success"
    assert action(srv, second)["state"] == "Failed"
    wait_for("the service gone", lambda: gone(sid), timeout=60)


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
    wait_for("a pending task", lambda: unplaced(stuck["uuid"]), timeout=60)
    assert action(srv, start)["state"] == "In progress"

    stop = action_of(srv.req("POST", uri + "stop/"))
    assert action(srv, start)["state"] == "Failed"
    assert wait_action(srv, stop)["state"] == "Success"
    assert srv.req("GET", uri).json()["state"] == "Stopped"

    term = action_of(srv.req("DELETE", uri))
    assert wait_action(srv, term)["state"] == "Success"
    wait_for("the stack's services gone", lambda: all(gone(sid) for sid in sids), timeout=60)


def action_logs(srv, act_uri, ws=False, follow=False, timeout=30):
    """The log lines of an action, read as the CLI reads them (WebSocket)
    or as curl does (chunked NDJSON)."""
    path = act_uri + "logs/?follow=" + ("true" if follow else "false")
    if ws:
        conn = websocket.create_connection(
            srv.url.replace("http://", "ws://") + path,
            header=["Authorization: " + dcserve.basic(*dcserve.ALICE)], timeout=timeout)
        frames = []
        while True:
            op, data = conn.recv_data(control_frame=True)
            if op == websocket.ABNF.OPCODE_CLOSE:
                break
            if op == websocket.ABNF.OPCODE_TEXT:
                frames.append(json.loads(data.decode()))
        conn.close()
    else:
        r = requests.get(srv.url + path, auth=dcserve.ALICE, timeout=timeout, stream=True)
        assert r.status_code == 200, r.text
        frames = [json.loads(line) for line in r.iter_lines() if line]
    for f in frames:
        assert f["type"] == "log" and f["log"].endswith("\n") and type(f["timestamp"]) is int
    return [f["log"][:-1] for f in frames]


DCS_T_PLACE = 30


SETTLED = ("Not running", "Running", "Partly running", "Stopped")


def failed_deploy(srv, name, image, expect_state="Failed", service_state=("Stopped",),
                  **extra):
    """Create and start a service; its start action's reasons (from its
    log, read both ways) and how long the action took.  Once the action has
    ended, the service's state has settled (never Starting)."""
    o = create(srv, name, image, **extra)
    t0 = time.monotonic()
    act = action_of(srv.req("POST", o["resource_uri"] + "start/"))
    a = wait_action(srv, act, timeout=DCS_T_PLACE + 60)
    took = time.monotonic() - t0
    assert a["state"] == expect_state, a
    assert "logs" not in a
    s = srv.req("GET", o["resource_uri"]).json()
    assert s["state"] in service_state, s["state"]
    if len(service_state) == 1:     # the list says the same
        listed = srv.req("GET", "/api/app/v1/service/?name=" + name).json()["objects"]
        assert [x["state"] for x in listed] == [s["state"]]
    lines = action_logs(srv, act)
    assert action_logs(srv, act, ws=True) == lines
    # The create ended when it answered, not when first read.
    (made,) = [x for x in actions_of(srv, o["resource_uri"]) if x["action"] == "Service Create"]
    assert made["end_date"] == made["start_date"], made
    return o, lines, took


def way_out(srv, o):
    """Stop and terminate a service whose deploy failed: both taken, and
    nothing of it is left on the swarm."""
    sid = service_id(o["uuid"])
    assert wait_action(srv, action_of(srv.req("POST", o["resource_uri"] + "stop/")))[
        "state"] == "Success"
    assert srv.req("GET", o["resource_uri"]).json()["state"] == "Stopped"
    assert wait_action(srv, action_of(srv.req("DELETE", o["resource_uri"])))[
        "state"] == "Success"
    wait_for("the service gone", lambda: gone(sid), timeout=60)


def test_unsatisfiable_tags_fail_with_swarm_reason(srv, lab_image, lab_nodes):
    o = create(srv, "web", lab_image, tags=[{"name": "alpha"}], target_num_containers=2)
    act = action_of(srv.req("POST", o["resource_uri"] + "start/"))
    # While in progress, following the log gives what holds it up, then
    # closes once the action ends.
    wait_for("a pending task", lambda: unplaced(o["uuid"]), timeout=60)
    t0 = time.monotonic()
    lines = action_logs(srv, act, ws=True, follow=True, timeout=DCS_T_PLACE + 60)
    assert time.monotonic() - t0 <= DCS_T_PLACE + 15
    a = action(srv, act)
    assert a["state"] == "Failed" and a["end_date"], a
    # Settled: no container runs, nothing holds it in transition.
    assert srv.req("GET", o["resource_uri"]).json()["state"] == "Stopped"
    want = "no suitable node (scheduling constraints not satisfied on %d nodes)" % lab_nodes
    assert sorted(action_logs(srv, act)) == ["web-1: " + want, "web-2: " + want]
    assert set(lines) == {"web-1: " + want, "web-2: " + want}
    # The Tutum path serves the same log.
    assert action_logs(srv, "/api/v1/action/%s/" % a["uuid"]) == action_logs(srv, act)
    way_out(srv, o)


def test_image_that_does_not_exist(srv):
    o, lines, took = failed_deploy(srv, "noimage", "dcswarm-test/nope:1")
    assert len(lines) == 1 and lines[0].startswith("noimage-1: "), lines
    assert "dcswarm-test/nope:1" in lines[0] and "No such image" in lines[0], lines
    way_out(srv, o)


def test_command_that_exits_at_once_autorestart_off(srv, lab_image):
    o, lines, took = failed_deploy(srv, "exits", lab_image, run_command="sh -c 'exit 3'",
                                   autorestart="OFF")
    assert lines == ["exits-1: task: non-zero exit (3)"], lines
    way_out(srv, o)


def test_command_that_exits_at_once_autorestart_always(srv, lab_image):
    # Swarm keeps restarting it: between two failures it may run a moment.
    o, lines, took = failed_deploy(srv, "loops", lab_image, run_command="sh -c 'exit 4'",
                                   autorestart="ALWAYS", service_state=SETTLED)
    assert lines == ["loops-1: task: non-zero exit (4) (restarted 3 times)"], lines
    way_out(srv, o)


def test_one_shot_command_that_exits_0(srv, lab_image):
    o, lines, took = failed_deploy(srv, "oneshot", lab_image, expect_state="Success",
                                   run_command="true", autorestart="OFF")
    assert lines == []
    way_out(srv, o)


def test_zero_containers(srv, lab_image):
    o, lines, took = failed_deploy(srv, "zero", lab_image, expect_state="Success",
                                   target_num_containers=0)
    assert lines == [] and took < 10
    way_out(srv, o)


def test_global_service_no_node_meets_constraint(srv, lab_image):
    o, lines, took = failed_deploy(srv, "everywhere", lab_image, tags=[{"name": "alpha"}],
                                   deployment_strategy="EVERY_NODE")
    assert lines == ["no node satisfies the placement constraints"], lines
    # The action's start is kept to the second: it may end up to 1 s early.
    assert DCS_T_PLACE - 1.5 <= took <= DCS_T_PLACE + 15
    way_out(srv, o)


def test_stack_stop_then_redeploy_without_waiting(srv, lab_image):
    """A stack stopped, then, once its services read Stopped (the stop's
    action not polled), redeployed and terminated."""
    stackfile = {"name": STACK, "services": [
        {"name": "a", "image": lab_image, "command": IDLE_CMD},
        {"name": "b", "image": lab_image, "command": IDLE_CMD, "target_num_containers": 2}]}
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps(stackfile))
    assert r.status_code == 201, r.text
    uri = r.json()["resource_uri"]
    assert wait_action(srv, action_of(srv.req("POST", uri + "start/")))["state"] == "Success"
    assert srv.req("GET", uri).json()["state"] == "Running"
    action_of(srv.req("POST", uri + "stop/"))

    def services_stopped():
        got = srv.req("GET", "/api/app/v1/service/?stack__name=" + STACK).json()["objects"]
        return len(got) == 2 and all(x["state"] == "Stopped" for x in got)
    wait_for("the services stopped", services_stopped, timeout=60)
    assert srv.req("GET", uri).json()["state"] == "Stopped"
    redeploy = action_of(srv.req("POST", uri + "redeploy/"))
    assert srv.req("GET", uri).json()["state"] in ("Starting", "Redeploying")
    assert wait_action(srv, redeploy)["state"] == "Success"
    assert srv.req("GET", uri).json()["state"] == "Running"
    assert wait_action(srv, action_of(srv.req("DELETE", uri)))["state"] == "Success"


def actions_of(srv, uri):
    return [a for a in srv.req("GET", "/api/audit/v1/action/").json()["objects"]
            if a["object"] == uri]


def test_port_conflicts_refused_whole(srv, lab_image):
    """An outer port another service publishes: create and PATCH are 400
    with the engine's text naming the port; nothing is half-applied."""
    port = 18000 + os.getpid() % 1000
    ports = [{"protocol": "tcp", "inner_port": 80, "outer_port": port, "published": True}]
    a = create(srv, "holder", lab_image, container_ports=ports)
    before = srv.req("GET", "/api/audit/v1/action/").json()["meta"]["total_count"]
    r = srv.req("POST", "/api/app/v1/service/",
                data=json.dumps(body("taker", lab_image, container_ports=ports)))
    assert r.status_code == 400, r.text
    assert str(port) in r.json()["error"] and "in use" in r.json()["error"], r.text
    assert "X-DockerCloud-Action-URI" not in r.headers
    assert not [s for s in labapi_services() if s["Spec"]["Name"].endswith("taker")]
    assert srv.req("GET", "/api/app/v1/service/?name=taker").json()["objects"] == []
    assert srv.req("GET", "/api/audit/v1/action/").json()["meta"]["total_count"] == before

    b = create(srv, "other", lab_image, container_ports=[dict(ports[0], outer_port=port + 1)])
    spec_before = labapi_service(b["uuid"])["Spec"]
    r = srv.req("PATCH", b["resource_uri"], data=json.dumps({"container_ports": ports}))
    assert r.status_code == 400, r.text
    assert str(port) in r.json()["error"], r.text
    assert labapi_service(b["uuid"])["Spec"] == spec_before
    assert all(x["state"] != "In progress" for x in actions_of(srv, b["resource_uri"]))

    # The holder itself starts, and both go.
    assert wait_action(srv, action_of(srv.req("POST", a["resource_uri"] + "start/")))[
        "state"] == "Success"
    for o in (a, b):
        assert wait_action(srv, action_of(srv.req("DELETE", o["resource_uri"])))[
            "state"] == "Success"


def labapi_services():
    eng = labapi.manager()
    try:
        return eng.request("GET", "/services").json
    finally:
        eng.close()


def labapi_service(uuid):
    (s,) = engine_services(uuid)
    return s
