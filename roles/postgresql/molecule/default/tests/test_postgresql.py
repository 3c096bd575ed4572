"""PostgreSQL as the application and an attacker would meet it."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[5]
CONVERGE = Path(__file__).resolve().parents[1] / "converge.yml"

PSQL = "psql -X -At -h 127.0.0.1 -p 5432 -U masclet -d masclet "
RIGHT = "PGPASSWORD=molecule-db-password-0 "


def sql(host, query):
    return host.check_output(f'runuser -u postgres -- psql -X -At -c "{query}"')


def test_right_password_is_accepted_on_loopback(host):
    out = host.run(RIGHT + PSQL + "-c 'select current_user'")
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "masclet"


def test_wrong_password_is_refused(host):
    out = host.run("PGPASSWORD=wrong " + PSQL + "-c 'select 1'")
    assert out.rc != 0
    assert "password authentication failed" in out.stderr


def test_password_is_stored_as_scram(host):
    stored = sql(host, "select rolpassword from pg_authid where rolname = 'masclet'")
    assert stored.startswith("SCRAM-SHA-256$")


def test_socket_needs_the_password_too(host):
    out = host.run(
        "PGPASSWORD=wrong psql -X -At -h /var/run/postgresql -U masclet -d masclet -c 'select 1'"
    )
    assert out.rc != 0
    assert "password authentication failed" in out.stderr


def test_other_roles_cannot_connect_to_the_database(host):
    sql(host, "drop role if exists intruder; create role intruder login password 'intruder-pass-1'")
    out = host.run(
        "PGPASSWORD=intruder-pass-1 psql -X -At -h 127.0.0.1 -U intruder -d masclet -c 'select 1'"
    )
    sql(host, "drop role intruder")
    assert out.rc != 0
    assert "permission denied for database" in out.stderr


def test_listens_on_loopback_only(host):
    # Every socket listening on port 5432, in the network namespace the
    # container shares with its host, is PostgreSQL's on 127.0.0.1.
    out = host.check_output("ss -ltnH 'sport = :5432'")
    assert [line.split()[3] for line in out.splitlines()] == ["127.0.0.1:5432"], out
    assert sql(host, "show listen_addresses") == "127.0.0.1"


def test_database_is_owned_by_the_app_role(host):
    assert (
        sql(host, "select pg_get_userbyid(datdba) from pg_database where datname='masclet'")
        == "masclet"
    )
    out = host.run(RIGHT + PSQL + "-c 'create table t_probe(i int); drop table t_probe'")
    assert out.rc == 0, out.stderr


def test_memory_settings_fit_a_1_gib_host(host):
    names = (
        "shared_buffers",
        "effective_cache_size",
        "work_mem",
        "maintenance_work_mem",
        "max_connections",
        "jit",
        "password_encryption",
    )
    values = {name: sql(host, f"show {name}") for name in names}
    assert values == {
        "shared_buffers": "128MB",
        "effective_cache_size": "384MB",
        "work_mem": "4MB",
        "maintenance_work_mem": "32MB",
        "max_connections": "30",
        "jit": "off",
        "password_encryption": "scram-sha-256",
    }


def converge(*extra):
    """Run the scenario's converge again with extra variables."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    proc = subprocess.run(
        ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(CONVERGE)]
        + [arg for pair in extra for arg in ("-e", pair)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
    return proc.stdout


def test_reload_settings_reload_and_restart_settings_restart(host):
    started = sql(host, "select pg_postmaster_start_time()")
    try:
        out = converge("postgresql_work_mem_mb=8")
        assert "RUNNING HANDLER [postgresql : PostgreSQL | reload]" in out
        assert "PostgreSQL | restart]" not in out
        assert sql(host, "show work_mem") == "8MB"
        assert sql(host, "select pg_postmaster_start_time()") == started

        out = converge("postgresql_work_mem_mb=8", "postgresql_max_connections=31")
        assert "PostgreSQL | restart]" in out
        assert sql(host, "show max_connections") == "31"
        assert sql(host, "select pg_postmaster_start_time()") != started
    finally:
        converge()
    assert sql(host, "show max_connections") == "30"
    assert sql(host, "show work_mem") == "4MB"
