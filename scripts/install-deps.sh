#!/bin/sh
# Install the Debian packages dcswarm builds with and tests against, once.
# Quick when everything is there: only `dpkg -s` runs.
set -eu
PKGS="build-essential pkg-config libevent-dev libjansson-dev libyaml-dev
libcurl4-openssl-dev libssl-dev libwslay-dev libcmocka-dev
docker.io busybox-static iproute2 curl procps kmod
python3 python3-jsonschema python3-requests python3-pytest python3-websocket
python3-yaml python3-docker time bc wrk haproxy python3-gevent clang chromium
python3-prometheus-client mandoc man-db systemd
docker-registry"
missing=""
for p in $PKGS; do
    dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
