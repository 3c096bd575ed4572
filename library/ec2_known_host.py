#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Record an EC2 instance's SSH host keys in a known-hosts file, keyed by instance id."""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
import time

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: ec2_known_host
short_description: Record an EC2 instance's SSH host keys, keyed by its instance id
version_added: "1.0.0"
description:
  - Writes the host keys of instance O(instance_id) to the known-hosts file O(path), one line per
    key, named by the instance id. Connections then verify the host with
    C(-o HostKeyAlias=<instance id> -o UserKnownHostsFile=<path>), so an Elastic IP that moves to
    a new instance never inherits the old instance's keys.
  - The keys come from the instance's console output, where Debian's cloud images print them
    between C(-----BEGIN SSH HOST KEY KEYS-----) and C(-----END SSH HOST KEY KEYS-----) at first
    boot. When the console has none (yet, or on a local stand-in), and O(address) is given, the
    keys sshd presents there are recorded instead (trust on first contact), with a warning.
  - Lines of other instance ids (C(i-...)) are removed from the file (the instance was replaced);
    other lines are kept.
  - When keys are already recorded for this instance and the ones found now differ, the module
    fails and changes nothing; either the instance was rebuilt from its disk, or something else
    answers on its address.
  - Supports check mode and diff; reading the console and scanning never change anything.
author:
  - Masclet Imperi Web deployment project
options:
  instance_id:
    description: The instance whose keys to record.
    type: str
    required: true
  path:
    description: The known-hosts file (one per environment). Created 0600; its folder 0700.
    type: path
    required: true
  console:
    description: Read the keys from the instance's console output first.
    type: bool
    default: true
  console_timeout:
    description:
      - Seconds to keep reading the console while it holds no keys (a new instance prints
        them a minute or two after it boots). C(0) reads it once.
    type: int
    default: 0
  address:
    description: Where sshd answers (the Elastic IP), to read the keys when the console has none.
    type: str
  port:
    description: The SSH port at O(address).
    type: int
    default: 22
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(ec2:GetConsoleOutput) when O(console=true), and C(ssh-keyscan) on the controller
    when O(address) is used.
"""

EXAMPLES = r"""
- name: Record the new instance's host keys
  ec2_known_host:
    instance_id: i-0123456789abcdef0
    path: "{{ playbook_dir }}/../.local/masclet-prod.known_hosts"
    console_timeout: 300
    address: 203.0.113.10
"""

RETURN = r"""
source:
  description: Where the keys were read, C(console) or C(first-contact).
  returned: always
  type: str
  sample: console
keys:
  description: The instance's keys, as C(<type> <base64>) lines.
  returned: always
  type: list
  elements: str
replaced:
  description: Instance ids whose lines were removed (instances replaced behind the address).
  returned: always
  type: list
  elements: str
"""

BEGIN = "-----BEGIN SSH HOST KEY KEYS-----"
END = "-----END SSH HOST KEY KEYS-----"


def keys_in_console(text: str) -> list[str]:
    """The `<type> <base64>` lines between cloud-init's markers (each line has a prefix)."""
    if BEGIN not in text or END not in text:
        return []
    block = text.split(BEGIN, 1)[1].split(END, 1)[0]
    keys = []
    for line in block.splitlines():
        fields = line.split()
        for i, field in enumerate(fields[:-1]):
            if field.startswith(("ssh-", "ecdsa-")):
                keys.append(f"{field} {fields[i + 1]}")
                break
    return keys


def read_console(module, client, instance_id: str, timeout: int) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        try:
            out = client.get_console_output(InstanceId=instance_id).get("Output") or ""
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            module.fail_json_aws(exc, msg=f"could not read the console output of {instance_id}")
        try:
            text = base64.b64decode(out).decode("utf-8", "replace")
        except ValueError:
            text = out  # some SDKs hand it over decoded already
        keys = keys_in_console(text)
        if keys or time.monotonic() >= deadline:
            return keys
        time.sleep(10)  # no waiter watches the console output


def scan(module, address: str, port: int) -> list[str]:
    cmd = ["ssh-keyscan", "-T", "10", "-p", str(port), address]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    keys = sorted(
        " ".join(line.split()[1:3])
        for line in proc.stdout.splitlines()
        if line and not line.startswith("#") and len(line.split()) >= 3
    )
    if not keys:
        module.fail_json(
            msg=f"no SSH host key answered on {address}:{port}: is sshd up and the port open "
            "to this address (the security group's admin networks)?",
            stderr=proc.stderr,
        )
    return keys


def by_type(keys) -> dict[str, str]:
    return {k.split()[0]: k.split()[1] for k in keys}


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            instance_id=dict(type="str", required=True),
            path=dict(type="path", required=True),
            console=dict(type="bool", default=True),
            console_timeout=dict(type="int", default=0),
            address=dict(type="str"),
            port=dict(type="int", default=22),
        ),
        supports_check_mode=True,
    )
    p = module.params
    instance_id, path = p["instance_id"], p["path"]

    before = ""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            before = handle.read()
    kept, recorded, replaced = [], [], set()
    for line in before.splitlines():
        alias = line.split()[0] if line.split() else ""
        if alias == instance_id:
            recorded.append(" ".join(line.split()[1:3]))
        elif alias.startswith("i-"):
            replaced.add(alias)
        else:
            kept.append(line)

    # Known already: one look at the console is enough (old output scrolls away), else sshd.
    timeout = 0 if recorded else p["console_timeout"]
    keys, source = [], "console"
    if p["console"]:
        keys = read_console(module, aws.client(module, "ec2"), instance_id, timeout)
    if not keys:
        if not p["address"]:
            module.fail_json(msg=f"the console output of {instance_id} holds no SSH host keys yet")
        keys, source = scan(module, p["address"], p["port"]), "first-contact"
        if not recorded:
            module.warn(
                f"{instance_id}: host keys recorded at first contact with {p['address']}:"
                f"{p['port']} (its console output has none); compare them with the instance's "
                "console when you can"
            )

    if recorded:
        old, new = by_type(recorded), by_type(keys)
        common = set(old) & set(new)
        if not common or any(old[t] != new[t] for t in common):
            module.fail_json(
                msg=f"the SSH host key of {instance_id} has changed since it was recorded in {path}"
                f" (found now from the {source}). Nothing was changed and no connection was made. "
                "If the instance was rebuilt on purpose, delete its lines from that file and "
                "run again; otherwise something else may be answering on its address.",
                recorded=recorded,
                found=keys,
            )
        keys = recorded if set(recorded) >= set(keys) else sorted(set(recorded) | set(keys))

    after = "".join(f"{line}\n" for line in kept) + "".join(
        f"{instance_id} {key}\n" for key in keys
    )
    changed = after != before
    if changed and not module.check_mode:
        folder = os.path.dirname(path) or "."
        os.makedirs(folder, mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".known_hosts.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(after)
        module.atomic_move(tmp, path)
        # atomic_move gives a new file the default mode; known hosts are the operator's alone.
        os.chmod(path, 0o600)
    module.exit_json(
        changed=changed,
        source=source,
        keys=keys,
        replaced=sorted(replaced),
        diff={"before": before, "after": after, "before_header": path, "after_header": path},
    )


if __name__ == "__main__":
    main()
