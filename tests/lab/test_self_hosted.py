"""dcswarm run as swarm operators run things (issue 28): `make image`'s
script makes the image in the lab (no registry), deploy/dcswarm-stack.yml
deploys it with `docker stack deploy` on the manager (socket mounted, keys
as a swarm secret, a healthcheck); the REST API is used through it; its
container is killed and swarm brings it back with nothing lost."""
import json
import os
import subprocess
import sys
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
import labapi  # noqa: E402

from conftest import wait_for  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCKER = "/usr/bin/docker"
STACK = "dcsself"
IMAGE = "dcswarm/dcswarm:lab"
KEY = ("alice", "key-self-hosted")


def node1_ns():
    pid = open(os.path.join(labapi.lab_env("DCS_LAB_DIR"), "n1", "docker.pid")).read().strip()
    return "/proc/%s/ns/net" % pid


def docker(*args, env=None, timeout=120):
    p = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST"),
                                **(env or {})))
    assert p.returncode == 0, "docker %s: %s" % (" ".join(args), p.stdout + p.stderr)
    return p.stdout


class Api:
    """curl from node 1's network namespace, where the port is published."""

    def __init__(self, port):
        self.base = "http://%s:%d" % (labapi.lab_env("DCS_LAB_NODE1_ADDR"), port)

    def req(self, method, path, body=None):
        argv = ["nsenter", "--net=" + node1_ns(), "curl", "-sS", "-m", "20", "-X", method,
                "-u", "%s:%s" % KEY, "-w", "\n%{http_code}", self.base + path]
        if body is not None:
            argv += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            return 0, p.stderr
        text, code = p.stdout.rsplit("\n", 1)
        try:
            return int(code), json.loads(text) if text else None
        except ValueError:
            return int(code), text

    def alive(self):
        return self.req("GET", "/_health")[0] == 200


def serving_container():
    """(container id, health) of the running dcswarm task on node 1."""
    out = docker("ps", "-q", "--filter", "label=com.docker.swarm.service.name=%s_dcswarm" % STACK,
                 "--filter", "status=running").split()
    if not out:
        return None, None
    health = docker("inspect", "-f", "{{.State.Health.Status}}", out[0]).strip()
    return out[0], health


@pytest.fixture
def deployed(dcswarm, tmp_path):
    env = dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST"), DOCKER=DOCKER)
    made = subprocess.run(["sh", os.path.join(ROOT, "scripts", "make-image.sh"), dcswarm, IMAGE],
                          capture_output=True, text=True, env=env, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    keys = tmp_path / "keys"
    keys.write_text("%s:%s\n" % KEY)
    port = dcserve.free_port()
    docker("stack", "deploy", "-c", os.path.join(ROOT, "deploy", "dcswarm-stack.yml"), STACK,
           env={"DCSWARM_IMAGE": IMAGE, "DCSWARM_KEYS_FILE": str(keys),
                "DCSWARM_PORT": str(port), "DCSWARM_PUBLISH_MODE": "host",
                "DCSWARM_DOCKER_SOCKET": labapi.lab_env("DCS_LAB_NODE1_HOST")[len("unix://"):],
                # A sanitizer build runs as one: leaks are checked by the other tests.
                "ASAN_OPTIONS": "detect_leaks=0"})
    api = Api(port)
    try:
        yield api
    finally:
        docker("stack", "rm", STACK)
        wait_for("the stack gone", lambda: not docker(
            "ps", "-aq", "--filter", "label=com.docker.stack.namespace=%s" % STACK).strip(),
            timeout=90, interval=0.5)
        dcserve.cleanup_swarm()
        subprocess.run([DOCKER, "image", "rm", "-f", IMAGE], capture_output=True,
                       env=dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST")))


def test_as_a_swarm_service_killed_and_back(deployed, lab_image):
    api = deployed
    wait_for("dcswarm answers from its container", api.alive, timeout=90, interval=0.5)
    first, _ = serving_container()
    assert first
    # The stack's healthcheck is dcswarm health, inside the image.
    wait_for("the container healthy", lambda: serving_container()[1] == "healthy", timeout=60,
             interval=1)
    assert api.req("GET", "/_ready")[0] == 200
    assert api.req("GET", "/api/app/v1/service/")[0] == 200
    code, svc = api.req("POST", "/api/app/v1/service/", {
        "image": lab_image, "name": "selfweb", "target_num_containers": 2,
        "run_command": "sleep 600"})
    assert code == 201, svc
    code, _ = api.req("POST", svc["resource_uri"] + "start/")
    assert code == 202
    wait_for("selfweb running", lambda: api.req("GET", svc["resource_uri"])[1]["state"] ==
             "Running", timeout=90, interval=1)

    def settled():
        code, actions = api.req("GET", "/api/audit/v1/action/?object=%s" % svc["resource_uri"])
        assert code == 200 and actions["objects"], actions
        ended = all(a["state"] != "In progress" for a in actions["objects"])
        return ended and [(a["uuid"], a["action"], a["state"]) for a in actions["objects"]]
    before = wait_for("its actions ended", settled, timeout=90, interval=1)
    assert ("Service Start", "Success") in [(a, s) for _, a, s in before], before

    t0 = time.monotonic()
    docker("kill", first)
    # Swarm brings it back (restart on failure) with a new container.
    wait_for("a new container", lambda: serving_container()[0] not in (None, first),
             timeout=90, interval=0.5)
    wait_for("dcswarm answers again", api.alive, timeout=60, interval=0.5)
    print("killed: answering again after %.1f s" % (time.monotonic() - t0))
    code, again = api.req("GET", svc["resource_uri"])
    assert code == 200, again
    assert (again["uuid"], again["name"], again["state"], again["target_num_containers"]) == \
        (svc["uuid"], "selfweb", "Running", 2)
    assert settled() == before
    code, _ = api.req("DELETE", svc["resource_uri"])
    assert code in (200, 202, 204)
