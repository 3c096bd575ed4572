"""library/s3_bucket_name_info.py against moto in-process: a name this account owns, a free
one, and one another account holds (moto keeps buckets per account, names global)."""

import boto3
import pytest
from moto import mock_aws

from tests.unit.awsmodules import aws_env, load, runner

names = load("s3_bucket_name_info")
OTHER_ACCOUNT = "111111111111"


@pytest.fixture
def check(monkeypatch, capsys):
    aws_env(monkeypatch)
    with mock_aws():
        yield runner(names, capsys), monkeypatch


def create_bucket(name):
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )


def test_owned_free_and_taken(check):
    run, monkeypatch = check
    monkeypatch.setenv("MOTO_ACCOUNT_ID", OTHER_ACCOUNT)
    create_bucket("someone-elses-backups")
    monkeypatch.delenv("MOTO_ACCOUNT_ID")
    create_bucket("masclet-dev-backups")

    result = run(
        region="eu-west-1",
        names=["masclet-dev-backups", "masclet-dev-frontend", "someone-elses-backups"],
    )
    assert result["changed"] is False
    assert [b["state"] for b in result["buckets"]] == ["owned", "free", "taken"]
    assert result["taken"] == ["someone-elses-backups"]


def test_check_mode_gives_the_same_answer(check):
    run, _ = check
    create_bucket("masclet-dev-backups")
    normal = run(region="eu-west-1", names=["masclet-dev-backups", "free-name-0"])
    checked = run(check=True, region="eu-west-1", names=["masclet-dev-backups", "free-name-0"])
    assert normal["buckets"] == checked["buckets"]
