# Shared names for the local stand-ins; sourced by the scripts in this folder.
# shellcheck shell=bash
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STATE=${MASCLET_STATE:-$ROOT/.local}
VENV=${MASCLET_VENV:-$ROOT/.venv}
# The tag changes with the image's content, so that an older image is rebuilt.
IMAGE=${MASCLET_IMAGE:-masclet/debian12-systemd:bookworm-ssh1}
CONTAINER=${MASCLET_CONTAINER:-masclet-local}
MOTO_PORT=${MASCLET_MOTO_PORT:-4566}
PEBBLE_PORT=14000
# The host container's own loopback address: its 22, 80 and 443 are published there.
HOST_ADDRESS=${MASCLET_HOST_ADDRESS:-127.0.0.2}
NETWORK=${MASCLET_NETWORK:-masclet-hosts}
# The controller's stand-ins that a host container reaches on its own 127.0.0.1, and the
# relay that carries them there: a container on the controller's network with a Docker
# volume of Unix sockets that every host container mounts (one name for both).
RELAY_PORTS="$MOTO_PORT $PEBBLE_PORT"
RELAY=${MASCLET_RELAY:-masclet-relay}
export ROOT STATE VENV IMAGE CONTAINER MOTO_PORT PEBBLE_PORT HOST_ADDRESS NETWORK RELAY_PORTS RELAY
