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
# The environment whose instance the container stands for, and the AWS profile (in
# AWS_CREDENTIALS_FILE) of its account; empty: moto's default account.
LOCAL_ENVIRONMENT=${MASCLET_ENVIRONMENT:-local}
LOCAL_PROFILE=${MASCLET_AWS_PROFILE:-}
AWS_CREDENTIALS_FILE=$STATE/aws/credentials
# The client's side of an account move (scripts/local-client-up.sh): a second account in
# moto, reached by sts:AssumeRole, and a second host container on its own loopback address.
CLIENT_ENVIRONMENT=client
CLIENT_CONTAINER=masclet-client
CLIENT_ADDRESS=127.0.0.4
CLIENT_ACCOUNT=210987654321
CLIENT_PROFILE=masclet-client
export ROOT STATE VENV IMAGE CONTAINER MOTO_PORT PEBBLE_PORT HOST_ADDRESS NETWORK RELAY_PORTS RELAY
export LOCAL_ENVIRONMENT LOCAL_PROFILE AWS_CREDENTIALS_FILE
export CLIENT_ENVIRONMENT CLIENT_CONTAINER CLIENT_ADDRESS CLIENT_ACCOUNT CLIENT_PROFILE
