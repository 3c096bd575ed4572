"""library/ec2_offering_info.py against moto in-process (read-only: no create/update/delete;
check mode must give the same answer)."""

import json

import pytest
from moto import mock_aws
from moto.ec2.responses.instances import InstanceResponse

from tests.unit.awsmodules import aws_env, load, runner

offering = load("ec2_offering_info")
PRICES = {"t2.micro": 0.0126, "t3.micro": 0.0114}


@pytest.fixture
def check(monkeypatch, capsys):
    aws_env(monkeypatch)
    with mock_aws():
        yield runner(offering, capsys)


def test_unknown_region_is_caught_offline(monkeypatch, capsys):
    # No moto and no credentials: the region name alone is checked, AWS is never called.
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    result = runner(offering, capsys)(region="eu-fake-9", check_account=False)
    assert result["region_known"] is False
    assert "eu-west-1" in result["known_regions"]
    assert "region_enabled" not in result


def test_offered_type_and_free_tier(check):
    result = check(region="eu-west-1", instance_type="t3.micro")
    assert result["changed"] is False
    assert result["region_known"] and result["region_enabled"]
    assert result["instance_type_offered"] is True
    assert result["free_tier_eligible"] is True
    assert result["memory_mib"] == 1024
    assert result["advice"] == []


def test_older_generation_and_not_free(check):
    result = check(
        region="eu-west-1",
        instance_type="t2.micro",
        successors={"t2": "t3"},
        hourly_prices=PRICES,
    )
    assert result["successor"] == "t3.micro"
    assert result["successor_free_tier_eligible"] is True
    advice = " | ".join(result["advice"])
    assert "t2.micro is an older generation: t3.micro costs less" in advice
    assert "not free-tier eligible" in advice
    assert "t2.micro is an older generation" in json.dumps(result.get("warnings"))


def test_type_not_offered(check):
    result = check(region="eu-west-1", instance_type="x9z.mega")
    assert result["instance_type_offered"] is False
    assert "free_tier_eligible" not in result


def test_check_mode_gives_the_same_answer(check):
    normal = check(region="eu-west-1", instance_type="t3.micro")
    checked = check(check=True, region="eu-west-1", instance_type="t3.micro")
    for key in ("instance_type_offered", "free_tier_eligible", "region_enabled"):
        assert normal[key] == checked[key]
    assert checked["changed"] is False


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("UnauthorizedOperation", "grant ec2:DescribeRegions"),
        ("RequestLimitExceeded", "wait a minute"),
    ],
)
def test_aws_errors_are_actionable(check, monkeypatch, code, hint):
    # One attempt: the retries themselves are tested against a throttling endpoint
    # (tests/integration/test_aws_transient_errors.py).
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    from moto.ec2.exceptions import EC2ClientError

    def refuse(self):
        raise EC2ClientError(code, "refused by the test")

    monkeypatch.setattr(InstanceResponse, "describe_instance_type_offerings", refuse)
    result = check(region="eu-west-1", instance_type="t3.micro")
    assert result["failed"] is True
    assert hint in result["msg"] and code in result["msg"], result["msg"]
