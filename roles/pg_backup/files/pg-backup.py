#!/usr/bin/python3
"""Back up, restore and verify one PostgreSQL database and its uploaded files.

Installed by the pg_backup role; configured by the environment (the role's
0600 env file). Commands:

  backup             pg_dump (custom format, compressed) + tar.gz of the imports
                     folder, uploaded to S3 with server-side encryption
  list               the backups in S3, newest last
  restore [NAME]     newest or named backup: checked, restored into a scratch
                     database, swapped in only when that succeeded
  verify [NAME]      restore into a scratch database and compare row counts per
                     table with the live database; the scratch database is dropped
  lifecycle DAYS     expire this environment's objects after DAYS days

The database is the local server's, reached as the postgres OS user over its socket, or,
with PG_BACKUP_HOST set, a remote one such as RDS: reached as PG_BACKUP_USER (a member of
the owner role, not necessarily a superuser) with libpq's own PGPASSWORD, PGSSLMODE and
PGSSLROOTCERT from the same environment.

Object keys: <prefix>/db/<YYYYmmddTHHMMSSZ>.dump and
<prefix>/imports/<YYYYmmddTHHMMSSZ>.tar.gz (prefix = the environment).
Exit status 0 on success, 1 on any failure, with one line on stderr saying why.
"""

import argparse
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import boto3
from botocore.config import Config

STAMP = re.compile(r"^\d{8}T\d{6}Z$")
LOCK = "/run/lock/pg-backup-{db}.lock"


class Failure(Exception):
    """A failure with a message for the operator."""


def env(name, default=None):
    value = os.environ.get(name, default)
    if value is None:
        raise Failure(f"{name} is not set (see the pg_backup env file)")
    return value


class Settings:
    def __init__(self):
        self.db = env("PG_BACKUP_DATABASE")
        self.owner = env("PG_BACKUP_DB_OWNER")
        self.bucket = env("PG_BACKUP_BUCKET")
        self.prefix = env("PG_BACKUP_PREFIX").strip("/")
        self.region = env("PG_BACKUP_REGION", "eu-west-1")
        self.endpoint = os.environ.get("PG_BACKUP_ENDPOINT_URL") or None
        self.local_dir = Path(env("PG_BACKUP_LOCAL_DIR"))
        self.local_keep = int(env("PG_BACKUP_LOCAL_KEEP", "7"))
        self.imports_dir = Path(env("PG_BACKUP_IMPORTS_DIR"))
        self.files_owner = env("PG_BACKUP_FILES_OWNER")
        self.sse = env("PG_BACKUP_SSE", "AES256")
        self.port = env("PG_BACKUP_PORT", "5432")
        self.host = os.environ.get("PG_BACKUP_HOST") or None
        self.user = os.environ.get("PG_BACKUP_USER") or None
        self.maintenance_db = env("PG_BACKUP_MAINTENANCE_DB", "postgres")
        if self.host and not self.user:
            raise Failure("PG_BACKUP_HOST is set without PG_BACKUP_USER")

    def s3(self):
        return boto3.client(
            "s3",
            region_name=self.region,
            endpoint_url=self.endpoint,
            # A nightly run outlives an S3 connection blip: standard mode retries a dropped
            # connection with jittered backoff (10 attempts span about a minute).
            config=Config(retries={"max_attempts": 10, "mode": "standard"}),
        )

    def key(self, kind, stamp):
        ext = "dump" if kind == "db" else "tar.gz"
        return f"{self.prefix}/{kind}/{stamp}.{ext}"


def log(message):
    print(message, flush=True)


def pg_client(settings, args, **kwargs):
    """Run a PostgreSQL client: as the postgres OS user on the local socket (peer
    authentication), or against the remote server as its user (libpq's environment carries
    the password and the TLS settings)."""
    if settings.host:
        remote = ["-h", settings.host, "-U", settings.user]
        return subprocess.run([args[0], *remote, *args[1:]], check=False, **kwargs)
    return subprocess.run(["runuser", "-u", "postgres", "--", *args], check=False, **kwargs)


