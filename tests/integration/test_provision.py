"""Provision, re-run, check mode, dynamic inventory and teardown against the moto server.

Two environments (dev and prod) of one project unique to this run are provisioned through
the real-account inventories (inventory/dev, inventory/prod) with AWS_ENDPOINT_URL pointing
at moto; dev is torn down and prod must survive it untouched.
"""

import base64
import json
import urllib.parse
import urllib.request

import pytest

from tests.conftest import ROOT, run
from tests.integration.awsenv import (
    ENDPOINT,
    ENV,
    MOTO_INSTANCE,
    MOTO_RDS,
    client,
    project_inputs,
    register_debian_image,
    tagged,
    unique_project,
)
from tests.recap import changed_by_host

PROJECT = unique_project()
ZONE = f"{PROJECT}.test"
EXTRA = {
    **project_inputs(PROJECT),
    **MOTO_INSTANCE,
    # Teardown looks for Phase 2's database too.
    **MOTO_RDS,
}
RUN_ENV = dict(ENV, MASCLET_PROJECT=PROJECT)
OWN_NETWORK: dict[str, str] = {}  # the VPC and subnet the account fixture makes for prod


def playbook(env: str, name: str, *args: str, **extra):
    return run(
        [
            "ansible-playbook",
            "-i",
            f"inventory/{env}",
            f"playbooks/{name}.yml",
            "-e",
            json.dumps({**EXTRA, **extra}),
            *args,
        ],
        env=RUN_ENV,
        unset_prefix="AWS_",
        timeout=900,
    )


def ok(proc):
    assert proc.returncode == 0, proc.stdout[-6000:]
    return proc


@pytest.fixture(scope="module", autouse=True)
def account():
    """An account where the domain's zone exists and a Debian 12 image is published."""
    r53 = client("route53")
    zone = r53.create_hosted_zone(Name=ZONE, CallerReference=PROJECT)["HostedZone"]["Id"]
    ec2 = client("ec2")
    image = register_debian_image(PROJECT)
    # prod goes into a VPC of its own, as on an account without a default VPC.
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    OWN_NETWORK.update(provision_vpc_id=vpc, provision_subnet_id=subnet)
    yield
    for env in ("dev", "prod"):
        playbook(env, "teardown", teardown_confirm=f"{PROJECT}-{env}", teardown_delete_backups=True)
    ec2.delete_subnet(SubnetId=subnet)
    ec2.delete_vpc(VpcId=vpc)
    ec2.deregister_image(ImageId=image)
    r53.delete_hosted_zone(Id=zone)


def _instance(env):
    ec2 = client("ec2")
    found = [
        i
        for r in ec2.describe_instances(
            Filters=[
                {"Name": "tag:project", "Values": [PROJECT]},
                {"Name": "tag:environment", "Values": [env]},
                {"Name": "instance-state-name", "Values": ["running"]},
            ]
        )["Reservations"]
        for i in r["Instances"]
    ]
    assert len(found) == 1, found
    return found[0]


def _eip(instance_id):
    addresses = client("ec2").describe_addresses(
        Filters=[{"Name": "instance-id", "Values": [instance_id]}]
    )["Addresses"]
    assert len(addresses) == 1, addresses
    return addresses[0]


def _plain(value):
    """ansible-inventory --list marks templated values unsafe: {"__ansible_unsafe": "..."}."""
    return value.get("__ansible_unsafe") if isinstance(value, dict) else value


def _secret(env, name):
    return client("secretsmanager").get_secret_value(SecretId=f"{PROJECT}/{env}/{name}")[
        "SecretString"
    ]


