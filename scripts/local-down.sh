#!/usr/bin/env bash
# Stop the local stand-ins that local-up.sh started, and nothing else: a dockerd
# that was already running, or a container this project did not create, stays.
# Usage: local-down.sh [--only NAME]   (NAME: container, relay, pebble, challtestsrv, moto, dockerd)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"

only=${2:-}
[ "${1:-}" = "--only" ] || only=""

want() { [ -z "$only" ] || [ "$only" = "$1" ]; }

stop_pid() { # name
  local f="$STATE/$1.pid"
  [ -f "$f" ] || return 0
  local pid
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
    echo "local-down: stopped $1"
  fi
  rm -f "$f"
}

if want container && docker info >/dev/null 2>&1; then
  # Only a container carrying this project's label is ours to remove.
  if [ "$(docker inspect -f '{{index .Config.Labels "project"}}' "$CONTAINER" 2>/dev/null)" = masclet ]; then
    docker rm -f "$CONTAINER" >/dev/null && echo "local-down: removed $CONTAINER"
  fi
  # The client's host (scripts/local-client-up.sh), when one was made.
  if [ "$(docker inspect -f '{{index .Config.Labels "project"}}' "$CLIENT_CONTAINER" 2>/dev/null)" = masclet ]; then
    docker rm -f "$CLIENT_CONTAINER" >/dev/null && echo "local-down: removed $CLIENT_CONTAINER"
  fi
  # Phase 2's RDS endpoint stand-in (scripts/local-rds.sh), when one was made.
  "$ROOT/scripts/local-rds.sh" down | sed 's/^local-rds:/local-down:/'
fi
if want relay && docker info >/dev/null 2>&1 \
  && [ "$(docker inspect -f '{{index .Config.Labels "project"}}' "$RELAY" 2>/dev/null)" = masclet ]; then
  docker rm -f "$RELAY" >/dev/null && echo "local-down: removed $RELAY"
  docker volume rm "$RELAY" >/dev/null 2>&1 || true
fi
# The relays of before (socat on the controller, sockets under the checkout).
for port in $RELAY_PORTS; do want relay && stop_pid "relay-$port"; done
for name in pebble challtestsrv moto; do want "$name" && stop_pid "$name"; done
if want dockerd; then stop_pid dockerd; fi
exit 0
