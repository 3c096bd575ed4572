"""An account move end to end: the local site (the development account, host 127.0.0.2),
holding 100,000 animals or more, moves with migrate-account.yml to the client's environment:
a second account in the local AWS API (sts:AssumeRole) and a second host (127.0.0.4), both
reached as real ones are. Meanwhile a client that follows the site's name through the
zone's Route 53 records keeps reading and writing; the switch is a record change it sees.

Runs last on the host: afterwards the local site is put back to serving by itself."""

import json
import uuid

import pytest

from tests.conftest import run
from tests.e2e.account_move import (
    ANIMALS,
    CLIENT_ACCOUNT,
    CLIENT_ADDRESS,
    CONTAINER,
    MOTO,
    MOVE_FACT,
    NAMES,
    REGION,
    animals,
    aws,
    client_psql,
    elastic_ip,
    follower_resolver,
    fresh_client,
    migrate,
    on_client,
    record,
    release_source,
    seed,
    until_followed,
)
from tests.e2e.conftest import API, playbook, post_animal, psql, secret
from tests.load import NameFollower
from tests.recap import changed_by_host

PREFIX = f"moving-{uuid.uuid4().hex[:6]}"
WRAPPER = "/usr/local/bin/pg_restore"
BROKEN_RESTORE = (
    '#!/bin/sh\ncase " $* " in *" --list "*) exec /usr/bin/pg_restore "$@";; esac\n'
    'echo "pg_restore: refused by the test" >&2; exit 1'
)


@pytest.fixture(scope="module")
def client_host(deployed):
    """The client's account and a fresh host for it; afterwards the local site serves by
    itself again, for whatever runs next on this host."""
    fresh_client()
    yield
    release_source()


def test_bad_input_stops_before_any_change(client_host):
    """Same account, a missing credential, a target bucket name taken: stopped, named, and
    nothing changed (the records keep their TTL, no instance in the client's account)."""
    before = record(API)
    same = json.dumps(
        {
            "aws_environment_extra": {
                "AWS_ENDPOINT_URL": MOTO,
                "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing",
            }
        }
    )
    proc = migrate("-e", same, log="e2e-move-same-account")
    assert proc.returncode != 0
    assert "are both in account 123456789012" in " ".join(proc.stdout.split()), proc.stdout[-3000:]

    proc = migrate("-e", "migrate_account_source_profile=nobody", log="e2e-move-no-credential")
    assert proc.returncode != 0
    said = " ".join(proc.stdout.split())
    assert "does not answer with profile nobody" in said, proc.stdout[-3000:]

    # A backups bucket name the development account holds already.
    taken = f"masclet-client-taken-{uuid.uuid4().hex[:8]}"
    s3 = aws("s3")
    s3.create_bucket(Bucket=taken, CreateBucketConfiguration={"LocationConstraint": REGION})
    try:
        proc = migrate("-e", f"app_backups_bucket={taken}", log="e2e-move-bucket-taken")
    finally:
        s3.delete_bucket(Bucket=taken)
    assert proc.returncode != 0
    assert taken in proc.stdout, proc.stdout[-3000:]

    assert record(API) == before
    reservations = aws("ec2", "masclet-client").describe_instances(
        Filters=[{"Name": "instance-state-name", "Values": ["pending", "running"]}]
    )["Reservations"]
    assert reservations == []


def test_a_copy_that_fails_after_the_freeze_leaves_the_source_serving_and_writable(
    client_host, api
):
    """The target is deployed, writes freeze, then its restore fails (a pg_restore first in
    PATH on the client's host refuses to restore; listing a backup still works): the source
    takes writes again, passes nothing on, and the names still point at it. The next test's
    move then reuses the deployed target."""
    before = record(API)
    on_client("sh", "-c", f"printf '%s\\n' '{BROKEN_RESTORE}' > {WRAPPER} && chmod 755 {WRAPPER}")
    try:
        proc = migrate(log="e2e-move-fails-at-restore")
    finally:
        on_client("rm", "-f", WRAPPER)
    assert proc.returncode != 0
    said = " ".join(proc.stdout.split())
    assert "the target's tables replaced by the dump" in said, proc.stdout[-3000:]
    assert "The source serves and takes writes again" in said
    token = api.login("admin", secret("admin-password"))
    name = f"after-failed-move-{uuid.uuid4().hex[:8]}"
    r = post_animal(api, token, name)
    assert r.status in (200, 201), r.data[:200]
    assert psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "1"
    # The names still point at the source; only their TTL is the switch's already.
    assert record(API) == (before[0], 5)
    # The failed restore was rolled back: the target still has its own tables and admin.
    assert int(client_psql("SELECT count(*) FROM users")) >= 1
    record_on_source = json.loads(run(["docker", "exec", CONTAINER, "cat", MOVE_FACT]).stdout)
    assert "forward_to" not in record_on_source, record_on_source


