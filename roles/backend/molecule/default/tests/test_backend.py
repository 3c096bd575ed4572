"""Behaviour of the backend role on the Molecule instance, driven from the controller.

The tests run in file order and build on each other: v1.0.0 (converge) -> v2.0.0 under
load -> v2.0.1-broken under load (fails, v2 keeps serving) -> rollback -> named rollback
with its venv removed. Every HTTP request goes to the port the instance publishes on
127.0.0.3 (molecule/config.yml).
"""

import hashlib
import json
import os
import re
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

SCENARIO = Path(__file__).resolve().parent.parent
NGINX = "http://127.0.0.3:8080"
HOME = "/srv/masclet"
ADMIN_PASSWORD = "molecule-admin-secret"


def http(method, url, data=None, headers=None, timeout=10):
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def health():
    status, body = http("GET", f"{NGINX}/health")
    return status, (json.loads(body) if status in (200, 500, 503) and body else {})


def login(password):
    data = urllib.parse.urlencode({"username": "admin", "password": password}).encode()
    status, body = http(
        "POST",
        f"{NGINX}/api/v1/auth/login",
        data,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    return status, (json.loads(body) if status == 200 else None)


def playbook(name, *extra):
    cmd = [
        "ansible-playbook",
        "-i",
        os.environ["MOLECULE_INVENTORY_FILE"],
        str(SCENARIO / name),
        *extra,
    ]
    started = time.monotonic()
    proc = subprocess.run(
        cmd,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )
    proc.duration = time.monotonic() - started
    return proc


class Load:
    """A bounded load generator: 4 threads of GET /health and GET /api/v1/animals/count
    through nginx, until stopped or max_requests done. Counts every failure."""

    def __init__(self, threads=4, max_requests=20000, max_seconds=600):
        self.ok = 0
        self.failed = []
        self.versions = set()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + max_seconds
        self._max = max_requests
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self):
        while not self._stop.is_set() and time.monotonic() < self._deadline:
            with self._lock:
                if self.ok + len(self.failed) >= self._max:
                    return
            try:
                status, body = http("GET", f"{NGINX}/health", timeout=10)
                err = None if status == 200 else f"HTTP {status}"
                version = json.loads(body).get("version") if status == 200 else None
            except Exception as exc:
                err, version = repr(exc), None
            with self._lock:
                if err:
                    self.failed.append(err)
                else:
                    self.ok += 1
                    self.versions.add(version)
            time.sleep(0.05)

    def __enter__(self):
        for t in self._threads:
            t.start()
        time.sleep(1)
        return self

    def __exit__(self, *exc):
        time.sleep(1)
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)

    @property
    def total(self):
        return self.ok + len(self.failed)


def record(name, **figures):
    """Print a measured figure; also append it to $BACKEND_FIGURES when set."""
    line = json.dumps({"test": name, **figures})
    print(line)
    if os.environ.get("BACKEND_FIGURES"):
        with open(os.environ["BACKEND_FIGURES"], "a", encoding="utf-8") as fh:
            fh.write(line + "\n")


def live(host):
    return json.loads(host.file(f"{HOME}/live.json").content_string)


def test_health_answers_through_nginx():
    status, body = health()
    assert status == 200
    assert body["status"] == "ok"
    assert body["version"] == "1.0.0"
    assert body["database"] == "ok"


def test_default_admin_password_replaced():
    assert login("admin123")[0] == 401
    status, token = login(ADMIN_PASSWORD)
    assert status == 200 and token["access_token"]


def test_settings_reach_the_process_through_its_environment():
    # The sample reads its settings at import, before its .env: a garbage token is
    # refused only if BYPASS_MODE=off came through the unit's EnvironmentFile.
    status, _ = http("GET", f"{NGINX}/api/v1/auth/me", headers={"Authorization": "Bearer x"})
    assert status == 401


