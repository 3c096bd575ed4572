#!/usr/bin/env bash
# The client's side of an account move, locally (playbooks/migrate-account.yml, environment
# "client"): a second account in the local AWS API, reached by sts:AssumeRole from the first
# as a cross-account role is on AWS, and a second host container on its own loopback address,
# beside the local environment's. Idempotent, like local-up.sh, which it runs twice: once for
# the local environment (the move's source), once for the client's host.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"

"$ROOT/scripts/local-up.sh"
# moto keeps nothing on disk: the profile is checked, and made anew when moto restarted.
"$VENV/bin/python" "$ROOT/scripts/local-account.py" "http://127.0.0.1:$MOTO_PORT" \
  "$CLIENT_ACCOUNT" "$CLIENT_PROFILE" "$AWS_CREDENTIALS_FILE"
# The client's host: published on its own address only (127.0.0.1:443 stays the local one's).
MASCLET_CONTAINER=$CLIENT_CONTAINER MASCLET_HOST_ADDRESS=$CLIENT_ADDRESS \
  MASCLET_PUBLISH_LOOPBACK_HTTPS=0 MASCLET_ENVIRONMENT=$CLIENT_ENVIRONMENT \
  MASCLET_AWS_PROFILE=$CLIENT_PROFILE "$ROOT/scripts/local-up.sh"
