"""The server, database, backup and restore phases on the local host.

Runs the phase playbooks against the local instance (the Debian 12 systemd
container standing in for the instance), with S3 answered by moto. A probe
table in the application's database is backed up, damaged, and restored.
"""

import time
import warnings

import pytest

from tests.conftest import ROOT, relay_check, run, standin_report
from tests.integration.awsenv import client

BUCKET = "masclet-local-backups"
PSQL = ["docker", "exec", "masclet-local", "runuser", "-u", "postgres", "--", "psql", "-X", "-At"]


def playbook(name, *extra):
    return run(
        ["ansible-playbook", "-i", "inventory/local", f"playbooks/{name}", *extra],
        env={"ANSIBLE_FORCE_COLOR": "0"},
        timeout=1800,
    )


def sql(query):
    proc = run([*PSQL, "-d", "masclet", "-v", "ON_ERROR_STOP=1", "-c", query])
    assert proc.returncode == 0, proc.stdout
    return proc.stdout.strip()


def probe_count():
    return int(sql("SELECT count(*) FROM backup_probe"))


PHASES = ("provision.yml", "server.yml", "database.yml")


def relays_answer_within(seconds):
    for _ in range(seconds):
        if relay_check().returncode == 0:
            return True
        time.sleep(1)
    return False


def run_phases():
    """The phases in order; the first that fails, with its output, or (None, None)."""
    for name in PHASES:
        proc = playbook(name)
        if proc.returncode != 0:
            return name, proc
    return None, None


@pytest.fixture(scope="module")
def host_ready():
    proc = run([str(ROOT / "scripts/local-up.sh")], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:]
    s3 = client("s3")
    # Provision makes the backups bucket and the instance the inventory finds by its tags
    # (the container answers for it over SSH).
    name, proc = run_phases()
    if name and relay_check().returncode != 0:
        # moto or pebble stopped answering inside the host: a fault of the local stand-ins,
        # not of the phase. Keep the diagnosis as a warning, then run the phases once more
        # when the relays answer again, or else on a new host container (a replaced
        # instance). A phase that fails while the relays work is not retried.
        warnings.warn(
            f"{name} failed while the stand-ins' relays did not answer:\n{standin_report()}",
            stacklevel=2,
        )
        if not relays_answer_within(60):
            run(["docker", "rm", "-f", "masclet-local"])
            proc = run([str(ROOT / "scripts/local-up.sh")], timeout=900)
            assert proc.returncode == 0, proc.stdout[-3000:]
        name, proc = run_phases()
    assert name is None, f"{name}:\n{standin_report()}\n{proc.stdout[-6000:]}"
    sql(
        "SET ROLE masclet; DROP TABLE IF EXISTS backup_probe; "
        "CREATE TABLE backup_probe AS SELECT g AS id FROM generate_series(1, 500) g"
    )
    return s3


def test_backup_playbook_takes_and_verifies_a_backup(host_ready):
    s3 = host_ready
    before = s3.list_objects_v2(Bucket=BUCKET, Prefix="local/db/").get("KeyCount", 0)
    proc = playbook("backup.yml", "-e", "backup_verify=true")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert "verified" in proc.stdout
    after = s3.list_objects_v2(Bucket=BUCKET, Prefix="local/db/").get("KeyCount", 0)
    assert after == before + 1


def test_restore_playbook_brings_the_rows_back(host_ready):
    sql("DELETE FROM backup_probe WHERE id > 100")
    assert probe_count() == 100
    proc = playbook("restore.yml")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert probe_count() == 500


def test_restore_of_a_missing_backup_fails_and_keeps_the_database(host_ready):
    sql("INSERT INTO backup_probe VALUES (-1)")
    proc = playbook("restore.yml", "-e", "restore_backup=20000101T000000Z")
    assert proc.returncode != 0
    assert "cannot be read" in proc.stdout
    assert probe_count() == 501
    sql("DELETE FROM backup_probe WHERE id = -1")
