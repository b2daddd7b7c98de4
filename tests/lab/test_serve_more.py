"""dcswarm serve: link aliases from the REST API, namespaces that never
collide, the cost of reading one service, keys reloaded on SIGHUP, a
graceful SIGTERM, the engine going away and coming back, and the variables
of a service with the global role, against the lab's swarm."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import docker
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
from dcserve import ALICE, BOB, IDLE_CMD  # noqa: E402
from slowproxy import Proxy  # noqa: E402

import labapi  # noqa: E402
from conftest import wait_for  # noqa: E402

CAROL = ("carol", "key-carol-3")
# httpd serving the container's hostname; stops at once on SIGTERM (as PID 1,
# httpd itself would wait out the grace period and keep its network busy).
HTTPD = ("sh -c 'mkdir -p /www && hostname > /www/index.html && httpd -p 80 -h /www && "
         "trap \"exit 0\" TERM; while :; do sleep 1; done'")
DAVE = ("dave", "key-dave-4")


@pytest.fixture(scope="module")
def srv(dcswarm):
    yield from dcserve.serving(dcswarm)


@pytest.fixture
def proxy():
    d = tempfile.mkdtemp(prefix="dcproxy-")
    p = Proxy(os.path.join(d, "engine.sock"), labapi.lab_env("DOCKER_HOST")[len("unix://"):])
    p.start()
    yield p
    p.stop()


def body(name, image, **extra):
    b = {"image": image, "name": name, "privileged": False, "container_ports": [],
         "container_envvars": [], "linked_to_service": [], "autoredeploy": False,
         "sequential_deployment": False, "tags": [], "bindings": [], "run_command": IDLE_CMD}
    b.update(extra)
    return b


def create(srv, name, image, auth=ALICE, path="/api/app/v1/service/", **extra):
    r = srv.req("POST", path, auth=auth, data=json.dumps(body(name, image, **extra)))
    assert r.status_code == 201, r.text
    return r.json()


def start(srv, o, auth=ALICE):
    r = srv.req("POST", o["resource_uri"] + "start/", auth=auth)
    assert r.status_code == 202, r.text


def engine_service(name):
    eng = labapi.manager()
    try:
        r = eng.request("GET", "/services/" + name)
        assert r.status == 200, (name, r.text)
        return r.json
    finally:
        eng.close()


def node_host(node_id):
    for i in range(1, int(labapi.lab_env("DCS_LAB_NODES")) + 1):
        if os.environ.get("DCS_LAB_NODE%d_ID" % i) == node_id:
            return os.environ["DCS_LAB_NODE%d_HOST" % i]
    pytest.fail("no lab node with id %s" % node_id)


def running_container(swarm_name, timeout=90):
    """(docker client of its node, container) of a running task."""
    eng = labapi.manager()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            tasks = eng.request("GET", "/tasks", query={"filters": {
                "service": [swarm_name], "desired-state": ["running"]}}).json or []
            for t in tasks:
                st = t.get("Status", {})
                if st.get("State") == "running" and st.get("ContainerStatus", {}).get("ContainerID"):
                    cli = docker.DockerClient(base_url=node_host(t["NodeID"]))
                    return cli, cli.containers.get(st["ContainerStatus"]["ContainerID"])
            time.sleep(0.5)
    finally:
        eng.close()
    pytest.fail("no running task of %s" % swarm_name)


def exec_out(container, cmd):
    rc, out = container.exec_run(cmd)
    return rc, out.decode(errors="replace")


# ---------------- 1. links ----------------

def test_link_gives_target_an_alias(srv, lab_image):
    db = create(srv, "db", lab_image,
                container_ports=[{"protocol": "tcp", "inner_port": 5432}],
                container_envvars=[{"key": "DB_PASS", "value": "s3cret"}])
    web = create(srv, "webapp", lab_image,
                 linked_to_service=[{"to_service": "db", "name": "database"}])
    # The target answers to the link name on the namespace's network.
    spec = engine_service("alice_db")["Spec"]
    nets = spec["TaskTemplate"]["Networks"]
    assert [n["Target"] for n in nets] == [engine_net_id("dcswarm_alice")] or \
        [n["Target"] for n in nets] == ["dcswarm_alice"]
    assert set(nets[0]["Aliases"]) == {"db", "database"}
    got = srv.req("GET", db["resource_uri"]).json()
    assert got["linked_from_service"] == [{"from_service": web["resource_uri"],
                                           "name": "database",
                                           "to_service": db["resource_uri"]}]
    start(srv, db)
    start(srv, web)
    _, c = running_container("alice_db")
    cli, c = running_container("alice_webapp")
    try:
        vip = [v["Addr"].split("/")[0] for v in engine_service("alice_db")["Endpoint"]
               .get("VirtualIPs", [])]
        deadline = time.monotonic() + 30
        while True:
            rc, out = exec_out(c, ["nslookup", "database"])
            if (rc == 0 and any(ip in out for ip in vip)) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert rc == 0 and any(ip in out for ip in vip), (vip, out)
        rc, env = exec_out(c, ["env"])
        assert rc == 0
        assert "DATABASE_PORT=tcp://database:5432" in env, env
        assert "DATABASE_PORT_5432_TCP_ADDR=database" in env, env
        assert "DATABASE_ENV_DB_PASS=s3cret" in env, env
    finally:
        cli.close()
    # Terminating the linking service takes the alias away.
    assert srv.req("DELETE", web["resource_uri"]).status_code == 202
    nets = engine_service("alice_db")["Spec"]["TaskTemplate"]["Networks"]
    assert nets[0]["Aliases"] == ["db"]
    assert srv.req("GET", db["resource_uri"]).json()["linked_from_service"] == []


def test_patch_adds_link_alias(srv, lab_image):
    cache = create(srv, "cache", lab_image)
    app = create(srv, "app", lab_image)
    r = srv.req("PATCH", app["resource_uri"], data=json.dumps(
        {"linked_to_service": [{"to_service": cache["resource_uri"], "name": "redis"}]}))
    assert r.status_code == 200, r.text
    nets = engine_service("alice_cache")["Spec"]["TaskTemplate"]["Networks"]
    assert set(nets[0]["Aliases"]) == {"cache", "redis"}
    # A later PATCH of the target keeps the alias others gave it.
    r = srv.req("PATCH", cache["resource_uri"], data=json.dumps({"target_num_containers": 2}))
    assert r.status_code == 200, r.text
    nets = engine_service("alice_cache")["Spec"]["TaskTemplate"]["Networks"]
    assert set(nets[0]["Aliases"]) == {"cache", "redis"}
    # Removing the link removes the alias.
    r = srv.req("PATCH", app["resource_uri"], data=json.dumps({"linked_to_service": []}))
    assert r.status_code == 200, r.text
    nets = engine_service("alice_cache")["Spec"]["TaskTemplate"]["Networks"]
    assert nets[0]["Aliases"] == ["cache"]


def test_patch_refuses_links_to_itself(srv, lab_image):
    app = create(srv, "selfish", lab_image)
    before = engine_service("alice_selfish")["Version"]["Index"]
    for body_, message in (
            ({"linked_to_service": [{"to_service": app["resource_uri"], "name": "me"}]},
             "linked_to_service[0].to_service: a service cannot link to itself"),
            ({"bindings": [{"volumes_from": app["resource_uri"]}]},
             "bindings[0].volumes_from: a service cannot take volumes from itself")):
        r = srv.req("PATCH", app["resource_uri"], data=json.dumps(body_))
        assert r.status_code == 400, r.text
        assert message in r.json()["error"], r.text
    assert engine_service("alice_selfish")["Version"]["Index"] == before


def test_body_refusals_name_the_field(srv, lab_image):
    """What the JSON layer refuses (numbers past 64 bits, NUL, duplicate
    keys, bytes that are not UTF-8) is a 400 with a JSON body naming the
    field; nothing is created and the server goes on."""
    head = b'{"name": "refused", "image": "' + lab_image.encode() + b'", '
    cases = [
        (b'"target_num_containers": 99999999999999999999}',
         "target_num_containers: integer out of range (more than 64 bits)"),
        (b'"container_envvars": [{"key": "A", "value": "a\\u0000b"}]}',
         "container_envvars[0].value: a NUL character"),
        (b'"run_command": "sleep 1", "run_command": "sleep 2"}',
         'run_command: duplicate key "run_command"'),
        (b'"run_command": "echo \xc3"}', "run_command: invalid UTF-8"),
    ]
    for tail, message in cases:
        r = srv.req("POST", "/api/app/v1/service/", data=head + tail)
        assert r.status_code == 400, r.text
        assert r.headers["Content-Type"].startswith("application/json")
        assert r.json()["error"].startswith(message), r.text
        assert "(the body's line 1, column" in r.json()["error"]
    eng = labapi.manager()
    try:
        assert eng.request("GET", "/services/alice_refused").status == 404
    finally:
        eng.close()
    assert srv.req("GET", "/api/app/v1/service/").status_code == 200


def engine_net_id(name):
    eng = labapi.manager()
    try:
        return eng.request("GET", "/networks/" + name).json["Id"]
    finally:
        eng.close()


# ---------------- 2. namespaces ----------------

def test_same_name_in_two_namespaces(srv, lab_image):
    a = create(srv, "web", lab_image, auth=ALICE)
    b = create(srv, "web", lab_image, auth=BOB)
    assert a["uuid"] != b["uuid"]
    assert a["name"] == b["name"] == "web"
    assert a["resource_uri"] == "/api/app/v1/alice/service/%s/" % a["uuid"]
    assert b["resource_uri"] == "/api/app/v1/bob/service/%s/" % b["uuid"]
    for who, mine, other in ((ALICE, a, b), (BOB, b, a)):
        objs = srv.req("GET", "/api/app/v1/service/?name=web", auth=who).json()["objects"]
        assert [o["uuid"] for o in objs] == [mine["uuid"]]
        assert srv.req("GET", other["resource_uri"], auth=who).status_code == 404
        got = srv.req("GET", "/api/v1/service/%s/" % mine["uuid"], auth=who).json()
        assert got["resource_uri"] == "/api/v1/service/%s/" % mine["uuid"]
    # A third `web` in a namespace is still a conflict, and names only it.
    r = srv.req("POST", "/api/app/v1/service/", auth=BOB, data=json.dumps(body("web", lab_image)))
    assert r.status_code == 409 and "alice" not in r.text, r.text
    # On the swarm: namespace-qualified names, the Docker Cloud name in a
    # label, and a network of each namespace.
    for ns, o in (("alice", a), ("bob", b)):
        s = engine_service("%s_web" % ns)["Spec"]
        assert s["Labels"]["dcswarm.name"] == "web"
        assert s["Labels"]["dcswarm.namespace"] == ns
        assert s["Labels"]["dcswarm.uuid"] == o["uuid"]
        net = s["TaskTemplate"]["Networks"][0]
        assert net["Target"] in ("dcswarm_" + ns, engine_net_id("dcswarm_" + ns))
        assert net["Aliases"] == ["web"]


def test_name_too_long_for_swarm(srv, lab_image):
    name = "n" * 58   # "alice_" + 58 = 64 > 63
    r = srv.req("POST", "/api/app/v1/service/", data=json.dumps(body(name, lab_image)))
    assert r.status_code == 400, r.text
    assert "name" in r.json()["error"] and "63" in r.json()["error"]
    eng = labapi.manager()
    assert eng.request("GET", "/services/alice_" + name).status == 404
    eng.close()
    create(srv, "n" * 57, lab_image)   # exactly 63 on the swarm


# ---------------- 3. reading one service ----------------

def test_get_one_reads_only_that_service(dcswarm, proxy, lab_image):
    s = dcserve.Server(dcswarm, extra=["--engine", proxy.url])
    try:
        for i in range(5):
            create(s, "many%d" % i, lab_image)
        o = create(s, "single", lab_image)
        sid = engine_service("alice_single")["ID"]
        proxy.clear()
        r = s.req("GET", o["resource_uri"])
        assert r.status_code == 200 and r.json()["uuid"] == o["uuid"]
        seen = proxy.requests()
        services = [p for m, p in seen if "/services" in p]
        tasks = [p for m, p in seen if "/tasks" in p]
        # By its uuid label, or by the ID that label gave before.
        assert services and all("dcswarm.uuid" in p or p.split("?")[0].endswith("/services/" + sid)
                                for p in services), seen
        assert tasks and all("service" in p for p in tasks), seen
        assert not [p for m, p in seen if "/configs" in p], seen
    finally:
        assert s.stop() == 0


def test_get_one_checks_the_id_it_remembers(srv, lab_image):
    """The ID a uuid was found at is asked again each time: a service
    relabelled or removed by hand is not answered from memory."""
    a = create(srv, "remembered", lab_image)
    b = create(srv, "other", lab_image)
    assert srv.req("GET", a["resource_uri"]).status_code == 200
    eng = labapi.manager()
    try:
        # a's uuid moves to b's service, b's service loses its own.
        for name, uuid in (("alice_remembered", "00000000-0000-4000-8000-000000000001"),
                           ("alice_other", a["uuid"])):
            svc = eng.request("GET", "/services/" + name).json
            svc["Spec"]["Labels"]["dcswarm.uuid"] = uuid
            r = eng.request("POST", "/services/%s/update" % svc["ID"], body=svc["Spec"],
                            query={"version": svc["Version"]["Index"]})
            assert r.status == 200, r.text
        r = srv.req("GET", a["resource_uri"])
        assert r.status_code == 200 and r.json()["name"] == "other", r.text
        assert srv.req("GET", b["resource_uri"]).status_code == 404
        # Removed by hand: gone, not remembered.
        r = eng.request("DELETE", "/services/alice_other")
        assert r.status in (200, 204), r.text
        assert srv.req("GET", a["resource_uri"]).status_code == 404
        r = eng.request("DELETE", "/services/alice_remembered")
        assert r.status in (200, 204), r.text
    finally:
        eng.close()


# ---------------- 5. signals, engine, global role ----------------

def test_sighup_reloads_keys(dcswarm):
    s = dcserve.Server(dcswarm)
    try:
        assert s.req("GET", "/api/app/v1/service/", auth=CAROL).status_code == 401
        with open(s.keys, "w") as f:
            f.write("alice:key-alice-1\ncarol:key-carol-3\n")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while s.req("GET", "/api/app/v1/service/", auth=CAROL).status_code != 200:
            assert time.monotonic() < deadline, s.logtext()
            time.sleep(0.1)
        assert s.req("GET", "/api/app/v1/service/", auth=BOB).status_code == 401
        assert s.req("GET", "/api/app/v1/service/", auth=ALICE).status_code == 200
        # A malformed line: the whole file is refused, all or nothing (the
        # README says why): one log line naming FILE:LINE, never the line
        # (it may hold a key); the keys in force stay, and dave's, on a
        # good line of the same file, is not taken either.
        with open(s.keys, "w") as f:
            f.write("alice:key-alice-1\ndave:key-dave-4\n# c\nsecret-without-user\n")
        s.proc.send_signal(signal.SIGHUP)
        want = ("keys file not reloaded, the keys in force stay: %s:4: "
                "expected USER:KEY[:NAMESPACE,...]" % s.keys)
        deadline = time.monotonic() + 10
        while want not in s.logtext():
            assert time.monotonic() < deadline, s.logtext()
            time.sleep(0.1)
        assert "secret-without-user" not in s.logtext()
        assert s.req("GET", "/api/app/v1/service/", auth=CAROL).status_code == 200
        assert s.req("GET", "/api/app/v1/service/", auth=ALICE).status_code == 200
        assert s.req("GET", "/api/app/v1/service/", auth=DAVE).status_code == 401
        # A file that cannot be read: the same.
        os.rename(s.keys, s.keys + ".away")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "cannot read the keys file" not in s.logtext():
            assert time.monotonic() < deadline, s.logtext()
            time.sleep(0.1)
        assert s.req("GET", "/api/app/v1/service/", auth=CAROL).status_code == 200
        # Fixed, it loads.
        with open(s.keys, "w") as f:
            f.write("alice:key-alice-1\ndave:key-dave-4\n")
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while s.req("GET", "/api/app/v1/service/", auth=DAVE).status_code != 200:
            assert time.monotonic() < deadline, s.logtext()
            time.sleep(0.1)
        assert s.req("GET", "/api/app/v1/service/", auth=CAROL).status_code == 401
        assert s.proc.poll() is None
    finally:
        assert s.stop() == 0


def test_malformed_keys_file_refused_at_start(dcswarm, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("alice:key-alice-1\nbob:\n")
    p = subprocess.run([dcswarm, "serve", "--listen", "127.0.0.1:%d" % dcserve.free_port(),
                        "--keys", str(keys)], capture_output=True, text=True, timeout=20)
    assert p.returncode == 1
    assert p.stderr == "dcswarm: serve: %s:2: empty key\n" % keys


def test_sigterm_lets_request_finish(dcswarm, proxy):
    s = dcserve.Server(dcswarm, extra=["--engine", proxy.url])
    got = {}

    def call():
        got["r"] = s.req("GET", "/api/app/v1/service/")

    try:
        proxy.delay = 1.5
        proxy.clear()   # what the server asked at start
        t = threading.Thread(target=call)
        t.start()
        deadline = time.monotonic() + 10
        while not proxy.requests():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        s.proc.send_signal(signal.SIGTERM)
        t.join(30)
        assert got["r"].status_code == 200, got["r"].text
        assert "objects" in got["r"].json()
        assert s.proc.wait(timeout=20) == 0
    finally:
        proxy.delay = 0
        s.stop()


def test_engine_down_and_back(dcswarm, proxy):
    s = dcserve.Server(dcswarm, extra=["--engine", proxy.url])
    try:
        assert s.req("GET", "/api/app/v1/service/").status_code == 200
        proxy.stop()
        for _ in range(3):
            r = s.req("GET", "/api/app/v1/service/")
            assert r.status_code in (502, 503), r.text
            assert r.headers["Retry-After"] == "5"
            assert "Docker engine" in r.json()["error"], r.text
            assert r.headers["Content-Type"].startswith("application/json")
            assert isinstance(r.json()["error"], str) and r.json()["error"]
        r = s.req("GET", "/_ping", auth=None)
        assert r.status_code == 503, r.text
        assert s.proc.poll() is None
        proxy.start()
        deadline = time.monotonic() + 15
        while s.req("GET", "/api/app/v1/service/").status_code != 200:
            assert time.monotonic() < deadline, s.logtext()
            time.sleep(0.2)
        assert s.req("GET", "/_ping", auth=None).status_code == 200
    finally:
        assert s.stop() == 0


def env_of(c):
    rc, out = exec_out(c, ["env"])
    assert rc == 0, out
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def container_env(container):
    cli, c = container
    try:
        return env_of(c)
    finally:
        cli.close()


def running_containers(swarm_name, n, timeout=90):
    """The environments of n running tasks (one per task)."""
    eng = labapi.manager()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            tasks = [t for t in eng.request("GET", "/tasks", query={"filters": {
                "service": [swarm_name], "desired-state": ["running"]}}).json or []
                if t.get("Status", {}).get("State") == "running"]
            if len(tasks) == n:
                out = []
                for t in tasks:
                    cli = docker.DockerClient(base_url=node_host(t["NodeID"]))
                    cid = t["Status"]["ContainerStatus"]["ContainerID"]
                    out.append((t, container_env((cli, cli.containers.get(cid)))))
                return out
            time.sleep(0.5)
    finally:
        eng.close()
    pytest.fail("not %d running tasks of %s" % (n, swarm_name))


def test_every_container_knows_itself(srv, lab_image):
    """Docker Cloud's DOCKERCLOUD_* variables, in every container, resolve
    on this server: the service, the container (by its task), the node."""
    o = create(srv, "selfaware", lab_image, target_num_containers=2)
    start(srv, o)
    got = running_containers("alice_selfaware", 2)
    names = set()
    for task, env in got:
        assert env["DOCKERCLOUD_SERVICE_API_URI"] == o["resource_uri"]
        assert env["DOCKERCLOUD_SERVICE_API_URL"].endswith(o["resource_uri"])
        assert env["DOCKERCLOUD_SERVICE_API_URL"].startswith("http")
        assert env["DOCKERCLOUD_SERVICE_HOSTNAME"] == "selfaware"
        assert "DOCKERCLOUD_AUTH" not in env  # the global role's alone
        me = srv.req("GET", env["DOCKERCLOUD_CONTAINER_API_URI"])
        assert me.status_code == 200, me.text
        me = me.json()
        assert me["service"] == o["resource_uri"]
        assert env["DOCKERCLOUD_CONTAINER_API_URL"].endswith(env["DOCKERCLOUD_CONTAINER_API_URI"])
        assert env["DOCKERCLOUD_CONTAINER_HOSTNAME"] == "selfaware-%d" % task["Slot"]
        names.add(env["DOCKERCLOUD_CONTAINER_HOSTNAME"])
        assert env["HOSTNAME"] == env["DOCKERCLOUD_CONTAINER_HOSTNAME"]  # the container's own
        node = srv.req("GET", env["DOCKERCLOUD_NODE_API_URI"])
        assert node.status_code == 200, node.text
        assert node.json()["resource_uri"] == me["node"]
        assert env["DOCKERCLOUD_NODE_HOSTNAME"] == [
            os.environ["DCS_LAB_NODE%d_NAME" % i]
            for i in range(1, int(labapi.lab_env("DCS_LAB_NODES")) + 1)
            if os.environ["DCS_LAB_NODE%d_ID" % i] == task["NodeID"]][0]
    assert names == {"selfaware-1", "selfaware-2"}
    # They are dcswarm's, not the user's: not in container_envvars.
    svc = srv.req("GET", o["resource_uri"]).json()
    assert not [e for e in svc["container_envvars"] if e["key"].startswith("DOCKERCLOUD_")]
    # A change of a kept field leaves the containers alone.
    before = {t["ID"] for t, _ in got}
    r = srv.req("PATCH", o["resource_uri"], data=json.dumps({"autoredeploy": True}))
    assert r.status_code == 200, r.text
    assert {t["ID"] for t, _ in running_containers("alice_selfaware", 2)} == before


def test_stack_services_know_themselves(srv, lab_image):
    r = srv.req("POST", "/api/app/v1/stack/", data=json.dumps({
        "name": "knowing", "services": [
            {"name": "inner", "image": lab_image, "run_command": IDLE_CMD},
            {"name": "everywhere", "image": lab_image, "run_command": IDLE_CMD,
             "deployment_strategy": "EVERY_NODE"}]}))
    assert r.status_code == 201, r.text
    svc = srv.req("GET", "/api/app/v1/service/?name=inner").json()["objects"][0]
    env = dict(e.split("=", 1) for e in engine_service("knowing_inner")["Spec"]["TaskTemplate"]
               ["ContainerSpec"]["Env"])
    assert env["DOCKERCLOUD_SERVICE_API_URI"] == svc["resource_uri"]
    assert env["DOCKERCLOUD_CONTAINER_API_URI"].endswith("/container/{{.Task.ID}}/")
    assert env["DOCKERCLOUD_CONTAINER_HOSTNAME"] == "inner-{{.Task.Slot}}"
    # Global mode: swarm gives its tasks no slot; the node tells them apart.
    env = dict(e.split("=", 1) for e in engine_service("knowing_everywhere")["Spec"]
               ["TaskTemplate"]["ContainerSpec"]["Env"])
    assert env["DOCKERCLOUD_CONTAINER_HOSTNAME"] == "everywhere-{{.Node.Hostname}}"
    assert srv.req("DELETE", r.json()["resource_uri"]).status_code == 202


def test_container_links_reach_every_linked_container(srv, lab_image):
    """What dockercloud-haproxy builds its backends from: one link per
    running container of the linked service, at an address that answers.
    In a namespace of its own (bob's "shared"): on a network whose addresses
    other tests just freed, the lab's overlay was seen routing a reused
    address to its former container for over 30 s."""
    ns = "/api/app/v1/shared/"
    web = create(srv, "pages", lab_image, auth=BOB, path=ns + "service/", target_num_containers=2,
                 run_command=HTTPD,
                 container_ports=[{"protocol": "tcp", "inner_port": 80}])
    lb = create(srv, "front", lab_image, auth=BOB, path=ns + "service/",
                linked_to_service=[{"to_service": web["resource_uri"], "name": "web"}])
    start(srv, web, auth=BOB)
    start(srv, lb, auth=BOB)
    running_containers("shared_pages", 2)
    cli, me = running_container("shared_front")
    try:
        mine = [x for x in srv.req("GET", ns + "container/?service=%s" % lb["resource_uri"],
                                   auth=BOB).json()["objects"] if x["state"] == "Running"]
        assert len(mine) == 1
        links = mine[0]["linked_to_container"]
        assert sorted(x["name"] for x in links) == ["web-1", "web-2"]
        answers = set()
        for link in links:
            assert link["from_container"] == mine[0]["resource_uri"]
            target = srv.req("GET", link["to_container"], auth=BOB).json()
            assert target["resource_uri"] == link["to_container"]  # byte for byte
            assert target["service"] == web["resource_uri"]
            assert link["endpoints"] == {"80/tcp": "tcp://%s:80" % target["private_ip"]}
            assert [x["from_container"] for x in target["linked_from_container"]] == \
                [mine[0]["resource_uri"]]
            # A task just started: its address can take a moment to be routed on
            # the overlay from the other nodes.
            got = wait_for("an answer from " + target["private_ip"], lambda: (
                lambda r: r[1] if r[0] == 0 and " 200 " in r[1].splitlines()[0] else None)(
                exec_out(me, ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc %s 80"
                              % target["private_ip"]])), timeout=30)
            answers.add(got.strip().splitlines()[-1])
        assert len(answers) == 2  # two containers, two hostnames
        # The link variables name each container, by a name that answers.
        env = env_of(me)
        assert env["WEB_PORT_80_TCP_ADDR"] == "web"
        for n in (1, 2):
            assert env["WEB_%d_PORT_80_TCP_ADDR" % n] == "pages-%d" % n
            got = wait_for("an answer from pages-%d" % n, lambda: (
                lambda r: r[1] if r[0] == 0 and r[1].strip() else None)(
                exec_out(me, ["sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc pages-%d 80"
                              % n])), timeout=30)
            assert got.strip().splitlines()[-1] == "pages-%d" % n, got
    finally:
        cli.close()


def test_global_role_gets_api_access(srv, lab_image):
    o = create(srv, "robot", lab_image, roles=["global"])
    start(srv, o)
    cli, c = running_container("alice_robot")
    try:
        rc, env = exec_out(c, ["env"])
    finally:
        cli.close()
    assert rc == 0
    env = dict(line.split("=", 1) for line in env.splitlines() if "=" in line)
    assert env["DOCKERCLOUD_REST_HOST"].startswith("http")
    assert env["DOCKERCLOUD_STREAM_HOST"].startswith("ws")
    auth = env["DOCKERCLOUD_AUTH"]
    assert auth.startswith("Basic ")
    h = {"Authorization": auth}
    # What dockercloud-haproxy reads first: its own container, with its token.
    me = srv.req("GET", env["DOCKERCLOUD_CONTAINER_API_URI"], auth=None, headers=h)
    assert me.status_code == 200, me.text
    assert me.json()["service"] == env["DOCKERCLOUD_SERVICE_API_URI"] == o["resource_uri"]
    assert env["DOCKERCLOUD_CONTAINER_HOSTNAME"] == "robot-1"  # a role, not global mode
    r = srv.req("GET", "/api/app/v1/service/", auth=None, headers=h)
    assert r.status_code == 200, r.text
    assert o["uuid"] in [x["uuid"] for x in r.json()["objects"]]
    assert srv.req("GET", "/api/app/v1/alice/service/%s/" % o["uuid"], auth=None,
                   headers=h).status_code == 200
    # Its namespace only.
    assert srv.req("GET", "/api/app/v1/bob/service/", auth=None,
                   headers=h).status_code in (403, 404)
    bad = dict(h, Authorization=auth[:-4] + "AAAA")
    assert srv.req("GET", "/api/app/v1/service/", auth=None, headers=bad).status_code == 401
