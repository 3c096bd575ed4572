"""Shared fixtures: the project root, and a runner for ansible-playbook."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


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
