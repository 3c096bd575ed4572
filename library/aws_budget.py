#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Manage an AWS Budget (cost budget with e-mail alerts)."""

from __future__ import annotations

from decimal import Decimal

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: aws_budget
short_description: Manage an AWS cost budget and its e-mail alerts
version_added: "1.0.0"
description:
  - Creates, updates or deletes a cost budget in AWS Budgets for the account of the
    credentials in use, with notifications sent to e-mail subscribers.
  - Neither C(amazon.aws) nor C(community.aws) ships a module for AWS Budgets.
  - Idempotent; supports check mode and diff mode.
  - When the API does not answer C(DescribeSubscribersForNotification) (some local AWS
    stand-ins lack it), the subscribers of existing notifications are left as they are and
    a warning says so.
author:
  - Masclet Imperi Web deployment project
options:
  name:
    description: Name of the budget, unique in the account.
    type: str
    required: true
  state:
    description: Whether the budget should exist.
    type: str
    choices: [present, absent]
    default: present
  amount:
    description:
      - The budget limit, in O(currency), per O(time_unit).
      - Required when O(state=present).
    type: float
  currency:
    description: Unit of O(amount). AWS Budgets accepts only C(USD) for cost budgets.
    type: str
    default: USD
  time_unit:
    description: The period the limit covers.
    type: str
    choices: [MONTHLY, QUARTERLY, ANNUALLY]
    default: MONTHLY
  notifications:
    description:
      - Alerts of the budget. Notifications not listed here are removed.
    type: list
    elements: dict
    default: []
    suboptions:
      threshold:
        description: >-
          Percentage of the limit, or an amount (see O(notifications[].threshold_type)).
        type: float
        required: true
      notification_type:
        description: C(ACTUAL) spend or C(FORECASTED) spend.
        type: str
        choices: [ACTUAL, FORECASTED]
        default: ACTUAL
      comparison:
        description: How spend is compared with the threshold.
        type: str
        choices: [GREATER_THAN, LESS_THAN, EQUAL_TO]
        default: GREATER_THAN
      threshold_type:
        description: Whether O(notifications[].threshold) is a percentage of the limit or an amount.
        type: str
        choices: [PERCENTAGE, ABSOLUTE_VALUE]
        default: PERCENTAGE
  subscribers:
    description:
      - E-mail addresses that every notification is sent to.
      - Required (at least one) when O(notifications) is not empty.
    type: list
    elements: str
    default: []
  account_id:
    description: Account that owns the budget. Defaults to the account of the credentials.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(budgets:ViewBudget) and C(budgets:ModifyBudget), and C(sts:GetCallerIdentity)
    unless O(account_id) is given.
"""

EXAMPLES = r"""
- name: A monthly budget of 10 USD with alerts at 80 % actual and 100 % forecasted spend
  aws_budget:
    name: masclet-prod-monthly
    amount: 10
    notifications:
      - threshold: 80
      - threshold: 100
        notification_type: FORECASTED
    subscribers: [ops@example.org]

- name: Remove it
  aws_budget:
    name: masclet-prod-monthly
    state: absent
"""

RETURN = r"""
budget:
  description: The budget as AWS describes it (empty when absent).
  returned: always
  type: dict
  sample:
    budget_name: masclet-prod-monthly
    budget_limit: {amount: "10.0", unit: USD}
    time_unit: MONTHLY
    budget_type: COST
notifications:
  description: The notifications the budget has after the run.
  returned: always
  type: list
  elements: dict
  sample:
    - {notification_type: ACTUAL, comparison_operator: GREATER_THAN, threshold: 80.0,
       threshold_type: PERCENTAGE}
account_id:
  description: The account the budget belongs to.
  returned: always
  type: str
  sample: "123456789012"
