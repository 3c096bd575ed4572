"""The moto server as an AWS account for integration tests: clients, and a unique project."""

import json
import secrets

import boto3

from tests.conftest import run

ENDPOINT = "http://127.0.0.1:4566"
REGION = "eu-west-1"
ENV = {
    "AWS_ENDPOINT_URL": ENDPOINT,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
}


# An instance provision launches on moto: its image is registered under moto's own account id
# (register_debian_image), and nothing answers SSH on the record's address.
MOTO_INSTANCE = {"aws_instance_ami_owners": ["123456789012"], "aws_instance_wait_ssh": False}


# Phase 2's database on moto: the settings group_vars/local/aws_rds.yml gives the local
# environment (gp2, no engine-version call, the parameter group made with the AWS CLI).
MOTO_RDS = {
    "aws_rds_storage_type": "gp2",
    "aws_rds_check_engine_version": False,
    "aws_rds_parameter_group_stand_in": True,
}


def on_moto(project: str, name: str, extra: dict, inventory: str = "dev", timeout: int = 1200):
    """ansible-playbook playbooks/<name>.yml through a real-account inventory, with the moto
    server as the account and only this test project's resources in view."""
    return run(
        [
            "ansible-playbook",
            "-i",
            f"inventory/{inventory}",
            f"playbooks/{name}.yml",
            "-e",
            json.dumps(extra),
        ],
        env=dict(ENV, MASCLET_PROJECT=project),
        unset_prefix="AWS_",
        timeout=timeout,
    )


def unique_project() -> str:
    """A project name no other run uses: its tags and names select only this run's resources."""
    return "mtest" + secrets.token_hex(3)


def project_inputs(project: str) -> dict:
    """The extra variables a real-account provision needs, for one test project."""
    return {
        "project_name": project,
        "app_domain": f"{project}.test",
        "app_repo": "https://example.invalid/masclet.git",
        "provision_admin_cidrs": ["127.0.0.1/32"],
        "provision_alert_email": "ops@example.org",
        # moto has no CloudFront response headers policies.
        "aws_cdn_response_headers_policy": False,
    }


def client(service: str, region: str = REGION):
    return boto3.client(
        service,
        endpoint_url=ENDPOINT,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def tagged(project: str, environment: str) -> dict[str, list[str]]:
    """Every resource of one project+environment still in the account, by kind."""
    ec2 = client("ec2")
    filters = [
        {"Name": "tag:project", "Values": [project]},
        {"Name": "tag:environment", "Values": [environment]},
    ]
    found: dict[str, list[str]] = {}
    found["instances"] = [
        i["InstanceId"]
        for r in ec2.describe_instances(Filters=filters)["Reservations"]
        for i in r["Instances"]
        if i["State"]["Name"] not in ("terminated", "shutting-down")
    ]
    found["addresses"] = [
        a["PublicIp"] for a in ec2.describe_addresses(Filters=filters)["Addresses"]
    ]
    found["security_groups"] = [
        g["GroupId"] for g in ec2.describe_security_groups(Filters=filters)["SecurityGroups"]
    ]
    found["key_pairs"] = [k["KeyName"] for k in ec2.describe_key_pairs(Filters=filters)["KeyPairs"]]
    found["volumes"] = [
        v["VolumeId"]
        for v in ec2.describe_volumes(Filters=filters)["Volumes"]
        if v["State"] not in ("deleting", "deleted")
    ]
    sm = client("secretsmanager")
    found["secrets"] = [
        s["Name"]
        for s in sm.list_secrets(
            Filters=[{"Key": "name", "Values": [f"{project}/{environment}/"]}]
        )["SecretList"]
    ]
    s3 = client("s3")
    found["buckets"] = [
        b["Name"]
        for b in s3.list_buckets()["Buckets"]
        if b["Name"].startswith(f"{project}-{environment}-")
    ]
    iam = client("iam")
    found["iam_roles"] = [
        r["RoleName"]
        for r in iam.list_roles()["Roles"]
        if r["RoleName"] == f"{project}-{environment}-app"
    ]
    cw = client("cloudwatch")
    found["alarms"] = [
        a["AlarmName"]
        for a in cw.describe_alarms(AlarmNamePrefix=f"{project}-{environment}-")["MetricAlarms"]
    ]
    budgets = client("budgets", "us-east-1")
    found["budgets"] = [
        b["BudgetName"]
        for b in budgets.describe_budgets(AccountId="123456789012").get("Budgets", [])
        if b["BudgetName"] == f"{project}-{environment}-monthly"
    ]
    sns = client("sns")
    found["topics"] = [
        t["TopicArn"]
        for t in sns.list_topics()["Topics"]
        if t["TopicArn"].endswith(f":{project}-{environment}-alerts")
    ]
    rds = client("rds")
    name = f"{project}-{environment}-db"
    found["db_instances"] = [
        d["DBInstanceIdentifier"]
        for d in rds.describe_db_instances()["DBInstances"]
        if d["DBInstanceIdentifier"] == name
    ]
    found["db_parameter_groups"] = [
        g["DBParameterGroupName"]
        for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
        if g["DBParameterGroupName"] == name
    ]
    found["db_subnet_groups"] = [
        g["DBSubnetGroupName"]
        for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
        if g["DBSubnetGroupName"] == name
    ]
    return {kind: names for kind, names in found.items() if names}


def register_debian_image(project: str) -> str:
    """A Debian 12 image for one test project (moto publishes it under its own account)."""
    return client("ec2").register_image(
        Name=f"debian-12-amd64-{project}",
        Architecture="x86_64",
        RootDeviceName="/dev/xvda",
        VirtualizationType="hvm",
        BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}],
    )["ImageId"]
