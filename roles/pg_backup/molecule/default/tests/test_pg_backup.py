"""Backups that land in S3 (the local AWS API) and restore the same rows.

The tests seed the application's database and upload folder, take backups
through the systemd unit (and through the timer), damage the data, restore,
and compare. Failed restores (missing or corrupt backup) must leave the live
database as it was.
"""

import os
import subprocess
import time
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[5]
SCENARIO = Path(__file__).resolve().parents[1]
BUCKET = "masclet-molecule-pg-backup"
PREFIX = "molecule"
CMD = "/usr/local/sbin/masclet-backup --env-file /etc/masclet-backup/env "
IMPORTS = "/srv/masclet/shared/imports"
SEED = """
DROP TABLE IF EXISTS parto, animal;
CREATE TABLE animal (id serial PRIMARY KEY, nom text NOT NULL, explotacio text);
CREATE TABLE parto (id serial PRIMARY KEY, animal_id int REFERENCES animal(id), data date);
INSERT INTO animal (nom, explotacio) SELECT 'vaca ' || i, 'Gurans' FROM generate_series(1, 83) i;
INSERT INTO parto (animal_id, data)
  SELECT 1 + i % 83, date '2020-01-01' + i FROM generate_series(1, 270) i;
"""


@pytest.fixture(scope="module")
def s3():
    return boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:4566",
        region_name="eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def app_sql(host, query):
    """As the application: its role, its password, over TCP on loopback."""
    out = host.run(
        "PGPASSWORD=molecule-db-password-0 psql -X -At -v ON_ERROR_STOP=1 "
        f'-h 127.0.0.1 -U masclet -d masclet -c "{query}"'
    )
    assert out.rc == 0, out.stderr
    return out.stdout.strip()


def counts(host):
    return {t: int(app_sql(host, f"select count(*) from {t}")) for t in ("animal", "parto")}


def backup_keys(s3, kind="db"):
    listing = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{PREFIX}/{kind}/")
    return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture(scope="module")
def seeded(host):
    out = host.run(
        "PGPASSWORD=molecule-db-password-0 psql -X -q -v ON_ERROR_STOP=1 "
        f"-h 127.0.0.1 -U masclet -d masclet <<'SQL'\n{SEED}\nSQL"
    )
    assert out.rc == 0, out.stderr
    host.run(
        f"printf 'id;nom\\n1;Gurans\\n' > {IMPORTS}/herd.csv && chown masclet: {IMPORTS}/herd.csv"
    )
    return counts(host)


@pytest.fixture(scope="module")
def backed_up(host, s3, seeded):
    before = backup_keys(s3)
    out = host.run("systemctl start masclet-backup.service")
    assert out.rc == 0, host.run("journalctl -u masclet-backup.service -n 30 --no-pager").stdout
    after = backup_keys(s3)
    new = sorted(set(after) - set(before))
    assert len(new) == 1, (before, after)
    return new[0]


def test_backup_lands_in_s3_encrypted_and_named_by_time(s3, backed_up):
    assert backed_up.startswith(f"{PREFIX}/db/") and backed_up.endswith("Z.dump")
    head = s3.head_object(Bucket=BUCKET, Key=backed_up)
    assert head["ServerSideEncryption"] == "AES256"
    assert head["ContentLength"] > 1000
    stamp = backed_up.rsplit("/", 1)[1].removesuffix(".dump")
    files = s3.head_object(Bucket=BUCKET, Key=f"{PREFIX}/imports/{stamp}.tar.gz")
    assert files["ServerSideEncryption"] == "AES256"


def test_restore_brings_back_the_same_rows_and_files(host, seeded, backed_up):
    app_sql(host, "delete from parto; delete from animal where id > 10")
    host.run(f"rm -f {IMPORTS}/herd.csv")
    assert counts(host) == {"animal": 10, "parto": 0}
    out = host.run(CMD + "restore latest")
    assert out.rc == 0, out.stderr
    assert counts(host) == seeded
    restored = host.file(f"{IMPORTS}/herd.csv")
    assert restored.content_string == "id;nom\n1;Gurans\n"
    assert restored.user == "masclet"
    # The application's role still owns what it reads and writes.
    app_sql(host, "insert into animal (nom) values ('nova'); delete from animal where nom = 'nova'")


def test_missing_backup_fails_and_leaves_the_database(host, seeded, backed_up):
    app_sql(host, "insert into animal (nom) values ('marker-missing')")
    out = host.run(CMD + "restore 20000101T000000Z")
    assert out.rc == 1
    assert "cannot be read" in out.stderr
    assert app_sql(host, "select count(*) from animal where nom = 'marker-missing'") == "1"
    app_sql(host, "delete from animal where nom = 'marker-missing'")


