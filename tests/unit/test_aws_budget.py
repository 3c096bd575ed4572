"""library/aws_budget.py against moto in-process: create, no-op, update, delete, check mode.

moto 5.2.5 keeps budgets and their subscribers but does not answer UpdateBudget nor
DescribeSubscribersForNotification; the ``full_api`` fixture adds those two handlers on top
of moto's own budget store, as the real API has them. ``test_missing_subscriber_api`` runs
without them, as the moto server does.
"""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.budgets.models import budgets_backends
from moto.budgets.responses import BudgetsResponse

from tests.unit.awsmodules import ACCOUNT, aws_env, load, runner

aws_budget = load("aws_budget")
NAME = "unit-monthly"
ALERTS = [{"threshold": 80}, {"threshold": 100, "notification_type": "FORECASTED"}]


def _update_budget(self):
    new = self._get_param("NewBudget")
    budget = self.backend.budgets[self._get_param("AccountId")][new["BudgetName"]]
    budget.budget.update(new)
    return json.dumps({})


def _describe_subscribers(self):
    budget = self.backend.budgets[self._get_param("AccountId")][self._get_param("BudgetName")]
    wanted = self._get_param("Notification")
    for note in budget.notifications:
        if note.details == wanted:
            return json.dumps({"Subscribers": note.subscribers})
    return json.dumps({"Subscribers": []})


@pytest.fixture
def budgets(monkeypatch):
    aws_env(monkeypatch)
    with mock_aws():
        yield boto3.client("budgets", region_name="us-east-1")


@pytest.fixture
def full_api(monkeypatch, budgets):
    monkeypatch.setattr(BudgetsResponse, "update_budget", _update_budget, raising=False)
    monkeypatch.setattr(
        BudgetsResponse,
        "describe_subscribers_for_notification",
        _describe_subscribers,
        raising=False,
    )
    return budgets


@pytest.fixture
def budget(capsys):
    run = runner(aws_budget, capsys)

    def _run(check=False, **params):
        return run(check=check, **{"name": NAME, **params})

    return _run


def _limit(client):
    return client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]["BudgetLimit"]


def _subscribers(threshold=80.0, kind="ACTUAL"):
    """What moto's store holds for a notification (the API cannot say, see above)."""
    note = {
        "NotificationType": kind,
        "ComparisonOperator": "GREATER_THAN",
        "Threshold": threshold,
        "ThresholdType": "PERCENTAGE",
    }
    backend = budgets_backends[ACCOUNT]["aws"]
    for found in backend.budgets[ACCOUNT][NAME].notifications:
        if found.details == note:
            return sorted(s["Address"] for s in found.subscribers)
    return None


def test_create_then_noop(full_api, budget):
    first = budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    assert first["changed"] is True, first
    assert float(_limit(full_api)["Amount"]) == 10
    notes = full_api.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=NAME)
    assert {n["Threshold"] for n in notes["Notifications"]} == {80.0, 100.0}
    assert _subscribers() == ["ops@example.org"]

    again = budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    assert again["changed"] is False, again
    assert again["diff"]["before"] == again["diff"]["after"]


def test_update_amount_alerts_and_address(full_api, budget):
    budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    result = budget(
        amount=25,
        notifications=[{"threshold": 90}],
        subscribers=["billing@example.org"],
    )
    assert result["changed"] is True
    assert result["diff"]["before"]["amount"] == "10"
    assert result["diff"]["after"]["amount"] == "25"
    assert float(_limit(full_api)["Amount"]) == 25
    notes = full_api.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=NAME)
    assert [n["Threshold"] for n in notes["Notifications"]] == [90.0]
    assert _subscribers(90.0) == ["billing@example.org"]

    # Only the address changes: the notification is replaced with the new subscriber.
    result = budget(amount=25, notifications=[{"threshold": 90}], subscribers=["x@example.org"])
    assert result["changed"] is True
    assert _subscribers(90.0) == ["x@example.org"]


def test_check_mode_changes_nothing(full_api, budget):
    result = budget(check=True, amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    with pytest.raises(ClientError):
        _limit(full_api)

    budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    result = budget(check=True, amount=99, notifications=ALERTS, subscribers=["ops@example.org"])
    assert result["changed"] is True
    assert float(_limit(full_api)["Amount"]) == 10
    result = budget(check=True, state="absent")
    assert result["changed"] is True
    assert float(_limit(full_api)["Amount"]) == 10


def test_delete(full_api, budget):
    budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    result = budget(state="absent")
    assert result["changed"] is True
    with pytest.raises(ClientError):
        _limit(full_api)
    assert budget(state="absent")["changed"] is False


def test_missing_subscriber_api(budgets, budget):
    """As on the moto server: existing subscribers cannot be read, a re-run stays idle."""
    assert budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])["changed"]
    again = budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    assert again["changed"] is False
    assert "DescribeSubscribersForNotification" in json.dumps(again.get("warnings")), again


def test_bad_input_is_refused(budgets, budget):
    result = budget(amount=10, notifications=ALERTS, subscribers=[])
    assert result["failed"] is True
    assert "subscribers is empty" in result["msg"]
    result = budget(amount=0)
    assert result["failed"] is True and "greater than 0" in result["msg"]


@pytest.mark.parametrize(
    ("code", "hint"),
    [
        ("AccessDeniedException", "grant budgets:ViewBudget"),
        ("ThrottlingException", "wait a minute"),
        ("LimitExceededException", "quota"),
    ],
)
def test_aws_errors_are_actionable(budgets, budget, monkeypatch, code, hint):
    # One attempt: the retries themselves are tested against a throttling endpoint
    # (tests/integration/test_aws_transient_errors.py).
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")

    def refuse(self):
        from moto.core.exceptions import JsonRESTError

        raise JsonRESTError(code, "refused by the test")

    monkeypatch.setattr(BudgetsResponse, "describe_budget", refuse)
    result = budget(amount=10, notifications=ALERTS, subscribers=["ops@example.org"])
    assert result["failed"] is True
    assert hint in result["msg"], result["msg"]
    assert code in result["msg"]
