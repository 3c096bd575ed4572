#!/usr/bin/python
# Copyright: (c) 2026, Masclet Imperi Web deployment project
# MIT License (see the project's README)
"""Which free-tier regime does the account have? (AWS Free Tier API, GetAccountPlanState)."""

from __future__ import annotations

try:
    import botocore
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: aws_free_tier_plan_info
short_description: Read the account's AWS Free Tier plan (Free or Paid plan, credits left)
version_added: "1.0.0"
description:
  - Accounts opened on or after 15 July 2025 get a Free or a Paid plan with signup credits
    instead of the legacy 12-month free tier. This module asks the AWS Free Tier API
    (C(GetAccountPlanState)) which plan the account has, its status, the credits left and
    when the Free plan ends.
  - When the API does not answer (older accounts, missing permission, or an AWS stand-in that
    lacks it) the module does not fail; it returns RV(regime=unknown) and the reason, so that
    the caller falls back to what the operator declared.
  - No collection module reads the Free Tier API. Read-only; runs unchanged in check mode.
author:
  - Masclet Imperi Web deployment project
options: {}
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
notes:
  - Needs C(freetier:GetAccountPlanState). The API lives in C(us-east-1); the module uses that
    region whatever O(region) says.
"""

EXAMPLES = r"""
- name: Which regime does this account have?
  aws_free_tier_plan_info:
  register: plan

- name: Say it
  ansible.builtin.debug:
    msg: "{{ plan.regime }} ({{ plan.reason | default('answered by AWS') }})"
"""

RETURN = r"""
regime:
  description:
    - C(free_plan) or C(paid_plan) (accounts opened since 15 July 2025), or C(unknown) when
      the API did not answer (legacy accounts are among those).
  returned: always
  type: str
  sample: free_plan
status:
  description: The plan's status as AWS reports it (C(ACTIVE), C(EXPIRED), ...).
  returned: when the API answered
  type: str
credits_remaining:
  description: Signup credits left, in RV(credits_unit).
  returned: when the API answered
  type: float
credits_unit:
  description: Currency of RV(credits_remaining).
  returned: when the API answered
  type: str
expires:
  description: When the Free plan ends (ISO 8601), if it has an end.
  returned: when the API answered
  type: str
reason:
  description: Why the regime is unknown.
  returned: when RV(regime=unknown)
  type: str
"""


def main():
    module = AnsibleAWSModule(argument_spec={}, supports_check_mode=True)
    client = aws.client(module, "freetier", region="us-east-1")
    result = {"changed": False, "regime": "unknown"}
    try:
        state = client.get_account_plan_state()
    except NotImplementedError as exc:  # in-process AWS stand-ins
        result["reason"] = f"the Free Tier API is not available here ({exc})"
        module.exit_json(**result)
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code in ("AccessDeniedException", "AccessDenied"):
            reason = "freetier:GetAccountPlanState is denied to this identity"
        elif code in ("ThrottlingException", "Throttling"):
            reason = "the Free Tier API is throttling; run again later for a definite answer"
        else:
            reason = f"the Free Tier API did not answer ({code or 'error'})"
        result["reason"] = reason
        module.exit_json(**result)
    except botocore.exceptions.BotoCoreError as exc:
        result["reason"] = f"the Free Tier API could not be reached ({exc})"
        module.exit_json(**result)

    plan = str(state.get("accountPlanType", "")).upper()
    result["regime"] = {"FREE": "free_plan", "PAID": "paid_plan"}.get(plan, "unknown")
    if result["regime"] == "unknown":
        result["reason"] = f"unexpected plan type {plan!r}"
    result["status"] = state.get("accountPlanStatus", "")
    credits = state.get("accountPlanRemainingCredits") or {}
    result["credits_remaining"] = float(credits.get("amount", 0.0))
    result["credits_unit"] = credits.get("unit", "USD")
    expires = state.get("accountPlanExpirationDate")
    result["expires"] = expires.isoformat() if hasattr(expires, "isoformat") else ""
    module.exit_json(**result)


if __name__ == "__main__":
    main()
