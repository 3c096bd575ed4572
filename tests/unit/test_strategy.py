"""The strategy in ansible.cfg (plugins/strategy/mitogen_linear.py) forks each task's worker
with the controller's objects frozen, and unfreezes them in the controller afterwards; and
Mitogen's scan of a module's imports compiles each file once per run."""

import builtins
import collections
import importlib.util
import re
from pathlib import Path

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


def _load_strategy():
    spec = importlib.util.spec_from_file_location(
        "masclet_strategy_under_test", ROOT / "plugins/strategy/mitogen_linear.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mitogen_compiles_each_module_utils_file_once_and_finds_the_same_imports(monkeypatch):
    import ansible.module_utils
    import ansible.modules
    import ansible_mitogen.module_finder as finder

    modules = Path(ansible.modules.__file__).parent
    search_path = [str(Path(ansible.module_utils.__file__).parent)]
    targets = [("ping", modules / "ping.py"), ("stat", modules / "stat.py")]

    # What Mitogen finds on its own, before the strategy is loaded.
    monkeypatch.delattr(finder, "compile", raising=False)
    expected = [finder.scan(name, str(path), search_path) for name, path in targets]

    strategy = _load_strategy()
    compiled = collections.Counter()

    def counting(source, filename, mode, *args, **kwargs):
        compiled[filename] += 1
        return builtins.compile(source, filename, mode, *args, **kwargs)

    monkeypatch.setattr(strategy, "compile", counting, raising=False)
    strategy._compiled.clear()
    found = [finder.scan(name, str(path), search_path) for name, path in targets]

    assert found == expected
    # Both modules import ansible.module_utils.basic and what it imports: once each.
    assert compiled["ansible.module_utils.basic"] == 1, compiled
    assert max(compiled.values()) == 1, compiled
