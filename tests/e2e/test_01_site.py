"""The deployed site as a user sees it: HTTPS, headers, the API through nginx,
the published frontend, a real browser, and no secret in the output."""

import base64
import csv
import hashlib
import hmac
import io
import json
import subprocess
import time
import uuid

import pytest
import urllib3

from tests.conftest import ROOT, run
from tests.e2e.conftest import API, CONTAINER, playbook, psql, secret
from tests.load import LOOPBACK
from tests.recap import changed_by_host

SECURITY_HEADERS = {
    "strict-transport-security": "max-age=",
    "x-content-type-options": "nosniff",
    "referrer-policy": "",
    "content-security-policy": "frame-ancestors",
    "permissions-policy": "",
}


def test_https_serves_a_certificate_issued_by_pebble(api):
    r = api.request("GET", "/health")
    assert r.status == 200
    body = r.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    pem = subprocess.run(
        ["openssl", "s_client", "-connect", f"{LOOPBACK}:443", "-servername", API],
        input="",
        capture_output=True,
        text=True,
        timeout=20,
    ).stdout
    assert "Pebble Intermediate" in pem or "Pebble" in pem, pem[:1500]


def test_the_whole_stack_scenario_verifies_the_deployed_site(deployed):
    """molecule/default, the whole-stack scenario (`molecule test` at the project's root runs
    site.yml through it): its verify, run as a user runs it, passes on the site deployed."""
    proc = run(["molecule", "verify"], timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "Verify | the site's login page is rendered" in proc.stdout
    assert "failed=0" in proc.stdout


def test_http_answers_only_with_a_redirect_to_https(deployed):
    pool = urllib3.HTTPConnectionPool(LOOPBACK, 80, retries=False)
    r = pool.request("GET", "/api/v1/animals?x=1", headers={"Host": API}, redirect=False)
    assert r.status == 301
    assert r.headers["location"] == f"https://{API}/api/v1/animals?x=1"


@pytest.mark.parametrize("path,status", [("/health", 200), ("/no-such-page", 404)])
def test_security_headers_on_success_and_error(api, path, status):
    r = api.request("GET", path)
    assert r.status == status
    for name, fragment in SECURITY_HEADERS.items():
        assert name in r.headers, f"{name} missing on {path}"
        assert fragment in r.headers[name]
    assert "nginx/" not in r.headers.get("server", "")


def test_the_default_admin_password_no_longer_works(api):
    r = api.request(
        "POST",
        "/api/v1/auth/login",
        fields={"username": "admin", "password": "admin123"},
        encode_multipart=False,
    )
    assert r.status == 401


def forged_token(key: str, username: str = "admin") -> str:
    """An HS256 JWT for username signed with key (here: the application's placeholder)."""

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"sub": username, "exp": int(time.time()) + 3600}).encode())
    signature = hmac.new(key.encode(), f"{header}.{claims}".encode(), hashlib.sha256).digest()
    return f"{header}.{claims}.{b64(signature)}"


@pytest.mark.parametrize(
    "token", ["garbage", forged_token("secret_key_placeholder")], ids=["garbage", "placeholder-key"]
)
def test_tokens_the_application_did_not_issue_are_refused(api, token):
    # The application takes any token for its administrator unless BYPASS_MODE=off reaches
    # it, and signs with its placeholder key unless SECRET_KEY does (read at import).
    assert api.request("GET", "/api/v1/auth/me", token=token).status == 401
    assert api.request("POST", "/api/v1/imports/csv", token=token).status == 401


def test_the_service_environment_carries_every_setting(api, admin_token):
    me = api.request("GET", "/api/v1/auth/me", token=admin_token).json()
    assert me["id"] != 999 and me["username"] == "admin"
    pid = run(
        ["docker", "exec", CONTAINER, "pgrep", "-o", "-f", "uvicorn app.main:app"], check=True
    ).stdout.strip()
    environ = run(["docker", "exec", CONTAINER, "cat", f"/proc/{pid}/environ"], check=True)
    settings = dict(line.split("=", 1) for line in environ.stdout.split("\0") if "=" in line)
    assert settings.get("BYPASS_MODE") == "off"
    assert settings.get("ENV") == "prod"
    # Peer login over the socket: the URL the application prints holds no password.
    assert settings.get("DATABASE_URL") == "postgres://masclet@/masclet"
    assert settings.get("PGHOST") == "/var/run/postgresql"
    # Compared, never printed: a failure must not show the key.
    key_reached = settings.get("SECRET_KEY") == secret("secret-key")
    assert key_reached, "SECRET_KEY did not reach the process"


def test_the_operators_admin_password_logs_in(api):
    assert api.login("admin", secret("admin-password"))


