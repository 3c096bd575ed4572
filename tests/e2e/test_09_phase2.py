"""Phase 2 on the local environment (issue 13), on the Phase 1 site the other e2e tests built.

The site, given 100,000 animals, becomes Phase 2 with `site.yml -e project_phase=2`: RDS is
made (moto answers its API, scripts/local-rds.sh its endpoint: TLS forced with a CA of its
own, a master that is not a superuser) and the application's database prepared there, while
the API keeps serving from the instance. `migrate-db.yml` then moves the data under reads and
writes through nginx: writes get 503 with Retry-After while it runs, reads never fail, every
write the API accepted is on RDS, and the API serves from RDS over verified TLS. Backups run
against RDS; `migrate-db.yml -e migrate_db_to=instance` brings the data back, writes made on
RDS included. Then the same move by logical replication (`migrate_db_mode=replication`): RDS
copies and follows the instance while writes go on, writes stop only to catch up and switch,
and nothing of the replication is left afterwards; a last move back leaves the host as the
other tests expect it.
"""

import json
import re
import uuid

import pytest

from tests.conftest import run
from tests.e2e.conftest import (
    API,
    CONTAINER,
    animal_body,
    browser_like_load,
    playbook,
    post_animal,
    psql,
)
from tests.load import Writer
from tests.recap import changed_by_host

PHASE2 = ("-e", "project_phase=2")
RDS = f"{CONTAINER}-rds"
ANIMALS = 100_000
# Rows in every table of the application's schema, whatever its tables are.
ALL_ROWS = (
    "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I',"
    " schemaname, tablename), false, true, '')))[1]::text::int) FROM pg_tables"
    " WHERE schemaname = 'public'"
)


def rds_psql(sql: str, database: str = "masclet") -> str:
    """SQL on the RDS stand-in, as its superuser (the test's view, not the project's)."""
    proc = run(
        [
            "docker",
            "exec",
            RDS,
            "runuser",
            "-u",
            "postgres",
            "--",
            "psql",
            "-d",
            database,
            "-Atc",
            sql,
        ],
        check=True,
    )
    return proc.stdout.strip()


def live_env() -> dict:
    """The API service's environment file, as the release reads it."""
    text = run(["docker", "exec", CONTAINER, "cat", "/srv/masclet/shared/.env"], check=True).stdout
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and line[0] != "#")
    return {key: value.strip("'") for key, value in pairs}


def animal(prefix):
    def make(n):
        name = f"{prefix}-{n}"
        return name, animal_body(name)

    return make


def move_under_load(api, token, prefix: str, *extra: str, log: str):
    """migrate-db.yml to RDS while four readers and one writer go through nginx; checks that
    reads went on, writes were refused only on purpose (503, Retry-After) and every write the
    API took is on RDS. Returns the playbook's output."""
    before = int(psql("SELECT count(*) FROM animals"))
    with (
        browser_like_load(api, threads=4, max_requests=100000, max_seconds=900) as reads,
        Writer(API, "/api/v1/animals", token, animal(prefix), ca_certs=api.ca_certs) as writes,
    ):
        proc = playbook("migrate-db", *PHASE2, *extra, log=log)
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert "rows, equal on both sides" in proc.stdout
    assert reads.requests > 0 and reads.failed == 0, reads.failures
    assert writes.failures == [], writes.failures[:5]
    assert writes.refused, "no write was refused: the move did not freeze writes"
    assert {retry for _, retry in writes.refused} == {"30"}
    print(f"writes refused for {writes.refused_window():.1f}s ({len(writes.refused)} requests)")
    on_rds = set(rds_psql(f"SELECT nom FROM animals WHERE nom LIKE '{prefix}-%'").split())
    assert on_rds == set(writes.accepted) and on_rds
    assert int(rds_psql("SELECT count(*) FROM animals")) == before + len(writes.accepted)
    return proc.stdout


