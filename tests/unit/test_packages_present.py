"""library/packages_present.py against this machine's real dpkg (Debian): installed packages
are left alone without apt, a missing one is reported in check mode and nothing installed, bad
input is refused. Installing is followed through a stand-in `apt-get` first on PATH (it
records what it was asked and installs nothing), so no test changes this machine."""

import shutil
import subprocess

import pytest

from tests.conftest import run as run_cmd
from tests.unit.awsmodules import load, runner

present = load("packages_present")

pytestmark = pytest.mark.skipif(
    not shutil.which("dpkg-query"), reason="needs dpkg-query (a Debian host)"
)

INSTALLED = ["dpkg", "bash"]


def dpkg_knows(name: str) -> bool:
    proc = subprocess.run(
        ["dpkg-query", "--show", "--showformat=${db:Status-Abbrev}", name],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0 and proc.stdout[1:2] == "i"


@pytest.fixture(scope="module")
def absent() -> str:
    """A real Debian package this machine does not have."""
    for name in ("cowsay", "sl", "fortune-mod"):
        if not dpkg_knows(name):
            return name
    pytest.skip("cowsay, sl and fortune-mod are all installed here")


@pytest.fixture
def apt(monkeypatch, tmp_path):
    """A stand-in apt-get first on PATH: logs `DEBIAN_FRONTEND args`, exits 0, or 100 with
    apt's message while the file `fail` exists (one install fails per file, or every one
    with `fail-always`). Package lists in a folder of the test's, fresh unless told."""
    bin_dir, lists = tmp_path / "bin", tmp_path / "lists"
    bin_dir.mkdir()
    lists.mkdir()
    (lists / "deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages.lz4").touch()
    log = tmp_path / "apt.log"
    fake = bin_dir / "apt-get"
    d = tmp_path
    fake.write_text(
        f"""#!/bin/sh
echo "$DEBIAN_FRONTEND $*" >> {log}
case " $* " in *" install "*)
  names=$(echo "$*" | sed 's/.* install //')
  if [ -e {d}/fail ] || [ -e {d}/fail-always ]; then
    rm -f {d}/fail
    echo "E: Unable to locate package $names" >&2
    exit 100
  fi;;
esac
exit 0
"""
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin:/usr/sbin:/sbin")
    monkeypatch.setattr(present, "APT_LISTS", str(lists))
    monkeypatch.setattr(present, "UPDATE_STAMP", str(tmp_path / "no-stamp"))

    def calls() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    return {"calls": calls, "dir": tmp_path, "lists": lists}


@pytest.fixture
def module(capsys):
    return runner(present, capsys)


def test_installed_packages_change_nothing_and_never_call_apt(module, apt):
    result = module(name=[*INSTALLED, "bash"])
    assert result["changed"] is False
    assert result["missing"] == []
    assert result["installed"] == []
    assert "diff" not in result
    assert apt["calls"]() == []


def test_a_package_with_its_architecture_is_found(module, apt):
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    result = module(name=[f"bash:{arch}"])
    assert result["changed"] is False, result


def test_check_mode_reports_the_missing_one_and_installs_nothing(module, apt, absent):
    result = module(check=True, name=[*INSTALLED, absent])
    assert result["changed"] is True
    assert result["missing"] == [absent]
    assert result["installed"] == [absent]
    assert result["cache_updated"] is False
    assert f"{absent}: not installed" in result["diff"]["before"]
    assert f"{absent}: installed" in result["diff"]["after"]
    assert "bash" not in result["diff"]["before"]
    assert apt["calls"]() == []
    assert not dpkg_knows(absent)


@pytest.mark.parametrize(
    "name, message",
    [
        ([], "name must list one package or more"),
        (["bash", ""], "name must list one package or more"),
        (["nginx=1.22.1-9"], "not package names"),
        (["nginx/bookworm-backports", "bash"], "not package names"),
        (["-o"], "not package names"),
    ],
)
def test_bad_input_is_refused(module, apt, name, message):
    result = module(name=name)
    assert result.get("failed") is True
    assert message in result["msg"]
    assert apt["calls"]() == []


def test_install_on_fresh_lists_then_checks_dpkg_again(module, apt, absent):
    result = module(name=[*INSTALLED, absent])
    # The stand-in installed nothing: dpkg, asked again, names the package.
    assert result.get("failed") is True
    assert (
        f"still not installed after apt-get install: {absent} (unknown to dpkg)" in (result["msg"])
    )
    assert result["installed"] == []
    [install] = apt["calls"]()
    assert install.startswith("noninteractive ")
    assert "-y" in install.split()
    assert "Dpkg::Options::=--force-confdef" in install
    assert "Dpkg::Options::=--force-confold" in install
    assert install.endswith(f"install {absent}")
    assert "APT::Install-Recommends" not in install


def test_stale_lists_are_refreshed_first(module, apt, absent):
    module(name=[absent], cache_valid_time=0, install_recommends=False)
    update, install = apt["calls"]()
    assert update.endswith(" update")
    assert "APT::Install-Recommends=no" in install


def test_emptied_lists_are_refreshed_whatever_their_age(module, apt, absent):
    for entry in apt["lists"].iterdir():
        entry.unlink()
    module(name=[absent])
    assert [c.split()[-1] for c in apt["calls"]()] == ["update", absent]


def test_an_install_failing_on_unrefreshed_lists_refreshes_them_and_tries_again(
    module, apt, absent
):
    (apt["dir"] / "fail").touch()
    result = module(name=[absent])
    assert [c.split()[-1] for c in apt["calls"]()] == [absent, "update", absent]
    assert result["cache_updated"] is True


def test_a_failed_install_fails_with_apts_message(module, apt, absent):
    (apt["dir"] / "fail-always").touch()
    result = module(name=[absent])
    assert result.get("failed") is True
    assert f"E: Unable to locate package {absent}" in result["msg"]
    assert result["rc"] == 100


def test_found_by_short_name_through_ansible_cfg(absent):
    """As the roles call it: library/ from ansible.cfg, check mode, diff."""
    proc = run_cmd(
        [
            "ansible",
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-m",
            "packages_present",
            "-a",
            f"name=bash,{absent}",
            "--check",
            "--diff",
        ],
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "localhost | CHANGED" in proc.stdout
    assert f"-{absent}: not installed" in proc.stdout
    assert f"+{absent}: installed" in proc.stdout
    assert not dpkg_knows(absent)
