"""Autoredeploy (issue 29) with a real registry: Debian's docker-registry
(distribution 2.8) runs in node 1's network namespace with its
notifications pointed at dcswarm serve (also there, with --registry-secret);
the lab's dockerds speak to it in plain HTTP (tests/lab/lab.sh).  An image
is pushed, a service with autoredeploy and one without run it; a second
push of the same tag redeploys the first onto the new digest (new tasks,
the new image), once per event, and leaves the second alone.

The lab's engines never pull (DOCKER_SERVICE_PREFER_OFFLINE_IMAGE), so both
services are placed on node 1, where the image is built and pushed."""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "serve"))
import dcserve  # noqa: E402
import labapi  # noqa: E402

from conftest import wait_for  # noqa: E402

DOCKER = "/usr/bin/docker"
SECRET = "autoredeploy-secret-0123456789"
REPO = "%s:5000/app" % labapi.lab_env("DCS_LAB_NODE1_ADDR")
KEY = ("alice", "key-autoredeploy")


def ns1():
    pid = open(os.path.join(labapi.lab_env("DCS_LAB_DIR"), "n1", "docker.pid")).read().strip()
    return "/proc/%s/ns/net" % pid


def docker(*args, timeout=120):
    p = subprocess.run([DOCKER, *args], capture_output=True, text=True, timeout=timeout,
                       env=dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST")))
    assert p.returncode == 0, "docker %s: %s" % (" ".join(args), p.stdout + p.stderr)
    return p.stdout


def curl(*args, refused_ok=False):
    """(status, body); with refused_ok, (0, "") while nothing listens yet."""
    p = subprocess.run(["nsenter", "--net=" + ns1(), "curl", "-sS", "-m", "20",
                        "-w", "\n%{http_code}", *args], capture_output=True, text=True,
                       timeout=30)
    if refused_ok and p.returncode == 7:  # curl: could not connect
        return 0, ""
    assert p.returncode == 0, p.stderr
    body, code = p.stdout.rsplit("\n", 1)
    return int(code), json.loads(body) if body.strip().startswith(("{", "[")) else body


@pytest.fixture(scope="module")
def lab(dcswarm):
    """(serve's base URL, the folder) with the registry and serve running."""
    addr = labapi.lab_env("DCS_LAB_NODE1_ADDR")
    port = dcserve.free_port()
    d = tempfile.mkdtemp(prefix="dcsreg-")
    with open(os.path.join(d, "config.yml"), "w") as f:
        f.write("version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n"
                "    rootdirectory: %s/data\nhttp:\n  addr: %s:5000\nnotifications:\n"
                "  endpoints:\n    - name: dcswarm\n"
                "      url: http://%s:%d/_registry/notifications\n"
                "      headers:\n        Authorization: [Bearer %s]\n"
                "      timeout: 2s\n      threshold: 3\n      backoff: 1s\n"
                % (d, addr, addr, port, SECRET))
    with open(os.path.join(d, "keys"), "w") as f:
        f.write("%s:%s\n" % KEY)
    log = open(os.path.join(d, "log"), "w")
    registry = subprocess.Popen(["nsenter", "--net=" + ns1(), "/usr/bin/docker-registry",
                                 "serve", os.path.join(d, "config.yml")],
                                stdout=log, stderr=subprocess.STDOUT)
    serve = subprocess.Popen(["nsenter", "--net=" + ns1(), dcswarm, "serve", "--listen",
                              "%s:%d" % (addr, port), "--keys", os.path.join(d, "keys"),
                              "--registry-secret", SECRET],
                             stdout=log, stderr=subprocess.STDOUT,
                             env=dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST")))
    docker("node", "update", "--label-add", "dcsreg=true", labapi.lab_env("DCS_LAB_NODE1_NAME"))
    base = "http://%s:%d" % (addr, port)
    try:
        # Until they listen, connections are refused: the registry starts
        # in well under a second, but under load it took longer once.
        wait_for("registry and serve up",
                 lambda: curl("http://%s:5000/v2/" % addr, refused_ok=True)[0] == 200
                 and curl(base + "/_health", refused_ok=True)[0] == 200,
                 timeout=20, interval=0.2)
        yield base, d
    finally:
        serve.terminate()
        registry.terminate()
        serve.wait(timeout=30)
        registry.wait(timeout=30)
        dcserve.cleanup_swarm()
        docker("node", "update", "--label-rm", "dcsreg", labapi.lab_env("DCS_LAB_NODE1_NAME"))
        subprocess.run([DOCKER, "image", "rm", "-f", REPO + ":v1"], capture_output=True,
                       env=dict(os.environ, DOCKER_HOST=labapi.lab_env("DOCKER_HOST")))
        log.close()


def api(base, method, path, body=None):
    args = ["-X", method, "-u", "%s:%s" % KEY, base + path]
    if body is not None:
        args += ["-H", "Content-Type: application/json", "-d", json.dumps(body)]
    return curl(*args)


def push(version, lab_image, folder):
    """Build an image that says `version`, push it as app:v1: its digest."""
    ctx = os.path.join(folder, "ctx-" + version)
    os.makedirs(ctx, exist_ok=True)
    with open(os.path.join(ctx, "version"), "w") as f:
        f.write(version + "\n")
    with open(os.path.join(ctx, "Dockerfile"), "w") as f:
        f.write("FROM %s\nCOPY version /version\n" % lab_image)
    docker("build", "-q", "-t", REPO + ":v1", ctx)
    out = docker("push", REPO + ":v1")
    return re.search(r"digest: (sha256:[0-9a-f]{64})", out).group(1)


def tasks(name):
    eng = labapi.manager()
    svc = eng.get("/services/alice_" + name)
    running = eng.get("/tasks", filters='{"service": ["%s"], "desired-state": ["running"]}'
                      % svc["ID"])
    return svc["Spec"]["TaskTemplate"]["ContainerSpec"]["Image"], {
        t["ID"]: t for t in running if t["Status"]["State"] == "running"}


def test_second_push_redeploys_onto_the_new_digest(lab, lab_image):
    base, folder = lab
    first = push("v1", lab_image, folder)
    made = {}
    for name, auto in (("auto", True), ("manual", False)):
        code, o = api(base, "POST", "/api/app/v1/service/", {
            "image": REPO + ":v1", "name": name, "autoredeploy": auto, "tags": ["dcsreg"],
            "run_command": "sleep 600", "target_num_containers": 2})
        assert code == 201, o
        assert api(base, "POST", o["resource_uri"] + "start/")[0] == 202
        made[name] = o
    for name in made:
        wait_for(name + " running", lambda n=name: len(tasks(n)[1]) == 2, timeout=90,
                 interval=0.5)
    _, auto_before = tasks("auto")
    manual_image, manual_before = tasks("manual")

    second = push("v2", lab_image, folder)
    assert second != first
    wait_for("auto redeployed onto the pushed digest",
             lambda: tasks("auto")[0] == "%s:v1@%s" % (REPO, second), timeout=30, interval=0.2)
    wait_for("auto's new tasks running", lambda: len(tasks("auto")[1]) == 2 and
             not set(tasks("auto")[1]) & set(auto_before), timeout=90, interval=0.5)
    # The new tasks run the pushed image: its /version says v2.
    for t in tasks("auto")[1].values():
        cid = t["Status"]["ContainerStatus"]["ContainerID"]
        out = docker("exec", cid, "cat", "/version").strip()
        assert out == "v2", out
    # The service without autoredeploy is left as it was.
    image, now = tasks("manual")
    assert image == manual_image == REPO + ":v1" and set(now) == set(manual_before)
    # Read back, the image is the tag asked for; the action is recorded.
    code, o = api(base, "GET", made["auto"]["resource_uri"])
    assert code == 200 and o["image_name"] == REPO + ":v1" and o["autoredeploy"] is True
    code, acts = api(base, "GET", "/api/audit/v1/action/?object=%s" % o["resource_uri"])
    assert "Service Redeploy" in [a["action"] for a in acts["objects"]], acts


def test_one_redeploy_per_event_and_the_secret(lab):
    base, _ = lab
    envelope = {"events": [{
        "id": "event-%d" % time.time_ns(), "action": "push",
        "target": {"mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                   "repository": "app", "tag": "v1",
                   "digest": "sha256:" + "ab" * 32},
        "request": {"host": REPO.split("/")[0]}}]}
    headers = ["-H", "Content-Type: application/vnd.docker.distribution.events.v1+json"]
    url = base + "/_registry/notifications"
    code, ans = curl("-X", "POST", *headers, "-H", "Authorization: Bearer " + SECRET,
                     "-d", json.dumps(dict(envelope, events=[])), url)
    assert code == 200 and ans == {"redeployed": [], "skipped": 0}
    code, ans = curl("-X", "POST", *headers, "-H", "Authorization: Bearer wrong", "-d",
                     json.dumps(envelope), url)
    assert code == 401 and "registry-secret" in ans["error"]
    # A pull, a blob: nothing to do.
    pull = json.loads(json.dumps(envelope))
    pull["events"][0]["action"] = "pull"
    code, ans = curl("-X", "POST", *headers, "-H", "Authorization: Bearer " + SECRET, "-d",
                     json.dumps(pull), url)
    assert code == 200 and ans["skipped"] == 1 and ans["redeployed"] == []
    # The same event twice (a registry retrying): acted on once.
    once = json.loads(json.dumps(envelope))
    once["events"][0]["target"]["repository"] = "nobody-watches-this"
    for want_skipped in (0, 1):
        code, ans = curl("-X", "POST", *headers, "-H", "Authorization: Bearer " + SECRET,
                         "-d", json.dumps(once), url)
        assert code == 200 and ans["skipped"] == want_skipped, ans
