"""Role READMEs name only variables the role takes or sets: a renamed or removed variable
cannot linger in one (the argument specs are the source of truth).

The variable table itself is generated from the specs (tests/unit/test_role_readme_vars.py);
this checks the rest: the prose around it and the example playbook."""

import re

import pytest
import yaml

from tests.conftest import ROOT

ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())
GENERATED = re.compile(r"<!-- role-vars:begin .*?<!-- role-vars:end -->", re.S)


def spec_options(role: str) -> set[str]:
    spec = yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
    return {name for entry in spec["argument_specs"].values() for name in entry.get("options", {})}


def _set_by_tasks(node):
    """Names a task file sets for later: set_fact keys and register names."""
    if isinstance(node, list):
        for item in node:
            yield from _set_by_tasks(item)
    elif isinstance(node, dict):
        for key, val in node.items():
            if key in ("ansible.builtin.set_fact", "set_fact") and isinstance(val, dict):
                yield from val
            elif key == "register" and isinstance(val, str):
                yield val
            else:
                yield from _set_by_tasks(val)


def role_sets(role: str) -> set[str]:
    """Facts and results the role's tasks leave for later plays, and its vars/main.yml."""
    names = set()
    for path in (ROOT / "roles" / role / "tasks").rglob("*.yml"):
        names |= set(_set_by_tasks(yaml.safe_load(path.read_text())))
    vars_file = ROOT / "roles" / role / "vars/main.yml"
    if vars_file.exists():
        names |= set(yaml.safe_load(vars_file.read_text()) or {})
    return names


def readme(role: str) -> str:
    return GENERATED.sub("", (ROOT / "roles" / role / "README.md").read_text())


def prose_names(role: str) -> set[str]:
    """The role's variables a code span starts with (`x_*` patterns are not names)."""
    names = re.findall(r"`([a-z][a-z0-9_]*)(?![a-z0-9_*])", readme(role))
    return {n for n in names if n.startswith(f"{role}_")}


def example_keys(role: str) -> set[str]:
    """The role's variables set in the README's YAML examples."""
    keys = set()
    for block in re.findall(r"^```ya?ml\n(.*?)^```", readme(role), re.S | re.M):
        keys |= set(re.findall(r"^[\s-]*([a-z][a-z0-9_]*):", block, re.M))
    return {k for k in keys if k.startswith(f"{role}_")}


@pytest.mark.parametrize("role", ROLES)
def test_readme_prose_names_only_real_variables(role):
    unknown = prose_names(role) - spec_options(role) - role_sets(role)
    assert not unknown, (
        f"roles/{role}/README.md names variables the role neither takes nor sets: {unknown}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_readme_examples_set_only_real_variables(role):
    unknown = example_keys(role) - spec_options(role)
    assert not unknown, (
        f"roles/{role}/README.md's examples set variables the role does not take: {unknown}"
    )
