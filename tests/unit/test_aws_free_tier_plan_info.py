"""library/aws_free_tier_plan_info.py: the account's free-tier regime, or why it is unknown.

moto 5.2.5 does not implement the Free Tier API: in-process that is the "unknown" path;
the answers of a real account are replayed with botocore's Stubber.
"""

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from tests.unit.awsmodules import aws_env, load, runner

plan_info = load("aws_free_tier_plan_info")


@pytest.fixture
def run(monkeypatch, capsys):
    aws_env(monkeypatch)
    return runner(plan_info, capsys)


def test_unknown_when_the_api_is_missing(run):
    with mock_aws():
        result = run()
    assert result["changed"] is False
    assert result["regime"] == "unknown"
    assert "Free Tier API" in result["reason"]


def _stubbed(monkeypatch, response=None, error=None):
    client = boto3.client("freetier", region_name="us-east-1")
    stub = Stubber(client)
    if error:
        stub.add_client_error("get_account_plan_state", service_error_code=error)
    else:
        stub.add_response("get_account_plan_state", response)
    stub.activate()
    monkeypatch.setattr(
        plan_info.AnsibleAWSModule, "client", lambda self, service, **kw: client, raising=True
    )
    return stub


def test_free_plan(run, monkeypatch):
    _stubbed(
        monkeypatch,
        {
            "accountId": "123456789012",
            "accountPlanType": "FREE",
            "accountPlanStatus": "ACTIVE",
            "accountPlanRemainingCredits": {"amount": 140.5, "unit": "USD"},
            "accountPlanExpirationDate": dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
        },
    )
    result = run(check=True)
    assert result["regime"] == "free_plan"
    assert result["credits_remaining"] == 140.5
    assert result["expires"].startswith("2026-03-01")


def test_paid_plan(run, monkeypatch):
    _stubbed(
        monkeypatch,
        {
            "accountId": "123456789012",
            "accountPlanType": "PAID",
            "accountPlanStatus": "ACTIVE",
        },
    )
    assert run()["regime"] == "paid_plan"


def test_denied_is_explained(run, monkeypatch):
    _stubbed(monkeypatch, error="AccessDeniedException")
    result = run()
    assert result["regime"] == "unknown"
    assert "freetier:GetAccountPlanState is denied" in result["reason"]