def test_provision_from_nothing():
    assert tagged(PROJECT, "dev") == {}
    ok(playbook("dev", "provision"))
    ec2 = client("ec2")

    instance = _instance("dev")
    tags = {t["Key"]: t["Value"] for t in instance["Tags"]}
    assert tags["project"] == PROJECT and tags["environment"] == "dev" and tags["role"] == "app"
    assert instance["InstanceType"] == "t2.micro"
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    image = ec2.describe_images(ImageIds=[instance["ImageId"]])["Images"][0]
    assert image["Name"].startswith("debian-12-amd64-")
    volume_id = instance["BlockDeviceMappings"][0]["Ebs"]["VolumeId"]
    volume = ec2.describe_volumes(VolumeIds=[volume_id])["Volumes"][0]
    assert (volume["VolumeType"], volume["Size"], volume["Encrypted"]) == ("gp3", 20, True)
    assert {t["Key"]: t["Value"] for t in volume["Tags"]}["environment"] == "dev"

    eip = _eip(instance["InstanceId"])
    assert instance["PublicIpAddress"] == eip["PublicIp"]

    (group,) = ec2.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{PROJECT}-dev"]}]
    )["SecurityGroups"]
    opened = {
        (p["FromPort"], r["CidrIp"]) for p in group["IpPermissions"] for r in p.get("IpRanges", [])
    }
    assert opened == {(22, "127.0.0.1/32"), (80, "0.0.0.0/0"), (443, "0.0.0.0/0")}

    policy = client("iam").get_role_policy(
        RoleName=f"{PROJECT}-dev-app", PolicyName=f"{PROJECT}-dev-app"
    )["PolicyDocument"]
    resources = json.dumps(policy)
    assert f"arn:aws:s3:::{PROJECT}-dev-backups" in resources
    assert f":secret:{PROJECT}/dev/*" in resources
    assert "*:*" not in resources and '"Resource": "*"' not in resources

    s3 = client("s3")
    backups = f"{PROJECT}-dev-backups"
    assert s3.get_bucket_versioning(Bucket=backups)["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket=backups)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rules = s3.get_bucket_lifecycle_configuration(Bucket=backups)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 30
    enc = s3.get_bucket_encryption(Bucket=backups)["ServerSideEncryptionConfiguration"]
    assert enc["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    s3.head_bucket(Bucket=f"{PROJECT}-dev-frontend")

    assert len(_secret("dev", "db-password")) == 32
    assert len(_secret("dev", "secret-key")) == 64

    zone_id = client("route53").list_hosted_zones_by_name(DNSName=ZONE)["HostedZones"][0]["Id"]
    records = client("route53").list_resource_record_sets(HostedZoneId=zone_id)
    api = [r for r in records["ResourceRecordSets"] if r["Name"] == f"api.{ZONE}."]
    assert api[0]["ResourceRecords"] == [{"Value": eip["PublicIp"]}]
    # The real application's frontend is server-rendered: its names are the instance's too.
    for name in (f"{ZONE}.", f"www.{ZONE}."):
        site = [r for r in records["ResourceRecordSets"] if r["Name"] == name and r["Type"] == "A"]
        assert site and site[0]["ResourceRecords"] == [{"Value": eip["PublicIp"]}], name

    budget = client("budgets", "us-east-1").describe_budget(
        AccountId="123456789012", BudgetName=f"{PROJECT}-dev-monthly"
    )["Budget"]
    assert float(budget["BudgetLimit"]["Amount"]) == 10
    alarms = client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{PROJECT}-dev-")["MetricAlarms"]
    status = [a for a in alarms if a["MetricName"] == "StatusCheckFailed_System"]
    assert "arn:aws:automate:eu-west-1:ec2:recover" in status[0]["AlarmActions"]
    assert {a["MetricName"] for a in alarms} == {"CPUUtilization", "StatusCheckFailed_System"}


def test_second_run_changes_nothing_and_keeps_secrets():
    before = _secret("dev", "db-password")
    proc = ok(playbook("dev", "provision"))
    assert changed_by_host(proc.stdout) == {"localhost": 0}, proc.stdout[-4000:]
    assert _secret("dev", "db-password") == before


def test_check_mode_changes_nothing():
    proc = ok(playbook("dev", "provision", "--check", "--diff"))
    assert changed_by_host(proc.stdout) == {"localhost": 0}, proc.stdout[-4000:]


def _ssh_sources(env):
    (group,) = client("ec2").describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [f"{PROJECT}-{env}"]}]
    )["SecurityGroups"]
    return {
        r["CidrIp"] for p in group["IpPermissions"] if p["FromPort"] == 22 for r in p["IpRanges"]
    }


def test_a_new_admin_address_opens_ssh_to_it_and_closes_the_old_one():
    """The operator's address changed: re-running provision from it is the way back in. The
    security group is the only SSH gate (the host's firewall keeps no copy of the list), so
    updating it is enough, and nothing else is replaced."""
    instance_id = _instance("dev")["InstanceId"]
    moved = ok(playbook("dev", "provision", provision_admin_cidrs=["198.51.100.7/32"]))
    assert changed_by_host(moved.stdout)["localhost"] >= 1
    assert _ssh_sources("dev") == {"198.51.100.7/32"}
    assert _instance("dev")["InstanceId"] == instance_id
    # And back, for the tests that follow.
    ok(playbook("dev", "provision"))
    assert _ssh_sources("dev") == {"127.0.0.1/32"}


