"""Which logins the hardened sshd on 127.0.0.1 accepts."""

import pytest

KNOWN_HOSTS = "/root/molecule-keys/known_hosts"
# Host keys are checked here too: the file is written from the server's own public keys.
SSH = (
    f"ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile={KNOWN_HOSTS} "
    "-o ConnectTimeout=5 -p 22 "
)
KEY = "-i /root/molecule-keys/id_ed25519 -o IdentitiesOnly=yes "


@pytest.fixture(autouse=True)
def known_hosts(host):
    host.check_output(f"sed 's/^/127.0.0.1 /' /etc/ssh/ssh_host_*_key.pub > {KNOWN_HOSTS}")


def test_config_is_valid(host):
    assert host.run("sshd -t").rc == 0


def test_listens_on_loopback_only(host):
    out = host.check_output("ss -ltnpH 'sport = :22'")
    lines = [line for line in out.splitlines() if "sshd" in line]
    assert lines, out
    for line in lines:
        assert line.split()[3] == "127.0.0.1:22", line


def test_deploy_key_is_accepted(host):
    out = host.run(SSH + KEY + "deploy@127.0.0.1 id -un")
    assert out.rc == 0, out.stderr
    assert out.stdout.strip() == "deploy"


def test_password_login_is_refused(host):
    out = host.run(
        SSH + "-o PreferredAuthentications=password,keyboard-interactive "
        "-o PubkeyAuthentication=no deploy@127.0.0.1 true"
    )
    assert out.rc == 255
    assert "Permission denied (publickey)" in out.stderr


def test_root_login_is_refused_even_with_its_key(host):
    out = host.run(SSH + KEY + "root@127.0.0.1 true")
    assert out.rc == 255
    assert "Permission denied" in out.stderr


def test_a_broken_config_is_never_written(host):
    # The template task validates with sshd -t: the same check refuses a bad file.
    host.run("cp /etc/ssh/sshd_config /root/bad_sshd_config")
    host.run("echo 'PermitRootLogin maybe' >> /root/bad_sshd_config")
    assert host.run("sshd -t -f /root/bad_sshd_config").rc != 0
