"""Faults: a reboot, a lost database, an interrupted run."""

import os
import signal
import subprocess
import time

from tests.conftest import ROOT, run
from tests.e2e.conftest import CONTAINER, as_postgres, playbook, psql

TABLES = ("users", "animals", "parts", "imports")


def counts() -> dict[str, str]:
    return {t: psql(f"SELECT count(*) FROM {t}") for t in TABLES}


def test_host_restart_brings_every_service_back(api, site):
    before = counts()
    run(["docker", "restart", CONTAINER], check=True)
    api.wait_healthy(180)
    assert counts() == before
    # The live frontend instance comes back on its socket, behind the same link.
    deadline = time.monotonic() + 60
    while site.request("GET", "/login").status != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert site.request("GET", "/login").status == 200
    failed = run(["docker", "exec", CONTAINER, "systemctl", "--failed", "--plain", "--no-legend"])
    assert failed.stdout.strip() == "", failed.stdout


def test_backup_drop_restore_gives_back_the_same_rows(api):
    before = counts()
    assert int(before["animals"]) > 0
    proc = playbook("backup", log="e2e-backup")
    assert proc.returncode == 0, proc.stdout[-6000:]
    as_postgres("dropdb", "--force", "masclet")
    # The restore stops the application, restores, and starts it again.
    proc = playbook("restore", log="e2e-restore")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert counts() == before
    api.wait_healthy(120)


def test_interrupted_backend_run_converges_on_rerun(api):
    before = counts()
    log = ROOT / ".local/logs/e2e-interrupted.log"
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                "ansible-playbook",
                "-i",
                "inventory/local",
                "playbooks/backend.yml",
                "-e",
                "app_version=v1.0.0",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Cut the run once it is inside the backend role's work on the host.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            if "TASK [backend" in log.read_text():
                time.sleep(8)
                break
            time.sleep(0.5)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    api.wait_healthy(60)
    rerun = playbook("backend", "-e", "app_version=v1.0.0", log="e2e-after-interrupt")
    assert rerun.returncode == 0, rerun.stdout[-6000:]
    assert api.request("GET", "/health").json()["version"] == "1.0.0"
    assert counts() == before
