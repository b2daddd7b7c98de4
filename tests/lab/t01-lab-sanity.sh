#!/bin/bash
# t01: the lab is what the other engine tests assume: an active swarm whose
# nodes are Ready and have the busybox image; a service reaches a running
# task whose logs we can read; on an attachable overlay network, services
# find each other by name and by network alias, across nodes when the lab
# has several.
set -eu
. "$(dirname "$0")/lib.sh"

tag=t01-$$
hello=$tag-hello
net=$tag-net
a=$tag-a        # endpoint mode vip (the default), alias alpha
b=$tag-b        # endpoint mode dnsrr, alias bravo

cleanup() {
    dk service rm "$hello" "$a" "$b" >/dev/null 2>&1 || true
    kill_orphan_tasks
    remove_networks "$net"
}
on_exit cleanup

# --- the swarm
state=$(dk info -f '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}')
[ "$state" = "active true" ] || fail "manager: swarm state/control is '$state', want 'active true'"
ok "swarm active, DOCKER_HOST is a manager"

state=$(dk node inspect self -f '{{.Status.State}} {{.Spec.Availability}} {{.ManagerStatus.Leader}}')
[ "$state" = "ready active true" ] || fail "manager node is '$state', want 'ready active true'"
ok "manager node ready, active, leader"

ready=$(dk node ls --format '{{.Status}} {{.Availability}}' | grep -c '^Ready Active$' || true)
[ "$ready" = "$DCS_LAB_NODES" ] || fail "$ready of $DCS_LAB_NODES nodes Ready: $(dk node ls)"
for i in $(seq 1 "$DCS_LAB_NODES"); do
    dk_node "$i" image inspect "$DCS_LAB_IMAGE" >/dev/null || fail "node$i has no $DCS_LAB_IMAGE"
done
ok "$DCS_LAB_NODES node(s) Ready with $DCS_LAB_IMAGE"

# --- services: all created first, they start in parallel
dk network create -d overlay --attachable "$net" >/dev/null
[ "$(dk network inspect -f '{{.Driver}} {{.Scope}} {{.Attachable}}' "$net")" = "overlay swarm true" ] ||
    fail "$net is not an attachable swarm overlay"
ok "overlay network $net created"

dk service create -d -q --no-resolve-image --name "$hello" "$DCS_LAB_IMAGE" \
    sh -c 'echo hello; sleep 300' >/dev/null
# a on the first node, b on the last: with several nodes the traffic
# crosses the lab bridge over vxlan.
web='httpd -p 8080 -h /etc; exec sleep 300'     # serves /etc/hostname
dk service create -d -q --no-resolve-image --name "$a" \
    --network "name=$net,alias=alpha" --constraint node.hostname==node1 \
    "$DCS_LAB_IMAGE" sh -c "$web" >/dev/null
dk service create -d -q --no-resolve-image --name "$b" --endpoint-mode dnsrr \
    --network "name=$net,alias=bravo" --constraint "node.hostname==node$DCS_LAB_NODES" \
    "$DCS_LAB_IMAGE" sh -c "$web" >/dev/null

# --- a replicated service runs and logs
wait_until 30 service_running "$hello" ||
    fail "$hello has no running task after 30 s: $(dk service ps --no-trunc "$hello")"
ok "$hello: task running"
logs_say_hello() { dk service logs --raw "$hello" 2>/dev/null | grep -qx hello; }
wait_until 15 logs_say_hello || fail "$hello: logs lack 'hello': $(dk service logs --raw "$hello" 2>&1)"
ok "$hello: logs contain hello"

# --- overlay network, names and aliases
wait_until 30 service_running "$a" || fail "$a not running after 30 s: $(dk service ps --no-trunc "$a")"
wait_until 30 service_running "$b" || fail "$b not running after 30 s: $(dk service ps --no-trunc "$b")"
read -r node_a cid_a <<<"$(task_container "$a")"
read -r node_b cid_b <<<"$(task_container "$b")"
ok "$a running on node$node_a, $b on node$node_b"

ip_of() {   # NODE CID: the container's address on $net
    dk_node "$1" inspect -f "{{(index .NetworkSettings.Networks \"$net\").IPAddress}}" "$2"
}
ip_a=$(ip_of "$node_a" "$cid_a")
ip_b=$(ip_of "$node_b" "$cid_b")
net_id=$(dk network inspect -f '{{.Id}}' "$net")
vip_a=$(dk service inspect -f '{{range .Endpoint.VirtualIPs}}{{.NetworkID}} {{.Addr}}{{"\n"}}{{end}}' "$a" |
        awk -v n="$net_id" '$1 == n {sub("/.*", "", $2); print $2}')
[ -n "$ip_a" ] && [ -n "$ip_b" ] && [ -n "$vip_a" ] ||
    fail "missing addresses: a=$ip_a b=$ip_b vip(a)=$vip_a"

in_a() { dk_node "$node_a" exec "$cid_a" "$@"; }
in_b() { dk_node "$node_b" exec "$cid_b" "$@"; }
# resolve FROM NAME: the addresses busybox nslookup gets for NAME, sorted.
resolve() {
    "in_$1" nslookup "$2" 2>/dev/null | awk '/^Name:/ {n = 1} n && /^Address/ {print $2}' | sort | tr '\n' ' '
}
expect_resolve() {   # FROM NAME WANT
    local got
    got=$(resolve "$1" "$2")
    [ "$got" = "$3 " ] || fail "from $1: $2 resolves to '$got', want '$3'"
    ok "from $1: $2 -> $3"
}
# get FROM HOST: GET /hostname on HOST:8080, i.e. the serving container's hostname.
get() { "in_$1" sh -c "echo 'GET /hostname HTTP/1.0' | nc -w 5 $2 8080 | tail -n 1"; }

expect_resolve a "$b" "$ip_b"
expect_resolve a bravo "$ip_b"
expect_resolve b "$a" "$vip_a"
expect_resolve b alpha "$vip_a"
expect_resolve b "tasks.$a" "$ip_a"

in_a ping -c 1 -W 5 bravo >/dev/null || fail "from a: ping bravo ($ip_b) fails"
ok "from a: ping bravo"
[ "$(get a bravo)" = "${cid_b:0:12}" ] || fail "from a: GET bravo:8080 did not reach $b"
ok "from a: bravo:8080 answers (container ${cid_b:0:12})"
[ "$(get b "tasks.$a")" = "${cid_a:0:12}" ] || fail "from b: GET tasks.$a:8080 did not reach $a"
ok "from b: tasks.$a:8080 answers (container ${cid_a:0:12})"

# Reaching a service through its virtual IP needs IPVS in the kernel.
if in_b test -e /proc/net/ip_vs; then
    [ "$(get b alpha)" = "${cid_a:0:12}" ] || fail "from b: GET alpha:8080 (VIP $vip_a) fails"
    ok "from b: alpha:8080 answers through the VIP"
else
    note "kernel without IPVS (CONFIG_IP_VS): service VIPs resolve but carry no traffic; not checked"
fi

# --- removal
dk service rm "$hello" "$a" "$b" >/dev/null
kill_orphan_tasks
remove_networks "$net" || fail "$net could not be removed"
gone() { [ -z "$(dk service ls -q --filter "name=$tag"; dk network ls -q --filter "name=$tag")" ]; }
wait_until 15 gone || fail "left behind: $(dk service ls --filter "name=$tag"; dk network ls --filter "name=$tag")"
ok "services and network removed"
