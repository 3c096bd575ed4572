"""The account move's local pieces, shared by its end-to-end test and its benchmark: the
two accounts in the local AWS API, the zone's records, the client's host, and a client that
follows the site's name (tests/load.py, NameFollower)."""

import os
import time

import boto3

from tests.conftest import ROOT, run
from tests.e2e.conftest import API, CONTAINER, SITE, animal_body, psql

ANIMALS = 100_000
CLIENT = "masclet-client"
CLIENT_ADDRESS = "127.0.0.4"
CLIENT_ACCOUNT = "210987654321"
MOTO = "http://127.0.0.1:4566"
REGION = os.environ.get("AWS_REGION") or "eu-west-1"
MOVE_FACT = "/etc/ansible/facts.d/masclet_move.fact"
# The site's names: the API's and the server-rendered site's.
NAMES = (API, SITE, f"www.{SITE}")


def migrate(*extra: str, log: str):
    """migrate-account.yml on the client's inventory; its output kept in .local/logs."""
    cmd = ["ansible-playbook", "-i", "inventory/client", "playbooks/migrate-account.yml", *extra]
    proc = run(cmd, timeout=3600)
    (ROOT / ".local/logs").mkdir(parents=True, exist_ok=True)
    (ROOT / ".local/logs" / f"{log}.log").write_text(proc.stdout)
    return proc


def aws(service: str, profile: str | None = None):
    if profile:
        os.environ.setdefault("AWS_SHARED_CREDENTIALS_FILE", str(ROOT / ".local/aws/credentials"))
        session = boto3.Session(profile_name=profile)
    else:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    return session.client(service, endpoint_url=MOTO, region_name=REGION)


def zone_id() -> str:
    zones = aws("route53").list_hosted_zones_by_name(DNSName="masclet.test")["HostedZones"]
    return next(z["Id"] for z in zones if z["Name"] == "masclet.test.")


def record(name: str) -> tuple[str, int]:
    sets = aws("route53").list_resource_record_sets(
        HostedZoneId=zone_id(), StartRecordName=name, StartRecordType="A", MaxItems="1"
    )["ResourceRecordSets"]
    found = sets[0]
    assert found["Name"].rstrip(".") == name, sets
    return found["ResourceRecords"][0]["Value"], int(found["TTL"])


def instance_id(environment: str, profile: str | None = None) -> str:
    """The environment's running instance."""
    reservations = aws("ec2", profile).describe_instances(
        Filters=[
            {"Name": "tag:environment", "Values": [environment]},
            {"Name": "instance-state-name", "Values": ["running"]},
        ]
    )["Reservations"]
    instances = [i for r in reservations for i in r["Instances"]]
    assert len(instances) == 1, [i["InstanceId"] for i in instances]
    return instances[0]["InstanceId"]


def elastic_ip(environment: str, profile: str | None = None) -> str:
    """The Elastic IP of the environment's running instance: moto gives a restarted instance
    (a type change) another public address."""
    addresses = aws("ec2", profile).describe_addresses(
        Filters=[{"Name": "instance-id", "Values": [instance_id(environment, profile)]}]
    )["Addresses"]
    assert len(addresses) == 1, addresses
    return addresses[0]["PublicIp"]


def on_client(*cmd: str) -> str:
    return run(["docker", "exec", CLIENT, *cmd], check=True).stdout.strip()


def client_psql(sql: str) -> str:
    return on_client("runuser", "-u", "postgres", "--", "psql", "-d", "masclet", "-Atc", sql)


def animals(prefix: str):
    """Animal records named <prefix>-<n>, for a writer (unique per run: names may be unique)."""

    def make(n: int) -> tuple[str, str]:
        name = f"{prefix}-{n}"
        return name, animal_body(name)

    return make


def seed(animals: int = ANIMALS) -> None:
    """At least ``animals`` animals on the local site."""
    have = int(psql("SELECT count(*) FROM animals"))
    if have < animals:
        psql(
            "INSERT INTO animals (nom, genere, estat, explotacio, created_at, updated_at) "
            "SELECT 'herd-' || g, 'F', 'OK', 'Gurans', now(), now() "
            f"FROM generate_series(1, {animals - have}) AS g"
        )


def follower_resolver():
    """Resolve a name as a client does, through the zone's A record and its TTL; each Elastic
    IP stands for its host container's loopback address."""
    loopback = {elastic_ip("local"): "127.0.0.2"}

    def resolve(name: str) -> tuple[str, float]:
        value, ttl = record(name)
        if value not in loopback:
            assert value == elastic_ip("client", "masclet-client"), value
            loopback[value] = CLIENT_ADDRESS
        return loopback[value], ttl

    return resolve


def fresh_client() -> None:
    """The client's account, and a new host container for it (its instance made anew)."""
    run(["docker", "rm", "-f", CLIENT])
    run(["scripts/local-client-up.sh"], check=True)


def release_source() -> None:
    """The local site serves by itself again: no forward, its own records, default TTL, and
    its instance no longer says it moved (provision would refuse to run)."""
    run(["docker", "exec", CONTAINER, "rm", "-f", MOVE_FACT])
    aws("ec2").delete_tags(Resources=[instance_id("local")], Tags=[{"Key": "moved-to"}])
    proc = run(["ansible-playbook", "-i", "inventory/local", "playbooks/web.yml"])
    assert proc.returncode == 0, proc.stdout[-4000:]
    changes = [
        {
            "Action": "UPSERT",
            "ResourceRecordSet": {
                "Name": name,
                "Type": "A",
                "TTL": 300,
                "ResourceRecords": [{"Value": elastic_ip("local")}],
            },
        }
        for name in NAMES
    ]
    aws("route53").change_resource_record_sets(
        HostedZoneId=zone_id(), ChangeBatch={"Changes": changes}
    )


def until_followed(follower, seconds: float = 30) -> None:
    """A client goes on after the run: it follows the switch once the answer it holds has
    expired (the switch's TTL), then makes a few requests there; bounded by ``seconds``."""
    deadline = time.monotonic() + seconds
    while CLIENT_ADDRESS not in follower.addresses and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2)
