#!/usr/bin/env bash
# Start the local stand-ins for AWS and the EC2 host: dockerd, the Debian 12
# systemd image, the host container, moto (AWS API) and pebble (ACME).
# Idempotent: what already runs is left alone. Only what this project starts is
# recorded in $STATE so that local-down.sh stops exactly that.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"

mkdir -p "$STATE"
STARTED_NOW=()

die() {
  echo "local-up: $*" >&2
  # Leave nothing half-running: undo what this invocation started.
  for what in "${STARTED_NOW[@]:-}"; do
    [ -n "$what" ] && "$ROOT/scripts/local-down.sh" --only "$what" >/dev/null 2>&1 || true
  done
  exit 1
}

port_busy() { # port -> 0 when something listens on 127.0.0.1:port (tcp or udp)
  ss -Hltnu "( sport = :$1 )" 2>/dev/null | grep -q .
}

wait_for() { # seconds, description, command...
  local n=$1 what=$2; shift 2
  for _ in $(seq "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep 1; done
  die "$what did not become ready in ${n}s (log: $STATE)"
}

ours_alive() { [ -f "$STATE/$1.pid" ] && kill -0 "$(cat "$STATE/$1.pid")" 2>/dev/null; }

start_bg() { # name, command... (runs detached, pid recorded)
  local name=$1; shift
  setsid "$@" >"$STATE/$name.log" 2>&1 < /dev/null &
  echo $! >"$STATE/$name.pid"
  STARTED_NOW+=("$name")
}

# --- dockerd -----------------------------------------------------------------
if ! docker info >/dev/null 2>&1; then
  command -v dockerd >/dev/null || die "dockerd is not installed (run: make setup)"
  start_bg dockerd dockerd
  wait_for 60 dockerd docker info
fi

# --- the Debian 12 systemd image ---------------------------------------------
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
  # debootstrap and the import need about 1 GiB; refuse early rather than half-build.
  free_mb=$(df -Pm /var/tmp | awk 'NR==2 {print $4}')
  [ "$free_mb" -ge 2048 ] || die "only ${free_mb} MiB free in /var/tmp; the image build needs 2048"
  "$ROOT/scripts/build-image.sh" || die "image build failed (debootstrap log: $STATE/debootstrap.log)"
fi

# --- moto: the local AWS API ---------------------------------------------------
if ! ours_alive moto; then
  port_busy "$MOTO_PORT" && die "port $MOTO_PORT is taken by another program; moto cannot start"
  [ -x "$VENV/bin/moto_server" ] || die "moto_server missing from $VENV (run: make setup)"
  # Its request recorder (off unless a test turns it on) writes under $STATE, not the cwd.
  MOTO_RECORDER_FILEPATH="$STATE/moto_recording" \
    start_bg moto "$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT"
  wait_for 30 "moto on 127.0.0.1:$MOTO_PORT" curl -fsS "http://127.0.0.1:$MOTO_PORT/moto-api/"
fi

# --- pebble: the local ACME CA, and its DNS ---------------------------------
if ! ours_alive challtestsrv; then
  for p in 8053 8055; do
    port_busy "$p" && die "port $p is taken by another program; pebble-challtestsrv cannot start"
  done
  # Every name resolves to the host container's address, so http-01 lands on its nginx.
  start_bg challtestsrv pebble-challtestsrv -defaultIPv4 "$HOST_ADDRESS" -defaultIPv6 "" \
    -dns01 127.0.0.1:8053 -management 127.0.0.1:8055 \
    -http01 "" -https01 "" -tlsalpn01 ""
  wait_for 20 "pebble-challtestsrv on 127.0.0.1:8053" port_busy 8053
fi
if ! ours_alive pebble; then
  for p in "$PEBBLE_PORT" 15000; do
    port_busy "$p" && die "port $p is taken by another program; pebble cannot start"
  done
  "$ROOT/scripts/pebble-cert.sh" "$STATE/pebble" || die "could not create pebble's TLS certificate"
  # No artificial sleeps and no nonce rejections: tests want speed, not chaos.
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=100 \
    start_bg pebble pebble -config "$STATE/pebble/pebble-config.json" -dnsserver 127.0.0.1:8053
  wait_for 30 "pebble on 127.0.0.1:$PEBBLE_PORT" curl -fsS --cacert "$STATE/pebble/ca.pem" \
    "https://127.0.0.1:$PEBBLE_PORT/dir"
fi
# pebble makes a new issuing root at every start: keep the current one where the local
# environment's group_vars point clients on the host (Node's server-side calls) at it.
curl -fsS --cacert "$STATE/pebble/ca.pem" -o "$STATE/pebble/roots.pem.new" https://127.0.0.1:15000/roots/0 \
  || die "could not read pebble's root certificate"
if cmp -s "$STATE/pebble/roots.pem.new" "$STATE/pebble/roots.pem"; then
  rm -f "$STATE/pebble/roots.pem.new"
else
  mv "$STATE/pebble/roots.pem.new" "$STATE/pebble/roots.pem"
fi

# --- the relay: the host container reaches moto and pebble on its own 127.0.0.1 ----------
# A container on the controller's network (so its 127.0.0.1 is the controller's) listens on
# Unix sockets in a Docker volume that the host container mounts. Both ends are Docker's
# own, so they meet whatever mount namespace dockerd runs in: a socket under the checkout,
# bind-mounted, was seen by a CI machine's dockerd as another, stale directory. No address
# outside 127.0.0.0/8 is ever involved.
relay_state=absent
if docker container inspect "$RELAY" >/dev/null 2>&1; then
  relay_state=$(docker container inspect -f '{{.State.Status}}' "$RELAY")
fi
case "$relay_state" in
  running) ;;
  absent)
    docker volume inspect "$RELAY" >/dev/null 2>&1 \
      || docker volume create --label project=masclet "$RELAY" >/dev/null
    # One socat per port; when one dies the container exits and Docker restarts it.
    docker run -d --name "$RELAY" --label project=masclet --network host \
      --memory 64m --restart unless-stopped -v "$RELAY:/var/lib/standin-relay" \
      --entrypoint /bin/bash "$IMAGE" -c 'for p in "$@"; do
          socat -d "UNIX-LISTEN:/var/lib/standin-relay/$p.sock,fork,unlink-early,mode=660" \
            "TCP:127.0.0.1:$p" & done; wait -n; exit 1' relay $RELAY_PORTS >/dev/null \
      || die "the relay container $RELAY did not start"
    STARTED_NOW+=("relay") ;;
  *)
    docker start "$RELAY" >/dev/null || die "the relay container $RELAY would not start"
    STARTED_NOW+=("relay") ;;
