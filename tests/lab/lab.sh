#!/bin/bash
# lab.sh - a throwaway Docker swarm made of real dockerds for dcswarm's
# engine tests.  See tests/lab/README.md.
#
#   lab.sh start DIR [--nodes N] [--label NODE=key=value ...] [--owner PID]
#   lab.sh stop DIR
#   lab.sh gc [--all]
#   lab.sh exec DIR CMD [ARG...]
#
# Every node is a dockerd with its own containerd, data and state under
# DIR/nI, running in its own network namespace (and UTS namespace, so its
# hostname is "nodeI").  The nodes are joined by veth pairs to a bridge in a
# further namespace and talk over 10.213.0.0/24, which exists only inside
# those namespaces.  Node 1 is the only manager; nodes 2..N are workers.
# Nothing listens on or routes to the host's network; the host's
# /var/run/docker.sock and any system docker/containerd are never used.
set -eu

DOCKER=/usr/bin/docker          # the docker.io client, API 1.41
IMAGE=dcswarm-test/busybox:latest
REGISTRY=/run/dcswarm-lab       # one file per lab, for stop and gc
PREFIX=dcslab                   # namespaces and cgroups: dcslab-<id>-...
NET=10.213.0                    # node I is $NET.I on the lab bridge

say() { printf 'lab: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
now_ms() { date +%s%3N; }
# DCS_LAB_DEBUG=1: timings of the steps of start and stop.
debug() { [ -z "${DCS_LAB_DEBUG:-}" ] || say "+$(( $(now_ms) - t0 )) ms: $*"; }

usage() {
    cat >&2 <<'EOF'
usage: lab.sh start DIR [--nodes N] [--label NODE=key=value ...] [--owner PID]
       lab.sh stop DIR
       lab.sh gc [--all]
       lab.sh exec DIR CMD [ARG...]
       lab.sh stop-dockerd DIR I | start-dockerd DIR I
EOF
    exit 2
}

# ---------------------------------------------------------------- helpers

# The start time of a process (field 22 of /proc/PID/stat), to tell a live
# owner from a recycled pid.
proc_start() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    set -- $s
    echo "${20}"
}

# Is PID alive and its command line mentions PATTERN (guards against pid
# reuse before we signal it)?
is_ours() {
    [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] &&
        tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qF -- "$2"
}