"""


_ACCESS = (
    "grant budgets:ViewBudget and budgets:ModifyBudget to this identity "
    "(or run with a profile that has them)"
)
_LIMIT = "the account reached its AWS Budgets quota: delete unused budgets or ask AWS for more"


def _aws_fail(module, exc, action):
    aws.refuse(module, exc, action, _ACCESS, service="AWS Budgets", limit_hint=_LIMIT)


def _is_missing_api(exc):
    """True when the endpoint does not implement an action (local stand-ins)."""
    if isinstance(exc, NotImplementedError):
        return True
    if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = exc.response.get("Error", {}).get("Code", "")
        return status in (404, 500, 501) or code in ("500", "501", "InternalFailure")
    return False


def _notification(spec):
    return {
        "NotificationType": spec["notification_type"],
        "ComparisonOperator": spec["comparison"],
        "Threshold": float(spec["threshold"]),
        "ThresholdType": spec["threshold_type"],
    }


def _key(notification):
    return (
        notification["NotificationType"],
        notification["ComparisonOperator"],
        float(notification["Threshold"]),
        notification.get("ThresholdType", "PERCENTAGE"),
    )


class Budget:
    def __init__(self, module, client, account_id):
        self.module = module
        self.client = client
        self.account_id = account_id
        self.name = module.params["name"]
        self.subscribers_known = True

    def describe(self):
        try:
            return self.client.describe_budget(AccountId=self.account_id, BudgetName=self.name)[
                "Budget"
            ]
        except self.client.exceptions.NotFoundException:
            return None
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            _aws_fail(self.module, exc, f"describe budget {self.name}")

    def notifications(self):
        try:
            found = self.client.describe_notifications_for_budget(
                AccountId=self.account_id, BudgetName=self.name
            )
        except self.client.exceptions.NotFoundException:
            return []
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            _aws_fail(self.module, exc, f"list the notifications of budget {self.name}")
        return found.get("Notifications", [])

    def subscribers(self, notification):
        """Sorted e-mail addresses of a notification, or None when the API cannot tell."""
        if not self.subscribers_known:
            return None
        try:
            found = self.client.describe_subscribers_for_notification(
                AccountId=self.account_id, BudgetName=self.name, Notification=notification
            )
        except Exception as exc:
            if _is_missing_api(exc):
                self.subscribers_known = False
                aws.warn(
                    "this AWS endpoint does not answer DescribeSubscribersForNotification: "
                    "the subscribers of existing budget notifications were left as they are",
                )
                return None
            if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
                _aws_fail(self.module, exc, f"list the subscribers of budget {self.name}")
            raise
        return sorted(s["Address"] for s in found.get("Subscribers", []))


def _state_view(budget, notifications):
    if budget is None:
        return {}
    limit = budget.get("BudgetLimit", {})
    return {
        "amount": f"{Decimal(str(limit.get('Amount', '0'))).normalize():f}",
        "currency": limit.get("Unit"),
        "time_unit": budget.get("TimeUnit"),
        "notifications": sorted(
            [
                {
                    "notification_type": n["NotificationType"],
                    "comparison": n["ComparisonOperator"],
                    "threshold": float(n["Threshold"]),
                    "threshold_type": n.get("ThresholdType", "PERCENTAGE"),
                    "subscribers": subs,
                }
                for n, subs in notifications
            ],
            key=lambda n: (n["notification_type"], n["threshold"]),
        ),
    }


def ensure_present(module, budgets):
    params = module.params
    wanted_budget = {
        "BudgetName": budgets.name,
        "BudgetLimit": {"Amount": str(params["amount"]), "Unit": params["currency"]},
        "TimeUnit": params["time_unit"],
        "BudgetType": "COST",
    }
    emails = sorted(set(params["subscribers"]))
    subscribers = [{"SubscriptionType": "EMAIL", "Address": a} for a in emails]
    wanted = {_key(_notification(n)): _notification(n) for n in params["notifications"]}

    current = budgets.describe()
    current_notes = budgets.notifications() if current else []
    before = _state_view(current, [(n, budgets.subscribers(n)) for n in current_notes])
    after = _state_view(wanted_budget, [(n, emails) for n in wanted.values()])
    if not budgets.subscribers_known:
        # Unknown subscribers cannot be compared: keep them out of the diff.
        for view in (before, after):
            for n in view.get("notifications", []):
                n.pop("subscribers", None)

    changed = before != after
    if not changed or module.check_mode:
        return changed, before, after, current

    try:
        if current is None:
            budgets.client.create_budget(
                AccountId=budgets.account_id,
                Budget=wanted_budget,
                NotificationsWithSubscribers=[
                    {"Notification": n, "Subscribers": subscribers} for n in wanted.values()
                ],
            )
        else:
            if (before["amount"], before["currency"], before["time_unit"]) != (
                after["amount"],
                after["currency"],
                after["time_unit"],
            ):
                new_budget = dict(current)
                new_budget.update(wanted_budget)
                for volatile in ("CalculatedSpend", "LastUpdatedTime"):
                    new_budget.pop(volatile, None)
                budgets.client.update_budget(AccountId=budgets.account_id, NewBudget=new_budget)
            have = {_key(n): n for n in current_notes}
            removed = set()
            for key, note in have.items():
                subs = budgets.subscribers(note)
                if key not in wanted or (subs is not None and subs != emails):
                    budgets.client.delete_notification(
                        AccountId=budgets.account_id, BudgetName=budgets.name, Notification=note
                    )
                    removed.add(key)
            for key, note in wanted.items():
                if key not in have or key in removed:
                    budgets.client.create_notification(
                        AccountId=budgets.account_id,
                        BudgetName=budgets.name,
                        Notification=note,
                        Subscribers=subscribers,
                    )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
        _aws_fail(module, exc, f"write budget {budgets.name}")
    return True, before, after, budgets.describe()


def ensure_absent(module, budgets):
    current = budgets.describe()
    if current is None:
        return False, {}, {}, None
    before = _state_view(current, [(n, None) for n in budgets.notifications()])
    for n in before.get("notifications", []):
        n.pop("subscribers", None)
    if not module.check_mode:
        try:
            budgets.client.delete_budget(AccountId=budgets.account_id, BudgetName=budgets.name)
        except budgets.client.exceptions.NotFoundException:
            pass
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            _aws_fail(module, exc, f"delete budget {budgets.name}")
    return True, before, {}, None


def main():
    argument_spec = dict(
        name=dict(type="str", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        amount=dict(type="float"),
        currency=dict(type="str", default="USD"),
        time_unit=dict(type="str", choices=["MONTHLY", "QUARTERLY", "ANNUALLY"], default="MONTHLY"),
        notifications=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                threshold=dict(type="float", required=True),
                notification_type=dict(
                    type="str", choices=["ACTUAL", "FORECASTED"], default="ACTUAL"
                ),
                comparison=dict(
                    type="str",
                    choices=["GREATER_THAN", "LESS_THAN", "EQUAL_TO"],
                    default="GREATER_THAN",
                ),
                threshold_type=dict(
                    type="str", choices=["PERCENTAGE", "ABSOLUTE_VALUE"], default="PERCENTAGE"
                ),
            ),
        ),
        subscribers=dict(type="list", elements="str", default=[]),
        account_id=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["amount"])],
    )
    if module.params["state"] == "present":
        if module.params["amount"] <= 0:
            module.fail_json(msg="amount must be greater than 0 (the budget limit per time_unit)")
        if module.params["notifications"] and not module.params["subscribers"]:
            module.fail_json(
                msg="subscribers is empty: give at least one e-mail address for the budget alerts"
            )

    account_id = module.params["account_id"]
    if not account_id:
        try:
            account_id = aws.client(module, "sts").get_caller_identity()["Account"]
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as exc:
            module.fail_json_aws(
                exc, msg="cannot tell the account id: set account_id or check the AWS credentials"
            )
    client = aws.client(module, "budgets")
    budgets = Budget(module, client, account_id)

    if module.params["state"] == "present":
        changed, before, after, current = ensure_present(module, budgets)
    else:
        changed, before, after, current = ensure_absent(module, budgets)

    notes = budgets.notifications() if current else []
    module.exit_json(
        changed=changed,
        account_id=account_id,
        budget=camel_dict_to_snake_dict(current or {}),
        notifications=[camel_dict_to_snake_dict(n) for n in notes],
        diff={"before": before, "after": after},
    )


if __name__ == "__main__":
    main()
