"""Terminate the local environment's instance in moto when its stand-in container is made
anew (scripts/local-up.sh): provision then launches a new one, and its host keys are
recorded afresh, as for an instance that really was replaced.

Usage: local-instance-gone.py ENDPOINT   (project from MASCLET_PROJECT, default masclet)
"""

import os
import sys

import boto3


def main(endpoint: str) -> None:
    ec2 = boto3.client(
        "ec2",
        endpoint_url=endpoint,
        region_name=os.environ.get("AWS_REGION") or "eu-west-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    filters = [
        {"Name": "tag:project", "Values": [os.environ.get("MASCLET_PROJECT") or "masclet"]},
        {"Name": "tag:environment", "Values": ["local"]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]},
    ]
    ids = [
        i["InstanceId"]
        for r in ec2.describe_instances(Filters=filters)["Reservations"]
        for i in r["Instances"]
    ]
    if ids:
        ec2.terminate_instances(InstanceIds=ids)
        print(f"local-up: the previous local instance is gone: {', '.join(ids)}")


if __name__ == "__main__":
    main(sys.argv[1])
