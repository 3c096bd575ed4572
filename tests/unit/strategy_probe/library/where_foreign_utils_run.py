#!/usr/bin/python
"""Probe: the process a module with foreign module_utils runs in, and whether botocore's data
is parsed once there."""

import os

from ansible.module_utils import probe_foreign_utils  # noqa: F401  (from another folder)
from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={})
    from botocore import loaders

    module.exit_json(
        changed=False,
        pid=os.getpid(),
        botocore_shared=getattr(loaders.JSONFileLoader.load_file, "masclet_shared", False),
    )


if __name__ == "__main__":
    main()
