"""Bad input stops the provision phase in preflight, before any change, with one line that
names the variable or the fix. Runs the real-account inventory against the moto server."""

import json

import boto3
import pytest

from tests.conftest import run
from tests.integration.awsenv import ENDPOINT, ENV, client, project_inputs, tagged, unique_project

PROJECT = unique_project()
ZONE = f"{PROJECT}.test"
GOOD = project_inputs(PROJECT)


@pytest.fixture(scope="module", autouse=True)
def zone():
    r53 = client("route53")
    zone_id = r53.create_hosted_zone(Name=ZONE, CallerReference=PROJECT)["HostedZone"]["Id"]
    yield
    r53.delete_hosted_zone(Id=zone_id)


def provision(env=None, **extra):
    return run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            "playbooks/provision.yml",
            "-e",
            json.dumps({**GOOD, **extra}),
        ],
        env=dict(ENV, MASCLET_PROJECT=PROJECT, **(env or {})),
        unset_prefix="AWS_",
        timeout=600,
    )


def refused(proc, message):
    assert proc.returncode != 0, proc.stdout[-3000:]
    failures = [line for line in proc.stdout.splitlines() if "FAILED!" in line]
    assert failures, proc.stdout[-3000:]
    # The run stops on its last failure (an earlier one may be an ignored probe).
    assert message in failures[-1], failures[-1]
    # Stopped in preflight: the provision play never started, nothing exists.
    assert "AwsNetwork |" not in proc.stdout
    assert tagged(PROJECT, "dev") == {}
    return failures[-1]


def test_no_credentials(tmp_path):
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
    }
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            "playbooks/provision.yml",
            "-e",
            json.dumps(GOOD),
        ],
        env={k: v for k, v in dict(ENV, **env).items() if v},
        unset_prefix="AWS_",
    )
    line = refused(proc, "AWS credentials are missing or refused")
    assert "AWS_PROFILE" in line


def test_region_that_does_not_exist():
    refused(provision(aws_region="eu-fake-9"), "aws_region=eu-fake-9 is not an AWS region")


def test_an_inventory_that_searches_another_region():
    # The aws_ec2 inventory follows AWS_REGION, not aws_region (eu-west-1 here).
    line = refused(
        provision(env={"AWS_REGION": "eu-south-2"}),
        "the aws_ec2 inventory searches eu-south-2 (AWS_REGION) and aws_region is eu-west-1",
    )
    assert "export AWS_REGION=eu-west-1" in line


@pytest.mark.parametrize("cidrs", [[], ["0.0.0.0/0"], ["my-office"]])
def test_missing_or_open_admin_network(cidrs):
    refused(provision(provision_admin_cidrs=cidrs), "provision_admin_cidrs must list the networks")


def test_missing_alert_address():
    refused(provision(provision_alert_email=""), "provision_alert_email is not set")


def test_hosted_zone_not_in_the_account():
    line = refused(
        provision(app_domain=f"nozone-{PROJECT}.test"),
        f"no Route 53 hosted zone nozone-{PROJECT}.test in this account",
    )
    assert "aws route53 create-hosted-zone" in line


def test_instance_type_not_offered():
    line = refused(
        provision(provision_instance_type="x9z.mega"),
        "provision_instance_type=x9z.mega is not offered in eu-west-1",
    )
    assert "t3.micro" in line


def test_warnings_for_an_older_not_free_type():
    proc = run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            "playbooks/preflight.yml",
            "-e",
            json.dumps({**GOOD, "provision_instance_type": "t2.micro"}),
        ],
        env=dict(ENV, MASCLET_PROJECT=PROJECT),
        unset_prefix="AWS_",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "t2.micro is an older generation: t3.micro costs less" in proc.stdout
    assert "t2.micro is not free-tier eligible for this account" in proc.stdout
    quiet = run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            "playbooks/preflight.yml",
            "-e",
            json.dumps({**GOOD, "provision_instance_type": "t3.micro"}),
        ],
        env=dict(ENV, MASCLET_PROJECT=PROJECT),
        unset_prefix="AWS_",
    )
    assert quiet.returncode == 0
    assert "older generation" not in quiet.stdout
    assert "not free-tier eligible" not in quiet.stdout


