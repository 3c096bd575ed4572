"""The sample repository's tags carry the release each one names.

CI clones the project, so every source file gets the same mtime second; an overlay file of the same
size (``1.0.0`` -> ``2.0.0``) then looked unchanged to git's stat cache and v2.0.0 shipped v1 code.
"""

import os
import shutil
import subprocess

from tests.conftest import ROOT

RELEASES = {"v1.0.0": "1.0.0", "v2.0.0": "2.0.0", "v2.0.1-broken": "2.0.1-broken"}


def show(repo, ref, path):
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{ref}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def test_each_tag_carries_its_own_version_even_when_mtimes_collide(tmp_path):
    examples = tmp_path / "examples"
    shutil.copytree(
        ROOT / "examples",
        examples,
        ignore=shutil.ignore_patterns(".ruff_cache", "node_modules", "dist"),
    )
    for folder, _, files in os.walk(examples):
        for name in files:
            os.utime(os.path.join(folder, name), (1_700_000_000, 1_700_000_000))
    repo = tmp_path / "sample"
    subprocess.run(
        [str(examples / "make-sample-repo.sh"), str(repo)], check=True, capture_output=True
    )

    for tag, version in RELEASES.items():
        assert f'APP_VERSION = "{version}"' in show(repo, tag, "backend/app/version.py"), tag
        for frontend in ("frontend", "frontend-ssr"):
            js = show(repo, tag, f"{frontend}/src/version.js")
            assert f"APP_VERSION = '{version}'" in js, (tag, frontend)
    assert "pes" in show(repo, "v2.0.0", "backend/app/models.py")
    assert "pes" not in show(repo, "v1.0.0", "backend/app/models.py")
    assert "500" in show(repo, "v2.0.1-broken", "backend/app/routers/health.py")


def test_the_sample_pyproject_is_committed_as_the_real_applications_latin1_crlf(tmp_path):
    repo = tmp_path / "sample"
    subprocess.run(
        [str(ROOT / "examples" / "make-sample-repo.sh"), str(repo)], check=True, capture_output=True
    )
    raw = subprocess.run(
        ["git", "-C", str(repo), "show", "v1.0.0:backend/pyproject.toml"],
        check=True,
        capture_output=True,
    ).stdout
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        raise AssertionError("pyproject.toml decodes as UTF-8: aerich would read it")
    assert "app.db_legacy.TORTOISE_ORM" in raw.decode("latin-1")