@pytest.fixture(scope="module")
def moved(client_host, api):
    """100,000 animals or more on the local site, then the move under a client's load."""
    seed()
    resolve = follower_resolver()

    follower = NameFollower(
        API,
        resolve,
        ("admin", secret("admin-password")),
        animals(PREFIX),
        ca_certs=api.ca_certs,
        max_seconds=2400,
    )
    with follower:
        proc = migrate(log="e2e-move")
        until_followed(follower)
    return proc, follower


def test_the_site_moves_while_a_client_keeps_using_it(moved):
    proc, client = moved
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert "rows, equal on both sides" in proc.stdout
    # Every request the client made was answered, before, during and after the switch; writes
    # were refused only on purpose, during the freeze, and its login was asked again once at
    # most (the client's account signs its own tokens).
    assert client.failures == [], client.failures
    assert client.reads > 0 and client.accepted
    assert client.refused, "no write was refused: the source did not freeze"
    assert {retry for _, retry in client.refused} == {"30"}
    assert client.relogins <= 1
    # It followed the name: first to the source, then to the client's host.
    assert set(client.addresses) == {"127.0.0.2", CLIENT_ADDRESS}, client.addresses
    print(
        f"client: {client.reads} reads, {len(client.accepted)} writes, writes refused for "
        f"{client.refused_window():.1f}s, {client.relogins} logins again"
    )


def test_the_client_account_holds_every_row_and_every_write(moved):
    _, client = moved
    names = set(client_psql(f"SELECT nom FROM animals WHERE nom LIKE '{PREFIX}-%'").split())
    # Every write the client saw accepted is in the client's account, wherever it landed.
    assert set(client.accepted) <= names and names
    assert int(client_psql("SELECT count(*) FROM animals")) >= ANIMALS
    # The dump went through the client's backups bucket, in the client's account.
    keys = aws("s3", "masclet-client").list_objects_v2(
        Bucket="masclet-client-backups", Prefix="migration/"
    )
    assert keys.get("KeyCount", 0) >= 1


def test_the_client_runs_the_source_package_set(moved):
    source = run(
        ["docker", "exec", CONTAINER, "cat", "/srv/masclet/current/requirements.lock"], check=True
    ).stdout
    assert on_client("cat", "/srv/masclet/current/requirements.lock") == source.strip()


def test_the_names_point_at_the_client_and_stragglers_are_passed_on(moved, api):
    value, ttl = record(API)
    assert value == elastic_ip("client", "masclet-client")
    assert ttl == 5
    # A client still holding the old answer reaches the source, which passes it on: its
    # write lands in the client's account.
    token = api.login("admin", secret("admin-password"))
    name = f"straggler-{uuid.uuid4().hex[:8]}"
    r = post_animal(api, token, name)
    assert r.status in (200, 201), r.data[:200]
    assert client_psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "1"
    assert psql(f"SELECT count(*) FROM animals WHERE nom = '{name}'") == "0"


def test_provision_on_the_moved_source_refuses_to_point_the_names_back(moved):
    before = [record(name) for name in NAMES]
    proc = playbook("provision", log="e2e-move-provision-source")
    assert proc.returncode != 0, proc.stdout[-4000:]
    assert f"moved to account and address {CLIENT_ACCOUNT}" in proc.stdout, proc.stdout[-4000:]
    assert not any(changed_by_host(proc.stdout).values()), changed_by_host(proc.stdout)
    assert [record(name) for name in NAMES] == before


def test_a_second_run_resumes_and_changes_nothing(moved):
    proc = migrate(log="e2e-move-again")
    assert proc.returncode == 0, proc.stdout[-8000:]
    assert "data: copied by an earlier run" in proc.stdout
    changed = changed_by_host(proc.stdout)
    assert not any(changed.values()), changed
