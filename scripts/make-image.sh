#!/bin/sh
# make image: the dcswarm image without a registry or a base image, for
# machines that cannot pull (this project's lab): the built binary, the
# shared libraries it needs (as ldd finds them) and CA certificates, made a
# root filesystem and `docker import`ed into the engine of DOCKER_HOST.
# The Dockerfile builds the same image where debian:bookworm-slim can be
# pulled.
# Usage: sh scripts/make-image.sh [BINARY] [NAME:TAG]
set -eu
bin=${1:-./dcswarm}
name=${2:-dcswarm/dcswarm:latest}
docker=${DOCKER:-/usr/bin/docker}
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

mkdir -p "$root/usr/local/bin" "$root/etc/ssl/certs" "$root/tmp" "$root/run/secrets"
chmod 1777 "$root/tmp"
cp "$bin" "$root/usr/local/bin/dcswarm"
# Every library and the loader, at the paths the binary asks for them.
ldd "$bin" | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
done
[ -f /etc/ssl/certs/ca-certificates.crt ] &&
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
printf 'root:x:0:0:root:/:/usr/local/bin/dcswarm\nnobody:x:65534:65534:nobody:/:/usr/local/bin/dcswarm\n' \
    > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
version=$("$bin" --version | awk '{ print $2 }')
tar -C "$root" -c . | "$docker" import \
    --change 'ENTRYPOINT ["/usr/local/bin/dcswarm"]' \
    --change 'CMD ["serve"]' \
    --change 'ENV DCSWARM_LISTEN=0.0.0.0:8080' \
    --change 'EXPOSE 8080' \
    --change "LABEL org.opencontainers.image.title=dcswarm org.opencontainers.image.version=$version" \
    - "$name" > /dev/null
echo "make-image: $name ($("$docker" image inspect -f '{{.Size}}' "$name") bytes)"