def move_back(api, log: str) -> None:
    on_rds = rds_psql("SELECT count(*) FROM animals")
    proc = playbook("migrate-db", *PHASE2, "-e", "migrate_db_to=instance", log=log)
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert live_env()["DATABASE_URL"] == "postgres://masclet@/masclet"
    assert psql("SELECT count(*) FROM animals") == on_rds
    assert api.wait_healthy()["database"] == "ok"


@pytest.fixture(scope="module")
def phase2(deployed, api):
    """The Phase 1 site with 100,000 more animals, then site.yml with project_phase=2."""
    psql(
        "INSERT INTO animals (nom, genere, estat, explotacio, created_at, updated_at) "
        "SELECT 'herd-' || g, CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, 'OK', 'Gurans',"
        f" now(), now() FROM generate_series(1, {ANIMALS}) AS g"
    )
    proc = playbook("site", *PHASE2, log="e2e-phase2-site")
    assert proc.returncode == 0, proc.stdout[-8000:]
    return proc.stdout


def test_a_phase1_site_made_phase2_keeps_its_data_on_the_instance_until_moved(phase2, api):
    assert "its RDS database is ready: playbooks/migrate-db.yml moves the data there" in phase2
    assert live_env()["DATABASE_URL"] == "postgres://masclet@/masclet"
    assert api.wait_healthy()["database"] == "ok"
    # On RDS: the application's role owns its database, and it is not the master's to log in
    # as; the master (not a superuser) is a member of it.
    assert rds_psql(
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'masclet'"
    ) == ("masclet")
    assert rds_psql("SELECT rolsuper FROM pg_roles WHERE rolname = 'masclet_admin'") == "f"
    assert rds_psql("SELECT pg_has_role('masclet_admin', 'masclet', 'MEMBER')") == "t"
    # Converged: the database phase again changes nothing (RDS's role password included).
    again = playbook("database", *PHASE2, log="e2e-phase2-database-again")
    assert again.returncode == 0, again.stdout[-6000:]
    assert not any(changed_by_host(again.stdout).values()), changed_by_host(again.stdout)


def test_a_move_that_fails_after_the_freeze_leaves_the_api_on_the_instance_writable(
    phase2, api, admin_token
):
    # The restore fails (it runs as a role that does not exist), after writes were frozen
    # and the source dumped: the API must stay on the instance's data and take writes again.
    proc = playbook(
        "migrate-db", *PHASE2, "-e", "db_migrate_db_owner=nobody", log="e2e-phase2-migrate-fails"
    )
    assert proc.returncode != 0
    assert "The API still serves from the instance and writes are open again." in proc.stdout
    assert 'role \\"nobody\\" does not exist' in proc.stdout or 'role "nobody"' in proc.stdout
    assert live_env()["DATABASE_URL"] == "postgres://masclet@/masclet"
    name = f"after-failed-move-{uuid.uuid4().hex[:6]}"
    r = post_animal(api, admin_token, name)
    assert r.status in (200, 201), r.data[:300]
    assert psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "1"
    record = run(["docker", "exec", CONTAINER, "cat", "/etc/ansible/facts.d/masclet_database.fact"])
    assert json.loads(record.stdout) == {"location": "instance"}


def test_migrate_to_rds_under_reads_and_writes(phase2, api, admin_token):
    prefix = f"mig-{uuid.uuid4().hex[:6]}"
    move_under_load(api, admin_token, prefix, log="e2e-phase2-migrate")

    # The API now uses RDS, over TLS verified against its CA, with no password in the URL.
    env = live_env()
    assert env["DATABASE_URL"] == f"postgres://masclet@{RDS}:5432/masclet?ssl=true"
    assert env["SSL_CERT_FILE"] == "/etc/ssl/masclet-db/db-trust.pem"
    name = f"{prefix}-after"
    r = post_animal(api, admin_token, name)
    assert r.status in (200, 201), r.data[:300]
    assert rds_psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "1"
    assert psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "0"
    ssl = rds_psql(
        "SELECT DISTINCT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
        "WHERE a.usename = 'masclet'"
    )
    assert ssl == "t"


