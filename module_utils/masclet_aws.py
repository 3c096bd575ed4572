"""What this project's AWS modules (library/*.py) share.

* client(): a boto3 client whose every call goes through amazon.aws's AWSRetry jittered
  backoff on throttling (the collection's own practice), on top of botocore's retries.
  Paginators are not covered: wrap a whole pagination in retrying().
* refuse(): the failure for an error AWS kept answering, with one line the operator can act on.
* warn(): a warning shown once.
"""

from __future__ import annotations

try:
    import botocore.exceptions
except ImportError:  # AnsibleAWSModule reports the missing library
    botocore = None

from ansible.module_utils.common.warnings import warn as _warn
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Throttling answered on every attempt stops after about a minute of waiting; an error that
# is not throttling (a denial, a stand-in's missing API) is never retried.
RETRIES = 8
DENIED = ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthFailure")
THROTTLED = (
    "Throttling",
    "ThrottlingException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
)
LIMIT = ("LimitExceeded", "LimitExceededException", "ServiceQuotaExceededException")

retrying = AWSRetry.jittered_backoff(
    retries=RETRIES,
    delay=1,
    max_delay=20,
    catch_extra_error_codes=["ThrottlingException"],
)


class _Retrying:
    """A boto3 client whose API calls all go through retrying()."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        attr = getattr(self._client, name)
        if name in ("get_paginator", "get_waiter") or not callable(attr):
            return attr
        return retrying(attr)


def client(module, service: str, **kwargs):
    """module.client() whose calls ride out throttling; kwargs as for AnsibleAWSModule.client."""
    return _Retrying(module.client(service, **kwargs))


def error_code(exc) -> str:
    if botocore is not None and isinstance(exc, botocore.exceptions.ClientError):
        return exc.response.get("Error", {}).get("Code", "")
    return ""


def refuse(module, exc, action: str, access_hint: str, service: str = "AWS", limit_hint=None):
    """fail_json_aws naming what the operator can do about a denial, throttling or a quota."""
    code = error_code(exc)
    if code in DENIED:
        hint = access_hint
    elif code in THROTTLED:
        hint = f"AWS still throttled the call after {RETRIES} retries: wait a minute and run again"
    elif code in LIMIT:
        hint = limit_hint or "an account limit was reached: raise it in Service Quotas"
    else:
        module.fail_json_aws(exc, msg=f"{service} refused to {action}")
    module.fail_json_aws(exc, msg=f"{service} refused to {action} ({code}): {hint}")


def warn(message: str) -> None:
    """AnsibleAWSModule.warn also copies warnings into the result, which ansible-core 2.19
    shows twice; the common warnings list is the one exit_json reports."""
    _warn(message)
