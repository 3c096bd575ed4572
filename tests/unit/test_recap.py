"""The recap parser that idempotence and check-mode assertions rely on."""

import pytest

from tests.recap import changed_by_host, changed_tasks

PLAIN = """PLAY RECAP *****
localhost                  : ok=5    changed=0    unreachable=0    failed=0    skipped=1
masclet-local              : ok=9    changed=3    unreachable=0    failed=0    skipped=0
"""
MOLECULE = (
    "  \x1b[2m│\x1b[0m \x1b[33mmasclet-molecule           : ok=2    changed=1    "
    "unreachable=0    failed=0\x1b[0m\n"
)


def test_plain_recap_per_host():
    assert changed_by_host(PLAIN) == {"localhost": 0, "masclet-local": 3}


def test_molecule_boxed_and_coloured_recap():
    assert changed_by_host(MOLECULE) == {"masclet-molecule": 1}


def test_recaps_of_several_plays_add_up():
    assert changed_by_host(PLAIN + PLAIN) == {"localhost": 0, "masclet-local": 6}


def test_no_recap_is_an_error_not_a_pass():
    with pytest.raises(AssertionError):
        changed_by_host("ERROR! the playbook could not be parsed")


def test_changed_tasks_by_name_boxed_or_plain():
    boxed = (
        "  \x1b[2m│\x1b[0m TASK [aws_cdn : AwsCdn | the distribution] ****\n"
        "  \x1b[2m│\x1b[0m \x1b[33mchanged: [instance]\x1b[0m\n"
        "  \x1b[2m│\x1b[0m TASK [aws_cdn : AwsCdn | alias records] ****\n"
        "  \x1b[2m│\x1b[0m ok: [instance]\n"
    )
    assert changed_tasks(boxed) == {"AwsCdn | the distribution"}
    plain = "TASK [Provision | read the inventory again] ***\nchanged: [localhost]\n"
    assert changed_tasks(plain) == {"Provision | read the inventory again"}
    assert changed_tasks("TASK [x] ***\nok: [localhost]\n") == set()
