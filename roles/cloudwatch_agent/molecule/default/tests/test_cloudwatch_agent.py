"""The agent's configuration on a converged host, check mode, and the install path.

converge.yml renders the configuration only (cloudwatch_agent_install: false), as the local
environment does. AWS's package cannot be downloaded here, so the install path runs against a
stand-in package built and signed by these tests with a key of their own (file:// URLs inside
the container): installed when the signature is good and the key has the given fingerprint,
refused otherwise.
"""

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

SCENARIO = Path(__file__).resolve().parents[1]
INSTANCE = "masclet-molecule"
CONFIG = "/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json"
# converge.yml's files: path -> log group.
FILES = {
    "/var/log/nginx/access.log": "/molecule/cwa/nginx-access",
    "/var/log/nginx/error.log": "/molecule/cwa/nginx-error",
    "/srv/masclet/shared/logs/*.log": "/molecule/cwa/app",
}
STAGE = "/srv/cwa-test"  # not /tmp: systemd mounts its own there


def playbook(*args: str) -> subprocess.CompletedProcess:
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"]]
    cmd += [str(SCENARIO / "converge.yml"), *args]
    return subprocess.run(
        cmd,
        env=dict(os.environ, ANSIBLE_NOCOLOR="1"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
        check=False,
    )


def changed(output: str) -> int:
    found = re.findall(rf"^{INSTANCE}\s*:.*\bchanged=(\d+)", output, re.M)
    assert found, output[-4000:]
    return int(found[-1])


def config(host) -> dict:
    return json.loads(host.file(CONFIG).content_string)


def test_the_configuration_is_json_owned_by_root(host):
    f = host.file(CONFIG)
    assert f.user == "root" and f.group == "root" and f.mode == 0o644
    assert isinstance(config(host), dict)


def test_every_file_goes_to_its_group_one_stream_per_instance_in_utc(host):
    collect = config(host)["logs"]["logs_collected"]["files"]["collect_list"]
    assert {c["file_path"]: c["log_group_name"] for c in collect} == FILES
    assert len(collect) == len(FILES)
    assert {c["log_stream_name"] for c in collect} == {"{instance_id}"}
    assert {c["timezone"] for c in collect} == {"UTC"}


def test_lines_with_a_password_in_a_url_are_not_sent(host):
    collect = config(host)["logs"]["logs_collected"]["files"]["collect_list"]
    app = next(c for c in collect if c["log_group_name"] == "/molecule/cwa/app")
    (rule,) = app["filters"]
    assert rule["type"] == "exclude"
    # The expression is RE2; this one means the same in Python's re.
    expr = re.compile(rule["expression"])
    assert expr.search(
        "Conectando a la base de datos: postgres://masclet:s3cr%2Ft@db.test:5432/masclet"
    )
    assert not expr.search("Conectando a la base de datos: postgres://masclet@/masclet")
    assert not expr.search('127.0.0.1 - - "GET /health HTTP/1.1" 200 "https://masclet.test/"')
    nginx = [c for c in collect if c["log_group_name"] != "/molecule/cwa/app"]
    assert all("filters" not in c for c in nginx)


def test_memory_and_root_disk_use(host):
    metrics = config(host)["metrics"]
    assert metrics["namespace"] == "CWAgent"
    assert metrics["metrics_collected"]["mem"]["measurement"] == ["mem_used_percent"]
    assert metrics["metrics_collected"]["disk"]["measurement"] == ["used_percent"]
    assert metrics["metrics_collected"]["disk"]["resources"] == ["/"]
    assert config(host)["agent"]["run_as_user"] == "root"


def test_locally_no_package_and_no_service(host):
    assert not host.package("amazon-cloudwatch-agent").is_installed
    assert not host.file("/opt/aws/amazon-cloudwatch-agent/bin").exists
    assert host.run("systemctl cat amazon-cloudwatch-agent").rc != 0


def test_check_mode_on_the_converged_host_changes_nothing():
    proc = playbook("--check", "--diff")
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert changed(proc.stdout) == 0, proc.stdout[-4000:]


def test_check_mode_reports_a_new_file_and_leaves_the_configuration(host):
    before = host.file(CONFIG).content_string
    files = [{"path": p, "group": g} for p, g in FILES.items()]
    files.append({"path": "/var/log/syslog", "group": "/molecule/cwa/syslog"})
    proc = playbook("--check", "--diff", "-e", json.dumps({"cloudwatch_agent_log_files": files}))
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert changed(proc.stdout) == 1, proc.stdout[-4000:]
    assert '"file_path": "/var/log/syslog"' in proc.stdout  # the diff
    assert host.file(CONFIG).content_string == before


def test_a_relative_path_is_refused_naming_the_variable(host):
    before = host.file(CONFIG).content_string
    proc = playbook(
        "-e", json.dumps({"cloudwatch_agent_log_files": [{"path": "x.log", "group": "/g"}]})
    )
    assert proc.returncode != 0
    assert "cloudwatch_agent_log_files: each path absolute" in proc.stdout
    assert host.file(CONFIG).content_string == before


# The install path, against a stand-in of AWS's package.


def sh(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)


@pytest.fixture(scope="module")
def stand_in(tmp_path_factory, host):
    """A package named like AWS's, whose ctl records its arguments and whose unit sleeps;
    signed by key A. Key B signs another copy. Returns the fingerprints."""
    tmp = tmp_path_factory.mktemp("cwa")
    pkg = tmp / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN/control").write_text(
        "Package: amazon-cloudwatch-agent\nVersion: 0.0.1-molecule\nArchitecture: all\n"
        "Maintainer: Molecule <molecule@example.org>\nDescription: stand-in for tests only\n"
    )
    ctl = pkg / "opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"
    ctl.parent.mkdir(parents=True)
    ctl.write_text('#!/bin/sh\necho "$@" >> /var/log/cwa-ctl-calls\n')
    ctl.chmod(0o755)
    unit = pkg / "lib/systemd/system/amazon-cloudwatch-agent.service"
    unit.parent.mkdir(parents=True)
    unit.write_text(
        "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n"
    )
    out = tmp / "out"
    out.mkdir()
    sh("dpkg-deb", "--root-owner-group", "--build", str(pkg), str(out / "agent.deb"))
    fingerprints = {}
    for name in ("a", "b"):
        home = tmp / f"gnupg-{name}"
        home.mkdir(mode=0o700)
        env = dict(os.environ, GNUPGHOME=str(home))
        uid = f"Molecule {name} <{name}@example.org>"
        sh(
            "gpg",
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "1d",
            env=env,
        )
        listing = sh("gpg", "--batch", "--with-colons", "--list-keys", env=env).stdout
        fingerprints[name] = re.search(r"^fpr:+([0-9A-F]{40}):", listing, re.M).group(1)
        key = out / f"key-{name}.asc"
        key.write_text(sh("gpg", "--batch", "--armor", "--export", env=env).stdout)
        sig = out / f"agent.deb.sig-{name}"
        sh("gpg", "--batch", "--detach-sign", "-o", str(sig), str(out / "agent.deb"), env=env)
    # A copy with a byte changed after signing.
    tampered = bytearray((out / "agent.deb").read_bytes())
    tampered[-1] ^= 1
    (out / "tampered.deb").write_bytes(bytes(tampered))
    host.run(f"rm -rf {STAGE}")
    sh("docker", "cp", str(out), f"{INSTANCE}:{STAGE}")
    yield fingerprints
    # Back to the converged host: no package, no service.
    host.run("systemctl disable --now amazon-cloudwatch-agent")
    host.run("dpkg --purge amazon-cloudwatch-agent")
    host.run(f"rm -rf {STAGE} /var/cache/amazon-cloudwatch-agent /var/log/cwa-ctl-calls")


