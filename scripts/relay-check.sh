#!/usr/bin/env bash
# Ask each stand-in (moto, pebble) for an HTTP answer from inside a host container,
# through its relay: the host's socat -> Unix socket in the relay volume -> the relay
# container's socat -> the controller's 127.0.0.1. Exit 0 when every relay answers. With
# --explain, say for a relay that does not answer which hop fails: the same request straight
# into the relay's socket, both sides' view of the socket, the relay container, the host's
# relay unit and its memory cgroup's OOM kills.
# Usage: relay-check.sh [--explain] [CONTAINER]
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"
explain=0
if [ "${1:-}" = --explain ]; then explain=1; shift; fi
name=${1:-$CONTAINER}

# Plain HTTP to a port: moto answers it, and pebble's TLS listener answers it with
# Go's "400 Bad Request", which is enough to prove the whole path carries bytes.
request='GET / HTTP/1.0\r\nHost: relay-check\r\n\r\n'

in_container() { # port -> the first bytes of the answer, through the relay
  docker exec "$name" timeout 5 bash -c \
    "exec 3<>/dev/tcp/127.0.0.1/$1 && printf '%b' '$request' >&3 && head -c 9 <&3" 2>&1
}

memory_events() { # the container's OOM kills, cgroup v2 or v1
  local id
  id=$(docker inspect -f '{{.Id}}' "$name" 2>/dev/null) || return 0
  for f in /sys/fs/cgroup/system.slice/docker-"$id".scope/memory.events \
    /sys/fs/cgroup/docker/"$id"/memory.events /sys/fs/cgroup/memory/docker/"$id"/memory.oom_control; do
    [ -r "$f" ] && echo "$f: $(grep -E 'oom' "$f" | tr '\n' ' ')"
  done
}

status=0
for port in $RELAY_PORTS; do
  answer=$(in_container "$port")
  if [[ $answer == HTTP/1.* ]]; then
    echo "relay $port: answers from $name"
    continue
  fi
  status=1
  echo "relay $port: NO answer from inside $name (got: ${answer:-nothing})"
  [ "$explain" = 1 ] || continue
  sock="/var/lib/standin-relay/$port.sock"
  direct=$(docker exec "$RELAY" timeout 5 bash -c \
    "printf '%b' '$request' | socat - UNIX-CONNECT:$sock | head -c 9" 2>&1)
  echo "  straight into the relay's socket: ${direct:-nothing}"
  echo "  relay container $RELAY: $(docker inspect -f '{{.State.Status}} (restarts {{.RestartCount}})' \
    "$RELAY" 2>&1)"
  docker logs --tail 4 "$RELAY" 2>&1 | sed 's/^/    /'
  echo "  relay side: $(docker exec "$RELAY" stat -c '%n inode %i %F' "$sock" 2>&1 | tr '\n' ';')"
  echo "  host side:  $(docker exec "$name" stat -c '%n inode %i %F' "$sock" 2>&1 | tr '\n' ';')"
  echo "  unit: $(docker exec "$name" systemctl is-active "standin-relay@$port" 2>&1)"
  docker exec "$name" journalctl --no-pager -o short-precise -n 6 -u "standin-relay@$port" 2>&1 \
    | sed 's/^/  /'
  memory_events | sed 's/^/  /'
done
exit "$status"