def test_csv_upload_lands_in_shared_imports(host):
    _, token = login(ADMIN_PASSWORD)
    marker = uuid.uuid4().hex[:8]
    rows = "".join(f"vaca{marker}{i};F;OK;01/02/2020;Gurans\n" for i in range(2000))
    payload = ("nom;genere;estat;dob;explotacio\n" + rows).encode()
    boundary = "----molecule" + marker
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
            f'molecule\r\n--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="herd-{marker}.csv"\r\nContent-Type: text/csv\r\n\r\n'
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, answer = http(
        "POST",
        f"{NGINX}/api/v1/imports/csv",
        body,
        {
            "Authorization": f"Bearer {token['access_token']}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
        timeout=60,
    )
    assert status == 201, answer
    result = json.loads(answer)
    assert result["rows"] == 2000
    saved = host.run(f"ls {HOME}/shared/imports/")
    names = [n for n in saved.stdout.split() if marker in n]
    assert len(names) == 1, saved.stdout
    assert host.file(f"{HOME}/shared/imports/{names[0]}").size == len(payload)


def test_env_file_private_and_no_password_in_database_url(host):
    env = host.file(f"{HOME}/shared/.env")
    assert env.user == "masclet" and env.mode == 0o600
    # The application prints DATABASE_URL: the password (reserved characters and all) is in
    # PGPASSWORD, where asyncpg reads it, and the app connected with it (health is ok).
    content = env.content_string
    assert "DATABASE_URL='postgres://masclet@127.0.0.1:5432/masclet'" in content
    assert "PGPASSWORD='molecule:db/p@ss%word'" in content
    assert "p@ss" not in content.split("DATABASE_URL=")[1].splitlines()[0]
    status, body = health()
    assert status == 200 and body["database"] == "ok", body


def test_service_hardening_rated_ok_or_better(host):
    slot = live(host)["slot"]
    out = host.run(f"systemd-analyze security masclet-api@{slot}.service")
    assert out.rc == 0, out.stderr
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", out.stdout)
    assert match, out.stdout[-2000:]
    assert float(match.group(1)) < 5.0, match.group(0)
    assert match.group(2) in ("OK", "SAFE", "PERFECT"), match.group(0)
    # Code and venv are read-only for the service: it cannot rewrite its own release.
    probe = host.run(f"runuser -u masclet -- touch {HOME}/current/backend/app/evil.py")
    assert probe.rc != 0


def set_key(lock: str) -> str:
    """The package set a lock installs into, as roles/backend/tasks/install.yml names it: its
    content, the kind of input, the Python, pip's options, the extras (vars/scenario.yml)."""
    extras = "".join(f"{e}\n" for e in ("schedule", "PyJWT"))
    return hashlib.sha1(f"{lock}lock\npython3\n--\n{extras}\n".encode()).hexdigest()[:16]


def venv_set(host, release: str) -> str:
    """The package set a release's venv links to."""
    return host.run(f"readlink -e {HOME}/releases/{release}/venv").stdout.strip()


def nginx_workers(host):
    return host.run('pgrep -P "$(cat /run/nginx.pid)" | sort').stdout.split()


def test_deploy_v2_under_load_has_zero_failed_requests(host):
    before = live(host)
    workers = nginx_workers(host)
    with Load() as load:
        proc = playbook("converge.yml", "-e", "backend_version=v2.0.0")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert load.total >= 200, load.total
    assert load.failed == [], load.failed[:10]
    assert load.versions == {"1.0.0", "2.0.0"}, load.versions
    assert health()[1]["version"] == "2.0.0"
    after = live(host)
    assert after["slot"] != before["slot"]
    assert after["release"] != before["release"]
    # The old instance is gone after the drain.
    assert not host.service(f"masclet-api@{before['slot']}").is_running
    # Traffic moved with the live link: nginx was not reloaded (same workers), and
    # the link leads to the new slot's socket.
    assert nginx_workers(host) == workers
    link = host.file("/var/lib/masclet-api/live.sock")
    assert link.linked_to == f"/run/masclet-api/{after['slot']}.sock"
    # v2's migration ran: the new column is in the API.
    _, token = login(ADMIN_PASSWORD)
    status, body = http(
        "POST",
        f"{NGINX}/api/v1/animals",
        json.dumps(
            {"nom": "Pes", "genere": "F", "estat": "OK", "pes": 412.5, "explotacio": "Gurans"}
        ).encode(),
        {"Authorization": f"Bearer {token['access_token']}", "Content-Type": "application/json"},
    )
    assert status in (200, 201), body
    assert json.loads(body).get("pes") == 412.5
    # v2's requirements are v1's: it links to the package set v1 installed, pip ran no install.
    assert "shared with an earlier release" in proc.stdout, proc.stdout[-6000:]
    assert venv_set(host, after["release"]) == venv_set(host, before["release"])
    m = re.search(r"pip install for \S+ took (\S+)\"", proc.stdout)
    record(
        "deploy v2.0.0",
        seconds=round(proc.duration, 1),
        requests=load.total,
        failed=len(load.failed),
        pip_install_warm_cache=m.group(1) if m else None,
    )


def test_broken_release_fails_and_old_keeps_serving(host):
    before = live(host)
    with Load() as load:
        proc = playbook("converge.yml", "-e", "backend_version=v2.0.1-broken")
    assert proc.returncode != 0, proc.stdout[-4000:]
    assert "health gate" in proc.stdout
    assert "keeps serving" in proc.stdout
    assert "journal" in proc.stdout
    record(
        "deploy v2.0.1-broken",
        seconds=round(proc.duration, 1),
        requests=load.total,
        failed=len(load.failed),
    )
    assert load.total >= 100
    assert load.failed == [], load.failed[:10]
    assert load.versions == {"2.0.0"}
    assert health()[1]["version"] == "2.0.0"
    assert live(host) == before
    failed = host.run(f"ls {HOME}/releases/*/FAILED")
    assert failed.rc == 0 and failed.stdout.strip()


def test_rollback_returns_to_previous_release_under_load(host):
    with Load() as load:
        proc = playbook("rollback.yml")
    assert proc.returncode == 0, proc.stdout[-6000:]
    record(
        "rollback", seconds=round(proc.duration, 1), requests=load.total, failed=len(load.failed)
    )
    assert load.failed == [], load.failed[:10]
    assert health()[1]["version"] == "1.0.0"
    # A rollback never picks the failed release, and the live one is `current`.
    state = live(host)
    assert host.file(f"{HOME}/current").linked_to == f"{HOME}/releases/{state['release']}"


def test_rollback_to_named_release_reinstalls_its_recorded_set(host):
    v2 = next(
        r
        for r in live(host)["history"]
        if "2.0.0" in host.file(f"{HOME}/releases/{r}/RELEASE.json").content_string
    )
    lock_before = host.file(f"{HOME}/releases/{v2}/requirements.lock").content_string
    set_before = venv_set(host, v2)
    host.run(f"rm -rf {HOME}/releases/{v2}/venv")
    with Load() as load:
        proc = playbook("rollback.yml", "-e", f"backend_rollback_to={v2}")
    assert proc.returncode == 0, proc.stdout[-6000:]
    m = re.search(r"pip install for \S+ took (\S+)\"", proc.stdout)
    record(
        "rollback to named release, venv reinstalled from its lock",
        seconds=round(proc.duration, 1),
        requests=load.total,
        failed=len(load.failed),
        pip_install_from_lock=m.group(1) if m else None,
    )
    assert load.failed == [], load.failed[:10]
    assert health()[1]["version"] == "2.0.0"
    assert f"pip install for {v2} took 0:" in proc.stdout
    # The venv was rebuilt from the lock, as a package set of its own.
    assert "installing the recorded set requirements.lock" in proc.stdout, proc.stdout[-6000:]
    assert venv_set(host, v2) != set_before
    freeze = host.run(f"{HOME}/releases/{v2}/venv/bin/pip freeze")
    assert freeze.stdout == lock_before


def test_lock_from_another_environment_installs_exactly_that_set(host, tmp_path):
    """backend_pip_lock_from: production installs the set development recorded."""
    state = live(host)
    recorded = host.file(f"{HOME}/releases/{state['release']}/requirements.lock").content_string
    # Development's lock as it came (a comment more): a set no release has installed yet. A
    # run cut short while installing it left it unfinished, half-written packages and all:
    # the deploy must install it again from scratch, not take what is there as installed.
    given = recorded + "# recorded on development\n"
    lock = tmp_path / "dev-requirements.lock"
    lock.write_text(given)
    unfinished = f"{HOME}/sets/{set_key(given)}"
    host.run(f"mkdir -p {unfinished}/lib && touch {unfinished}/lib/half-written")
    with Load() as load:
        proc = playbook(
            "converge.yml", "-e", "backend_version=v2.0.0", "-e", f"backend_pip_lock_from={lock}"
        )
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert load.failed == [], load.failed[:10]
    after = live(host)
    # Same commit, other build inputs: a new release, installed from the given set.
    assert after["release"] != state["release"]
    assert after["release"][:10] == state["release"][:10]
    assert "installing the set given by backend_pip_lock_from" in proc.stdout, proc.stdout[-6000:]
    assert venv_set(host, after["release"]) == unfinished
    assert not host.file(f"{unfinished}/lib/half-written").exists
    freeze = host.run(f"{HOME}/releases/{after['release']}/venv/bin/pip freeze")
    assert freeze.stdout == recorded
    assert health()[1]["version"] == "2.0.0"
    # Cleanup left only the package sets a kept release links to (the failed release's and
    # the one the named rollback replaced are gone).
    releases = host.run(f"ls {HOME}/releases").stdout.split()
    sets = host.run(f"ls {HOME}/sets").stdout.split()
    assert sorted(sets) == sorted({venv_set(host, r).rsplit("/", 1)[-1] for r in releases})


def test_unknown_version_stops_before_any_change(host):
    before = live(host)
    proc = playbook("converge.yml", "-e", "backend_version=v9.9.9")
    assert proc.returncode != 0
    assert "v9.9.9" in proc.stdout and "sample-app" in proc.stdout
    assert re.search(r"masclet-molecule\s+:.*changed=0", proc.stdout), proc.stdout[-2000:]
    assert live(host) == before


@pytest.mark.parametrize(
    "bad",
    ['{"backend_slots": ["blue"]}', '{"backend_keep_releases": 1}', '{"backend_workers": "x"}'],
)
def test_bad_input_fails_before_change(bad):
    proc = playbook("converge.yml", "-e", bad)
    assert proc.returncode != 0
    assert re.search(r"masclet-molecule\s+:.*changed=0", proc.stdout), proc.stdout[-2000:]
