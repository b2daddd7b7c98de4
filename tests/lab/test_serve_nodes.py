"""Nodes that go away under dcswarm serve (3-node lab): a node drained while
a service runs on it, a node whose dockerd stops.  The service and its
containers follow, no action hangs, the node reads Unreachable."""
import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import IDLE_CMD  # noqa: E402

import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lab.sh")


@pytest.fixture
def srv(dcswarm, lab_nodes):
    assert lab_nodes >= 3, "these tests need the 3-node lab"
    yield from dcserve.serving(dcswarm)


def node_id(i):
    return os.environ["DCS_LAB_NODE%d_ID" % i]


def set_availability(i, availability):
    labapi.update_node(node_id(i), lambda spec: spec.update(Availability=availability))


def started(srv, name, image, n, autorestart="ALWAYS"):
    body = {"image": image, "name": name, "run_command": IDLE_CMD, "target_num_containers": n,
            "autorestart": autorestart}
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body))
    assert r.status_code == 201, r.text
    o = r.json()
    r = srv.req("POST", o["resource_uri"] + "start/")
    assert r.status_code == 202, r.text
    wait_action(srv, r, "Success")
    return o


def wait_action(srv, r, want, timeout=90):
    assert r.status_code == 202, r.text
    uri = r.headers["X-DockerCloud-Action-URI"]
    state = wait_for("the action to end", lambda: (lambda s: s if s in ("Success", "Failed")
                                                   else None)(srv.req("GET", uri).json()["state"]),
                     timeout=timeout)
    assert state == want, uri


def containers(srv, o):
    """Node hostname of each Running container of the service."""
    got = srv.req("GET", "/api/app/v1/container/?service=" + o["resource_uri"]).json()
    nodes = {n["resource_uri"]: n for n in
             srv.req("GET", "/api/infra/v1/node/").json()["objects"]}
    return sorted(nodes[c["node"]]["external_fqdn"] if c["node"] in nodes else "?"
                  for c in got["objects"] if c["state"] == "Running")


def engine_tasks():
    eng = labapi.manager()
    try:
        return [(t["Slot"], t["NodeID"][:6], t["DesiredState"], t["Status"]["State"],
                 t["Status"].get("Err", "")) for t in eng.request("GET", "/tasks").json]
    finally:
        eng.close()


def node_state(srv, i):
    for n in srv.req("GET", "/api/infra/v1/node/").json()["objects"]:
        if n["external_fqdn"] == "node%d" % i:
            return n["state"]
    return None


def test_drained_node(srv, lab_image):
    """Swarm moves the containers of an autorestart ALWAYS service off a
    drained node; those of an OFF one it only stops (it restarts nothing
    under OFF): that service reads Partly running, and a redeploy runs it
    whole again."""
    moves = started(srv, "moves", lab_image, 3)
    stays = started(srv, "stays", lab_image, 3, autorestart="OFF")
    for o in (moves, stays):
        wait_for("one container per node", lambda: containers(srv, o) == [
            "node1", "node2", "node3"], timeout=60)
    seen = set()
    set_availability(2, "drain")
    try:
        # An action in progress while the node drains ends right.
        r = srv.req("PATCH", moves["resource_uri"],
                    data=json.dumps({"target_num_containers": 4}))
        assert r.status_code == 200, r.text
        r = srv.req("POST", moves["resource_uri"] + "scale/")
        last = []

        def moved():
            seen.add(srv.req("GET", moves["resource_uri"]).json()["state"])
            last[:] = containers(srv, moves)
            return len(last) == 4 and "node2" not in last
        try:
            wait_for("the containers moved off node2", moved, timeout=60)
        except AssertionError:
            raise AssertionError("containers %s, states %s, engine tasks %s" % (
                last, seen, engine_tasks()))
        wait_action(srv, r, "Success")
        s = srv.req("GET", moves["resource_uri"]).json()
        assert s["state"] == "Running" and s["running_num_containers"] == 4, s
        assert seen <= {"Running", "Partly running", "Scaling"}, seen

        wait_for("stays on two nodes", lambda: containers(srv, stays) == ["node1", "node3"],
                 timeout=60)
        s = srv.req("GET", stays["resource_uri"]).json()
        assert s["state"] == "Partly running" and s["running_num_containers"] == 2, s
        wait_action(srv, srv.req("POST", stays["resource_uri"] + "redeploy/"), "Success")
        assert len(containers(srv, stays)) == 3 and "node2" not in containers(srv, stays)
        assert srv.req("GET", stays["resource_uri"]).json()["state"] == "Running"
    finally:
        set_availability(2, "active")
    for o in (moves, stays):
        wait_action(srv, srv.req("DELETE", o["resource_uri"]), "Success")


def test_node_whose_dockerd_stops(srv, lab_image):
    o = started(srv, "lost", lab_image, 3)
    wait_for("one container per node",
             lambda: containers(srv, o) == ["node1", "node2", "node3"], timeout=60)
    subprocess.run([LAB, "stop-dockerd", os.environ["DCS_LAB_DIR"], "3"], check=True, timeout=60)
    try:
        wait_for("node3 Unreachable", lambda: node_state(srv, 3) == "Unreachable", timeout=60)
        # Swarm moves the container; the list follows, the service runs 3.
        wait_for("3 running elsewhere", lambda: (lambda c: len(c) == 3 and "node3" not in c)(
            containers(srv, o)), timeout=90)
        assert srv.req("GET", o["resource_uri"]).json()["state"] == "Running"
        # A stop does not wait for a node that does not answer.
        wait_action(srv, srv.req("POST", o["resource_uri"] + "stop/"), "Success", timeout=90)
        assert srv.req("GET", o["resource_uri"]).json()["state"] == "Stopped"
    finally:
        subprocess.run([LAB, "start-dockerd", os.environ["DCS_LAB_DIR"], "3"], check=True,
                       timeout=120)
    wait_for("node3 back", lambda: node_state(srv, 3) == "Deployed", timeout=60)
    wait_action(srv, srv.req("DELETE", o["resource_uri"]), "Success")
