"""The strategy in ansible.cfg (plugins/strategy/mitogen_linear.py) forks each task's worker
with the controller's objects frozen, and unfreezes them in the controller afterwards."""

import re

from tests.conftest import ROOT, run

PROBE = ROOT / "tests/unit/strategy_probe"


def test_workers_inherit_frozen_objects_and_the_controller_keeps_collecting(tmp_path):
    at_end = tmp_path / "frozen-at-end"
    proc = run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PROBE / "probe.yml")],
        env={
            "ANSIBLE_LOOKUP_PLUGINS": str(PROBE / "lookup_plugins"),
            "ANSIBLE_CALLBACK_PLUGINS": str(PROBE / "callback_plugins"),
            "ANSIBLE_CALLBACKS_ENABLED": "gc_frozen_at_end",
            "GC_FROZEN_AT_END": str(at_end),
        },
    )
    assert proc.returncode == 0, proc.stdout
    assert "mitogen_linear" in run(["ansible-config", "dump", "--only-changed"]).stdout
    frozen = int(re.search(r"frozen=(\d+)", proc.stdout).group(1))
    # The controller holds well over 100,000 objects by the time a task forks.
    assert frozen > 10000, proc.stdout
    # Left frozen, they would never be collected in the controller.
    assert at_end.read_text() == "0"
