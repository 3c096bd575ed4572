"""Every role's Molecule scenario on the Debian 12 systemd image.

Each step runs on its own so that the check-mode run can be held to the same
standard as idempotence: on a converged host `--check --diff` changes nothing.
"""

from pathlib import Path

import pytest

from tests.conftest import ROOT, run
from tests.recap import changed_by_host, changed_tasks

ROLES = sorted(p.parts[-4] for p in ROOT.glob("roles/*/molecule/default/molecule.yml"))
# Tasks that report a change on every run against the local AWS API only, because it does not
# keep what they set (the role's scenario says which and why). Everything else holds to
# changed=0 on a second run and under --check.
LOCAL_API_GAPS = {"aws_cdn": {"AwsCdn | the distribution"}}


def molecule(role: str, action: str):
    return run(["molecule", action], cwd=ROOT / "roles" / role, timeout=2400)


def assert_only(gaps: set[str], output: str) -> None:
    """At most one change per allowed task, and only those tasks changed."""
    assert sum(changed_by_host(output).values()) <= len(gaps), output[-8000:]
    assert changed_tasks(output) <= gaps, output[-8000:]


@pytest.mark.parametrize("role", ROLES)
def test_scenario(role: str):
    gaps = LOCAL_API_GAPS.get(role)
    try:
        second = "converge" if gaps else "idempotence"
        for action in ("destroy", "create", "prepare", "converge", second):
            proc = molecule(role, action)
            assert proc.returncode == 0, (
                f"molecule {action} failed for {role}:\n{proc.stdout[-8000:]}"
            )
        if gaps:
            assert_only(gaps, proc.stdout)
        proc = molecule(role, "check")
        assert proc.returncode == 0, f"check mode failed for {role}:\n{proc.stdout[-8000:]}"
        if gaps:
            assert_only(gaps, proc.stdout)
        else:
            changed = changed_by_host(proc.stdout)
            assert not any(changed.values()), (
                f"--check --diff reports changes on a converged host: {changed}\n"
                + proc.stdout[-8000:]
            )
        proc = molecule(role, "verify")
        assert proc.returncode == 0, f"molecule verify failed for {role}:\n{proc.stdout[-8000:]}"
    finally:
        molecule(role, "destroy")


def test_every_role_has_a_scenario():
    roles = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
    assert roles == ROLES, "a role without molecule/default/molecule.yml"
    for role in roles:
        for required in ("meta/argument_specs.yml", "README.md", "defaults/main.yml"):
            assert (ROOT / "roles" / role / required).is_file(), (
                f"roles/{role}/{required} is missing"
            )
    assert Path(ROOT / "molecule/config.yml").is_file()
