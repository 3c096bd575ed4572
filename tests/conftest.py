"""Shared fixtures: the project root, and a runner for ansible-playbook."""

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# `make test` runs three pytest sessions side by side, which share nothing but the AWS API,
# pebble and the DNS stand-in (under names of their own):
# * `-m host`: tests that use the local environment's host, its names or its published ports;
# * `-m containers`: the scenarios on the shared Molecule instance (molecule/config.yml: one
#   container name, one apt archive), one after another, then BALANCED_TO_CONTAINERS;
# * neither: unit tests, controller-only scenarios, scenarios with hosts and a network of
#   their own, dev/prod provisioning under a project name of its own.
HOST_MODULES = {
    "tests/integration/test_backup_playbooks.py",
    "tests/integration/test_frontend_phase.py",
    "tests/integration/test_local_env.py",
}


# Scenarios that need neither the shared instance nor the host but run in the `containers`
# session anyway: it ends ~20 min before the third one, which is serial and was CI's critical
# path (73 of 78 min). Moving ~10 min of its scenarios here evens the two out.
BALANCED_TO_CONTAINERS = {"aws_instance", "aws_monitoring", "aws_rds", "db_migrate", "rds_database"}


def _controller_only_scenario(role: str) -> bool:
    """A Molecule scenario with the delegated driver makes no container and binds no port."""
    path = ROOT / "roles" / role / "molecule" / "default" / "molecule.yml"
    driver = (yaml.safe_load(path.read_text()) or {}).get("driver") or {}
    return driver.get("name") == "default"


def _shared_instance_scenario(role: str) -> bool:
    """A scenario on the shared Molecule instance (its platforms come from molecule/config.yml),
    rather than hosts with names and a network of their own."""
    path = ROOT / "roles" / role / "molecule" / "default" / "molecule.yml"
    return "platforms" not in (yaml.safe_load(path.read_text()) or {})


def _session(item) -> str | None:
    rel = Path(str(item.path)).relative_to(ROOT).as_posix()
    if rel.startswith("tests/e2e/") or rel in HOST_MODULES:
        return "host"
    if rel == "tests/molecule/test_roles.py" and hasattr(item, "callspec"):
        role = item.callspec.params["role"]
        if not _controller_only_scenario(role) and _shared_instance_scenario(role):
            return "containers"
        if role in BALANCED_TO_CONTAINERS:
            return "containers"
    return None


def pytest_collection_modifyitems(config, items):
    for item in items:
        session = _session(item)
        if session:
            item.add_marker(getattr(pytest.mark, session))


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def run(cmd, *, cwd=ROOT, env=None, unset_prefix=None, check=False, timeout=3600):
    """Run a command, return the CompletedProcess with stdout+stderr merged.

    ``unset_prefix`` drops inherited variables starting with it (e.g. "AWS_").
    """
    full_env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        NO_COLOR="1",
        MASCLET_CACHE=os.environ.get("MASCLET_CACHE", str(ROOT / ".cache")),
    )
    if unset_prefix:
        full_env = {k: v for k, v in full_env.items() if not k.startswith(unset_prefix)}
    full_env.update(env or {})
    proc = subprocess.run(
        cmd,
        cwd=cwd,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} failed ({proc.returncode}):\n{proc.stdout[-6000:]}"
        )
    return proc


def relay_check(container="masclet-local", explain=False):
    """scripts/relay-check.sh: do moto and pebble answer inside the host container?"""
    cmd = [str(ROOT / "scripts/relay-check.sh"), *(["--explain"] if explain else []), container]
    return subprocess.run(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120, check=False
    )


def standin_report(container="masclet-local", lines=8):
    """The stand-ins' own view when a phase fails talking to them: first which hop of each
    relay fails (scripts/relay-check.sh --explain), then the relay container's log and
    moto's last lines. A failure that only the stand-ins explain is then readable from the
    test's output, its most telling lines first.
    """
    state = ROOT / ".local"
    parts = [
        f"--- controller time: {time.strftime('%H:%M:%S')}",
        relay_check(container, explain=True).stdout.rstrip(),
    ]
    relay = subprocess.run(
        ["docker", "logs", "--tail", str(lines), "masclet-relay"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=30,
        check=False,
    )
    parts.append("--- the relay container (docker logs masclet-relay):\n" + relay.stdout.rstrip())
    log = state / "moto.log"
    text = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
    parts.append(f"--- {log}:\n" + "\n".join(text))
    return "\n".join(parts)
