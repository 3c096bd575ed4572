"""Test-only callback: the controller's frozen-object count once the play is over."""

import gc
import os

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "gc_frozen_at_end"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_stats(self, stats):
        with open(os.environ["GC_FROZEN_AT_END"], "w", encoding="utf-8") as out:
            out.write(str(gc.get_freeze_count()))
