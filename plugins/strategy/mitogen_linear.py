"""Ansible's linear strategy run through Mitogen (the ``mitogen`` package in requirements.txt).

Mitogen keeps one Python interpreter per host for the whole run instead of starting one per
task, which is most of what a converged run costs. Loading it from here keeps ``ansible.cfg``
free of a path into one particular virtualenv.
"""

import gc
import hashlib

import ansible_mitogen.loaders
import ansible_mitogen.module_finder
import ansible_mitogen.strategy

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
