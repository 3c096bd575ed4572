#!/usr/bin/env bash
# Run a Debian 12 systemd container that stands in for the EC2 instance:
# 1 GiB of memory like a t2.micro, host networking so every service is on
# 127.0.0.1. The flags are the set that works on this machine (--privileged
# does not). Usage: run-host-container.sh NAME
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"
name=${1:-$CONTAINER}

docker run -d --name "$name" --hostname "$name" \
  --memory 1g --memory-swap 1g \
  --network host \
  --cap-add SYS_ADMIN --cap-add NET_ADMIN \
  --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
  --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
  --tmpfs /run --tmpfs /run/lock \
  --label project=masclet --stop-signal SIGRTMIN+3 \
  "$IMAGE" >/dev/null