def test_corrupt_backup_fails_and_leaves_the_database(host, s3, seeded, backed_up):
    key = f"{PREFIX}/db/20991231T235959Z.dump"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"PGDMP this is not a dump" * 100)
    try:
        app_sql(host, "insert into animal (nom) values ('marker-corrupt')")
        out = host.run(CMD + "restore 20991231T235959Z")
        assert out.rc == 1
        assert "not a valid pg_dump archive" in out.stderr
        assert app_sql(host, "select count(*) from animal where nom = 'marker-corrupt'") == "1"
        assert counts(host)["parto"] == seeded["parto"]
        # Nothing half-restored is left behind.
        dbs = host.run("runuser -u postgres -- psql -X -At -c 'select datname from pg_database'")
        assert "masclet__restore" not in dbs.stdout.split()
    finally:
        s3.delete_object(Bucket=BUCKET, Key=key)
        app_sql(host, "delete from animal where nom = 'marker-corrupt'")


def test_verify_compares_row_counts(host, seeded, backed_up):
    out = host.run(CMD + "verify latest")
    assert out.rc == 0, out.stderr
    assert '"rows": 353' in out.stdout and '"tables": 2' in out.stdout
    app_sql(host, "insert into parto (animal_id, data) values (1, '2026-11-28')")
    try:
        out = host.run(CMD + "verify latest")
        assert out.rc == 1
        assert "differs" in out.stderr and '"public.parto"' in out.stderr
    finally:
        app_sql(host, "delete from parto where data = '2026-11-28'")


def test_a_backup_taken_by_the_timer_restores(host, s3, seeded, backed_up):
    # Make the daily timer fire 3 s after it restarts (a drop-in, removed after). Relative to
    # the restart, not a wall-clock time that a slow round trip could already have passed.
    before = backup_keys(s3)
    host.run(
        "mkdir -p /etc/systemd/system/masclet-backup.timer.d && printf "
        "'[Timer]\\nOnCalendar=\\nOnActiveSec=3\\nAccuracySec=1s\\nRandomizedDelaySec=0\\n' "
        "> /etc/systemd/system/masclet-backup.timer.d/probe.conf && "
        "systemctl daemon-reload && systemctl restart masclet-backup.timer"
    )
    try:
        for _ in range(60):
            if len(backup_keys(s3)) > len(before):
                break
            time.sleep(1)
        assert len(backup_keys(s3)) == len(before) + 1, "the timer did not take a backup"
        result = host.check_output("systemctl show -p Result --value masclet-backup.service")
        assert result == "success"
    finally:
        host.run(
            "rm -rf /etc/systemd/system/masclet-backup.timer.d && systemctl daemon-reload "
            "&& systemctl restart masclet-backup.timer"
        )
    app_sql(host, "delete from parto where id > 100")
    newest = backup_keys(s3)[-1].rsplit("/", 1)[1].removesuffix(".dump")
    out = host.run(CMD + f"restore {newest}")
    assert out.rc == 0, out.stderr
    assert counts(host) == seeded


def test_timer_is_scheduled_daily(host):
    assert host.service("masclet-backup.timer").is_enabled
    out = host.check_output("systemctl show -p TimersCalendar --value masclet-backup.timer")
    assert "*-*-* 03:15:00" in out


def test_s3_retention_rule(s3):
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    mine = [r for r in rules if r["ID"] == "pg-backup-molecule-expiry"]
    assert mine and mine[0]["Expiration"]["Days"] == 30


def test_restore_playbook_stops_and_restarts_the_application(host, seeded, backed_up):
    started = host.check_output(
        "systemctl show -p ActiveEnterTimestampMonotonic --value masclet-api@8000"
    )
    app_sql(host, "delete from parto")
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    proc = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            os.environ["MOLECULE_INVENTORY_FILE"],
            str(SCENARIO / "restore.yml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "stop the application" in proc.stdout
    assert counts(host) == seeded
    assert host.service("masclet-api@8000").is_running
    again = host.check_output(
        "systemctl show -p ActiveEnterTimestampMonotonic --value masclet-api@8000"
    )
    assert int(again) > int(started)


def test_restore_playbook_with_a_missing_backup_fails_and_restarts_the_application(host, seeded):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    proc = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            os.environ["MOLECULE_INVENTORY_FILE"],
            str(SCENARIO / "restore.yml"),
            "-e",
            "pg_backup_restore_name=20000101T000000Z",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "cannot be read" in proc.stdout
    assert host.service("masclet-api@8000").is_running
    assert counts(host) == seeded
