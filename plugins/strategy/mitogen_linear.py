"""Ansible's linear strategy run through Mitogen (the ``mitogen`` package in requirements.txt).

Mitogen keeps one Python interpreter per host for the whole run instead of starting one per
task, which is most of what a converged run costs. Loading it from here keeps ``ansible.cfg``
free of a path into one particular virtualenv.
"""

import ansible_mitogen.loaders
import ansible_mitogen.strategy

_Linear = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, _Linear):
    """Linear, over Mitogen connections."""
