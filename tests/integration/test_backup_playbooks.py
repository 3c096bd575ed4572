"""The server, database, backup and restore phases on the local host.

Runs the phase playbooks against the local instance (the Debian 12 systemd
container standing in for the instance), with S3 answered by moto. A probe
table in the application's database is backed up, damaged, and restored.
"""

import pytest

from tests.conftest import ROOT, run, standin_report
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


@pytest.fixture(scope="module")
def host_ready():
    proc = run([str(ROOT / "scripts/local-up.sh")], timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:]
    s3 = client("s3")
    # Provision makes the backups bucket and the instance the inventory finds by its tags
    # (the container answers for it over SSH).
    for name in ("provision.yml", "server.yml", "database.yml"):
        proc = playbook(name)
        assert proc.returncode == 0, f"{name}:\n{proc.stdout[-6000:]}\n{standin_report()}"
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