esac
for port in $RELAY_PORTS; do
  wait_for 10 "the relay to 127.0.0.1:$port" docker exec "$RELAY" test -S "/var/lib/standin-relay/$port.sock"
done

# --- the host container (a t2.micro stand-in) -----------------------------------
state=absent
if docker container inspect "$CONTAINER" >/dev/null 2>&1; then
  state=$(docker container inspect -f '{{.State.Status}}' "$CONTAINER")
  # A host from before its own network (it shared the machine's, reached by docker exec)
  # cannot be moved to one: make it anew, as a replaced instance.
  addr=$(docker container inspect -f '{{index .Config.Labels "masclet.address"}}' "$CONTAINER")
  # Nor can one that mounts the relay's sockets from the checkout rather than its volume.
  relay_mount=$(docker container inspect -f \
    '{{range .Mounts}}{{if eq .Destination "/var/lib/standin-relay"}}{{.Name}}{{end}}{{end}}' "$CONTAINER")
  if [ "$addr" != "$HOST_ADDRESS" ] || [ "$relay_mount" != "$RELAY" ]; then
    echo "local-up: $CONTAINER has an old layout (no own address, or relay from the checkout); making it anew" >&2
    docker rm -f "$CONTAINER" >/dev/null
    state=absent
  fi
fi
new_container() {
  # A new container is a new instance: the one moto still lists for the local environment
  # stood for the container that is gone, and its recorded host keys with it.
  "$VENV/bin/python" "$ROOT/scripts/local-instance-gone.py" "http://127.0.0.1:$MOTO_PORT" \
    "$LOCAL_ENVIRONMENT" ${LOCAL_PROFILE:+"$LOCAL_PROFILE" "$AWS_CREDENTIALS_FILE"} \
    || die "could not retire the previous $LOCAL_ENVIRONMENT instance in moto"
  "$ROOT/scripts/run-host-container.sh" "$CONTAINER" || die "the host container did not start"
}

container_ready() { # systemd, sshd, and the stand-ins answering inside; dies on the first two
  wait_for 60 "systemd in $CONTAINER" sh -c \
    "docker exec $CONTAINER systemctl is-system-running | grep -Eq 'running|degraded'"
  # The instance's sshd, as on the AMI (the image leaves it off for Molecule's hosts).
  docker exec "$CONTAINER" systemctl enable --now --quiet ssh.service \
    || die "sshd did not start in $CONTAINER"
  wait_for 30 "SSH on $HOST_ADDRESS:22" sh -c "ssh-keyscan -T 2 $HOST_ADDRESS 2>/dev/null | grep -q ."
  # moto and pebble answer on the container's own 127.0.0.1 (the backups and certbot reach
  # them there): proved end to end now, rather than halfway through a phase. A relay unit
  # that died is restarted once; then up to 30 s for both to answer.
  "$ROOT/scripts/relay-check.sh" "$CONTAINER" >/dev/null && return 0
  docker exec "$CONTAINER" systemctl restart "standin-relay@*" >/dev/null 2>&1 || true
  for _ in $(seq 30); do "$ROOT/scripts/relay-check.sh" "$CONTAINER" >/dev/null && return 0; sleep 1; done
  return 1
}

made_now=0
case "$state" in
  running) ;;
  absent)
    new_container
    made_now=1
    STARTED_NOW+=("container") ;;
  *)
    docker start "$CONTAINER" >/dev/null || die "the host container $CONTAINER would not start"
    STARTED_NOW+=("container") ;;
esac
if ! container_ready; then
  explained=$("$ROOT/scripts/relay-check.sh" --explain "$CONTAINER" || true)
  [ "$made_now" = 1 ] || die "the stand-ins do not answer inside $CONTAINER:
$explained"
  # A container made a moment ago holds nothing yet: make it once more, keeping the diagnosis.
  printf 'local-up: the stand-ins did not answer inside the new %s; making it anew:\n%s\n' \
    "$CONTAINER" "$explained" >&2
  docker rm -f "$CONTAINER" >/dev/null
  new_container
  container_ready || die "the stand-ins do not answer inside $CONTAINER:
$("$ROOT/scripts/relay-check.sh" --explain "$CONTAINER")"
fi

echo "local-up: dockerd, image $IMAGE, $CONTAINER on $HOST_ADDRESS, moto :$MOTO_PORT, pebble :$PEBBLE_PORT ready"
