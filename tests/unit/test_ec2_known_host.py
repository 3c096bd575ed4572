"""library/ec2_known_host.py in-process against moto: keys parsed from a cloud-init console,
first contact when the console has none, a replaced instance, a changed key refused."""

import boto3
import pytest
from moto import mock_aws

from tests.unit.awsmodules import aws_env, load, runner

known = load("ec2_known_host")
KEY_A = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
KEY_B = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
RSA = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCxyz"

CONSOLE = f"""[   12.3] cloud-init[512]: Cloud-init v. 22.4.2 running 'modules:final'
ci-info: no authorized SSH keys fingerprints found for user admin.
[   13.0] cloud-init[512]: -----BEGIN SSH HOST KEY KEYS-----
[   13.0] cloud-init[512]: {KEY_A} root@ip-172-31-1-2
[   13.0] cloud-init[512]: {RSA} root@ip-172-31-1-2
[   13.0] cloud-init[512]: -----END SSH HOST KEY KEYS-----
"""


@pytest.fixture
def env(monkeypatch, capsys, tmp_path):
    aws_env(monkeypatch)
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="eu-west-1")
        ami = ec2.describe_images()["Images"][0]["ImageId"]

        def instance():
            return ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1)["Instances"][0][
                "InstanceId"
            ]

        scanned = {"keys": [KEY_A], "calls": 0}

        def fake_scan(module, address, port):
            scanned["calls"] += 1
            return list(scanned["keys"])

        monkeypatch.setattr(known, "scan", fake_scan)
        yield runner(known, capsys), instance, tmp_path / "env" / "known_hosts", scanned


def test_the_console_block_is_read_with_its_prefixes():
    assert known.keys_in_console(CONSOLE) == [KEY_A, RSA]
    assert known.keys_in_console("no keys here") == []


def test_first_contact_records_the_keys_under_the_instance_id(env):
    run, instance, path, _ = env
    iid = instance()
    result = run(region="eu-west-1", instance_id=iid, path=str(path), address="127.0.0.2")
    assert result["changed"] is True
    assert result["source"] == "first-contact"
    assert "first contact" in str(result["warnings"]), result["warnings"]
    assert path.read_text() == f"{iid} {KEY_A}\n"
    assert path.stat().st_mode & 0o777 == 0o600
    again = run(region="eu-west-1", instance_id=iid, path=str(path), address="127.0.0.2")
    assert again["changed"] is False


def test_no_console_keys_and_no_address_fails(env):
    run, instance, path, _ = env
    result = run(region="eu-west-1", instance_id=instance(), path=str(path))
    assert result["failed"] is True
    assert "no SSH host keys" in result["msg"]
    assert not path.exists()


def test_a_changed_key_for_the_same_instance_stops_and_keeps_the_file(env):
    run, instance, path, scanned = env
    iid = instance()
    run(region="eu-west-1", instance_id=iid, path=str(path), address="127.0.0.2")
    scanned["keys"] = [KEY_B]
    result = run(region="eu-west-1", instance_id=iid, path=str(path), address="127.0.0.2")
    assert result["failed"] is True
    assert "has changed" in result["msg"]
    assert path.read_text() == f"{iid} {KEY_A}\n"


def test_a_replaced_instance_replaces_the_entry(env):
    run, instance, path, scanned = env
    old = instance()
    run(region="eu-west-1", instance_id=old, path=str(path), address="127.0.0.2")
    path.write_text(path.read_text() + "# kept comment\n")
    new = instance()
    scanned["keys"] = [KEY_B]
    result = run(region="eu-west-1", instance_id=new, path=str(path), address="127.0.0.2")
    assert result["changed"] is True
    assert result["replaced"] == [old]
    assert path.read_text() == f"# kept comment\n{new} {KEY_B}\n"


def test_check_mode_writes_nothing_and_shows_the_diff(env):
    run, instance, path, _ = env
    iid = instance()
    result = run(check=True, region="eu-west-1", instance_id=iid, path=str(path), address="a")
    assert result["changed"] is True
    assert result["diff"]["after"] == f"{iid} {KEY_A}\n"
    assert not path.exists()


def test_console_keys_are_preferred_over_first_contact(env, monkeypatch):
    run, instance, path, scanned = env
    iid = instance()
    monkeypatch.setattr(known, "read_console", lambda module, client, iid, timeout: [KEY_B])
    result = run(region="eu-west-1", instance_id=iid, path=str(path), address="127.0.0.2")
    assert result["source"] == "console"
    assert scanned["calls"] == 0
    assert path.read_text() == f"{iid} {KEY_B}\n"
