"""Links between a stack (`dcswarm apply`) and REST services (`dcswarm
serve`), against the lab's swarm:
  - a REST service linking to a stack service joins the stack's network and
    resolves the link alias there (DNS inside its task, link variables);
  - the target keeps the aliases its stack gave it when a REST link is
    added or dropped;
  - re-applying the stack, unchanged or changed, keeps the aliases REST
    links gave, and still says "nothing to change" when nothing changed.
(The lab has no IPVS: names are checked to resolve, no traffic to a VIP.)"""
import json
import os
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import IDLE_CMD  # noqa: E402
from test_serve_more import (body, engine_net_id, engine_service, exec_out,  # noqa: E402
                             running_container, start)

import labapi  # noqa: E402

STACK = "lk%d" % (os.getpid() % 100000)

STACKFILE = """\
db:
  image: {image}
  command: {idle}
  restart: always
  expose:
    - "5432"
  environment:
    DB_PASS: {password}
web:
  image: {image}
  command: {idle}
  restart: always
  links:
    - db:postgres
"""


@pytest.fixture
def srv(dcswarm):
    # A name of each test's own: a network just removed may linger.
    yield from dcserve.serving(dcswarm, networks=[STACK + suffix + "_default"
                                                  for suffix in ("", "b", "c")])


def apply(dcswarm, image, password, stack=STACK):
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        f.write(STACKFILE.format(image=image, password=password, idle=IDLE_CMD))
    try:
        p = subprocess.run([dcswarm, "apply", "-f", f.name, "--stack", stack,
                            "--namespace", "alice"], capture_output=True, text=True,
                           timeout=120)
    finally:
        os.unlink(f.name)
    assert p.returncode == 0, p.stderr
    return p.stderr


def aliases(swarm_name):
    nets = engine_service(swarm_name)["Spec"]["TaskTemplate"]["Networks"]
    return nets[0].get("Aliases", [])


