"""The phase playbooks are the user interface: each parses, and the root
group_vars/ reach every one of them."""

import shutil

import pytest

from tests.conftest import ROOT, run

PHASES = [
    "preflight",
    "provision",
    "server",
    "database",
    "backend",
    "web",
    "frontend",
    "backup",
    "restore",
    "rollback",
    "teardown",
    "migrate-account",
    "site",
]


@pytest.mark.parametrize("phase", PHASES)
def test_syntax(phase):
    proc = run(["ansible-playbook", "--syntax-check", f"playbooks/{phase}.yml"])
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("phase", PHASES)
def test_root_group_vars_reach_the_phase(phase):
    # Only the preflight play on the controller runs; its assert needs a value
    # that exists nowhere but in the root group_vars/.
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "inventory/local",
            f"playbooks/{phase}.yml",
            "--tags",
            "preflight",
            "--limit",
            "localhost",
            "-e",
            "preflight_done=true",
            # No instance exists here: the check that one does is tested in integration.
            "--skip-tags",
            "hosts_found",
        ]
    )
    assert proc.returncode == 0, proc.stdout
    assert "group_vars loaded: project=masclet environment=local" in proc.stdout


def test_without_the_link_the_check_fails(tmp_path):
    # The same playbook outside playbooks/ (no group_vars link beside it) must
    # fail loudly, proving the assertion above can fail.
    copy = tmp_path / "playbooks"
    shutil.copytree(ROOT / "playbooks", copy, symlinks=True)
    (copy / "group_vars").unlink()
    proc = run(
        [
            "ansible-playbook",
            "-i",
            str(ROOT / "inventory/local"),
            str(copy / "preflight.yml"),
            "--limit",
            "localhost",
        ]
    )
    assert proc.returncode != 0
    assert "group_vars/ at the project root did not load" in proc.stdout
