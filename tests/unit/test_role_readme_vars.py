"""Role READMEs' variable tables are generated from meta/argument_specs.yml
(scripts/role_readme_vars.py): a spec changed without regenerating them fails here."""

import shutil
import sys
import textwrap

from tests.conftest import ROOT, run

SCRIPT = str(ROOT / "scripts/role_readme_vars.py")


def readme_vars(*args, cwd=ROOT):
    return run([sys.executable, SCRIPT, *map(str, args)], cwd=cwd, timeout=120)


def test_every_role_readme_matches_its_argument_specs():
    proc = readme_vars("--check")
    assert proc.returncode == 0, proc.stdout


def test_check_names_the_readme_whose_specs_changed(tmp_path):
    roles = tmp_path / "roles"
    for role in ("pg_backup", "firewall"):
        shutil.copytree(ROOT / "roles" / role, roles / role)
    assert readme_vars("--check", "--roles-dir", roles).returncode == 0

    spec = roles / "pg_backup/meta/argument_specs.yml"
    old = "Verify a backup taken by the backup task file."
    assert old in spec.read_text()
    spec.write_text(spec.read_text().replace(old, "Restore the new backup | compare rows."))
    proc = readme_vars("--check", "--roles-dir", roles)
    assert proc.returncode == 1, proc.stdout
    assert "pg_backup/README.md" in proc.stdout
    assert "firewall" not in proc.stdout
    assert old in (roles / "pg_backup/README.md").read_text(), "--check changed the README"

    assert readme_vars("--roles-dir", roles).returncode == 0
    assert "Restore the new backup \\| compare rows." in (roles / "pg_backup/README.md").read_text()
    assert readme_vars("--check", "--roles-dir", roles).returncode == 0


def test_table_replaces_the_hand_written_one(tmp_path):
    role = tmp_path / "roles/demo"
    (role / "meta").mkdir(parents=True)
    (role / "defaults").mkdir()
    (role / "meta/argument_specs.yml").write_text(
        textwrap.dedent(
            """\
            argument_specs:
              main:
                short_description: Demo
                options:
                  demo_url: {type: str, description: [A URL,  "on two | lines."]}
                  demo_mode: {type: str, choices: [a, b], default: a, description: <mode>}
              undo:
                short_description: Undo
                options:
                  demo_mode: {type: str, description: <mode>}
            """
        )
    )
    (role / "defaults/main.yml").write_text(f"demo_url: https://example.org/{'x' * 80}\n")
    (role / "README.md").write_text(
        "# demo\n\n## Role Variables\n\nSee defaults/main.yml.\n\n"
        "| variable | default | meaning |\n|---|---|---|\n| `demo_old` | `1` | gone |\n\n"
        "More prose.\n\n## License\n\nMIT\n"
    )
    assert readme_vars("--roles-dir", role.parent).returncode == 0
    text = (role / "README.md").read_text()

    assert "demo_old" not in text
    assert text.index("See defaults/main.yml.") < text.index("<!-- role-vars:begin")
    assert text.index("<!-- role-vars:end -->") < text.index("More prose.")
    assert "| variable | type | default | entry points | description |" in text
    assert "| `demo_url` | str | `https://example.org/" in text
    assert "…` | `main` | A URL on two \\| lines. |" in text
    assert "| `demo_mode` | str, one of `a`, `b` | `a` | `main`, `undo` | \\<mode> |" in text
