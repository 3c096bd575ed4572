"""Role READMEs name only variables the role takes: a renamed or removed variable cannot
linger in a README's variable table (the argument specs are the source of truth)."""

import re

import pytest
import yaml

from tests.conftest import ROOT

ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if p.is_dir())


def spec_options(role: str) -> set[str]:
    spec = yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
    return {name for entry in spec["argument_specs"].values() for name in entry.get("options", {})}


def table_names(role: str) -> set[str]:
    """The role's own variables named in the first cell of README table rows."""
    names = set()
    for line in (ROOT / "roles" / role / "README.md").read_text().splitlines():
        if line.startswith("| `"):
            names |= set(re.findall(r"`([a-z][a-z0-9_]*)`", line.split("|")[1]))
    return {n for n in names if n.startswith(f"{role}_")}


@pytest.mark.parametrize("role", ROLES)
def test_readme_tables_name_only_real_variables(role):
    assert table_names(role), f"roles/{role}/README.md has no variable table"
    unknown = table_names(role) - spec_options(role)
    assert not unknown, f"roles/{role}/README.md names variables the role does not take: {unknown}"
