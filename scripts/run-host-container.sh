#!/usr/bin/env bash
# Run a Debian 12 systemd container that stands in for the EC2 instance: 1 GiB of
# memory like a t2.micro, its own network namespace in a Docker network of the
# project's, and its SSH, HTTP and HTTPS published on a loopback address of its own
# (HOST_ADDRESS), the way an instance is reached on its Elastic IP. The flags are the
# set that works on this machine (--privileged does not).
# Usage: run-host-container.sh NAME
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"
name=${1:-$CONTAINER}

if ! docker network inspect "$NETWORK" >/dev/null 2>&1; then
  docker network create --label project=masclet "$NETWORK" >/dev/null
fi
publish=(-p "$HOST_ADDRESS:22:22" -p "$HOST_ADDRESS:80:80" -p "$HOST_ADDRESS:443:443")
# The demo's host also answers HTTPS on 127.0.0.1, for tools that aim there
# (../shared/tools/keepalive_load.py); set MASCLET_PUBLISH_LOOPBACK_HTTPS=0 to leave it free.
if [ "${MASCLET_PUBLISH_LOOPBACK_HTTPS:-1}" = 1 ]; then
  publish+=(-p "127.0.0.1:443:443")
fi

docker run -d --name "$name" --hostname "$name" \
  --memory 1g --memory-swap 1g \
  --network "$NETWORK" "${publish[@]}" \
  --cap-add SYS_ADMIN --cap-add NET_ADMIN \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
  -v "$RELAY:/var/lib/standin-relay" \
  --tmpfs /run --tmpfs /run/lock \
  --label project=masclet --label "masclet.address=$HOST_ADDRESS" \
  --stop-signal SIGRTMIN+3 \
  "$IMAGE" >/dev/null
