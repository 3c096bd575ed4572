"""Ansible's linear strategy run through Mitogen (the ``mitogen`` package in requirements.txt).

Mitogen keeps one Python interpreter per host for the whole run instead of starting one per
task, which is most of what a converged run costs. Loading it from here keeps ``ansible.cfg``
free of a path into one particular virtualenv.

What a converged run still spent was profiled and cut here: actions that never touch the
host run in the controller instead of a forked worker, and so does every task a play runs on
one host alone; compiled templates are reused, and work Mitogen repeated in every worker or
every host's interpreter is done once per run.
"""

import gc
import hashlib
import os
import sys
from pathlib import Path

import ansible.collections.list
import ansible_mitogen.affinity
import ansible_mitogen.loaders
import ansible_mitogen.module_finder
import ansible_mitogen.planner
import ansible_mitogen.process
import ansible_mitogen.services
import ansible_mitogen.strategy
from ansible._internal import _task
from ansible._internal._errors import _error_utils
from ansible._internal._templating import _engine, _jinja_bits
from ansible.executor.task_executor import TaskExecutor
from ansible.executor.task_result import _RawTaskResult
from ansible.plugins import loader as plugin_loader

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

_collection_dirs: list = []


def _installed_collection_dirs() -> list:
    """The installed collections' folders, listed once per run.

    Mitogen lists them again in every task's worker that runs a collection module: the
    ``ansible`` package brings ~100 collections, each imported and its metadata parsed, a
    quarter of the workers' CPU in a no-op site.yml. The list cannot change during a run;
    the strategy fills it before the first worker forks, so every worker inherits it.
    """
    if not _collection_dirs:
        _collection_dirs.extend(
            path.decode("utf-8") for path in ansible.collections.list.list_collection_dirs()
        )
    return _collection_dirs


def _load_collections_once(invocation) -> None:
    """Mitogen's _load_collections, from the list made once."""
    invocation._extra_sys_paths.update(_installed_collection_dirs())


ansible_mitogen.planner._load_collections = _load_collections_once

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


_compiled_templates: dict = {}
_COMPILED = (_jinja_bits.AnsibleTemplate, _jinja_bits.AnsibleTemplateExpression)


def _environment_key(engine) -> tuple:
    """What makes two template engines' Jinja environments interchangeable.

    Each engine builds its own environment, alike but for the folders its loader searches
    (the template action and lookup set them); filters, tests and globals are the same.
    """
    loader = engine.environment.loader
    return (type(engine.environment), tuple(loader.searchpath) if loader is not None else None)


def _compiled_once(compile_method):
    """An engine's compile step, remembered by source, options and environment.

    ansible-core compiles every template and condition again each time it renders one: a
    group_vars value that other variables refer to is compiled again for every task that
    uses it (a third of the controller's time in a no-op site.yml). A compiled template
    holds no variables, so one can serve every engine whose environment is alike. Filled
    in this process, it is inherited by every worker forked after.
    """

    def compile_or_reuse(self, source, options):
        key = (compile_method.__name__, source, options, _environment_key(self))
        compiled = _compiled_templates.get(key)
        if compiled is None:
            compiled = compile_method(self, source, options)
            # A source that does not compile gives a function bound to this engine, which
            # reports the error its own way: kept for no other engine.
            if isinstance(compiled, _COMPILED):
                if len(_compiled_templates) > 20000:  # bounded, should a run make endless ones
                    _compiled_templates.clear()
                _compiled_templates[key] = compiled
        return compiled

    return compile_or_reuse


_Engine = _engine.TemplateEngine
_Engine._compile_template = _compiled_once(_Engine._compile_template)
_Engine._compile_expression = _compiled_once(_Engine._compile_expression)

# Actions that never touch the host: they template, compare and return (include_* only
# tell the strategy what to load). A forked worker costs ~35 ms on this machine before the
# task does anything, most of it page faults on the controller's memory: 60 asserts took
# 2.4 s that way and 0.3 s in the controller. A third of a no-op site.yml's tasks are these.
_CONTROLLER_ONLY = frozenset(
    prefix + name
    for prefix in ("", "ansible.builtin.", "ansible.legacy.")
    for name in (
        "add_host",
        "assert",
        "debug",
        "fail",
        "group_by",
        "include_role",
        "include_tasks",
        "set_fact",
        "set_stats",
        "validate_argument_spec",
    )
)


def _runs_in_controller(task, hosts: int) -> bool:
    """Can this task run in the strategy's own process instead of a forked worker?

    Quick, host-free actions always can. Any other task can when it runs on one host alone:
    linear waits for it before the next task whatever runs it, so a worker would only add
    its fork and its own connection to Mitogen's multiplexer (~50 ms of the controller's CPU
    a task here). On several hosts their workers run side by side, and a task that could
    wait (until) keeps its worker. Async tasks and the debugger always keep theirs.
    """
    if task.async_val or task.debugger:
        return False
    if hosts == 1:
        return True
    return (task.resolved_action or task.action) in _CONTROLLER_ONLY and not task.until


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
    """Linear, over Mitogen connections."""

    def _run_in_controller(self, host, task, task_vars, play_context) -> None:
        """What a worker does for a task (WorkerProcess._run), in this process.

        The executor templates the task in place and adds to the variables it is given, so
        it gets copies: the strategy keeps the originals for the next host and for the
        result. The result travels through the same queue as a worker's, after the
        callbacks the executor queued for each loop item.
        """
        self._queued_task_cache[(host.name, task._uuid)] = {
            "host": host,
            "task": task,
            "task_vars": task_vars,
            "play_context": play_context,
        }
        self._tqm.send_callback("v2_runner_on_start", host, task)
        own_task = task.copy(exclude_tasks=True)
        with _task.TaskContext(own_task):
            try:
                result = TaskExecutor(
                    host,
                    own_task,
                    dict(task_vars),
                    play_context.copy(),
                    self._loader,
                    plugin_loader.get_plugin_loader_namespace(),
                    self._final_q,
                    self._variable_manager,
                ).run()
            except Exception as ex:  # a worker reports these as a failed task too
                result = _error_utils.result_dict_from_exception(ex)
            self._final_q.send_task_result(
                _RawTaskResult(
                    host=host, task=own_task, return_data=result, task_fields=own_task.dump_attrs()
                )
            )
        self._pending_results += 1

    # How many hosts run the task being queued (linear queues it for all of them in turn).
    _hosts_on_task = 0

    def _get_next_task_lockstep(self, hosts, iterator):
        host_tasks = super()._get_next_task_lockstep(hosts, iterator)
        self._hosts_on_task = len(host_tasks)
        return host_tasks

    def _queue_task(self, host, task, task_vars, play_context):
        if _runs_in_controller(task, self._hosts_on_task):
            return self._run_in_controller(host, task, task_vars, play_context)
        # Each task runs in a worker forked from this process. Left in the collector's
        # generations, the objects it inherits (inventory, variables, loaded plugins) are
        # scanned again by every collection the worker runs, and each scan copies the pages
        # it touches: freezing them for the fork cut a no-op site.yml from ~54 s to ~40 s.
        # Unfrozen straight after, so this process still collects its own garbage.
        _installed_collection_dirs()  # listed here, so every worker inherits the list
        gc.freeze()
        try:
            return super()._queue_task(host, task, task_vars, play_context)
        finally:
            gc.unfreeze()
