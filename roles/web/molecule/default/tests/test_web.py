"""What a client of the API sees through nginx (run from the host side).

The Molecule instance has a network namespace of its own: its 80 and 443 are published on
127.0.0.3 (molecule/config.yml), where prepare points the scenario's names in the DNS
stand-in (127.0.0.9 stays unanswered, which the failed-issuance test relies on). pebble
issues the certificate through the relay, and a stub API answers on the instance's 127.0.0.1:8000.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[5]
SCENARIO = Path(__file__).resolve().parents[1]
INSTANCE = "masclet-molecule"
NAME = "api.web-molecule.test"
PEBBLE_CA = ROOT / ".local/pebble/ca.pem"
CHALLTESTSRV = "http://127.0.0.1:8055"
# Where the instance's 80/443 are published and the scenario's names point.
ADDRESS = "127.0.0.3"
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "content-security-policy": "frame-ancestors 'none'",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def pebble_root(tmp_path_factory):
    """The root that signs pebble's certificates (changes when pebble restarts)."""
    path = tmp_path_factory.mktemp("pebble") / "root.pem"
    proc = sh(["curl", "-fsS", "--cacert", str(PEBBLE_CA), "https://127.0.0.1:15000/roots/0"])
    assert proc.returncode == 0, proc.stderr
    path.write_text(proc.stdout)
    return path