def test_inventory_finds_the_instance_by_tags():
    proc = run(
        ["ansible-inventory", "-i", "inventory/dev", "--list"],
        env=RUN_ENV,
        unset_prefix="AWS_",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    inventory = json.loads(proc.stdout[proc.stdout.index("{") :])
    name = f"{PROJECT}-dev-app"
    assert name in inventory["role_app"]["hosts"]
    assert name in inventory["dev"]["hosts"]

    # The key AWS created at provision (saved 0600 under .local/dev/) is the one SSH uses.
    proc = run(
        [
            "ansible",
            "-i",
            "inventory/dev",
            "--playbook-dir",
            "playbooks",
            name,
            "-m",
            "ansible.builtin.debug",
            "-a",
            "var=ansible_ssh_private_key_file",
            "-e",
            json.dumps(EXTRA),
        ],
        env=RUN_ENV,
        unset_prefix="AWS_",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    key = ROOT / ".local" / "dev" / f"{PROJECT}-dev.pem"
    assert f'"ansible_ssh_private_key_file": "{key}"' in proc.stdout.replace(
        str(ROOT / "playbooks" / ".."), str(ROOT)
    ), proc.stdout[-2000:]
    assert key.stat().st_mode & 0o777 == 0o600
    instance = _instance("dev")
    assert (
        _plain(inventory["_meta"]["hostvars"][name]["ansible_host"])
        == _eip(instance["InstanceId"])["PublicIp"]
    )


@pytest.mark.parametrize("damage", ["readable by others", "missing"])
def test_a_private_key_ssh_would_refuse_stops_a_host_phase_before_it_connects(damage):
    key = ROOT / ".local" / "dev" / f"{PROJECT}-dev.pem"
    aside = key.with_suffix(".aside")
    if damage == "missing":
        key.rename(aside)
    else:
        key.chmod(0o644)
    try:
        proc = playbook("dev", "server")
    finally:
        if damage == "missing":
            aside.rename(key)
        key.chmod(0o600)
    out = proc.stdout.replace(str(ROOT / "playbooks" / ".."), str(ROOT))
    assert proc.returncode != 0, out[-3000:]
    expected = (
        f"the private key {key} is missing"
        if damage == "missing"
        else f"the private key {key} has mode 0644 and ssh refuses a key others can read: "
        f"chmod 600 {key}"
    )
    assert expected in out, out[-3000:]
    # Stopped on the controller: no task reached the instance.
    assert "UNREACHABLE" not in out and "Base |" not in out, out[-3000:]


def test_check_mode_from_nothing_creates_nothing():
    proc = ok(playbook("prod", "provision", "--check"))
    assert "fatal" not in proc.stdout
    assert tagged(PROJECT, "prod") == {}


def _recorded_launches():
    """The RunInstances requests moto received while its recorder was on, as form fields."""
    url = f"{ENDPOINT}/moto-api/recorder/download-recording"
    with urllib.request.urlopen(url, timeout=30) as response:
        recording = response.read().decode()
    launches = []
    for line in recording.splitlines():
        entry = json.loads(line)
        body = entry.get("body") or ""
        if entry.get("body_encoded"):
            body = base64.b64decode(body).decode(errors="replace")
        fields = urllib.parse.parse_qs(body)
        if fields.get("Action") == ["RunInstances"]:
            launches.append(fields)
    return launches


def _recorder(action):
    request = urllib.request.Request(f"{ENDPOINT}/moto-api/recorder/{action}", method="POST")
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


def test_teardown_removes_one_environment_only():
    # prod is a t3 (which AWS would launch "unlimited"): the launch request itself must ask
    # for standard credits. moto ignores the setting, so its recorder shows what was sent.
    _recorder("reset-recording")
    _recorder("start-recording")
    try:
        ok(playbook("prod", "provision", provision_instance_type="t3.micro", **OWN_NETWORK))
    finally:
        _recorder("stop-recording")
    ours = [f for f in _recorded_launches() if PROJECT in json.dumps(f)]
    assert len(ours) == 1, ours
    assert ours[0]["InstanceType"] == ["t3.micro"]
    assert ours[0]["CreditSpecification.CpuCredits"] == ["standard"]
    instance = _instance("prod")
    assert instance["SubnetId"] == OWN_NETWORK["provision_subnet_id"]
    groups = client("ec2").describe_security_groups(
        GroupIds=[g["GroupId"] for g in instance["SecurityGroups"]]
    )["SecurityGroups"]
    assert {g["VpcId"] for g in groups} == {OWN_NETWORK["provision_vpc_id"]}
    prod_before = tagged(PROJECT, "prod")
    assert {"instances", "addresses", "security_groups", "secrets", "buckets"} <= set(prod_before)

    refused = playbook("dev", "teardown")
    assert refused.returncode != 0
    assert f"-e teardown_confirm={PROJECT}-dev" in refused.stdout
    assert "instances" in tagged(PROJECT, "dev")

    ok(playbook("dev", "teardown", teardown_confirm=f"{PROJECT}-dev"))
    left = tagged(PROJECT, "dev")
    # Only the backups bucket stays (no teardown_delete_backups).
    assert left == {"buckets": [f"{PROJECT}-dev-backups"]}, left
    assert tagged(PROJECT, "prod") == prod_before

    again = ok(playbook("dev", "teardown", teardown_confirm=f"{PROJECT}-dev"))
    assert changed_by_host(again.stdout) == {"localhost": 0}, again.stdout[-4000:]

    proc = run(["ansible-inventory", "-i", "inventory/prod", "--list"], env=RUN_ENV)
    assert (
        f"{PROJECT}-prod-app"
        in json.loads(proc.stdout[proc.stdout.index("{") :])["role_app"]["hosts"]
    )

    ok(playbook("dev", "teardown", teardown_confirm=f"{PROJECT}-dev", teardown_delete_backups=True))
    assert tagged(PROJECT, "dev") == {}
