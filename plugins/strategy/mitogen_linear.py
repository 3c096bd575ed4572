"""Ansible's linear strategy run through Mitogen (the ``mitogen`` package in requirements.txt).

Mitogen keeps one Python interpreter per host for the whole run instead of starting one per
task, which is most of what a converged run costs. Loading it from here keeps ``ansible.cfg``
free of a path into one particular virtualenv.
"""

import gc

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


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