def psql(settings, database, sql):
    if database == "postgres":
        database = settings.maintenance_db
    proc = pg_client(
        settings,
        [
            "psql",
            "-X",
            "-At",
            "-v",
            "ON_ERROR_STOP=1",
            "-p",
            settings.port,
            "-d",
            database,
            "-c",
            sql,
        ],
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise Failure(f"psql on {database} failed: {proc.stderr.strip()}")
    return proc.stdout


def quote_ident(name):
    return '"' + name.replace('"', '""') + '"'


def database_exists(settings, name):
    sql = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    return psql(settings, "postgres", sql).strip() == "1"


def row_counts(settings, database):
    """Exact row count of every table outside the system schemas."""
    tables = psql(
        settings,
        database,
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' "
        "AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
    ).split()
    if not tables:
        return {}
    parts = []
    for table in tables:
        schema, name = table.split(".", 1)
        parts.append(f"SELECT '{table}', count(*) FROM {quote_ident(schema)}.{quote_ident(name)}")
    out = psql(settings, database, " UNION ALL ".join(parts))
    counts = {}
    for line in out.splitlines():
        table, count = line.rsplit("|", 1)
        counts[table] = int(count)
    return counts


# ---------------------------------------------------------------- backup


def backup(settings):
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    settings.local_dir.mkdir(parents=True, exist_ok=True)
    dump = settings.local_dir / f"{settings.db}-{stamp}.dump"
    files = settings.local_dir / f"imports-{stamp}.tar.gz"
    part = dump.with_suffix(".part")
    with open(part, "wb") as out:
        proc = pg_client(
            settings,
            ["pg_dump", "-p", settings.port, "--format=custom", "--compress=6", settings.db],
            stdout=out,
            stderr=subprocess.PIPE,
            text=False,
        )
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise Failure(f"pg_dump {settings.db} failed: {proc.stderr.decode().strip()}")
    part.rename(dump)
    os.chmod(dump, 0o600)
    if settings.imports_dir.is_dir():
        source = settings.imports_dir
        tar = ["tar", "-C", str(source.parent), "-czf", str(files), source.name]
    else:
        tar = ["tar", "-czf", str(files), "--files-from", "/dev/null"]
    proc = subprocess.run(tar, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise Failure(f"tar of {settings.imports_dir} failed: {proc.stderr.strip()}")
    os.chmod(files, 0o600)

    s3 = settings.s3()
    extra = {"ServerSideEncryption": settings.sse} if settings.sse else {}
    for path, kind in ((dump, "db"), (files, "imports")):
        key = settings.key(kind, stamp)
        try:
            s3.upload_file(str(path), settings.bucket, key, ExtraArgs=extra)
        except Exception as exc:
            raise Failure(f"upload of s3://{settings.bucket}/{key} failed: {exc}") from exc
        log(f"uploaded s3://{settings.bucket}/{key} ({path.stat().st_size} bytes)")
    prune_local(settings)
    log(f"backup {stamp} done")
    return stamp


def prune_local(settings):
    """Keep the newest PG_BACKUP_LOCAL_KEEP local backups."""
    for pattern in (f"{settings.db}-*.dump", "imports-*.tar.gz"):
        found = sorted(settings.local_dir.glob(pattern))
        for old in found[: max(len(found) - settings.local_keep, 0)]:
            old.unlink()
            log(f"removed local {old.name}")


# ---------------------------------------------------------------- listing


def stamps(settings):
    s3 = settings.s3()
    found = []
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=settings.bucket, Prefix=f"{settings.prefix}/db/"):
        for item in page.get("Contents", []):
            stamp = item["Key"].rsplit("/", 1)[-1].removesuffix(".dump")
            if STAMP.match(stamp):
                found.append(stamp)
    return sorted(found)


def pick(settings, name):
    """The stamp of the newest backup, or of the one named (stamp or key)."""
    if name in (None, "", "latest"):
        found = stamps(settings)
        if not found:
            raise Failure(f"no backup in s3://{settings.bucket}/{settings.prefix}/db/")
        return found[-1]
    stamp = name.rsplit("/", 1)[-1].removesuffix(".dump")
    if not STAMP.match(stamp):
        raise Failure(f"{name!r} is not a backup name (YYYYmmddTHHMMSSZ or its S3 key)")
    return stamp


def fetch(settings, stamp, workdir):
    """Download a backup; check the dump is a readable archive before anything else."""
    s3 = settings.s3()
    dump = workdir / f"{stamp}.dump"
    key = settings.key("db", stamp)
    try:
        s3.download_file(settings.bucket, key, str(dump))
    except Exception as exc:
        raise Failure(f"backup s3://{settings.bucket}/{key} cannot be read: {exc}") from exc
    with open(dump, "rb") as data:
        proc = pg_client(settings, ["pg_restore", "--list"], stdin=data, capture_output=True)
    if proc.returncode != 0:
        raise Failure(
            f"backup {key} is not a valid pg_dump archive: {proc.stderr.decode().strip()}"
        )
    files = workdir / f"{stamp}.tar.gz"
    try:
        s3.download_file(settings.bucket, settings.key("imports", stamp), str(files))
    except Exception:
        files = None
    if files is not None:
        proc = subprocess.run(["tar", "-tzf", str(files)], capture_output=True, check=False)
        if proc.returncode != 0:
            raise Failure(f"{settings.key('imports', stamp)} is not a valid tar.gz archive")
    return dump, files


def restore_into(settings, dump, database):
    """Create `database` afresh and restore the dump into it, owned by the owner role. No
    owner or grant is replayed from the dump: a remote server's user (RDS's master) could not,
    and every object is the owner's anyway."""
    psql(settings, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
    # The local cluster's collation as the postgresql role makes it; a remote server's own.
    locale = "" if settings.host else " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
    psql(
        settings,
        "postgres",
        f"CREATE DATABASE {quote_ident(database)} OWNER {quote_ident(settings.owner)} "
        f"TEMPLATE template0 ENCODING 'UTF8'{locale}",
    )
    psql(
        settings,
        "postgres",
        f"REVOKE CONNECT, TEMPORARY ON DATABASE {quote_ident(database)} FROM PUBLIC",
    )
    with open(dump, "rb") as data:
        proc = pg_client(
            settings,
            [
                "pg_restore",
                "-p",
                settings.port,
                "--exit-on-error",
                "--no-owner",
                "--no-privileges",
                f"--role={settings.owner}",
                "-d",
                database,
            ],
            stdin=data,
            capture_output=True,
        )
    if proc.returncode != 0:
        psql(settings, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(database)} WITH (FORCE)")
        raise Failure(f"pg_restore into {database} failed: {proc.stderr.decode().strip()}")


def restore(settings, name):
    stamp = pick(settings, name)
    scratch = f"{settings.db}__restore"
    previous = f"{settings.db}__previous"
    with tempfile.TemporaryDirectory(prefix="pg-backup-") as tmp:
        workdir = Path(tmp)
        dump, files = fetch(settings, stamp, workdir)
        restore_into(settings, dump, scratch)
        counts = row_counts(settings, scratch)
        new_imports = None
        if files is not None:
            new_imports = settings.imports_dir.with_name(settings.imports_dir.name + ".restore")
            shutil.rmtree(new_imports, ignore_errors=True)
            unpack = workdir / "unpack"
            unpack.mkdir()
            subprocess.run(
                ["tar", "-C", str(unpack), "--no-same-owner", "-xzf", str(files)], check=True
            )
            inner = unpack / settings.imports_dir.name
            if not inner.is_dir():
                inner.mkdir()
            shutil.move(str(inner), str(new_imports))
            subprocess.run(
                ["chown", "-R", f"{settings.files_owner}:{settings.files_owner}", str(new_imports)],
                check=True,
            )
            os.chmod(new_imports, 0o750)
        # Only now, with the restored copy complete, is the live database replaced.
        psql(settings, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(previous)} WITH (FORCE)")
        if database_exists(settings, settings.db):
            psql(
                settings,
                "postgres",
                f"ALTER DATABASE {quote_ident(settings.db)} WITH ALLOW_CONNECTIONS false",
            )
            psql(
                settings,
                "postgres",
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{settings.db}' AND pid <> pg_backend_pid()",
            )
            psql(
                settings,
                "postgres",
                f"ALTER DATABASE {quote_ident(settings.db)} RENAME TO {quote_ident(previous)}",
            )
        psql(
            settings,
            "postgres",
            f"ALTER DATABASE {quote_ident(scratch)} RENAME TO {quote_ident(settings.db)}",
        )
        psql(settings, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(previous)} WITH (FORCE)")
        if new_imports is not None:
            old = settings.imports_dir.with_name(settings.imports_dir.name + ".previous")
            shutil.rmtree(old, ignore_errors=True)
            if settings.imports_dir.exists():
                settings.imports_dir.rename(old)
            new_imports.rename(settings.imports_dir)
            shutil.rmtree(old, ignore_errors=True)
    log(f"restored backup {stamp} into {settings.db}: {json.dumps(counts, sort_keys=True)}")


def verify(settings, name):
    stamp = pick(settings, name)
    scratch = f"{settings.db}__verify"
    with tempfile.TemporaryDirectory(prefix="pg-backup-") as tmp:
        dump, _ = fetch(settings, stamp, Path(tmp))
        try:
            restore_into(settings, dump, scratch)
            restored = row_counts(settings, scratch)
        finally:
            psql(
                settings, "postgres", f"DROP DATABASE IF EXISTS {quote_ident(scratch)} WITH (FORCE)"
            )
    source = row_counts(settings, settings.db)
    report = {"backup": stamp, "tables": len(restored), "rows": sum(restored.values())}
    if restored != source:
        diff = {
            t: {"backup": restored.get(t), "live": source.get(t)}
            for t in sorted(set(restored) | set(source))
            if restored.get(t) != source.get(t)
        }
        raise Failure(
            f"backup {stamp} differs from {settings.db}: {json.dumps(diff, sort_keys=True)}"
        )
    log("verified " + json.dumps(report, sort_keys=True))


def lifecycle(settings, days, check):
    """Expire objects under the prefix after `days`; other rules are kept."""
    s3 = settings.s3()
    rule_id = f"pg-backup-{settings.prefix.replace('/', '-')}-expiry"
    try:
        rules = s3.get_bucket_lifecycle_configuration(Bucket=settings.bucket)["Rules"]
    except s3.exceptions.ClientError as exc:
        if "NoSuchLifecycleConfiguration" not in str(exc):
            raise
        rules = []
    wanted = {
        "ID": rule_id,
        "Filter": {"Prefix": f"{settings.prefix}/"},
        "Status": "Enabled",
        "Expiration": {"Days": days},
    }
    current = [r for r in rules if r.get("ID") == rule_id]
    if current and all(current[0].get(k) == v for k, v in wanted.items()):
        log("unchanged")
        return
    if not check:
        others = [r for r in rules if r.get("ID") != rule_id]
        s3.put_bucket_lifecycle_configuration(
            Bucket=settings.bucket, LifecycleConfiguration={"Rules": [*others, wanted]}
        )
    log("changed")


def load_env_file(path):
    """KEY=value lines (systemd EnvironmentFile syntax, simple values) into the environment."""
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, value = line.split("=", 1)
        os.environ[name.strip()] = value.strip().strip('"')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--env-file", help="read settings from this file (the unit's EnvironmentFile)"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("backup")
    sub.add_parser("list")
    for name in ("restore", "verify"):
        cmd = sub.add_parser(name)
        cmd.add_argument("name", nargs="?", default="latest")
    cmd = sub.add_parser("lifecycle")
    cmd.add_argument("days", type=int)
    cmd.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.env_file:
            load_env_file(args.env_file)
        settings = Settings()
        settings.local_dir.mkdir(parents=True, exist_ok=True)
        with open(LOCK.format(db=settings.db), "w") as lock:
            # One backup, restore or verification at a time.
            fcntl.flock(lock, fcntl.LOCK_EX)
            if args.command == "backup":
                backup(settings)
            elif args.command == "list":
                for stamp in stamps(settings):
                    print(stamp)
            elif args.command == "restore":
                restore(settings, args.name)
            elif args.command == "verify":
                verify(settings, args.name)
            elif args.command == "lifecycle":
                lifecycle(settings, args.days, args.check)
    except Failure as exc:
        print(f"pg-backup {args.command}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
