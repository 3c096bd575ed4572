"""The account move, measured on the local environment (issue 14).

The converged local site (the development account) holds 100,000 animals or more; the
client's environment gets a new host and its own account (scripts/local-client-up.sh); then
playbooks/migrate-account.yml moves the site while a client following the name through the
zone's Route 53 records reads /health from two threads and writes an animal every 50 ms.
Afterwards the local site serves by itself again.

account_migration_s            the whole migrate-account.yml run: start to the client's account
                               serving the names
account_switch_failed_requests requests the client saw fail over the whole run (0 expected):
                               a 503 with Retry-After during the freeze is not one, nor the
                               one login asked again after the switch (account_switch_relogins)
account_switch_frozen_s        seconds writes were refused (first to last refused write, plus
                               one interval)
account_migration_rows_equal   1 when the playbook found every table's count and checksum equal
                               and the client's account holds every write the client saw accepted
account_migration_lock_equal   1 when the client's host installed exactly the source's package set
"""

import time
import uuid

from tests.conftest import run as sh
from tests.e2e.account_move import (
    CONTAINER,
    animals,
    client_psql,
    follower_resolver,
    fresh_client,
    migrate,
    on_client,
    release_source,
    seed,
    until_followed,
)
from tests.e2e.conftest import API, Api, pebble_roots, playbook, secret
from tests.load import NameFollower

INTERVAL = 0.05
PREFIX = f"bench-move-{uuid.uuid4().hex[:6]}"


def run(workdir) -> dict:
    converge = playbook("site", log="bench-move-site")
    if converge.returncode != 0:
        raise RuntimeError(f"site.yml failed:\n{converge.stdout[-4000:]}")
    api = Api(pebble_roots())
    api.wait_healthy()
    fresh_client()
    seed()
    client = NameFollower(
        API,
        follower_resolver(),
        ("admin", secret("admin-password")),
        animals(PREFIX),
        ca_certs=api.ca_certs,
        interval=INTERVAL,
        max_seconds=2400,
    )
    try:
        with client:
            started = time.monotonic()
            proc = migrate(log="bench-move")
            took = time.monotonic() - started
            until_followed(client)
        if proc.returncode != 0:
            raise RuntimeError(f"migrate-account.yml failed:\n{proc.stdout[-4000:]}")
        names = set(client_psql(f"SELECT nom FROM animals WHERE nom LIKE '{PREFIX}-%'").split())
        source_lock = sh(
            ["docker", "exec", CONTAINER, "cat", "/srv/masclet/current/requirements.lock"],
            check=True,
        ).stdout.strip()
        target_lock = on_client("cat", "/srv/masclet/current/requirements.lock")
    finally:
        release_source()
    # What failed, and when, is what explains a non-zero count: printed with the figures.
    for detail in client.failures:
        print(f"account move: failed request: {detail}")
    return {
        "account_migration_s": round(took, 1),
        "account_switch_failed_requests": client.failed,
        "account_switch_relogins": client.relogins,
        "account_switch_frozen_s": round(client.refused_window() + INTERVAL, 1)
        if client.refused
        else 0.0,
        "account_switch_refused_writes": len(client.refused),
        "account_migration_rows_equal": int(
            "rows, equal on both sides" in proc.stdout and set(client.accepted) <= names
        ),
        "account_migration_lock_equal": int(source_lock == target_lock),
    }
