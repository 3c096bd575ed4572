"""The local RDS endpoint stand-in (scripts/local-rds.sh) behaves as RDS does where Phase 2
depends on it: TLS is forced, its certificate verifies only against its own CA bundle (not the
system's, so clients need SSL_CERT_FILE as with RDS's bundle), and the master user is not a
superuser yet can make the application's role and a database it owns."""

import secrets
import subprocess

import pytest

from tests.conftest import ROOT, run

NAME = "masclet-standin-" + secrets.token_hex(3)
PASSWORD = secrets.token_hex(12)
MASTER = "masclet_admin"


def standin(*args, stdin=""):
    return subprocess.run(
        [str(ROOT / "scripts/local-rds.sh"), *args],
        input=stdin,
        env={"PATH": "/usr/local/bin:/usr/bin:/bin", "MASCLET_RDS_CONTAINER": NAME},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def endpoint():
    first = standin("up", MASTER, "masclet", stdin=PASSWORD)
    assert first.returncode == 0, first.stdout
    yield first
    standin("down")


def psql(conninfo, sql, password=PASSWORD):
    """psql inside the stand-in's container, over TCP to its own name (as a client would)."""
    command = ["psql", "-XAt", conninfo, "-c", sql]
    return run(["docker", "exec", "-e", f"PGPASSWORD={password}", NAME, *command])


def conn(sslmode, rootcert="/etc/postgresql/15/main/ca.pem", db="masclet"):
    return f"host={NAME} dbname={db} user={MASTER} sslmode={sslmode} sslrootcert={rootcert}"


def test_up_again_changes_nothing(endpoint):
    assert endpoint.stdout.splitlines()[-1] == "changed"
    again = standin("up", MASTER, "masclet", stdin=PASSWORD)
    assert again.returncode == 0, again.stdout
    assert again.stdout.splitlines()[-1] == "unchanged"


def test_tls_is_forced_and_verified_against_its_own_ca(endpoint):
    ok = psql(conn("verify-full"), "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    assert ok.returncode == 0 and ok.stdout.strip() == "t", ok.stdout
    plain = psql(conn("disable"), "SELECT 1")
    assert plain.returncode != 0 and "no encryption" in plain.stdout
    system = psql(conn("verify-full", "/etc/ssl/certs/ca-certificates.crt"), "SELECT 1")
    assert system.returncode != 0 and "certificate verify failed" in system.stdout
    wrong = psql(conn("verify-full"), "SELECT 1", password="not-" + PASSWORD)
    assert wrong.returncode != 0 and "password authentication failed" in wrong.stdout


def test_the_master_is_not_a_superuser_but_makes_the_application_database(endpoint):
    who = psql(conn("verify-full"), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    assert who.stdout.strip() == "f", who.stdout
    denied = psql(conn("verify-full"), "ALTER SYSTEM SET work_mem = '8MB'")
    assert denied.returncode != 0 and "permission denied" in denied.stdout
    # As RDS's master: a role, membership in it, then a database that role owns.
    for sql in (
        "CREATE ROLE app_probe LOGIN",
        "GRANT app_probe TO current_user",
        "CREATE DATABASE app_probe OWNER app_probe",
    ):
        made = psql(conn("verify-full", db="postgres"), sql)
        assert made.returncode == 0, made.stdout
    owner = psql(
        conn("verify-full", db="postgres"),
        "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app_probe'",
    )
    assert owner.stdout.strip() == "app_probe"
