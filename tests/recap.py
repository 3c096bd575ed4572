"""Read Ansible's PLAY RECAP so tests can assert what a run changed."""

import re

# Molecule frames Ansible's output in a box ("│ host : ok=..."), sometimes coloured.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RECAP = re.compile(
    r"^[\s│|]*([^\s│|]+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
    re.M,
)


def changed_by_host(output: str) -> dict[str, int]:
    """Return {host: changed} summed over every recap in the output."""
    totals: dict[str, int] = {}
    for host, _ok, changed, _unreachable, _failed in _RECAP.findall(_ANSI.sub("", output)):
        totals[host] = totals.get(host, 0) + int(changed)
    if not totals:
        raise AssertionError("no PLAY RECAP in the output:\n" + output[-3000:])
    return totals


_TASK = re.compile(r"^[\s│|]*TASK \[(?:[^\]:]+ : )?(.+?)\]")
_CHANGED = re.compile(r"^[\s│|]*changed: \[")


def changed_tasks(output: str) -> set[str]:
    """The names of the tasks that reported a change (without their role prefix)."""
    found: set[str] = set()
    task = ""
    for line in _ANSI.sub("", output).splitlines():
        if m := _TASK.match(line):
            task = m.group(1)
        elif _CHANGED.match(line) and task:
            found.add(task)
    return found
