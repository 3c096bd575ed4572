"""Shared fixtures: the project root, and a runner for ansible-playbook."""

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent

# `make test` runs two pytest sessions side by side: `-m host` (tests that use the local
# environment's host, its names or its published ports, one after another) and `-m "not host"`
# (unit tests, controller-only Molecule scenarios, dev/prod provisioning under a project name
# of its own), which share nothing with them but the AWS API.
HOST_MODULES = {
    "tests/integration/test_backup_playbooks.py",
    "tests/integration/test_frontend_phase.py",
    "tests/integration/test_local_env.py",
}


def _controller_only_scenario(role: str) -> bool:
    """A Molecule scenario with the delegated driver makes no container and binds no port."""
    path = ROOT / "roles" / role / "molecule" / "default" / "molecule.yml"
    driver = (yaml.safe_load(path.read_text()) or {}).get("driver") or {}
    return driver.get("name") == "default"


def _own_network_scenario(role: str) -> bool:
    """A scenario whose hosts have names and a Docker network of their own (not the machine's,
    where the shared scenarios' nginx binds ports) shares nothing with the host's tests."""
    path = ROOT / "roles" / role / "molecule" / "default" / "molecule.yml"
    platforms = (yaml.safe_load(path.read_text()) or {}).get("platforms") or []
    return bool(platforms) and all(
        p.get("network_mode") not in (None, "host") and p.get("name") != "masclet-molecule"
        for p in platforms
    )


def _uses_the_host(item) -> bool:
    rel = Path(str(item.path)).relative_to(ROOT).as_posix()
    if rel.startswith("tests/e2e/") or rel in HOST_MODULES:
        return True
    if rel == "tests/molecule/test_roles.py" and hasattr(item, "callspec"):
        role = item.callspec.params["role"]
        return not (_controller_only_scenario(role) or _own_network_scenario(role))
    return False


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _uses_the_host(item):
            item.add_marker(pytest.mark.host)


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
