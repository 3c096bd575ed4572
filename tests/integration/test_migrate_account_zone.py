"""An account move that takes the hosted zone along (migrate_account_zone=move), against the
local AWS API: the zone is read in the source's account and recreated, every record but NS and
SOA, in another account reached by sts:AssumeRole; its name servers are what the last message
prints. The tasks are migrate-account.yml's own (playbooks/tasks/migrate-account-zone-*.yml),
driven by a small playbook so that no host is needed."""

import json
import uuid

import boto3
import pytest

from tests.conftest import ROOT, run
from tests.integration.awsenv import ENDPOINT, ENV, REGION
from tests.recap import changed_by_host

TARGET_ACCOUNT = "310987654321"

DRIVER = """
- name: Read the source's zone (its account)
  hosts: localhost
  gather_facts: false
  environment: "{{{{ source_env }}}}"
  vars:
    __move: {{from: "{{{{ migrate_account_from }}}}"}}
  tasks:
    - name: The source's records
      ansible.builtin.include_tasks: {tasks}/migrate-account-zone-read.yml

- name: Recreate it in the target's account
  hosts: localhost
  gather_facts: false
  environment: "{{{{ target_env }}}}"
  tasks:
    - name: The target's zone
      ansible.builtin.include_tasks: {tasks}/migrate-account-zone-move.yml

    - name: The name servers
      ansible.builtin.debug:
        msg: "name servers: {{{{ migrate_account_name_servers | join(' ') }}}}"
"""


def route53(creds: dict):
    return boto3.client("route53", endpoint_url=ENDPOINT, region_name=REGION, **creds)


def records(client, zone: str) -> list[tuple]:
    zone_id = next(
        z["Id"]
        for z in client.list_hosted_zones_by_name(DNSName=zone)["HostedZones"]
        if z["Name"] == zone + "."
    )
    sets = client.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
    kept = [s for s in sets if s["Type"] not in ("NS", "SOA")]
    return sorted(
        (s["Name"], s["Type"], s.get("TTL"), tuple(v["Value"] for v in s["ResourceRecords"]))
        for s in kept
    )


@pytest.fixture
def zone():
    """A zone of the source's account (moto's default one) with a few kinds of records."""
    name = f"move-{uuid.uuid4().hex[:8]}.test"
    source = route53({"aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    zone_id = source.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"]
    changes = [
        ("api." + name, "A", 60, ["192.0.2.10"]),
        (name, "A", 60, ["192.0.2.10"]),
        (name, "MX", 3600, ["10 mail." + name]),
        (name, "TXT", 300, ['"v=spf1 -all"']),
        ("www." + name, "CNAME", 300, [name]),
    ]
    source.change_resource_record_sets(
        HostedZoneId=zone_id,
        ChangeBatch={
            "Changes": [
                {
                    "Action": "CREATE",
                    "ResourceRecordSet": {
                        "Name": rname,
                        "Type": rtype,
                        "TTL": ttl,
                        "ResourceRecords": [{"Value": v} for v in values],
                    },
                }
                for rname, rtype, ttl, values in changes
            ]
        },
    )
    return name


def target_credentials() -> dict:
    sts = boto3.client(
        "sts",
        endpoint_url=ENDPOINT,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    got = sts.assume_role(
        RoleArn=f"arn:aws:iam::{TARGET_ACCOUNT}:role/zone-move", RoleSessionName="zone-move"
    )["Credentials"]
    return {
        "aws_access_key_id": got["AccessKeyId"],
        "aws_secret_access_key": got["SecretAccessKey"],
        "aws_session_token": got["SessionToken"],
    }


def test_the_zone_moves_with_every_record_and_its_name_servers_are_printed(zone, tmp_path):
    target = target_credentials()
    driver = tmp_path / "move-zone.yml"
    driver.write_text(DRIVER.format(tasks=ROOT / "playbooks" / "tasks"))
    extra = {
        "source_env": ENV,
        "target_env": {
            **ENV,
            "AWS_ACCESS_KEY_ID": target["aws_access_key_id"],
            "AWS_SECRET_ACCESS_KEY": target["aws_secret_access_key"],
            "AWS_SESSION_TOKEN": target["aws_session_token"],
        },
        "migrate_account_from": {"zone": zone, "account": "123456789012"},
        "project_tags": {"project": "zone-move-test", "environment": "prod"},
    }
    command = ["ansible-playbook", "-i", "localhost,", str(driver), "-e", json.dumps(extra)]

    first = run(command, timeout=600)
    assert first.returncode == 0, first.stdout[-4000:]
    source = route53({"aws_access_key_id": "testing", "aws_secret_access_key": "testing"})
    moved = route53(target)
    assert records(moved, zone) == records(source, zone)
    assert len(records(moved, zone)) == 5
    servers = " ".join(first.stdout.split()).split("name servers: ", 1)[1].split('"')[0].split()
    assert servers, first.stdout[-2000:]

    again = run(command, timeout=600)
    assert again.returncode == 0, again.stdout[-4000:]
    assert not any(changed_by_host(again.stdout).values()), again.stdout[-4000:]
