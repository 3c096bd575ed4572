#!/usr/bin/env bash
# The local stand-in for a Phase 2 RDS endpoint: PostgreSQL in a container of its own on the
# hosts' Docker network, the way RDS answers an instance inside its VPC. Like RDS it forces
# TLS (with a CA of its own, so clients must verify against a bundle that is not a system
# one), and its master user is not a superuser (CREATEDB, CREATEROLE only). moto answers the
# RDS API; this answers the endpoint. Idempotent.
# Usage: local-rds.sh up MASTER_USER [DB_NAME]   (the master password on stdin; DB_NAME, owned
#        by the master, as RDS's db_name; the last line printed is "changed" or "unchanged")
#        local-rds.sh down
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/local-env.sh
. "$ROOT/scripts/local-env.sh"
name=${MASCLET_RDS_CONTAINER:-$CONTAINER-rds}
dir="$STATE/rds"
pgdir=/etc/postgresql/15/main

die() { echo "local-rds: $*" >&2; exit 1; }

if [ "${1:-}" = down ]; then
  if [ "$(docker inspect -f '{{index .Config.Labels "project"}}' "$name" 2>/dev/null)" = masclet ]; then
    docker rm -f "$name" >/dev/null && echo "local-rds: removed $name"
  fi
  rm -f "$dir/$name.pem" "$dir/$name.key" "$dir/$name.superuser"
  exit 0
fi
[ "${1:-}" = up ] && [ -n "${2:-}" ] || die "usage: local-rds.sh up MASTER_USER < password | local-rds.sh down"
master=$2
dbname=${3:-}
[[ $master =~ ^[a-z][a-z0-9_]{0,62}$ ]] || die "master user '$master' is not a plain PostgreSQL name"
[[ -z $dbname || $dbname =~ ^[a-z][a-z0-9_]{0,62}$ ]] || die "database '$dbname' is not a plain PostgreSQL name"
password=$(cat)
[ -n "$password" ] || die "no master password on stdin"

