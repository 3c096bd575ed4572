"""Phase 2's database move, measured on the local environment (issue 13).

The converged Phase 1 site gets 100,000 animals, becomes Phase 2 (site.yml -e
project_phase=2), and playbooks/migrate-db.yml moves the data to RDS's stand-in while a client
writes through nginx (one POST every 50 ms) and four browser-like readers load /health; then
the data goes back to the instance the same way.

db_cutover_unavailable_s   seconds during which the writing client got a 503 or an error
                           (first to last refused write, plus one interval), dump mode, to RDS
db_cutover_refused_writes  those requests (each 503 with Retry-After; errors would be failures)
db_cutover_failed_requests writes that failed otherwise, and reads that failed (0 expected)
db_cutover_lost_writes     writes the API accepted that are not on RDS afterwards (0 expected)
db_migrate_rows_equal      1 when every table's count and checksum matched (the playbook's own
                           comparison) and RDS holds every row the instance had plus the writes
db_migrate_s               the whole migrate-db.yml run to RDS
db_cutback_unavailable_s   the same window moving back to the instance
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
    psql("DELETE FROM animals WHERE nom LIKE 'bench-herd-%' OR nom LIKE 'bench-mig-%'")
    return {
        "db_cutover_unavailable_s": to_rds["unavailable_s"],
        "db_cutover_refused_writes": to_rds["refused"],
        "db_cutover_failed_requests": to_rds["failed"],
        "db_cutover_lost_writes": lost,
        "db_migrate_rows_equal": equal,
        "db_migrate_s": to_rds["s"],
        "db_cutback_unavailable_s": back["unavailable_s"],
    }
