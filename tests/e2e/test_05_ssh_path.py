"""The path a real account takes: the aws_ec2 inventory finds the instance by its tags, Ansible
logs in over SSH with the key pair provision made, and host keys are verified per instance."""

import json
import socket

import pytest

from tests.conftest import ROOT, run
from tests.e2e.conftest import CONTAINER, playbook
from tests.load import LOOPBACK

KNOWN_HOSTS = ROOT / ".local" / "masclet-local.known_hosts"
PRIVATE_KEY = ROOT / ".local" / "local" / "masclet-local.pem"


def inventory() -> dict:
    proc = run(["ansible-inventory", "-i", "inventory/local", "--list"], check=True)
    return json.loads(proc.stdout[proc.stdout.index("{") :])


def plain(value):
    """ansible-inventory --list marks templated values unsafe: {"__ansible_unsafe": "..."}."""
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value


def instance_id() -> str:
    found = inventory()
    (name,) = found["role_app"]["hosts"]
    return plain(found["_meta"]["hostvars"][name]["instance_id"])


def ssh_as_ansible(iid: str, *cmd: str) -> list[str]:
    """ssh with the options group_vars/all/connection.yml gives every connection."""
    return [
        "ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "ControlMaster=no",
        "-o", f"UserKnownHostsFile={KNOWN_HOSTS}", "-o", f"HostKeyAlias={iid}",
        "-o", "StrictHostKeyChecking=yes", "-i", str(PRIVATE_KEY), f"admin@{LOOPBACK}", *cmd,
    ]  # fmt: skip


def in_host(cmd: str) -> str:
    return run(["docker", "exec", CONTAINER, "sh", "-c", cmd], check=True).stdout


def test_the_inventory_finds_the_instance_by_its_tags(deployed):
    found = inventory()
    (name,) = found["role_app"]["hosts"]
    hostvars = found["_meta"]["hostvars"][name]
    assert name in found["local"]["hosts"]
    assert plain(hostvars["tags"]["project"]) == "masclet"
    assert plain(hostvars["instance_id"]).startswith("i-")
    # moto's public address is a record; the stand-in answers on its own loopback address.
    assert plain(hostvars["ansible_host"]) == LOOPBACK
    graph = run(["ansible-inventory", "-i", "inventory/local", "--graph"], check=True).stdout
    lines = [line.strip(" |-") for line in graph.splitlines()]
    assert lines[lines.index("@role_app:") + 1] == name, graph


def test_ansible_logged_in_over_ssh_as_admin_with_the_key_pair(deployed):
    assert PRIVATE_KEY.stat().st_mode & 0o777 == 0o600
    # Every login the deployment made is in sshd's journal: the admin user, by public key.
    journal = in_host("journalctl -u ssh --no-pager -o cat | grep 'Accepted publickey' || true")
    assert "Accepted publickey for admin" in journal
    # The key that logged in is the key pair's: its public half is admin's only login key.
    public = run(["ssh-keygen", "-y", "-f", str(PRIVATE_KEY)], check=True).stdout.split()[1]
    authorized = in_host("cat /home/admin/.ssh/authorized_keys")
    assert [line.split()[1] for line in authorized.splitlines() if line.strip()] == [public]


def test_the_host_keys_are_recorded_under_the_instance_id(deployed):
    iid = instance_id()
    lines = KNOWN_HOSTS.read_text().splitlines()
    assert lines, "no host key recorded"
    assert {line.split()[0] for line in lines} == {iid}
    assert KNOWN_HOSTS.stat().st_mode & 0o777 == 0o600
    on_host = in_host("cat /etc/ssh/ssh_host_ed25519_key.pub").split()[1]
    assert any(line.split()[2] == on_host for line in lines)


def test_a_changed_host_key_stops_provision_and_the_connection(deployed):
    """The same instance presenting another key: provision refuses, nothing connects."""
    recorded, iid = KNOWN_HOSTS.read_text(), instance_id()
    in_host("mkdir -p /root/keys-saved && cp -a /etc/ssh/ssh_host_* /root/keys-saved/")
    try:
        in_host("rm -f /etc/ssh/ssh_host_* && ssh-keygen -A && systemctl restart ssh")
        proc = playbook("provision", log="e2e-changed-host-key")
        assert proc.returncode != 0
        assert "has changed since it was recorded" in proc.stdout
        assert KNOWN_HOSTS.read_text() == recorded
        # ssh with the options every connection uses refuses the host as well.
        refused = run(ssh_as_ansible(iid, "true"))
        assert refused.returncode == 255, refused.stdout
        assert "Host key verification failed" in refused.stdout
    finally:
        in_host("cp -a /root/keys-saved/ssh_host_* /etc/ssh/ && systemctl restart ssh")
    assert run(ssh_as_ansible(iid, "true")).returncode == 0
    # Ad-hoc, group_vars/ (the connection settings) come through --playbook-dir.
    ping = run([
        "ansible", "-i", "inventory/local", "--playbook-dir", "playbooks", "role_app",
        "-m", "ansible.builtin.ping",
    ])  # fmt: skip
    assert ping.returncode == 0, ping.stdout[-3000:]


def test_the_firewall_is_loaded_in_the_hosts_own_network(deployed):
    """A listener outside the allowed ports is dropped; 443 on the same address connects.
    (The container's address is in the project's own Docker network.)"""
    address = run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
         CONTAINER], check=True,
    ).stdout.strip()  # fmt: skip
    in_host("systemd-run --unit probe-8081 python3 -m http.server 8081 --bind 0.0.0.0")
    try:
        assert "0.0.0.0:8081" in in_host("sleep 1; ss -ltnH 'sport = :8081'")
        with socket.socket() as s:
            s.settimeout(3)
            with pytest.raises(TimeoutError):
                s.connect((address, 8081))
        with socket.create_connection((address, 443), timeout=3):
            pass
    finally:
        in_host("systemctl stop probe-8081")
