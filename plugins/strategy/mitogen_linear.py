"""Ansible's linear strategy run through Mitogen (the ``mitogen`` package in requirements.txt).

Mitogen keeps one Python interpreter per host for the whole run instead of starting one per
task, which is most of what a converged run costs. Loading it from here keeps ``ansible.cfg``
free of a path into one particular virtualenv.
"""

import gc
import hashlib
import os
import sys
from pathlib import Path

import ansible_mitogen.affinity
import ansible_mitogen.loaders
import ansible_mitogen.module_finder
import ansible_mitogen.planner
import ansible_mitogen.process
import ansible_mitogen.services
import ansible_mitogen.strategy

# What each host's interpreter runs once connected; Mitogen ships it from here on import.
sys.path.append(str(Path(__file__).resolve().parents[1] / "mitogen_target"))
import masclet_mitogen_target

_Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)

_compiled: dict = {}


def _compile_once(source, filename, mode, *args, **kwargs):
    """compile(), remembered by the source's content.

    Mitogen finds what a module must ship by compiling it and every module_utils file it
    imports, again for each module: ansible.module_utils.basic and the AWS collections'
    helpers were compiled ~60 times in a no-op site.yml (~3 s of the controller's CPU).
    """
    key = (filename, mode, hashlib.sha256(source).digest() if isinstance(source, bytes) else source)
    code = _compiled.get(key)
    if code is None:
        code = _compiled[key] = compile(source, filename, mode, *args, **kwargs)
    return code


# The scan looks compile up in its module's globals before the builtins.
ansible_mitogen.module_finder.compile = _compile_once


# On fewer than 4 CPUs Mitogen pins the controller, every task's worker and each local
# interpreter (where the AWS modules run) to one CPU and keeps the other for its
# multiplexer alone. On this 2-CPU machine that serialised a run's busiest processes:
# 1-3 s more per no-op site.yml than leaving placement to the kernel. The base Policy
# places nothing.
if os.environ.get("MASCLET_MITOGEN_PIN_CPUS") != "1":
    ansible_mitogen.affinity.policy = ansible_mitogen.affinity.Policy()

_setup_responder = ansible_mitogen.process._setup_responder


def _setup_responder_and_serve_ours(responder) -> None:
    """Mitogen serves only the prefixes it allows: allow the set-up module too."""
    _setup_responder(responder)
    responder.whitelist_prefix(masclet_mitogen_target.__name__)


ansible_mitogen.process._setup_responder = _setup_responder_and_serve_ours

_connect = ansible_mitogen.services.ContextService._connect


def _connect_and_set_up(self, key, spec, via=None) -> dict:
    """Mitogen's connection, then this project's set-up in the new interpreter.

    After init_child, which has already forked the clean parent of isolated tasks, so those
    still start from an untouched interpreter.
    """
    connected = _connect(self, key, spec, via=via)
    connected["context"].call(masclet_mitogen_target.share_botocore_data)
    return connected


ansible_mitogen.services.ContextService._connect = _connect_and_set_up

# The project's own module_utils (library/ modules import them as ansible.module_utils.*).
PROJECT_MODULE_UTILS = Path(__file__).resolve().parents[2] / "module_utils"


def _shared_safely(name: str, path: str) -> bool:
    """Can this module_utils file stay imported in the host's interpreter between tasks?

    Mitogen forks a fresh interpreter for any module with module_utils outside ansible-core,
    because two roles may each ship a different ``ansible.module_utils.X``. A collection's are
    named by the collection, and this project has one module_utils folder: neither can clash.
    """
    return name.startswith("ansible_collections.") or Path(path).resolve().is_relative_to(
        PROJECT_MODULE_UTILS
    )


def _should_fork(self) -> bool:
    """Mitogen's rule for new-style modules, with module_utils that cannot clash shared.

    The collections' modules already ran in it; this project's library/ modules (~14 tasks
    in a no-op site.yml) each forked a fresh interpreter that imported boto3 and the AWS
    helpers again (0.2-0.3 s a task, about half of that now). Async tasks,
    mitogen_task_isolation=fork and Mitogen's always-fork list still fork.
    """
    return (
        self._inv.wrap_async
        or self._inv.task_vars.get("mitogen_task_isolation") == "fork"
        or self._inv.module_name in self.ALWAYS_FORK_MODULES
        or not all(_shared_safely(name, path) for name, path, _ in self.get_module_map()["custom"])
    )


ansible_mitogen.planner.NewStylePlanner.should_fork = _should_fork


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
    """Linear, over Mitogen connections."""

    def _queue_task(self, host, task, task_vars, play_context):
        # Each task runs in a worker forked from this process. Left in the collector's
        # generations, the objects it inherits (inventory, variables, loaded plugins) are
        # scanned again by every collection the worker runs, and each scan copies the pages
        # it touches: freezing them for the fork cut a no-op site.yml from ~54 s to ~40 s.
        # Unfrozen straight after, so this process still collects its own garbage.
        gc.freeze()
        try:
            return super()._queue_task(host, task, task_vars, play_context)
        finally:
            gc.unfreeze()
