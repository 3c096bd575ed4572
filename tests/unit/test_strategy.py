"""The strategy in ansible.cfg (plugins/strategy/mitogen_linear.py) runs a one-host play's
tasks in the controller; on several hosts it forks each task's worker with the controller's
objects frozen, and unfreezes them in the controller afterwards; and Mitogen's scan of a
module's imports compiles each file once per run."""

import builtins
import collections
import importlib.util
import json
import re
import sys
from pathlib import Path

from tests.conftest import ROOT, run

PROBE = ROOT / "tests/unit/strategy_probe"


def test_workers_inherit_frozen_objects_and_the_controller_keeps_collecting(tmp_path):
    at_end = tmp_path / "frozen-at-end"
    proc = run(
        ["ansible-playbook", "-i", "one,two,", "-c", "local", str(PROBE / "probe.yml")],
        env={
            "ANSIBLE_INVENTORY_ENABLED": "host_list",  # ansible.cfg's list has no host_list
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


def test_modules_with_this_projects_or_collections_utils_run_in_the_hosts_interpreter():
    proc = run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(PROBE / "where.yml")],
        env={
            "ANSIBLE_LIBRARY": str(PROBE / "library"),
            "ANSIBLE_MODULE_UTILS": f"{ROOT / 'module_utils'}:{PROBE / 'module_utils'}",
        },
    )
    assert proc.returncode == 0, proc.stdout
    found = re.search(r"WHERE ([\d,]+) SHARED ([\w,]+)", proc.stdout)
    project_a, project_b, foreign_a, foreign_b = found.group(1).split(",")
    # The project's own module_utils cannot clash: both runs share one interpreter...
    assert project_a == project_b
    # ...a module_utils from elsewhere might, so Mitogen still forks a fresh one each time.
    assert len({project_a, foreign_a, foreign_b}) == 3
    # The interpreter the strategy set up parses botocore's data once; its forks start
    # from Mitogen's untouched parent.
    assert found.group(2).split(",") == ["True", "True", "False", "False"]


BOTOCORE_CLIENTS = """
import json, sys
sys.path.insert(0, sys.argv[1])
import boto3
from botocore import loaders

parsed = []
read = loaders.JSONFileLoader._load_file


def counted(self, path, opener):
    data = read(self, path, opener)
    if data is not None:  # botocore probes names that do not exist
        parsed.append(path)
    return data


loaders.JSONFileLoader._load_file = counted
listings = []
list_services = loaders.Loader.list_available_services


def listing(self, type_name):
    listings.append(type_name)
    return list_services(self, type_name)


loaders.Loader.list_available_services = listing
if sys.argv[2] == "shared":
    import masclet_mitogen_target
    assert masclet_mitogen_target.share_botocore_data()
seen = []
for region in ("eu-west-1", "eu-south-2", "us-east-1", "eu-west-1"):
    for service in ("ec2", "iam", "s3", "route53", "sts"):
        session = boto3.session.Session(region_name=region)
        client = session.client(service)
        model = client.meta.service_model
        seen.append([region, service, client.meta.endpoint_url, model.api_version,
                     len(model.operation_names), client.can_paginate("list_roles")
                     if service == "iam" else None, len(session.get_available_services())])
print(json.dumps({"seen": seen, "parsed": parsed, "listings": listings}))
"""


def test_botocore_data_parsed_once_gives_every_session_the_same_clients():
    def clients(mode):
        proc = run(
            [sys.executable, "-c", BOTOCORE_CLIENTS, str(ROOT / "plugins/mitogen_target"), mode]
        )
        assert proc.returncode == 0, proc.stdout
        return json.loads(next(line for line in proc.stdout.splitlines() if line.startswith("{")))

    alone, shared = clients("alone"), clients("shared")
    assert shared["seen"] == alone["seen"]
    # 20 sessions: each parsed endpoints.json and its service's model on its own...
    assert collections.Counter(alone["parsed"])[_endpoints(alone)] == 20
    # ...and once in all when shared.
    assert max(collections.Counter(shared["parsed"]).values()) == 1
    assert len(shared["parsed"]) < len(alone["parsed"]) / 5
    # Each session listed the services it could load; once per kind of file when shared.
    assert len(alone["listings"]) >= 40
    assert sorted(shared["listings"]) == sorted(set(alone["listings"]))