# --- its CA and server certificate (the name clients connect to is the container's) -----
mkdir -p "$dir"
# Stand-ins may be made side by side (the host's tests and Molecule's): one CA, made once.
exec 9>"$dir/.certs.lock"
flock 9
if [ ! -s "$dir/ca.pem" ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=masclet local RDS stand-in CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
fi
# One server certificate per stand-in, for the name clients connect to.
cert="$dir/$name.pem" key="$dir/$name.key"
if [ ! -s "$cert" ] || ! openssl x509 -in "$cert" -noout -checkend 86400 >/dev/null \
  || ! openssl verify -CAfile "$dir/ca.pem" "$cert" >/dev/null 2>&1; then
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$key" -out "$dir/$name.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$name" >"$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 825 -extfile "$dir/$name.ext" -out "$cert" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext" "$dir/ca.srl"
fi
chmod 600 "$dir"/*.key
flock -u 9
changed=unchanged

# --- the container ----------------------------------------------------------------------
if ! docker container inspect "$name" >/dev/null 2>&1; then
  docker network inspect "$NETWORK" >/dev/null 2>&1 \
    || docker network create --label project=masclet "$NETWORK" >/dev/null
  docker run -d --name "$name" --hostname "$name" --memory 512m --memory-swap 512m \
    --network "$NETWORK" --cap-add SYS_ADMIN \
    --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=host -v /sys/fs/cgroup:/sys/fs/cgroup:rw --tmpfs /run --tmpfs /run/lock \
    --label project=masclet --stop-signal SIGRTMIN+3 "$IMAGE" >/dev/null
  changed=changed
elif [ "$(docker inspect -f '{{.State.Running}}' "$name")" != true ]; then
  docker start "$name" >/dev/null
fi
for _ in $(seq 60); do
  docker exec "$name" systemctl is-system-running 2>/dev/null | grep -Eq 'running|degraded' && break
  sleep 1
done

# --- PostgreSQL, TLS only, a master that is not a superuser -----------------------------
if ! docker exec "$name" test -d "$pgdir"; then
  docker exec "$name" sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null' \
    || die "could not install PostgreSQL in $name"
  changed=changed
fi
docker cp -q "$cert" "$name:$pgdir/server.pem"
docker cp -q "$key" "$name:$pgdir/server.key"
docker cp -q "$dir/ca.pem" "$name:$pgdir/ca.pem"
docker exec "$name" sh -c "chown postgres:postgres $pgdir/server.* $pgdir/ca.pem && chmod 600 $pgdir/server.key"
docker exec -i "$name" sh -c "cat > $pgdir/conf.d/rds-standin.conf" <<EOF
# The RDS endpoint stand-in: reachable on the hosts' network, TLS with its own CA.
listen_addresses = '*'
ssl = on
ssl_cert_file = '$pgdir/server.pem'
ssl_key_file = '$pgdir/server.key'
password_encryption = scram-sha-256
EOF
# rds.force_ssl = 1: a connection without TLS is refused.
docker exec -i "$name" sh -c "cat > $pgdir/pg_hba.conf" <<'EOF'
local   all   postgres                 peer
hostssl all   all       0.0.0.0/0      scram-sha-256
hostssl all   all       ::/0           scram-sha-256
host    all   all       0.0.0.0/0      reject
host    all   all       ::/0           reject
EOF
# Restart only when what it reads changed, so a second run leaves sessions alone.
sum=$(docker exec "$name" sh -c "cat $pgdir/server.pem $pgdir/conf.d/rds-standin.conf $pgdir/pg_hba.conf | sha256sum")
if [ "$(docker exec "$name" cat "$pgdir/.standin-sum" 2>/dev/null)" != "$sum" ] \
  || ! docker exec "$name" systemctl is-active -q postgresql@15-main; then
  docker exec "$name" systemctl restart postgresql@15-main
  docker exec "$name" sh -c "echo '$sum' > $pgdir/.standin-sum"
  changed=changed
fi
for _ in $(seq 30); do
  docker exec "$name" runuser -u postgres -- pg_isready -q 2>/dev/null && break
  sleep 1
done
# RDS's db_name: the database made with the instance, owned by the master.
if [ -n "$dbname" ] && [ -z "$(docker exec "$name" runuser -u postgres -- \
  psql -XAt -c "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" ]; then
  docker exec "$name" runuser -u postgres -- sh -c \
    "psql -X -q -c 'CREATE ROLE \"$master\" LOGIN' 2>/dev/null; createdb -O '$master' '$dbname'" \
    || die "could not create the database $dbname in $name"
  changed=changed
fi
# Vanilla PostgreSQL 15 lets only a superuser CREATE SUBSCRIPTION, where RDS lets its master
# (rds_superuser): a move by logical replication creates its subscription as this login here
# (group_vars/local/database.yml). Its password is made once, kept beside the CA (0600).
su_file="$dir/$name.superuser"
[ -s "$su_file" ] || (umask 077 && openssl rand -hex 24 >"$su_file")
if ! docker exec -i "$name" sh -c "read -r PGPASSWORD; export PGPASSWORD; psql -X -q -At \
    'host=$name dbname=postgres user=standin_superuser sslmode=require' -c 'SELECT 1'" \
    <"$su_file" >/dev/null 2>&1; then
  docker exec -i "$name" runuser -u postgres -- sh -c "
    read -r pw; psql -X -q -v ON_ERROR_STOP=1 -v pw=\"\$pw\" <<'SQL'
SELECT 'CREATE ROLE standin_superuser' WHERE NOT EXISTS
  (SELECT 1 FROM pg_roles WHERE rolname = 'standin_superuser') \\gexec
SELECT format('ALTER ROLE standin_superuser LOGIN SUPERUSER PASSWORD %L', :'pw') \\gexec
SQL" <"$su_file" || die "could not set the stand-in's superuser in $name"
  changed=changed
fi

# The master logs in with this password over TLS already: nothing to change.
if printf '%s' "$password" | docker exec -i "$name" sh -c "read -r PGPASSWORD; export PGPASSWORD;
    psql -X -q -At 'host=$name dbname=postgres user=$master sslmode=require' \
    -c 'SELECT rolcreatedb AND rolcreaterole AND NOT rolsuper FROM pg_roles WHERE rolname = current_user'" \
    2>/dev/null | grep -qx t; then
  echo "$changed"
  exit 0
fi
# The password travels on stdin, never on a command line.
printf '%s' "$password" | docker exec -i "$name" runuser -u postgres -- sh -c "
  read -r pw; psql -X -q -v ON_ERROR_STOP=1 -v master=$master -v pw=\"\$pw\" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'master')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'master') \\gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB CREATEROLE NOSUPERUSER PASSWORD %L', :'master', :'pw') \\gexec
SQL" || die "could not set the master user in $name"
echo changed