def install(deb: str, sig: str, key: str, fingerprint: str) -> subprocess.CompletedProcess:
    extra = {
        "cloudwatch_agent_install": True,
        "cloudwatch_agent_package_url": f"file://{STAGE}/{deb}",
        "cloudwatch_agent_signature_url": f"file://{STAGE}/{sig}",
        "cloudwatch_agent_gpg_key_url": f"file://{STAGE}/{key}",
        "cloudwatch_agent_gpg_fingerprint": fingerprint,
    }
    return playbook("-e", json.dumps(extra))


def test_a_package_signed_by_another_key_is_refused(host, stand_in):
    # Key B signed it and is the key given: a good signature, but not by the expected key.
    proc = install("agent.deb", "agent.deb.sig-b", "key-b.asc", stand_in["a"])
    assert proc.returncode != 0
    assert f"is not signed by the key with fingerprint {stand_in['a']}" in proc.stdout
    assert not host.package("amazon-cloudwatch-agent").is_installed
    assert not host.file("/var/cache/amazon-cloudwatch-agent/amazon-cloudwatch-agent.deb").exists


def test_a_tampered_package_is_refused(host, stand_in):
    proc = install("tampered.deb", "agent.deb.sig-a", "key-a.asc", stand_in["a"])
    assert proc.returncode != 0
    assert "is not signed by the key with fingerprint" in proc.stdout
    assert "BAD signature" in proc.stdout
    assert not host.package("amazon-cloudwatch-agent").is_installed


def test_a_signed_package_is_installed_loaded_and_started_then_left_alone(host, stand_in):
    proc = install("agent.deb", "agent.deb.sig-a", "key-a.asc", stand_in["a"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert host.package("amazon-cloudwatch-agent").version == "0.0.1-molecule"
    calls = host.file("/var/log/cwa-ctl-calls").content_string.splitlines()
    assert calls == [f"-a fetch-config -m ec2 -s -c file:{CONFIG}"]
    assert host.service("amazon-cloudwatch-agent").is_running
    assert host.service("amazon-cloudwatch-agent").is_enabled
    # Installed: a second run downloads nothing and changes nothing.
    proc = install("agent.deb", "agent.deb.sig-a", "key-a.asc", stand_in["a"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert changed(proc.stdout) == 0, proc.stdout[-4000:]
    assert len(host.file("/var/log/cwa-ctl-calls").content_string.splitlines()) == 1
