#!/usr/bin/python
"""Manage a CloudFront Function and its LIVE stage (no collection module does)."""

from __future__ import annotations

import contextlib
import re

with contextlib.suppress(ImportError):  # AnsibleAWSModule reports a missing botocore
    import botocore

from ansible.module_utils import masclet_aws as aws
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

DOCUMENTATION = r"""
---
module: cloudfront_function
short_description: Create, update, publish or delete a CloudFront Function
description:
  - Manages a CloudFront Function (the lightweight JavaScript functions that run at the edge
    on viewer requests and responses) by name, and publishes it so that its C(LIVE) stage,
    the one a distribution runs, holds the same code as its C(DEVELOPMENT) stage.
  - A distribution refers to the function by the ARN this module returns.
  - Supports check mode and diff (the code before and after).
version_added: "1.0.0"
author:
  - Masclet deployment project
options:
  name:
    description: Name of the function (unique in the account; letters, digits, C(-) and C(_)).
    type: str
    required: true
  code:
    description: The function's JavaScript source. Required with I(state=present).
    type: str
  comment:
    description: Free-text comment.
    type: str
    default: ""
  runtime:
    description: The JavaScript runtime the function is written for.
    type: str
    default: cloudfront-js-2.0
    choices: [cloudfront-js-1.0, cloudfront-js-2.0]
  state:
    description: Whether the function exists.
    type: str
    default: present
    choices: [present, absent]
notes:
  - Deleting a function still associated with a distribution fails; remove the association
    (or the distribution) first.
  - The local AWS API (moto) has no UpdateFunction or PublishFunction calls and answers a
    C(LIVE) read with the development code, so locally a function can be created and deleted
    but not changed.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Folder URLs to their index.html
  cloudfront_function:
    name: masclet-prod-subpages
    comment: /x/ and /x to /x/index.html
    code: "{{ lookup('ansible.builtin.file', 'viewer-request.js') }}"
  register: subpages

- name: Associate it with the default cache behaviour (viewer-request)
  ansible.builtin.debug:
    msg: "{{ subpages.function.arn }}"
"""

RETURN = r"""
function:
  description: The function (empty after deletion).
  returned: always
  type: dict
  contains:
    name:
      description: Its name.
      type: str
    arn:
      description: Its ARN, for a cache behaviour's function association.
      type: str
      sample: arn:aws:cloudfront::123456789012:function/masclet-prod-subpages
    comment:
      description: Its comment.
      type: str
    runtime:
      description: Its runtime.
      type: str
      sample: cloudfront-js-2.0
    published:
      description: Whether the LIVE stage runs the same code as the development stage.
      type: bool
"""

NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _read(client, name, stage):
    """(summary, etag, code) of one stage, or (None, None, None) when it does not exist."""
    try:
        described = client.describe_function(Name=name, Stage=stage)
        code = client.get_function(Name=name, Stage=stage)["FunctionCode"].read()
    except is_boto3_error_code(["NoSuchFunctionExists", "EntityNotFound"]):
        return None, None, None
    return described["FunctionSummary"], described["ETag"], code.decode()


def _out(summary, published):
    if not summary:
        return {}
    config = summary.get("FunctionConfig", {})
    return {
        "name": summary["Name"],
        "arn": summary["FunctionMetadata"]["FunctionARN"],
        "comment": config.get("Comment", ""),
        "runtime": config.get("Runtime", ""),
        "published": published,
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            code=dict(type="str"),
            comment=dict(type="str", default=""),
            runtime=dict(
                type="str",
                default="cloudfront-js-2.0",
                choices=["cloudfront-js-1.0", "cloudfront-js-2.0"],
            ),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        required_if=[("state", "present", ["code"])],
        supports_check_mode=True,
    )
    p = module.params
    if not NAME.match(p["name"]):
        module.fail_json(msg=f"name must be 1-64 letters, digits, '-' or '_' (got {p['name']!r})")
    client = aws.client(module, "cloudfront")
    name = p["name"]
    try:
        dev, etag, code = _read(client, name, "DEVELOPMENT")
        if p["state"] == "absent":
            if not dev:
                module.exit_json(changed=False, function={})
            if not module.check_mode:
                client.delete_function(Name=name, IfMatch=etag)
            module.exit_json(changed=True, function={}, diff={"before": code or "", "after": ""})

        config = {"Comment": p["comment"], "Runtime": p["runtime"]}
        if dev:
            have = dev.get("FunctionConfig", {})
            same = code == p["code"] and all(have.get(k) == v for k, v in config.items())
            _live, _live_etag, live_code = _read(client, name, "LIVE")
            published = live_code == code
            if same and published:
                module.exit_json(changed=False, function=_out(dev, True))
        else:
            same, published = False, False

        if module.check_mode:
            planned = dev or {
                "Name": name,
                "FunctionConfig": config,
                "FunctionMetadata": {"FunctionARN": ""},
            }
            module.exit_json(
                changed=True,
                function=_out(dict(planned, FunctionConfig=config), True),
                diff={"before": code or "", "after": p["code"]},
            )
        body = p["code"].encode()
        if not dev:
            made = client.create_function(Name=name, FunctionConfig=config, FunctionCode=body)
            dev, etag = made["FunctionSummary"], made["ETag"]
        elif not same:
            got = client.update_function(
                Name=name, IfMatch=etag, FunctionConfig=config, FunctionCode=body
            )
            dev, etag = got["FunctionSummary"], got["ETag"]
        # The LIVE stage is what distributions run: publish unless it already has this code.
        _live, _live_etag, live_code = _read(client, name, "LIVE")
        if live_code != p["code"]:
            client.publish_function(Name=name, IfMatch=etag)
        module.exit_json(
            changed=True,
            function=_out(dev, True),
            diff={"before": code or "", "after": p["code"]},
        )
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
        module.fail_json_aws(e, msg=f"Could not manage CloudFront Function {name}")


if __name__ == "__main__":
    main()