# alive PID: exists and is not a zombie (init here may reap slowly).
alive() {
    local s
    s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    s=${s##*) }
    [ "${s%% *}" != Z ]
}

# wait_gone SECONDS PID... : wait until none of the PIDs is alive.
wait_gone() {
    local t=$(( $1 * 10 )) p alive
    shift
    while [ "$t" -gt 0 ]; do
        alive=""
        for p in "$@"; do alive "$p" && alive=1; done
        [ -z "$alive" ] && return 0
        sleep 0.1
        t=$((t - 1))
    done
    return 1
}

# retry SECONDS CMD... : run CMD every 0.1 s until it succeeds.
retry() {
    local t=$(( $1 * 10 ))
    shift
    while ! "$@" >/dev/null 2>&1; do
        t=$((t - 1))
        [ "$t" -gt 0 ] || return 1
        sleep 0.1
    done
}

lab_namespaces() { ip netns list 2>/dev/null | awk -v p="$PREFIX-$1-" 'index($1, p) == 1 {print $1}'; }

# Processes whose network namespace is one of the lab's: dockerd,
# containerd, shims, docker-proxy.
ns_pids() {
    local ns ino match=""
    for ns in $(lab_namespaces "$1"); do
        ino=$(stat -L -c %i "/run/netns/$ns" 2>/dev/null) || continue
        match="$match${match:+ -o} -lname net:\\[$ino\\]"
    done
    [ -n "$match" ] || return 0
    # shellcheck disable=SC2086
    find /proc -mindepth 3 -maxdepth 3 -path '/proc/[0-9]*/ns/net' \( $match \) \
        2>/dev/null | cut -d/ -f3 | awk -v me=$$ '$1 > 1 && $1 != me'
}

# The lab's cgroups (dockerd runs with --cgroup-parent /dcslab-<id>-nI), in
# every v1 hierarchy or the v2 tree.
lab_cgroups() { find /sys/fs/cgroup -maxdepth 2 -type d -name "$PREFIX-$1-*" 2>/dev/null; }

cgroup_pids() {
    local cg
    for cg in $(lab_cgroups "$1"); do
        find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null
    done | sort -u | awk -v me=$$ '$1 > 1 && $1 != me'
}

# -------------------------------------------------------------- registry

reg_write() {   # ID DIR NODES OWNER_PID OWNER_START
    mkdir -p "$REGISTRY"
    printf 'dir=%q\nnodes=%q\nowner=%q\nowner_start=%q\n' "$2" "$3" "$4" "$5" \
        >"$REGISTRY/$1.tmp"
    mv "$REGISTRY/$1.tmp" "$REGISTRY/$1"
}

reg_get() {     # ID KEY
    local v
    v=$(sed -n "s/^$2=//p" "$REGISTRY/$1" 2>/dev/null) || return 1
    eval "printf '%s' $v"
}

# ---------------------------------------------------------------- teardown

leave_swarm() {   # DIR I
    [ -S "$1/n$2/docker.sock" ] || return 0
    is_ours "$(cat "$1/n$2/dockerd.pid" 2>/dev/null)" "$1/n$2/" || return 0
    timeout 20 "$DOCKER" -H "unix://$1/n$2/docker.sock" swarm leave --force \
        >/dev/null 2>&1 || true
}

# teardown ID [DIR]: remove everything a lab created, as gracefully as its
# state allows.  Safe to run on a half-started or half-removed lab.
teardown() {
    local id=$1 dir=${2:-} n i pid pids m cg t0 t what
    t0=$(now_ms)
    n=$(reg_get "$id" nodes 2>/dev/null || echo 0)
    if [ -n "$dir" ] && [ -f "$dir/lab.info" ]; then
        n=$(sed -n 's/^nodes=//p' "$dir/lab.info")
    fi

    # 1. Leave the swarm while the daemons still run (the workers together,
    #    then the manager: the manager leaving at the same time as its
    #    workers takes seconds longer); this also stops their tasks quickly.
    if [ -n "$dir" ]; then
        debug "leaving the swarm"
        for i in $(seq 2 "$n"); do
            leave_swarm "$dir" "$i" &
        done
        wait
        [ "$n" -lt 1 ] || leave_swarm "$dir" 1

        # 2. dockerd, then containerd: SIGTERM, wait, SIGKILL.
        for what in dockerd containerd; do
            pids=""
            for i in $(seq 1 "$n"); do
                pid=$(cat "$dir/n$i/$what.pid" 2>/dev/null) || continue
                is_ours "$pid" "$dir/n$i/" && pids="$pids $pid"
            done
            [ -n "$pids" ] || continue
            debug "stopping $what"
            kill -TERM $pids 2>/dev/null || true
            # containerd idles ~2 s after SIGTERM even with nothing to do;
            # once dockerd is gone there is nothing left to save.
            [ "$what" = dockerd ] && t=20 || t=1
            if ! wait_gone "$t" $pids; then
                [ "$what" = dockerd ] && say "dockerd did not stop in $t s, killing it"
                kill -KILL $pids 2>/dev/null || true
                wait_gone 5 $pids || true
            fi
        done
    fi

    # 3. Anything left in the lab's namespaces or cgroups: shims,
    #    docker-proxy, container processes.
    debug "stray processes"
    pids=$(ns_pids "$id"; cgroup_pids "$id")
    if [ -n "$pids" ]; then
        kill -TERM $pids 2>/dev/null || true
        wait_gone 3 $pids || { kill -KILL $pids 2>/dev/null || true; wait_gone 5 $pids || true; }
    fi

    # 4. Mounts under DIR (data-root bind mount, overlays, netns files),
    #    deepest first.
    debug "unmounting"
    if [ -n "$dir" ]; then
        for m in $(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
            umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "cannot unmount $m"
        done
    fi

    # 5. cgroups, namespaces (their veths and bridges go with them).
    debug "cgroups, namespaces"
    for cg in $(lab_cgroups "$id"); do
        find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null || say "cannot remove cgroup $cg"
    done
    for m in $(lab_namespaces "$id"); do
        ip netns delete "$m" 2>/dev/null || say "cannot delete namespace $m"
    done

    # 6. The directory, only if it is this lab's.
    debug "removing $dir"
    if [ -n "$dir" ] && [ -f "$dir/lab.info" ] &&
       [ "$(sed -n 's/^id=//p' "$dir/lab.info")" = "$id" ]; then
        rm -rf "$dir" || say "cannot remove $dir"
    fi
    rm -f "$REGISTRY/$id"
    say "lab $id removed in $(( $(now_ms) - t0 )) ms"
}

# ---------------------------------------------------------------- start

# The image: Debian's static busybox with a link per applet, imported with
# `docker import`.  Built once per lab, imported on every node.
make_image_tar() {
    local dir=$1 root=$1/rootfs
    mkdir -p "$root/bin" "$root/etc" "$root/tmp" "$root/root" "$root/proc" \
             "$root/sys" "$root/dev" "$root/var/tmp" "$root/usr" "$root/home"
    cp /bin/busybox "$root/bin/busybox"
    # One link per applet; python because 300 `ln` forks take a second.
    /bin/busybox --list | /usr/bin/python3 -c '
import os, sys
for a in sys.stdin.read().split():
    if a != "busybox":
        os.symlink("busybox", os.path.join(sys.argv[1], a))' "$root/bin"
    ln -s bin "$root/sbin"
    ln -s ../bin "$root/usr/bin"
    ln -s ../bin "$root/usr/sbin"
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
        >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
    chmod 1777 "$root/tmp" "$root/var/tmp"
    tar -C "$root" -cf "$dir/busybox.tar" .
    rm -rf "$root"
}

# start_daemons DIR ID I: containerd and dockerd of node I, in namespace
# dcslab-ID-nI, hostname nodeI.  Returns when dockerd answers.
start_daemons() {
    local dir=$1 id=$2 i=$3 nd=$1/n$3 ns=/run/netns/$PREFIX-$2-n$3 hosts pid set_hostname
    mkdir -p "$nd/data" "$nd/exec" "$nd/containerd"
    cat >"$nd/containerd.toml" <<EOF
version = 2
root = "$nd/containerd/root"
state = "$nd/containerd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$nd/containerd.sock"
[ttrpc]
  address = "$nd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$nd/containerd/opt"
EOF
    # Both daemons in the node's own UTS namespace: the node's hostname is
    # nodeI (node.hostname constraints, `docker node ls`).
    set_hostname='echo "$1" >/proc/sys/kernel/hostname && shift && exec "$@"'
    # An explicit config file, so /etc/docker/daemon.json is never read,
    # and the engine key out of /etc/docker.  A registry a test may start
    # at node 1's address (test_serve_autoredeploy.py) is spoken to in
    # plain HTTP; the address exists only inside the lab's namespaces.
    printf '{"deprecated-key-path": "%s/key.json", "insecure-registries": ["%s:5000"]}\n' \
        "$nd" "$NET.1" >"$nd/daemon.json"

    setsid unshare --uts sh -c "$set_hostname" lab "node$i" \
        nsenter --net="$ns" containerd --config "$nd/containerd.toml" \
        </dev/null >"$nd/containerd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$nd/containerd.pid"
    wait_up "node$i: containerd" "$pid" "$nd/containerd.log" 15 test -S "$nd/containerd.sock"

    start_dockerd "$dir" "$id" "$i"
}

# start_dockerd DIR ID I: node I's dockerd (its containerd runs), in the
# node's network namespace and a UTS namespace of its own.
start_dockerd() {
    local dir=$1 id=$2 i=$3 nd=$1/n$3 ns=/run/netns/$PREFIX-$2-n$3 hosts pid set_hostname
    set_hostname='echo "$1" >/proc/sys/kernel/hostname && shift && exec "$@"'
    hosts="--host unix://$nd/docker.sock"
    [ "$i" = 1 ] && hosts="$hosts --host unix://$dir/docker.sock"
    # DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: swarm tasks use the local image
    # instead of trying a registry first.
    DOCKER_SERVICE_PREFER_OFFLINE_IMAGE=1 \
    setsid unshare --uts sh -c "$set_hostname" lab "node$i" \
        nsenter --net="$ns" dockerd $hosts \
            --config-file "$nd/daemon.json" \
            --data-root "$nd/data" --exec-root "$nd/exec" \
            --pidfile "$nd/docker.pid" \
            --containerd "$nd/containerd.sock" \
            --containerd-namespace "$PREFIX-$id" \
            --containerd-plugins-namespace "$PREFIX-$id-plugins" \
            --cgroup-parent "/$PREFIX-$id-n$i" \
            --userland-proxy=false \
        </dev/null >"$nd/dockerd.log" 2>&1 &
    pid=$!
    echo "$pid" >"$nd/dockerd.pid"
    wait_up "node$i: dockerd" "$pid" "$nd/dockerd.log" 30 \
        curl -sf --unix-socket "$nd/docker.sock" http://lab/_ping
}

# wait_up WHAT PID LOG SECONDS CMD...: wait until CMD succeeds; fail at once
# if PID dies, showing the end of LOG.
wait_up() {
    local what=$1 pid=$2 log=$3 secs=$4 t=$(( $4 * 10 ))
    shift 4
    until "$@" >/dev/null 2>&1; do
        if ! alive "$pid"; then
            tail -5 "$log" >&2
            die "$what exited"
        fi
        t=$((t - 1))
        [ "$t" -gt 0 ] || { tail -5 "$log" >&2; die "$what not up within $secs s"; }
        sleep 0.1
    done
}

import_image() {   # DIR I
    "$DOCKER" -H "unix://$1/n$2/docker.sock" import \
        -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        -c 'CMD ["sh"]' "$1/busybox.tar" "$IMAGE" >/dev/null
}

check_prereqs() {
    [ "$(id -u)" = 0 ] || die "must run as root (dockerd, namespaces, cgroups)"
    local b
    for b in "$DOCKER" dockerd containerd containerd-shim-runc-v2 runc ip nsenter \
             unshare setsid curl /bin/busybox /usr/bin/python3; do
        command -v "$b" >/dev/null 2>&1 ||
            die "missing $b (run scripts/install-deps.sh: docker.io busybox-static iproute2 curl)"
    done
    ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
        die "/bin/busybox is not static; install busybox-static"
}

cmd_start() {
    local dir="" nodes=1 owner="" labels="" id i t0 pids p token nodeid n ns
    [ $# -ge 1 ] || usage
    dir=$1; shift
    while [ $# -gt 0 ]; do
        case $1 in
            --nodes) nodes=${2:?}; shift 2 ;;
            --label) labels="$labels ${2:?}"; shift 2 ;;
            --owner) owner=${2:?}; shift 2 ;;
            *) usage ;;
        esac
    done
    case $nodes in ''|*[!0-9]*) die "--nodes wants a number" ;; esac
    [ "$nodes" -ge 1 ] && [ "$nodes" -le 20 ] || die "--nodes must be 1..20"
    check_prereqs
    t0=$(now_ms)

    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd -P)
    [ -z "$(ls -A "$dir")" ] || die "$dir is not empty"
    case $dir in *[[:space:]]*) die "no white space in DIR, please: $dir" ;; esac
    # unix socket paths are limited to 107 bytes; the longest is
    # DIR/nI/data/swarm/control.sock.
    [ ${#dir} -le 70 ] || die "$dir is too long for unix socket paths (max 70 chars)"
    for p in $labels; do
        case $p in
            node[0-9]*=*=*|[0-9]*=*=*) ;;
            *) die "--label wants NODE=key=value, NODE being 1..$nodes or node1..node$nodes: $p" ;;
        esac
    done

    id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    # Registered before anything exists, so that gc can always find it.
    # Until start completes the owner is this process.
    reg_write "$id" "$dir" "$nodes" "${owner:-$$}" "$(proc_start "${owner:-$$}")"
    printf 'id=%s\nnodes=%s\n' "$id" "$nodes" >"$dir/lab.info"
    trap 'say "start failed, cleaning up"; teardown "$id" "$dir"; exit 1' EXIT
    trap 'exit 1' INT TERM HUP

    # Network: a bridge namespace, and per node a namespace with a veth
    # whose other end is on the bridge.
    ip netns add "$PREFIX-$id-br"
    ip -n "$PREFIX-$id-br" link set lo up
    ip -n "$PREFIX-$id-br" link add labbr type bridge
    ip -n "$PREFIX-$id-br" link set labbr up
    for i in $(seq 1 "$nodes"); do
        ns=$PREFIX-$id-n$i
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip -n "$PREFIX-$id-br" link add "v$i" type veth peer name eth0 netns "$ns"
        ip -n "$PREFIX-$id-br" link set "v$i" master labbr up
        ip -n "$ns" addr add "$NET.$i/24" dev eth0
        ip -n "$ns" link set eth0 up
    done

    debug "network done"
    mkdir -p "$dir/bin"
    ln -s "$DOCKER" "$dir/bin/docker"
    make_image_tar "$dir"

    # Daemons and image import, all nodes in parallel.
    pids=""
    for i in $(seq 1 "$nodes"); do
        ( start_daemons "$dir" "$id" "$i" && import_image "$dir" "$i" ) &
        pids="$pids $!"
    done
    n=0
    for p in $pids; do wait "$p" || n=$((n + 1)); done
    [ "$n" = 0 ] || die "$n node(s) failed to start (their logs end above)"
    say "daemons up in $(( $(now_ms) - t0 )) ms"

    debug "swarm init"
    "$DOCKER" -H "unix://$dir/n1/docker.sock" swarm init \
        --advertise-addr "$NET.1" --listen-addr "$NET.1:2377" >/dev/null
    if [ "$nodes" -gt 1 ]; then
        token=$("$DOCKER" -H "unix://$dir/n1/docker.sock" swarm join-token -q worker)
        pids=""
        for i in $(seq 2 "$nodes"); do
            "$DOCKER" -H "unix://$dir/n$i/docker.sock" swarm join --token "$token" \
                --advertise-addr "$NET.$i" --listen-addr "$NET.$i:2377" "$NET.1:2377" \
                >/dev/null &
            pids="$pids $!"
        done
        n=0
        for p in $pids; do wait "$p" || n=$((n + 1)); done
        [ "$n" = 0 ] || die "$n worker(s) failed to join the swarm"
    fi

    debug "waiting for Ready nodes"
    export DOCKER_HOST="unix://$dir/docker.sock"
    unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH
    # Ready: every node Ready and Active as the manager sees it, and every
    # node has the image.
    all_ready() {
        [ "$("$DOCKER" node ls --format '{{.Status}} {{.Availability}}' |
              grep -c '^Ready Active$')" = "$nodes" ]
    }
    retry 45 all_ready || { "$DOCKER" node ls >&2 || true; die "nodes not Ready within 45 s"; }
    for i in $(seq 1 "$nodes"); do
        "$DOCKER" -H "unix://$dir/n$i/docker.sock" image inspect "$IMAGE" >/dev/null ||
            die "node$i lacks $IMAGE"
    done

    for p in $labels; do
        n=${p%%=*}; n=${n#node}
        [ "$n" -ge 1 ] && [ "$n" -le "$nodes" ] || die "--label: no node $n"
        nodeid=$("$DOCKER" -H "unix://$dir/n$n/docker.sock" info -f '{{.Swarm.NodeID}}')
        "$DOCKER" node update --label-add "${p#*=}" "$nodeid" >/dev/null
    done

    {
        printf 'export DCS_LAB_DIR=%q\n' "$dir"
        printf 'export DOCKER_HOST=%q\n' "unix://$dir/docker.sock"
        printf 'unset DOCKER_CONTEXT DOCKER_TLS_VERIFY DOCKER_CERT_PATH\n'
        printf 'export DCS_LAB_DOCKER=%q\n' "$DOCKER"
        printf 'export DCS_LAB_IMAGE=%q\n' "$IMAGE"
        printf 'export DCS_LAB_NODES=%q\n' "$nodes"
        for i in $(seq 1 "$nodes"); do
            printf 'export DCS_LAB_NODE%s_HOST=%q\n' "$i" "unix://$dir/n$i/docker.sock"
            printf 'export DCS_LAB_NODE%s_NAME=node%s\n' "$i" "$i"
            printf 'export DCS_LAB_NODE%s_ID=%q\n' "$i" \
                "$("$DOCKER" -H "unix://$dir/n$i/docker.sock" info -f '{{.Swarm.NodeID}}')"
            printf 'export DCS_LAB_NODE%s_ADDR=%q\n' "$i" "$NET.$i"
        done
        printf 'export PATH=%q:"$PATH"\n' "$dir/bin"
    } >"$dir/env"

    [ -n "$owner" ] || reg_write "$id" "$dir" "$nodes" none ""
    trap - EXIT INT TERM HUP
    say "lab $id: $nodes node(s) ready in $(( $(now_ms) - t0 )) ms; env in $dir/env"
    cat "$dir/env"
}

