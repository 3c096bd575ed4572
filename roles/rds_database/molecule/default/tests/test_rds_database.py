"""What a client on the instance sees of the database the role made on the RDS stand-in."""

import pytest

RDS = "masclet-molecule-rdsdb-rds"
CA = "/etc/ssl/masclet-db/rds-ca.pem"


def psql(host, conninfo, sql, password):
    return host.run(f"PGPASSWORD='{password}' psql -XAtq '{conninfo}' -c \"{sql}\"")


def test_the_owner_logs_in_over_tls_verified_against_the_bundle(host):
    out = psql(
        host,
        f"host={RDS} dbname=masclet user=masclet sslmode=verify-full sslrootcert={CA}",
        "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        "molecule-owner-0",
    )
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "masclet|t"


def test_the_database_is_the_owners_and_closed_to_others(host):
    out = psql(
        host,
        f"host={RDS} dbname=masclet user=masclet_admin sslmode=verify-full sslrootcert={CA}",
        "SELECT pg_get_userbyid(datdba), has_database_privilege('public', 'masclet', 'CONNECT'),"
        " pg_has_role('masclet_admin', 'masclet', 'MEMBER')"
        " FROM pg_database WHERE datname = 'masclet'",
        "molecule-master-0",
    )
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "masclet|f|t"


@pytest.mark.parametrize(
    "conninfo, error",
    [
        # The system's store alone does not know the stand-in's CA (nor RDS's).
        (
            f"host={RDS} sslmode=verify-full sslrootcert=/etc/ssl/certs/ca-certificates.crt",
            "certificate verify failed",
        ),
        # The certificate names the endpoint, not its address.
        ("hostaddr={addr} host=wrong-name sslmode=verify-full sslrootcert=" + CA, "does not match"),
        # rds.force_ssl: no TLS, no login.
        (f"host={RDS} sslmode=disable", "no encryption"),
    ],
)
def test_anything_less_than_verified_tls_is_refused(host, conninfo, error):
    addr = host.run(f"getent hosts {RDS}").stdout.split()[0]
    conninfo = conninfo.format(addr=addr) + " dbname=masclet user=masclet"
    out = psql(host, conninfo, "SELECT 1", "molecule-owner-0")
    assert out.rc != 0
    assert error in out.stderr, out.stderr


def test_the_trust_file_holds_the_system_cas_and_the_bundle(host):
    trust = host.file("/etc/ssl/masclet-db/db-trust.pem").content_string
    system = host.file("/etc/ssl/certs/ca-certificates.crt").content_string
    bundle = host.file(CA).content_string
    assert trust == system + bundle
    # Python's default context (asyncpg's with ssl=true) verifies the stand-in through it.
    probe = host.run(
        'SSL_CERT_FILE=/etc/ssl/masclet-db/db-trust.pem python3 -c "import socket, ssl;'
        f"s = socket.create_connection(('{RDS}', 5432));"
        "s.sendall(bytes([0, 0, 0, 8, 4, 210, 22, 47])); assert s.recv(1) == b'S';"
        f"ssl.create_default_context().wrap_socket(s, server_hostname='{RDS}').close()\""
    )
    assert probe.rc == 0, probe.stderr
