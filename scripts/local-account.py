"""A second AWS account in the local AWS API (moto), for the client's side of an account
move (playbooks/migrate-account.yml): moto keeps resources per account, and credentials
from sts:AssumeRole into another account id act in that account, as a cross-account role
does on AWS. The credentials go to an AWS shared-credentials file under a profile name.

moto keeps nothing on disk: after it restarts, old credentials fall back to its default
account. They are checked with sts:GetCallerIdentity and made anew when that happens.

Usage: local-account.py ENDPOINT ACCOUNT_ID PROFILE CREDENTIALS_FILE
"""

import configparser
import os
import sys
from pathlib import Path

import boto3

REGION = os.environ.get("AWS_REGION") or "eu-west-1"


def caller_account(endpoint: str, creds: dict) -> str:
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=REGION, **creds)
    try:
        return sts.get_caller_identity()["Account"]
    except Exception:  # unknown or malformed credentials: make new ones
        return ""


def main(endpoint: str, account_id: str, profile: str, path: str) -> None:
    file = Path(path)
    ini = configparser.ConfigParser()
    ini.read(file)
    if ini.has_section(profile) and caller_account(endpoint, dict(ini[profile])) == account_id:
        return
    sts = boto3.client(
        "sts",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    role = f"arn:aws:iam::{account_id}:role/{profile}"
    got = sts.assume_role(RoleArn=role, RoleSessionName=profile, DurationSeconds=43200)
    creds = got["Credentials"]
    ini[profile] = {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        ini.write(out)
    if caller_account(endpoint, dict(ini[profile])) != account_id:
        sys.exit(f"local-account: credentials from {role} do not act in {account_id}")
    print(f"local-account: profile {profile} acts in account {account_id} ({file})")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