def resolves(container, name, want_ips, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        rc, out = exec_out(container, ["nslookup", name])
        if (rc == 0 and any(ip in out for ip in want_ips)) or time.monotonic() > deadline:
            return rc == 0 and any(ip in out for ip in want_ips), out
        time.sleep(1)


def vips(swarm_name):
    return [v["Addr"].split("/")[0]
            for v in engine_service(swarm_name)["Endpoint"].get("VirtualIPs", [])]


def wait_running(srv, obj, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        state = srv.req("GET", obj["resource_uri"]).json()["state"]
        if state == "Running":
            return
        assert time.monotonic() < deadline, state
        time.sleep(0.5)


def test_rest_link_to_stack_service(srv, dcswarm, lab_image):
    db = STACK + "_db"
    out = apply(dcswarm, lab_image, "one")
    assert "created " + db in out, out
    assert sorted(aliases(db)) == ["db", "postgres"]

    # A REST service links to the stack's db, by name.stack.
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(
        body("client", lab_image,
             linked_to_service=[{"to_service": "db." + STACK, "name": "database"}])))
    assert r.status_code == 201, r.text
    client = r.json()
    # The target keeps what its stack gave it and gains the link name ...
    assert aliases(db) == ["db", "postgres", "database"]
    # ... and the client joins the stack's network besides its namespace's.
    targets = [n["Target"] for n in
               engine_service("alice_client")["Spec"]["TaskTemplate"]["Networks"]]
    assert targets[1:] == [engine_net_id(STACK + "_default")], targets
    start(srv, client)
    cli, c = running_container("alice_client")
    try:
        ok, text = resolves(c, "database", vips(db))
        assert ok, (vips(db), text)
        rc, env = exec_out(c, ["env"])
        assert "DATABASE_PORT_5432_TCP_ADDR=database" in env, env
        assert "DATABASE_ENV_DB_PASS=one" in env, env

        # Applying the same file again: nothing to change, nothing lost.
        out = apply(dcswarm, lab_image, "one")
        assert "nothing to change" in out, out
        assert aliases(db) == ["db", "postgres", "database"]

        # A change to db: it is updated, and keeps the REST link's alias.
        out = apply(dcswarm, lab_image, "two")
        assert "updated " + db in out and "nothing to change" not in out, out
        assert aliases(db) == ["db", "postgres", "database"]
        spec = engine_service(db)["Spec"]
        assert "DB_PASS=two" in spec["TaskTemplate"]["ContainerSpec"]["Env"]
        assert json.loads(spec["Labels"]["dcswarm.linked-from"]) == [
            {"from": client["uuid"], "name": "database"}]
        ok, text = resolves(c, "database", vips(db))
        assert ok, (vips(db), text)
        got = srv.req("GET", "/api/app/v1/service/?name=db&stack__name=" + STACK).json()
        assert [x["name"] for x in got["objects"][0]["linked_from_service"]] == ["database"]
        out = apply(dcswarm, lab_image, "two")
        assert "nothing to change" in out, out
    finally:
        cli.close()

    # A PATCH of the client that leaves its links alone keeps its networks.
    r = srv.req("PATCH", client["resource_uri"], data=json.dumps({"target_num_containers": 1}))
    assert r.status_code == 200, r.text
    spec = engine_service("alice_client")["Spec"]
    targets = [n["Target"] for n in spec["TaskTemplate"]["Networks"]]
    assert targets[1:] == [engine_net_id(STACK + "_default")], targets
    env = spec["TaskTemplate"]["ContainerSpec"]["Env"]
    assert "DATABASE_PORT=tcp://database:5432" in env
    # Translated again, it takes db's variables as they are now.
    assert "DATABASE_ENV_DB_PASS=two" in env
    wait_running(srv, client)

    # Dropping the REST link takes its alias away, not the stack's.
    r = srv.req("DELETE", client["resource_uri"])
    assert r.status_code == 202, r.text
    assert aliases(db) == ["db", "postgres"]
    out = apply(dcswarm, lab_image, "two")
    assert "nothing to change" in out, out
    assert aliases(db) == ["db", "postgres"]


def test_stack_applied_before_the_label_is_unchanged(srv, dcswarm, lab_image):
    """A stack applied by a dcswarm without dcswarm.stack-aliases: applying
    the same file again still says "nothing to change"."""
    db = STACK + "b_db"
    apply(dcswarm, lab_image, "one", STACK + "b")
    eng = labapi.manager()
    try:
        svc = eng.request("GET", "/services/" + db).json
        spec = svc["Spec"]
        del spec["Labels"]["dcswarm.stack-aliases"]
        r = eng.request("POST", "/services/%s/update" % svc["ID"],
                        query={"version": svc["Version"]["Index"]}, body=spec)
        assert r.status == 200, r.text
    finally:
        eng.close()
    out = apply(dcswarm, lab_image, "one", STACK + "b")
    assert "nothing to change" in out, out


def test_rest_patch_of_stack_service_keeps_stack_aliases(srv, dcswarm, lab_image):
    db = STACK + "c_db"
    apply(dcswarm, lab_image, "one", STACK + "c")
    got = srv.req("GET", "/api/app/v1/service/?name=db&stack__name=" + STACK + "c").json()
    uri = got["objects"][0]["resource_uri"]
    r = srv.req("PATCH", uri, data=json.dumps({"target_num_containers": 2}))
    assert r.status_code == 200, r.text
    assert aliases(db) == ["db", "postgres"]


def test_patch_keeps_link_variables(srv, lab_image):
    """A PATCH that does not name the links translates the service again:
    its link variables and volumes_from mounts must come out the same (they
    were lost: the targets were not read)."""
    def create(name, **extra):
        r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body(name, lab_image,
                                                                           **extra)))
        assert r.status_code == 201, r.text
        return r.json()
    create("store", container_ports=[{"protocol": "tcp", "inner_port": 6379}],
           bindings=[{"container_path": "/data"}])
    app = create("app2", linked_to_service=[{"to_service": "store", "name": "redis"}],
                 bindings=[{"volumes_from": "store"}])
    before = engine_service("alice_app2")["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert "REDIS_PORT=tcp://redis:6379" in before["Env"]
    r = srv.req("PATCH", app["resource_uri"], data=json.dumps(
        {"container_envvars": [{"key": "MODE", "value": "x"}]}))
    assert r.status_code == 200, r.text
    after = engine_service("alice_app2")["Spec"]["TaskTemplate"]["ContainerSpec"]
    assert "REDIS_PORT=tcp://redis:6379" in after["Env"], after["Env"]
    assert "MODE=x" in after["Env"]
    assert after.get("Mounts") == before.get("Mounts")