def in_host(script: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", "exec", "-i", CONTAINER, "bash", "-c", script],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_unauthenticated_database_reset_is_refused_by_nginx(api):
    # The application has the endpoint (it answers on its own socket, Host accepted)...
    direct = in_host(
        "curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Host: localhost' "
        "--unix-socket /var/lib/masclet-api/live.sock http://localhost/api/v1/admin/reset-database"
    )
    assert direct.stdout == "500", direct
    # ...and nginx keeps it from everyone else, however the path is spelled.
    for path in (
        "/api/v1/admin/reset-database",
        "/api/v1/admin//reset-database",
        "/api/v1/admin/%72eset-database",
        "/api/v1/admin/reset-database?confirm=1",
    ):
        assert api.request("POST", path).status == 404, path


def test_a_host_name_the_application_does_not_serve_gets_400(deployed):
    # The trusted-host check of ENV=prod (the health gate sends Host: localhost for it).
    r = in_host(
        "curl -s -o /dev/null -w '%{http_code}' -H 'Host: 127.0.0.1' "
        "--unix-socket /var/lib/masclet-api/live.sock http://x/health"
    )
    assert r.stdout == "400", r


def test_the_database_password_is_in_no_file_and_no_journal_line(api):
    # The application prints its database URL at every start: it must carry no password.
    printed = in_host("journalctl --no-pager -o cat -u 'masclet-api@*' | grep -c 'Conectando a'")
    assert int(printed.stdout or 0) > 0, printed
    found = in_host(
        'read -r pw; grep -rlF -e "$pw" /srv/masclet/releases /srv/masclet/shared /etc/systemd '
        '/etc/nginx 2>/dev/null; journalctl --no-pager -o cat | grep -cF -e "$pw"',
        stdin=secret("db-password") + "\n",
    )
    assert found.stdout.split() == ["0"], "the database password is written somewhere"


def test_application_logs_rotate_and_stay_private(api):
    rotated = in_host(
        "cd /srv/masclet/shared/logs && logrotate -f /etc/logrotate.d/masclet-api && "
        "stat -c '%n %U %a' app.log.1 && wc -c < app.log"
    )
    assert rotated.returncode == 0, rotated.stderr
    name, owner, mode, size = rotated.stdout.split()
    assert (name, owner) == ("app.log.1", "masclet")
    assert int(mode, 8) & 0o007 == 0, mode
    assert int(size) == 0  # truncated in place, still the file the application writes
    # The application keeps writing to it: a failed login is logged.
    api.request(
        "POST",
        "/api/v1/auth/login",
        fields={"username": "nobody", "password": "x"},
        encode_multipart=False,
    )
    after = in_host("stat -c '%s %a' /srv/masclet/shared/logs/app.log")
    size, mode = after.stdout.split()
    assert int(size) > 0 and int(mode, 8) & 0o007 == 0, after.stdout


def test_login_create_import_and_read_back(api, admin_token):
    name = f"E2E-{uuid.uuid4().hex[:8]}"
    r = api.request(
        "POST",
        "/api/v1/animals",
        token=admin_token,
        body=json.dumps({"nom": name, "genere": "F", "estat": "OK", "explotacio": "Gurans"}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status in (200, 201), r.data[:300]

    rows = [
        [f"{name}-csv-{i}", "M" if i % 2 else "F", "OK", "01/02/2020", "Gurans"] for i in range(25)
    ]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["nom", "genere", "estat", "dob", "explotacio"])
    writer.writerows(rows)
    r = api.request(
        "POST",
        "/api/v1/imports/csv",
        token=admin_token,
        fields={"description": "e2e", "file": (f"{name}.csv", out.getvalue().encode(), "text/csv")},
    )
    assert r.status in (200, 201), r.data[:300]
    imported = r.json()
    assert imported["rows"] == 25

    r = api.request("GET", "/api/v1/animals?limit=1000", token=admin_token)
    names = {a["nom"] for a in r.json()}
    assert name in names and f"{name}-csv-24" in names

    stored = run(["docker", "exec", CONTAINER, "ls", "/srv/masclet/shared/imports"], check=True)
    assert imported["file"].split("/")[-1] in stored.stdout.split()
    count = psql(f"SELECT count(*) FROM animals WHERE nom LIKE '{name}%'")
    assert count == "26"


def test_check_mode_on_the_converged_site_changes_nothing(deployed):
    proc = playbook("site", "--check", "--diff", log="e2e-site-check")
    assert proc.returncode == 0, proc.stdout[-6000:]
    changed = changed_by_host(proc.stdout)
    assert not any(changed.values()), f"site.yml --check --diff would change: {changed}"


def test_secrets_never_appear_in_the_output(deployed):
    logs = deployed["first"] + deployed["second"]
    for name in ("db-password", "secret-key", "admin-password"):
        value = secret(name)
        assert len(value) >= 20
        assert value not in logs, f"the {name} appears in the ansible output"


def test_testssl_finds_no_vulnerability_and_only_tls12_tls13(deployed, tmp_path):
    report = tmp_path / "testssl.json"
    cmd = ["testssl", "--quiet", "--color", "0", "--warnings", "off", "--nodns", "none"]
    cmd += ["--protocols", "--vulnerable", "--jsonfile", str(report)]
    # The host's address, port 443, with the site's name in SNI (nginx refuses handshakes for
    # names it does not serve); --nodns none: no lookup leaves the machine.
    cmd += ["--ip", LOOPBACK, f"https://{API}"]
    subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    findings = json.loads(report.read_text())
    (ROOT / ".local/logs").mkdir(parents=True, exist_ok=True)
    (ROOT / ".local/logs/testssl.json").write_text(report.read_text())
    by_id = {f["id"]: f for f in findings}
    assert "scanProblem" not in by_id, by_id.get("scanProblem")
    protocols = ("SSLv2", "SSLv3", "TLS1", "TLS1_1", "TLS1_2", "TLS1_3")
    offered = {p for p in protocols if not by_id[p]["finding"].startswith("not offered")}
    assert offered == {"TLS1_2", "TLS1_3"}, {p: by_id[p]["finding"] for p in protocols}
    bad = [f for f in findings if f["severity"] in ("MEDIUM", "HIGH", "CRITICAL")]
    assert not bad, bad
