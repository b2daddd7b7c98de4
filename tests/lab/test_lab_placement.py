"""The lab's swarm places tasks like a real multi-node swarm: global mode,
constraints on node hostnames and labels, spread preferences.  Placement
tests of dcswarm rely on this."""
import pytest

import docker.types

from conftest import IDLE, wait_for


def running_tasks(service):
    return [t for t in service.tasks(filters={"desired-state": "running"})
            if t["Status"]["State"] == "running"]


@pytest.fixture
def services(docker_client):
    """Create services through this; they are removed after the test."""
    made = []

    def create(**kw):
        s = docker_client.services.create(**kw)
        made.append(s)
        return s
    yield create
    for s in made:
        s.remove()


@pytest.fixture
def node_labels(docker_client):
    """Add labels to nodes through this; they are removed after the test."""
    added = []

    def add(node, key, value):
        spec = node.attrs["Spec"]
        spec.setdefault("Labels", {})[key] = value
        assert node.update(spec)
        node.reload()
        added.append((node.id, key))
    yield add
    for node_id, key in added:
        node = docker_client.nodes.get(node_id)
        spec = node.attrs["Spec"]
        spec.get("Labels", {}).pop(key, None)
        node.update(spec)


def test_nodes(docker_client, lab_nodes):
    nodes = docker_client.nodes.list()
    assert sorted(n.attrs["Description"]["Hostname"] for n in nodes) == \
        ["node%d" % i for i in range(1, lab_nodes + 1)]
    for n in nodes:
        assert n.attrs["Status"]["State"] == "ready"
        assert n.attrs["Spec"]["Availability"] == "active"
    managers = [n for n in nodes if n.attrs["Spec"]["Role"] == "manager"]
    assert [m.attrs["Description"]["Hostname"] for m in managers] == ["node1"]


def test_global_service_runs_once_per_node(services, docker_client, lab_image, lab_nodes, unique):
    s = services(image=lab_image, command=IDLE, name=unique,
                 mode=docker.types.ServiceMode("global"))
    tasks = wait_for("a running task on each of %d nodes" % lab_nodes,
                     lambda: len(running_tasks(s)) == lab_nodes and running_tasks(s))
    all_nodes = {n.id for n in docker_client.nodes.list()}
    assert {t["NodeID"] for t in tasks} == all_nodes


def test_constraint_on_hostname(services, docker_client, lab_image, lab_nodes, unique):
    target = "node%d" % lab_nodes          # a worker when there are several
    s = services(image=lab_image, command=IDLE, name=unique,
                 constraints=["node.hostname==" + target])
    tasks = wait_for("a running task", lambda: running_tasks(s))
    node = docker_client.nodes.get(tasks[0]["NodeID"])
    assert node.attrs["Description"]["Hostname"] == target


def test_constraint_on_label_and_spread(services, node_labels, docker_client, lab_image,
                                        lab_nodes, unique):
    nodes = sorted(docker_client.nodes.list(), key=lambda n: n.attrs["Description"]["Hostname"])
    for i, n in enumerate(nodes):
        node_labels(n, unique + ".zone", "z%d" % i)
    node_labels(nodes[-1], unique + ".pick", "yes")

    picked = services(image=lab_image, command=IDLE, name=unique + "-pick",
                      constraints=["node.labels.%s.pick==yes" % unique])
    spread = services(image=lab_image, command=IDLE, name=unique + "-spread",
                      mode=docker.types.ServiceMode("replicated", replicas=lab_nodes),
                      preferences=[("spread", "node.labels.%s.zone" % unique)])

    tasks = wait_for("the picked task", lambda: running_tasks(picked))
    assert tasks[0]["NodeID"] == nodes[-1].id
    tasks = wait_for("%d spread tasks" % lab_nodes,
                     lambda: len(running_tasks(spread)) == lab_nodes and running_tasks(spread))
    assert {t["NodeID"] for t in tasks} == {n.id for n in nodes}
