"""Terminate the local environment's instance in moto when its stand-in container is made
anew (scripts/local-up.sh): provision then launches a new one, and its host keys are
recorded afresh, as for an instance that really was replaced.

Usage: local-instance-gone.py ENDPOINT [ENVIRONMENT [PROFILE CREDENTIALS_FILE]]
  (project from MASCLET_PROJECT, default masclet; environment local by default, in moto's
  default account unless a profile of the credentials file names another one)
"""

import os
import sys

import boto3


def main(endpoint: str, environment: str = "local", profile: str = "", creds: str = "") -> None:
    if profile:
        os.environ["AWS_SHARED_CREDENTIALS_FILE"] = creds
        session = boto3.Session(profile_name=profile)
    else:
        session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    ec2 = session.client(
        "ec2", endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION") or "eu-west-1"
    )
    filters = [
        {"Name": "tag:project", "Values": [os.environ.get("MASCLET_PROJECT") or "masclet"]},
        {"Name": "tag:environment", "Values": [environment]},
        {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]},
    ]
    ids = [
        i["InstanceId"]
        for r in ec2.describe_instances(Filters=filters)["Reservations"]
        for i in r["Instances"]
    ]
    if ids:
        # AWS disassociates an Elastic IP from an instance it terminates (moto does not): the
        # next provision then finds it free and reuses it, as on AWS.
        for address in ec2.describe_addresses()["Addresses"]:
            if address.get("InstanceId") in ids and address.get("AssociationId"):
                ec2.disassociate_address(AssociationId=address["AssociationId"])
        ec2.terminate_instances(InstanceIds=ids)
        print(f"local-up: the previous {environment} instance is gone: {', '.join(ids)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