def _endpoints(result):
    return next(path for path in result["parsed"] if path.endswith("/endpoints.json"))


def _controller_probe(strategy):
    proc = run(
        ["ansible-playbook", "-v", "-i", "localhost,", "-c", "local", PROBE / "controller.yml"],
        env={
            "ANSIBLE_STRATEGY": strategy,
            "ANSIBLE_LOOKUP_PLUGINS": str(PROBE / "lookup_plugins"),
            "ANSIBLE_ROLES_PATH": str(PROBE / "roles"),
        },
    )
    assert proc.returncode == 0, proc.stdout
    # What a user reads: each task, each host's and item's outcome and what it returned,
    # the process ids and times aside.
    shown = re.compile(r'(TASK \[|ok:|changed:|failed:|fatal:|included:|\.\.\.ignoring|\s+"msg")')
    varies = re.compile(r"\d+:\d\d:\d\d\.\d+|\d{4,}")  # times and durations, process ids, dates
    seen = [varies.sub("", line) for line in proc.stdout.splitlines() if shown.match(line)]
    pids = re.search(r"PIDS (\d+) (\d+) (\d+)", proc.stdout).groups()
    return seen, pids


def test_host_free_actions_run_in_the_controller_and_report_as_a_worker_would():
    linear, linear_pids = _controller_probe("linear")
    ours, (set_fact_pid, debug_pid, module_pid) = _controller_probe("mitogen_linear")

    assert ours == linear
    assert len(ours) > 30, ours
    # The roles' templates share their source but include their own part: compiled
    # templates are reused only where the included files are found in the same folders.
    assert any("[part of A] [part of B]" in line for line in ours), ours
    # Under linear every task forks its own worker...
    assert len(set(linear_pids)) == 3
    # ...here, on one host, every task ran in one process, the controller: the module too.
    assert set_fact_pid == debug_pid == module_pid


def test_on_several_hosts_modules_run_in_workers_side_by_side():
    proc = run(
        ["ansible-playbook", "-i", "one,two,", "-c", "local", PROBE / "hosts.yml"],
        env={
            "ANSIBLE_INVENTORY_ENABLED": "host_list",
            "ANSIBLE_LOOKUP_PLUGINS": str(PROBE / "lookup_plugins"),
        },
    )
    assert proc.returncode == 0, proc.stdout
    where = dict(
        (host, (int(controller), int(module), int(retried)))
        for host, controller, module, retried in re.findall(
            r"WHERE (\w+) (\d+) (\d+) (\d+)", proc.stdout
        )
    )
    assert sorted(where) == ["one", "two"], proc.stdout
    controller = {pids[0] for pids in where.values()}
    workers = [pid for pids in where.values() for pid in pids[1:]]
    # The debug that reports ran in the controller for both hosts...
    assert len(controller) == 1
    # ...each module and each task that could wait in a worker of its own.
    assert len(set(workers)) == 4 and not controller & set(workers)


def test_workers_share_one_list_of_installed_collections(monkeypatch):
    import ansible.collections.list

    strategy = _load_strategy()
    listed = []

    def listing():
        listed.append(1)
        yield b"/collections/ansible_collections/amazon/aws"

    monkeypatch.setattr(ansible.collections.list, "list_collection_dirs", listing)
    invocations = [type("Invocation", (), {"_extra_sys_paths": set()})() for _ in range(3)]
    for invocation in invocations:
        strategy.ansible_mitogen.planner._load_collections(invocation)
    # Listed once (the strategy does it before the first fork); each module still gets it.
    assert len(listed) == 1
    assert all(
        inv._extra_sys_paths == {"/collections/ansible_collections/amazon/aws"}
        for inv in invocations
    )
