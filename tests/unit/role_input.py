"""Run one role with given variables against a host that cannot change.

The play targets localhost with a Python interpreter that does not exist:
argument_specs validation and `assert` run on the controller, so they work,
while any module that would touch the host fails with an interpreter error.
A test that expects a message naming a variable therefore proves the run
stopped at validation, before any change.
"""

import json
import textwrap

from tests.conftest import ROOT, run
from tests.recap import changed_by_host


def run_role(tmp_path, role, variables, tasks_from=None):
    play = textwrap.dedent(
        f"""\
        - name: Bad input
          hosts: localhost
          gather_facts: false
          tasks:
            - name: Bad input | the role
              ansible.builtin.include_role:
                name: {role}
                {"tasks_from: " + tasks_from if tasks_from else ""}
        """
    )
    (tmp_path / "play.yml").write_text(play)
    (tmp_path / "vars.json").write_text(json.dumps(variables))
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            "ansible_python_interpreter=/nonexistent/python3",
            "-e",
            f"@{tmp_path / 'vars.json'}",
            str(tmp_path / "play.yml"),
        ],
        env={"ANSIBLE_ROLES_PATH": str(ROOT / "roles"), "ANSIBLE_FORCE_COLOR": "0"},
        timeout=300,
    )
    return proc


def assert_refused(proc, *names):
    out = proc.stdout
    assert proc.returncode != 0, out[-3000:]
    assert "/nonexistent/python3" not in out, (
        "a module ran: validation let it through\n" + out[-3000:]
    )
    for name in names:
        assert name in out, f"{name} not named in the failure:\n{out[-3000:]}"
    assert changed_by_host(out) == {"localhost": 0}
