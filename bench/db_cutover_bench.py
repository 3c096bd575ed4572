"""Phase 2's database move, measured on the local environment (issue 13).

The converged Phase 1 site gets 100,000 animals, becomes Phase 2 (site.yml -e
project_phase=2), and playbooks/migrate-db.yml moves the data to RDS's stand-in while a client
writes through nginx (one POST every 50 ms) and four browser-like readers load /health; then
the data goes back to the instance the same way. Then the same move by logical replication
(migrate_db_mode=replication: the database phase prepares the instance, RDS copies and follows
it while writes go on, writes stop only to catch up and switch), and back again.

db_cutover_unavailable_s   seconds during which the writing client got a 503 or an error
                           (first to last refused write, plus one interval), dump mode, to RDS
db_cutover_refused_writes  those requests (each 503 with Retry-After; errors would be failures)
db_cutover_failed_requests writes that failed otherwise, and reads that failed (0 expected)
db_cutover_lost_writes     writes the API accepted that are not on RDS afterwards (0 expected)
db_migrate_rows_equal      1 when every table's count and checksum matched (the playbook's own
                           comparison) and RDS holds every row the instance had plus the writes,
                           after both moves to RDS (dump and replication)
db_migrate_s               the whole migrate-db.yml run to RDS
db_cutback_unavailable_s   the same window moving back to the instance
db_cutover_replication_unavailable_s   the window of the move by replication (same client)
db_cutover_replication_failed_requests writes and reads that failed otherwise (0 expected)
db_cutover_replication_lost_writes     accepted writes not on RDS afterwards (0 expected)
db_migrate_replication_s   the whole migrate-db.yml run by replication
"""

import json
import time
import uuid

from tests.conftest import run as sh
from tests.e2e.conftest import (
    API,
    CONTAINER,
    LOGS,
    Api,
    browser_like_load,
    pebble_roots,
    playbook,
    psql,
    secret,
)
from tests.load import Writer

ANIMALS = 100_000
INTERVAL = 0.05


def rds_psql(sql: str) -> str:
    psql_cmd = ["psql", "-d", "masclet", "-Atc", sql]
    proc = sh(
        ["docker", "exec", f"{CONTAINER}-rds", "runuser", "-u", "postgres", "--", *psql_cmd],
        check=True,
    )
    return proc.stdout.strip()


def make(prefix):
    def body(n):
        name = f"{prefix}-{n}"
        data = {"nom": name, "genere": "F", "estat": "OK", "explotacio": "Gurans"}
        return name, json.dumps(data)

    return body


def move(api: Api, token: str, *extra: str) -> tuple[dict, Writer, str]:
    prefix = f"bench-mig-{uuid.uuid4().hex[:6]}"
    start = time.monotonic()
    with (
        browser_like_load(api, threads=4, max_requests=200000, max_seconds=900) as reads,
        Writer(
            API, "/api/v1/animals", token, make(prefix), ca_certs=api.ca_certs, interval=INTERVAL
        ) as writes,
    ):
        proc = playbook("migrate-db", "-e", "project_phase=2", *extra, log="bench-migrate-db")
    elapsed = round(time.monotonic() - start, 1)
    if proc.returncode != 0:
        raise RuntimeError(f"migrate-db failed:\n{proc.stdout[-4000:]}")
    window = writes.refused_window() + INTERVAL if writes.refused or writes.failures else 0.0
    figures = {
        "unavailable_s": round(window, 1),
        "refused": len(writes.refused),
        "failed": len(writes.failures) + reads.failed,
        "s": elapsed,
    }
    return figures, writes, prefix


def run(workdir) -> dict:
    converge = playbook("site", log="bench-cutover-site1")
    if converge.returncode != 0:
        raise RuntimeError(f"site.yml failed:\n{converge.stdout[-4000:]}")
    psql(
        "INSERT INTO animals (nom, genere, estat, explotacio, created_at, updated_at) "
        "SELECT 'bench-herd-' || g, 'F', 'OK', 'Gurans', now(), now()"
        f" FROM generate_series(1, {ANIMALS}) AS g"
    )
    phase2 = playbook("site", "-e", "project_phase=2", log="bench-cutover-site2")
    if phase2.returncode != 0:
        raise RuntimeError(f"site.yml -e project_phase=2 failed:\n{phase2.stdout[-4000:]}")
    api = Api(pebble_roots())
    api.wait_healthy()
    token = api.login("admin", secret("admin-password"))
    before = int(psql("SELECT count(*) FROM animals"))

    to_rds, writes, prefix = move(api, token)
    on_rds = set(rds_psql(f"SELECT nom FROM animals WHERE nom LIKE '{prefix}-%'").split())
    lost = len(set(writes.accepted) - on_rds)
    equal = int(
        lost == 0
        and int(rds_psql("SELECT count(*) FROM animals")) == before + len(writes.accepted)
        and "equal on both sides" in (LOGS / "bench-migrate-db.log").read_text()
    )
    back, _, _ = move(api, token, "-e", "migrate_db_to=instance")

    mode = ("-e", "project_phase=2", "-e", "migrate_db_mode=replication")
    prepared = playbook("database", *mode, log="bench-cutover-replication-prepare")
    if prepared.returncode != 0:
        raise RuntimeError(f"database.yml (replication) failed:\n{prepared.stdout[-4000:]}")
    api.wait_healthy()
    before = int(psql("SELECT count(*) FROM animals"))
    replicated, writes, prefix = move(api, token, "-e", "migrate_db_mode=replication")
    on_rds = set(rds_psql(f"SELECT nom FROM animals WHERE nom LIKE '{prefix}-%'").split())
    replication_lost = len(set(writes.accepted) - on_rds)
    equal = int(
        equal
        and replication_lost == 0
        and int(rds_psql("SELECT count(*) FROM animals")) == before + len(writes.accepted)
        and "equal on both sides" in (LOGS / "bench-migrate-db.log").read_text()
    )
    move(api, token, "-e", "migrate_db_to=instance")
    psql("DELETE FROM animals WHERE nom LIKE 'bench-herd-%' OR nom LIKE 'bench-mig-%'")
    return {
        "db_cutover_unavailable_s": to_rds["unavailable_s"],
        "db_cutover_refused_writes": to_rds["refused"],
        "db_cutover_failed_requests": to_rds["failed"],
        "db_cutover_lost_writes": lost,
        "db_migrate_rows_equal": equal,
        "db_migrate_s": to_rds["s"],
        "db_cutback_unavailable_s": back["unavailable_s"],
        "db_cutover_replication_unavailable_s": replicated["unavailable_s"],
        "db_cutover_replication_failed_requests": replicated["failed"],
        "db_cutover_replication_lost_writes": replication_lost,
        "db_migrate_replication_s": replicated["s"],
    }