def request(root, path="/health", *args, scheme="https"):
    """curl through nginx; returns (status, headers as list of (name, value), body)."""
    port = 443 if scheme == "https" else 80
    cmd = ["curl", "-sS", "-D", "-", "-o", "/dev/stderr", "--max-time", "60"]
    cmd += ["--resolve", f"{NAME}:{port}:{ADDRESS}", "--cacert", str(root)]
    proc = subprocess.run(
        [*cmd, *args, f"{scheme}://{NAME}{path}"],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    # Text mode turned CRLF into LF; the last block is the final response.
    blocks = [b for b in proc.stdout.split("\n\n") if b.strip()]
    lines = blocks[-1].splitlines()
    status = int(lines[0].split()[1])
    headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
    return status, [(k.lower(), v) for k, v in headers], proc.stderr


def values(headers, name):
    return [v for k, v in headers if k == name]


def served_fingerprint():
    proc = sh(
        f"openssl s_client -connect {ADDRESS}:443 -servername {NAME} </dev/null 2>/dev/null"
        " | openssl x509 -noout -fingerprint -sha256 -issuer",
        shell=True,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def inventory(tmp_path_factory):
    path = tmp_path_factory.mktemp("inventory") / "hosts.yml"
    path.write_text(
        f"all:\n  hosts:\n    {INSTANCE}:\n"
        "      ansible_connection: community.docker.docker\n"
        "      ansible_python_interpreter: /usr/bin/python3\n"
    )
    return path


def converge(inventory, *extra):
    """Run the scenario's converge playbook again, with extra variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "MOLECULE_"))}
    env.update(
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_ROLES_PATH=str(ROOT / "roles"),
        ANSIBLE_NOCOLOR="1",
    )
    cmd = ["ansible-playbook", "-i", str(inventory), str(SCENARIO / "converge.yml")]
    for e in extra:
        cmd += ["-e", e]
    return subprocess.run(
        cmd, env=env, capture_output=True, text=True, timeout=900, check=False, cwd=ROOT
    )


def changed_count(output):
    match = re.search(rf"{INSTANCE}\s*:\s*ok=\d+\s+changed=(\d+)", output)
    assert match, output[-3000:]
    return int(match.group(1))


def test_pebble_certificate_is_served_and_verifies(pebble_root):
    status, _, body = request(pebble_root)
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert "Pebble" in served_fingerprint()


def test_http_only_redirects_to_https(pebble_root):
    status, headers, _ = request(pebble_root, "/health?x=1", scheme="http")
    assert status == 301
    assert values(headers, "location") == [f"https://{NAME}/health?x=1"]


def test_unknown_name_gets_no_certificate():
    proc = sh(
        f"openssl s_client -connect {ADDRESS}:443 -servername other.example </dev/null",
        shell=True,
    )
    assert proc.returncode != 0
    assert "BEGIN CERTIFICATE" not in proc.stdout


@pytest.mark.parametrize("path,expected", [("/health", 200), ("/missing", 404)])
def test_security_headers_once_on_success_and_errors(pebble_root, path, expected):
    status, headers, _ = request(pebble_root, path)
    assert status == expected
    for name, value in SECURITY_HEADERS.items():
        assert values(headers, name) == [value], name
    assert values(headers, "server") == ["nginx"]  # server_tokens off: no version


def test_security_headers_on_bad_gateway(pebble_root, host):
    host.run_test("systemctl stop stub-api")
    try:
        status, headers, _ = request(pebble_root, "/health")
    finally:
        host.run_test("systemctl start stub-api")
    assert status == 502
    for name, value in SECURITY_HEADERS.items():
        assert values(headers, name) == [value], name


@pytest.mark.parametrize(
    "version,accepted",
    [("-tls1", False), ("-tls1_1", False), ("-tls1_2", True), ("-tls1_3", True)],
)
def test_only_tls_12_and_13(version, accepted):
    # SECLEVEL=0 lets the client offer old protocols: a refusal is the server's.
    proc = sh(
        f"openssl s_client -connect {ADDRESS}:443 -servername {NAME} {version}"
        " -cipher 'DEFAULT:@SECLEVEL=0' </dev/null",
        shell=True,
    )
    assert (proc.returncode == 0) is accepted, proc.stdout[-500:] + proc.stderr[-500:]
    if not accepted:
        assert "no protocols available" not in proc.stderr  # the client did offer it


def test_large_upload_passes_and_oversize_is_refused(pebble_root, tmp_path):
    ten = tmp_path / "ten.csv"
    ten.write_bytes(b"a;b;01/01/2020\n" * (10 * 1024 * 1024 // 15))
    status, headers, body = request(pebble_root, "/api/v1/animals", "--data-binary", f"@{ten}")
    assert status == 200
    assert json.loads(body)["received"] == ten.stat().st_size
    big = tmp_path / "big.csv"
    big.write_bytes(b"0" * (21 * 1024 * 1024))
    status, headers, _ = request(pebble_root, "/api/v1/animals", "--data-binary", f"@{big}")
    assert status == 413
    assert values(headers, "strict-transport-security")
    # The upload location has its own limit (30m).
    status, _, body = request(pebble_root, "/api/v1/imports/csv", "--data-binary", f"@{big}")
    assert status == 200 and json.loads(body)["received"] == big.stat().st_size
    bigger = tmp_path / "bigger.csv"
    bigger.write_bytes(b"0" * (31 * 1024 * 1024))
    status, _, _ = request(pebble_root, "/api/v1/imports/csv", "--data-binary", f"@{bigger}")
    assert status == 413


def test_only_upload_locations_wait_longer_for_the_application(pebble_root):
    assert request(pebble_root, "/api/v1/animals/slow")[0] == 504
    status, headers, _ = request(pebble_root, "/api/v1/imports/slow")
    assert status == 200
    assert values(headers, "strict-transport-security")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/reset-database",
        "/api/v1/admin//reset-database",
        "/api/v1/admin/%72eset-database",
        "/api/v1/admin/reset-database/",
    ],
)
def test_denied_paths_never_reach_the_application(pebble_root, path):
    # The stub answers 200 to any POST: only nginx can make this a 404.
    status, headers, _ = request(pebble_root, path, "-X", "POST", "-d", "x=1")
    assert status == 404
    assert values(headers, "strict-transport-security")
    assert request(pebble_root, "/api/v1/admin/other", "-X", "POST", "-d", "x=1")[0] == 200


def test_cors_only_for_the_frontend(pebble_root):
    _, headers, _ = request(pebble_root, "/health", "-H", "Origin: https://web-molecule.test")
    assert values(headers, "access-control-allow-origin") == ["https://web-molecule.test"]
    _, headers, _ = request(pebble_root, "/health", "-H", "Origin: https://evil.example")
    assert values(headers, "access-control-allow-origin") == []
    status, headers, _ = request(
        pebble_root,
        "/api/v1/animals",
        "-X",
        "OPTIONS",
        "-H",
        "Origin: https://web-molecule.test",
        "-H",
        "Access-Control-Request-Method: POST",
    )
    assert status == 204
    assert values(headers, "access-control-allow-origin") == ["https://web-molecule.test"]
    assert "POST" in values(headers, "access-control-allow-methods")[0]
    assert values(headers, "strict-transport-security")


def test_gzip_on_json(pebble_root):
    _, headers, _ = request(pebble_root, "/big", "-H", "Accept-Encoding: gzip")
    assert values(headers, "content-encoding") == ["gzip"]


def test_login_is_rate_limited(pebble_root):
    statuses = [
        request(pebble_root, "/api/v1/auth/login", "-d", "username=a&password=b")[0]
        for _ in range(12)
    ]
    assert statuses[0] == 200
    assert 429 in statuses


def test_renewal_reloads_nginx_even_when_another_certificate_fails(host):
    before = served_fingerprint()
    # The environment certbot.service runs with (the CA bundle drop-in).
    env = host.check_output("systemctl show -p Environment --value certbot.service")
    assert "REQUESTS_CA_BUNDLE" in env
    # A second certificate, renewed first (name order), whose CA has gone away.
    other = "a-broken.web-molecule.test"
    host.check_output(
        f"env {env} certbot certonly -n --agree-tos --register-unsafely-without-email"
        f" --webroot -w /var/www/acme --server https://127.0.0.1:14000/dir -d {other}"
    )
    host.check_output(
        f"sed -i 's#^server = .*#server = https://127.0.0.1:14999/dir#'"
        f" /etc/letsencrypt/renewal/{other}.conf"
    )
    try:
        renew = host.run(f"env {env} certbot renew --force-renewal --no-random-sleep-on-renew")
    finally:
        host.run(f"certbot delete -n --cert-name {other}")
    assert renew.rc != 0
    assert "1 renew failure(s)" in renew.stdout + renew.stderr
    after = served_fingerprint()
    assert after != before  # the deploy hook reloaded nginx onto the renewed certificate
    assert "Pebble" in after


def test_bad_template_is_refused_and_the_site_keeps_serving(pebble_root, host, inventory):
    before = served_fingerprint()
    proc = converge(inventory, "web_extra_server_config='this_is_not_a_directive on;'")
    assert proc.returncode != 0
    assert "this_is_not_a_directive" in proc.stdout
    assert request(pebble_root)[0] == 200
    assert served_fingerprint() == before
    assert host.run("nginx -t").rc == 0
    assert "this_is_not_a_directive" not in host.check_output("cat /etc/nginx/sites-enabled/*")


def test_failed_issuance_keeps_the_current_certificate(pebble_root, inventory):
    before = served_fingerprint()
    bad = "bad.web-molecule.test"
    add = sh(
        [
            "curl",
            "-fsS",
            "-X",
            "POST",
            f"{CHALLTESTSRV}/add-a",
            "-d",
            json.dumps({"host": f"{bad}.", "addresses": ["127.0.0.9"]}),
        ]
    )
    assert add.returncode == 0, add.stderr
    try:
        proc = converge(inventory, json.dumps({"web_extra_domains": [bad]}))
    finally:
        sh(
            [
                "curl",
                "-fsS",
                "-X",
                "POST",
                f"{CHALLTESTSRV}/clear-a",
                "-d",
                json.dumps({"host": f"{bad}."}),
            ]
        )
    assert proc.returncode != 0
    assert "DNS" in proc.stdout and bad in proc.stdout
    assert request(pebble_root)[0] == 200
    assert served_fingerprint() == before
    # Back to the scenario's own settings: no reissue needed, the site comes back.
    restore = converge(inventory)
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert served_fingerprint() == before


def test_selfsigned_and_provided_modes(pebble_root, inventory, tmp_path):
    before = served_fingerprint()
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = sh(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=provided-test",
            "-addext",
            f"subjectAltName=DNS:{NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ]
    )
    assert made.returncode == 0, made.stderr
    try:
        proc = converge(inventory, "web_tls_mode=selfsigned")
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert f"issuer=CN = {NAME}" in served_fingerprint()
        assert request(pebble_root, "/health", "--insecure")[0] == 200
        proc = converge(
            inventory,
            json.dumps(
                {
                    "web_tls_mode": "provided",
                    "web_tls_cert_src": str(cert),
                    "web_tls_key_src": str(key),
                }
            ),
        )
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert "issuer=CN = provided-test" in served_fingerprint()
        assert request(cert, "/health")[0] == 200  # verifies against the provided certificate
    finally:
        restore = converge(inventory)
    assert restore.returncode == 0, restore.stdout[-3000:]
    assert served_fingerprint() == before


@pytest.mark.parametrize(
    "extra,named",
    [
        ("web_tls_mode=bogus", "web_tls_mode"),
        ("web_api_domain=''", "web_api_domain"),
        ("web_tls_mode=provided", "web_tls_cert_src"),
    ],
)
def test_bad_input_stops_before_any_change(inventory, extra, named):
    proc = converge(inventory, extra)
    assert proc.returncode != 0
    assert named in proc.stdout
    assert changed_count(proc.stdout) == 0


def test_converged_again_changes_nothing(inventory):
    proc = converge(inventory)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert changed_count(proc.stdout) == 0
