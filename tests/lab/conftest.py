"""Fixtures for the pytest engine tests (tests/lab/test_*.py).

They need a started lab's environment, which run-tests.sh exports; without
it every test fails (never skips).
"""
import os
import re
import time

import pytest

import labapi

# A container command that idles and exits on SIGTERM, so that removing a
# service does not wait out the 10 s stop grace period.
IDLE = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1; done"]


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail("%s is unset: no lab (run tests/lab/run-tests.sh DCSWARM)" % name)
    return value


@pytest.fixture(scope="session")
def lab_nodes():
    """Number of nodes; node 1 is the manager, nodes 2.. are workers."""
    return int(_env("DCS_LAB_NODES"))


@pytest.fixture(scope="session")
def lab_image():
    return _env("DCS_LAB_IMAGE")


@pytest.fixture(scope="session")
def dcswarm():
    """Absolute path of the dcswarm binary under test."""
    path = _env("DCSWARM")
    assert os.access(path, os.X_OK), path
    return path


@pytest.fixture
def manager():
    """labapi.Engine of the manager (raw API 1.41)."""
    _env("DOCKER_HOST")
    e = labapi.manager()
    yield e
    e.close()


@pytest.fixture
def engines(lab_nodes):
    """labapi.Engine of every node, index 0 = node1."""
    es = labapi.nodes()
    yield es
    for e in es:
        e.close()


@pytest.fixture
def docker_client():
    """python3-docker client of the manager, pinned to API 1.41."""
    import docker
    c = docker.DockerClient(base_url=_env("DOCKER_HOST"), version=labapi.API_VERSION)
    yield c
    c.close()


@pytest.fixture
def unique(request):
    """A name prefix of this test's own: py-<test>-<pid>."""
    name = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:30]
    return "py-%s-%d" % (name, os.getpid())


def wait_for(what, predicate, timeout=30, interval=0.2):
    """Poll predicate() until it returns something true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail("timed out after %d s waiting for %s" % (timeout, what))
        time.sleep(interval)