def test_backups_run_against_rds(phase2):
    proc = playbook("backup", *PHASE2, "-e", "backup_verify=true", log="e2e-phase2-backup")
    assert proc.returncode == 0, proc.stdout[-6000:]
    # The verification restored the dump into a scratch database on RDS, as the master, and
    # found every table's rows there as in the live database on RDS.
    verified = re.search(
        r'verified {\\"backup\\": \\"\d{8}T\d{6}Z\\", \\"rows\\": (\d+)', proc.stdout
    )
    assert verified, proc.stdout[-3000:]
    assert int(verified.group(1)) == int(rds_psql(ALL_ROWS))
    assert (
        rds_psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'masclet__%'", "postgres")
        == "0"
    )


def test_migrate_back_to_the_instance(phase2, api):
    move_back(api, log="e2e-phase2-migrate-back")


def instance_address() -> str:
    proc = run(["docker", "exec", CONTAINER, "hostname", "-I"], check=True)
    return proc.stdout.split()[0]


def rds_reaches_the_instance() -> bool:
    """Can the RDS stand-in open a TCP connection to the instance's PostgreSQL?"""
    code = (
        "import socket,sys; s=socket.socket(); s.settimeout(3); "
        "sys.exit(0 if s.connect_ex((sys.argv[1], 5432)) == 0 else 1)"
    )
    return run(["docker", "exec", RDS, "python3", "-c", code, instance_address()]).returncode == 0


def test_migrate_to_rds_by_replication_under_reads_and_writes(phase2, api, admin_token):
    # The instance publishes on its private address (wal_level=logical): the database phase
    # prepares it once migrate_db_mode says replication (one PostgreSQL restart).
    mode = ("-e", "migrate_db_mode=replication")
    prepared = playbook("database", *PHASE2, *mode, log="e2e-phase2-replication-prepare")
    assert prepared.returncode == 0, prepared.stdout[-6000:]
    assert psql("SHOW wal_level") == "logical"
    assert not rds_reaches_the_instance(), "5432 is open to RDS before the move"
    assert api.wait_healthy()["database"] == "ok"

    prefix = f"rep-{uuid.uuid4().hex[:6]}"
    out = move_under_load(api, admin_token, prefix, *mode, log="e2e-phase2-replicate")
    assert "(replication)" in out
    assert live_env()["DATABASE_URL"] == f"postgres://masclet@{RDS}:5432/masclet?ssl=true"

    # The sequences moved too: a new animal on RDS gets the next id, not one already taken.
    name = f"{prefix}-after"
    r = post_animal(api, admin_token, name)
    assert r.status in (200, 201), r.data[:300]
    assert rds_psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "1"

    # Nothing of the replication is left: no subscription on RDS; no publication, slot or
    # replication role on the instance; 5432 closed to RDS and PostgreSQL back on loopback.
    assert rds_psql("SELECT count(*) FROM pg_subscription") == "0"
    left = (
        "SELECT (SELECT count(*) FROM pg_publication) + (SELECT count(*) FROM pg_replication_slots)"
        " + (SELECT count(*) FROM pg_roles WHERE rolname = 'masclet_move')"
    )
    assert psql(left) == "0"
    assert not rds_reaches_the_instance()
    assert psql("SHOW listen_addresses") == "127.0.0.1"


def test_back_on_the_instance_after_the_replication(phase2, api):
    move_back(api, log="e2e-phase2-migrate-back-2")
    # Leave the instance as the other tests built it: Phase 1 again, nothing left to change
    # but what Phase 2 put there.
    psql("DELETE FROM animals WHERE nom LIKE 'herd-%' OR nom LIKE 'mig-%' OR nom LIKE 'rep-%'")
    # The account back to Phase 1's instance size and permissions, so that site.yml on this
    # host changes nothing again (what MASCLET_E2E_REUSE=1 checks before a rerun).
    proc = playbook("provision", log="e2e-phase2-back-to-phase1")
    assert proc.returncode == 0, proc.stdout[-6000:]