def test_an_application_recipe_that_does_not_exist():
    line = refused(
        provision(app_profile="herdbook"), "app_profile=herdbook names no complete recipe"
    )
    assert "masclet-imperi-web, sample" in line


def test_the_default_recipe_is_the_real_application():
    # dev and prod deploy Masclet Imperi Web as it is unless told otherwise.
    fields = (
        "app_profile, backend_migration_command or 'none', backend_env_extra.BYPASS_MODE,"
        " backend_pip_constraints | select('match', '^tortoise-orm==') | first"
    )
    proc = run(
        [
            "ansible",
            "-i",
            "inventory/dev",
            "localhost",
            "-m",
            "ansible.builtin.debug",
            "-a",
            f"msg=recipe:{{{{ [{fields}] | join('|') }}}}",
            "-e",
            json.dumps(GOOD),
        ],
        env=dict(ENV, MASCLET_PROJECT=PROJECT),
        unset_prefix="AWS_",
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "recipe:masclet-imperi-web|none|off|tortoise-orm==0.20.1" in proc.stdout, proc.stdout


def test_a_bucket_name_another_account_holds():
    # Another account (moto keeps resources per account; an assumed role's keys belong to it).
    creds = client("sts").assume_role(
        RoleArn="arn:aws:iam::111111111111:role/other", RoleSessionName="other"
    )["Credentials"]
    other = boto3.client(
        "s3",
        endpoint_url=ENDPOINT,
        region_name="eu-west-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
    taken = f"{PROJECT}-taken"
    other.create_bucket(Bucket=taken, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    try:
        assert taken not in [b["Name"] for b in client("s3").list_buckets()["Buckets"]]
        refused(provision(app_backups_bucket=taken), f"{taken}: another AWS account holds")
    finally:
        other.delete_bucket(Bucket=taken)


def test_a_vpc_without_its_subnet():
    refused(
        provision(provision_vpc_id="vpc-0123456789abcdef0"),
        "provision_vpc_id and provision_subnet_id go together",
    )


def test_a_host_phase_with_no_instance_fails_instead_of_doing_nothing():
    proc = run(
        ["ansible-playbook", "-i", "inventory/dev", "playbooks/server.yml", "-e", json.dumps(GOOD)],
        env=dict(ENV, MASCLET_PROJECT=PROJECT),
        unset_prefix="AWS_",
        timeout=600,
    )
    assert proc.returncode != 0, proc.stdout[-3000:]
    assert f"no instance of project={PROJECT} environment=dev" in proc.stdout, proc.stdout[-3000:]
    assert "Server |" not in proc.stdout and "Base |" not in proc.stdout


def test_a_phase_the_plan_does_not_have():
    refused(provision(project_phase=3), "project_phase=3 is not a phase of the plan")


def test_a_way_of_moving_data_migrate_db_does_not_have():
    refused(
        provision(project_phase=2, migrate_db_mode="stream"),
        "migrate_db_mode=stream is not a way migrate-db.yml moves data",
    )


@pytest.mark.parametrize("password", ["short1", "has/slash-123", 'has"quote-123', "has space-123"])
def test_a_master_password_rds_would_refuse(password):
    proc = provision(project_phase=2, vault_rds_master_password=password)
    refused(proc, "vault_rds_master_password is not one RDS takes")
    assert password not in proc.stdout


def test_phase2_database_subnets_in_one_zone_only():
    ec2 = client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.78.1.0/24", AvailabilityZone="eu-west-1a")
    subnet_id = subnet["Subnet"]["SubnetId"]
    try:
        proc = provision(project_phase=2, provision_vpc_id=vpc, provision_subnet_id=subnet_id)
        line = refused(proc, "needs subnets in two availability zones")
        assert "provision_rds_subnet_ids" in line and "eu-west-1a" in line
    finally:
        ec2.delete_subnet(SubnetId=subnet_id)
        ec2.delete_vpc(VpcId=vpc)