# ---------------------------------------------------------------- commands

lab_id_of() {
    [ -f "$1/lab.info" ] || die "$1 is not a lab (no lab.info)"
    sed -n 's/^id=//p' "$1/lab.info"
}

cmd_stop() {
    [ $# = 1 ] || usage
    [ "$(id -u)" = 0 ] || die "must run as root"
    local dir
    dir=$(cd "$1" 2>/dev/null && pwd -P) || die "no such directory: $1"
    teardown "$(lab_id_of "$dir")" "$dir"
}

# gc: remove labs whose owner died, or (labs started by hand) whose
# directory vanished or whose manager dockerd is gone; and namespaces or cgroups
# named like a lab that no registry entry explains.  --all removes every lab.
cmd_gc() {
    local all="" f id dir owner ostart dead pid ns cg
    [ "${1:-}" = --all ] && all=1
    [ "$(id -u)" = 0 ] || die "must run as root"
    for f in "$REGISTRY"/*; do
        [ -f "$f" ] || continue
        case $f in *.tmp) rm -f "$f"; continue ;; esac
        id=${f##*/}
        dir=$(reg_get "$id" dir)
        owner=$(reg_get "$id" owner)
        ostart=$(reg_get "$id" owner_start)
        dead=$all
        if [ "$owner" != none ]; then
            # Owned (by run-tests.sh, or by lab.sh start while starting).
            [ "$(proc_start "$owner" 2>/dev/null)" = "$ostart" ] || dead=1
        elif [ ! -f "$dir/lab.info" ]; then
            dead=1
        else
            pid=$(cat "$dir/n1/dockerd.pid" 2>/dev/null || true)
            is_ours "$pid" "$dir/n1/" || dead=1
        fi
        if [ -n "$dead" ]; then
            say "removing lab $id ($dir)"
            teardown "$id" "$dir"
        fi
    done
    # Orphans: namespaces or cgroups of labs with no registry entry.
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$PREFIX-" || true); do
        id=${ns#"$PREFIX"-}; id=${id%%-*}
        [ -f "$REGISTRY/$id" ] || { say "removing orphan lab $id"; teardown "$id"; }
    done
    for cg in $(lab_cgroups "*"); do
        id=${cg##*/}; id=${id#"$PREFIX"-}; id=${id%%-*}
        [ -f "$REGISTRY/$id" ] || { say "removing orphan cgroups of lab $id"; teardown "$id"; }
    done
}

# stop-dockerd DIR I / start-dockerd DIR I: node I's dockerd goes away
# (SIGTERM, as a daemon restart does; its containers are stopped) and comes
# back with the same data, for tests of an engine outage.
cmd_node_dockerd() {
    [ $# = 3 ] || usage
    [ "$(id -u)" = 0 ] || die "must run as root"
    local what=$1 dir i=$3 pid
    dir=$(cd "$2" 2>/dev/null && pwd -P) || die "no such directory: $2"
    [ -d "$dir/n$i" ] || die "no node $i in $dir"
    pid=$(cat "$dir/n$i/dockerd.pid" 2>/dev/null || true)
    if [ "$what" = stop ]; then
        is_ours "$pid" "$dir/n$i/" || die "node $i: dockerd is not running"
        kill -TERM "$pid"
        wait_gone 20 "$pid" || kill -KILL "$pid"
        return 0
    fi
    ! is_ours "$pid" "$dir/n$i/" || die "node $i: dockerd is running already"
    rm -f "$dir/n$i/docker.sock" "$dir/n$i/docker.pid"
    [ "$i" != 1 ] || rm -f "$dir/docker.sock"
    start_dockerd "$dir" "$(lab_id_of "$dir")" "$i"
}

cmd_exec() {
    [ $# -ge 2 ] || usage
    local dir=$1
    shift
    [ -f "$dir/env" ] || die "$dir has no env (not a started lab)"
    # shellcheck disable=SC1091
    . "$dir/env"
    exec "$@"
}

case ${1:-} in
    start) shift; cmd_start "$@" ;;
    stop)  shift; cmd_stop "$@" ;;
    gc)    shift; cmd_gc "$@" ;;
    exec)  shift; cmd_exec "$@" ;;
    stop-dockerd) shift; cmd_node_dockerd stop "$@" ;;
    start-dockerd) shift; cmd_node_dockerd start "$@" ;;
    *) usage ;;
esac
