"""Errors AWS gives for a while and moto never gives: provision and teardown wait them out.

A new instance profile takes seconds to reach EC2 ("Invalid IAM Instance Profile"), and a
terminated instance's interface holds its security group for minutes (DependencyViolation).
Every call goes to the moto server through FaultyEndpoint, which answers the first calls of
one action with that error; any other error must stop the run at its first answer.
"""

import json
import sys

import pytest

from tests.conftest import run
from tests.integration.awsenv import (
    ENV,
    MOTO_INSTANCE,
    MOTO_RDS,
    client,
    project_inputs,
    register_debian_image,
    tagged,
    unique_project,
)
from tests.integration.faulty_endpoint import FaultyEndpoint

PROJECT = unique_project()
EXTRA = {
    **project_inputs(PROJECT),
    **MOTO_INSTANCE,
    # Teardown looks for Phase 2's database too.
    **MOTO_RDS,
}


@pytest.fixture(scope="module")
def endpoint():
    r53 = client("route53")
    zone = r53.create_hosted_zone(Name=f"{PROJECT}.test", CallerReference=PROJECT)["HostedZone"]
    ec2 = client("ec2")
    image = register_debian_image(PROJECT)
    with FaultyEndpoint() as faulty:
        yield faulty
        playbook(
            faulty, "teardown", teardown_confirm=f"{PROJECT}-dev", teardown_delete_backups=True
        )
    ec2.deregister_image(ImageId=image)
    r53.delete_hosted_zone(Id=zone["Id"])


def playbook(faulty: FaultyEndpoint, name: str, **extra):
    return run(
        [
            "ansible-playbook",
            "-i",
            "inventory/dev",
            f"playbooks/{name}.yml",
            "-e",
            json.dumps({**EXTRA, **extra}),
        ],
        env=dict(ENV, AWS_ENDPOINT_URL=faulty.url, MASCLET_PROJECT=PROJECT),
        unset_prefix="AWS_",
        timeout=900,
    )


def test_the_launch_waits_for_a_new_instance_profile(endpoint):
    endpoint.fail(
        "RunInstances",
        "InvalidParameterValue",
        f"Value (arn:aws:iam::123456789012:instance-profile/{PROJECT}-dev-app) for parameter "
        "iamInstanceProfile.arn is invalid. Invalid IAM Instance Profile ARN",
        times=2,
    )
    proc = playbook(endpoint, "provision")
    assert proc.returncode == 0, proc.stdout[-6000:]
    # Two launches refused, the third one made the instance; one instance, with its profile.
    assert endpoint.refused["RunInstances"] == 2
    assert endpoint.calls["RunInstances"] == 3
    instances = [
        i
        for r in client("ec2").describe_instances(
            Filters=[
                {"Name": "tag:project", "Values": [PROJECT]},
                {"Name": "instance-state-name", "Values": ["running"]},
            ]
        )["Reservations"]
        for i in r["Instances"]
    ]
    assert len(instances) == 1, instances
    assert instances[0]["IamInstanceProfile"]["Arn"].endswith(f"/{PROJECT}-dev-app")


def test_any_other_teardown_error_stops_at_its_first_answer(endpoint):
    endpoint.fail(
        "DeleteSecurityGroup",
        "UnauthorizedOperation",
        "You are not authorized to perform this operation.",
        times=1,
    )
    before = endpoint.calls["DeleteSecurityGroup"]
    proc = playbook(endpoint, "teardown", teardown_confirm=f"{PROJECT}-dev")
    assert proc.returncode != 0
    assert "not authorized" in proc.stdout, proc.stdout[-4000:]
    assert endpoint.calls["DeleteSecurityGroup"] - before == 1
    assert tagged(PROJECT, "dev").get("security_groups")


def test_teardown_waits_until_the_security_group_is_free(endpoint):
    endpoint.fail(
        "DeleteSecurityGroup",
        "DependencyViolation",
        "resource sg-0 has a dependent object",
        times=2,
    )
    before = endpoint.calls["DeleteSecurityGroup"]
    proc = playbook(endpoint, "teardown", teardown_confirm=f"{PROJECT}-dev")
    assert proc.returncode == 0, proc.stdout[-6000:]
    assert endpoint.calls["DeleteSecurityGroup"] - before == 3
    assert tagged(PROJECT, "dev") == {"buckets": [f"{PROJECT}-dev-backups"]}


def module_run(faulty: FaultyEndpoint, module: str, args: str):
    """One of library/'s modules, run by Ansible on the controller, through the endpoint."""
    return run(
        [
            "ansible",
            "localhost",
            "-i",
            "localhost,",
            "-c",
            "local",
            "-e",
            f"ansible_python_interpreter={sys.executable}",
            "-m",
            module,
            "-a",
            args,
        ],
        env=dict(ENV, AWS_ENDPOINT_URL=faulty.url),
        unset_prefix="AWS_",
        timeout=300,
    )


def test_the_project_modules_wait_out_throttling_and_stop_on_a_denial():
    """module_utils/masclet_aws.py: throttling is retried with jittered backoff past botocore's
    own five attempts; a denial is answered at once, with what to grant."""
    with FaultyEndpoint() as faulty:
        faulty.fail("DescribeInstanceTypeOfferings", "RequestLimitExceeded", "Request limit", 6)
        proc = module_run(faulty, "ec2_offering_info", "instance_type=t3.micro")
        assert proc.returncode == 0, proc.stdout[-3000:]
        assert '"instance_type_offered": true' in proc.stdout, proc.stdout[-3000:]
        assert faulty.refused["DescribeInstanceTypeOfferings"] == 6
        assert faulty.calls["DescribeInstanceTypeOfferings"] == 7

        faulty.fail("DescribeInstanceTypeOfferings", "UnauthorizedOperation", "Not allowed", 1)
        before = faulty.calls["DescribeInstanceTypeOfferings"]
        proc = module_run(faulty, "ec2_offering_info", "instance_type=t3.micro")
        assert proc.returncode != 0
        assert "grant ec2:DescribeRegions" in proc.stdout, proc.stdout[-3000:]
        assert faulty.calls["DescribeInstanceTypeOfferings"] - before == 1
