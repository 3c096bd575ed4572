# Shared names for the local stand-ins; sourced by the scripts in this folder.
# shellcheck shell=bash
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
STATE=${MASCLET_STATE:-$ROOT/.local}
VENV=${MASCLET_VENV:-$ROOT/.venv}
IMAGE=${MASCLET_IMAGE:-masclet/debian12-systemd:bookworm}
CONTAINER=${MASCLET_CONTAINER:-masclet-local}
MOTO_PORT=${MASCLET_MOTO_PORT:-4566}
PEBBLE_PORT=14000
export ROOT STATE VENV IMAGE CONTAINER MOTO_PORT PEBBLE_PORT
